"""Partitioned dedup fits (``stages/fit.py``): what both stages share, and exact dedup.

Both stages end the same way: *cluster files* (one per task of the last clustering
step, sorted by gid) list every document that is in a cluster of two or more, with
``label`` (the cluster's first document in input order, as ``keep.py`` names it),
``size``, ``dup_of`` (gid of the kept document it duplicates, -1 when kept) and
``jaccard``. Documents in no cluster file are alone: kept, label = themselves. The
``decide`` step (one task per work unit) reads its unit's observation file and its
gid range of every cluster file (a binary search in a memory-mapped file) and
writes the unit's decision file; the driver only adds up per-unit counters.

Keep order without a global rank: a document's place in keep order is
``(score_key, gid)``, where :func:`score_key` is 0 for ``first``, ``~length`` for
``longest`` and the descending, order-preserving int64 image of the keep column
otherwise, so comparing two keys orders two documents exactly as
``keep.keep_rank`` does, with no per-document array on the driver.

Exact dedup, partitioned: workers send ``(hash hi, hash lo, score_key)`` of every
non-null text to partition ``hi % partitions``; a ``group`` task per partition
sorts its rows by hash and writes the cluster file of its duplicate groups (label
= first member, kept = best keep key). Driver memory: the tasks' counters only.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from dataprep.io.shuffle import read_partition, read_table, write_table
from dataprep.output.columns import REASON_COL, REPEAT_COL, ROW_COL, SHARD_COL
from dataprep.stages.base import reasons_where
from dataprep.stages.fit import LOCAL_ROW_COL, FitEnv, Shuffled

from .corpus import KEEP_COL, LANG_COL, LENGTH_COL, _keep_numbers, open_observation
from .exact import HASH_COL, hash_words
from .keep import CLUSTER_COL, CLUSTER_SIZE_COL, KeepPolicy, _size_bucket

SCORE_COL = "score_key"
GID_COL = "gid"
CLUSTER_SCHEMA = pa.schema(
    [
        (GID_COL, pa.int64()),
        ("label", pa.int64()),
        ("size", pa.int32()),
        ("dup_of", pa.int64()),
        ("jaccard", pa.float32()),
    ]
)
_SIGN_OFF = np.int64(0x7FFFFFFFFFFFFFFF)


def score_key(obs: pa.RecordBatch, policy: KeepPolicy) -> np.ndarray:
    """int64 per row: smaller = kept first (ties by gid), as ``keep.keep_rank``."""
    n = obs.num_rows
    if policy.kind == "first":
        return np.zeros(n, dtype=np.int64)
    if policy.kind == "longest":
        return ~obs.column(LENGTH_COL).to_numpy().astype(np.int64)
    values = _keep_numbers(obs.column(KEEP_COL))
    if np.issubdtype(values.dtype, np.integer):
        return ~values.astype(np.int64)
    desc = -values.astype(np.float64) + 0.0  # -0.0 -> 0.0: equal scores tie, as in lexsort
    bits = desc.view(np.int64)
    return bits ^ ((bits >> np.int64(63)) & _SIGN_OFF)


def gids_of(env: FitEnv, pieces: Sequence[tuple[int, pa.Table]]) -> list[np.ndarray]:
    """The gid of every row of each ``(unit, table)`` piece read from a shuffle."""
    offsets = env.offsets
    return [offsets[u] + t.column(LOCAL_ROW_COL).to_numpy() for u, t in pieces]


def concat(arrays: Sequence[np.ndarray], dtype: Any) -> np.ndarray:
    return np.concatenate(arrays).astype(dtype) if arrays else np.empty(0, dtype=dtype)


def column(pieces: Sequence[tuple[int, pa.Table]], name: str, dtype: Any) -> np.ndarray:
    return concat([t.column(name).to_numpy() for _, t in pieces], dtype)


def write_clusters(path: Path, rows: dict[str, np.ndarray]) -> dict[str, Any]:
    """Write a cluster file (sorted by gid); its counters for the fit summary."""
    order = np.argsort(rows[GID_COL], kind="stable")
    table = pa.table(
        {f.name: pa.array(rows[f.name][order], type=f.type) for f in CLUSTER_SCHEMA},
        schema=CLUSTER_SCHEMA,
    )
    write_table(path, table)
    kept = rows["dup_of"] < 0
    sizes = rows["size"][kept].astype(np.int64)
    values, counts = np.unique(sizes, return_counts=True)
    return {
        "clusters": len(sizes),
        "documents_in_clusters": int(sizes.sum()),
        "largest_cluster": int(sizes.max()) if len(sizes) else 0,
        "sizes": [[int(v), int(c)] for v, c in zip(values, counts, strict=True)],
    }


def _cluster_rows(paths: Sequence[Path], lo: int, hi: int) -> pa.Table:
    """Rows of every cluster file with ``lo <= gid < hi``."""
    return gid_rows(paths, lo, hi, CLUSTER_SCHEMA)


def gid_rows(paths: Sequence[Path], lo: int, hi: int, schema: pa.Schema) -> pa.Table:
    """Rows with ``lo <= gid < hi`` of every existing file of ``paths`` (fit task
    outputs sorted by :data:`GID_COL`, binary-searched), in ``paths`` order."""
    pieces = []
    for path in paths:
        if not path.exists():
            continue
        table = read_table(path)
        gid = table.column(GID_COL).to_numpy()
        a, b = np.searchsorted(gid, [lo, hi])
        if b > a:
            pieces.append(table.slice(int(a), int(b - a)))
    return pa.concat_tables(pieces) if pieces else schema.empty_table()


def _position_names(env: FitEnv, gids: np.ndarray, id_column: str | None) -> dict[int, str]:
    """The string id of each gid: its ``id_column`` value, else ``"shard:row:repeat"``."""
    names: dict[int, str] = {}
    units = env.unit_of(gids)
    for u in np.unique(units).tolist():
        want = gids[units == u]
        path = env.observations[u]
        assert path is not None
        reader = open_observation(path)
        cols = [SHARD_COL, ROW_COL, REPEAT_COL]
        has_id = id_column is not None and id_column in reader.schema.names
        table = reader.read_all().select([*cols, id_column] if has_id else cols)
        rows = table.take(pa.array(want - env.offsets[u]))
        ids = rows.column(id_column).to_pylist() if has_id else [None] * len(want)
        pos = zip(*(rows.column(c).to_pylist() for c in cols), strict=True)
        for g, value, (s, r, k) in zip(want.tolist(), ids, pos, strict=True):
            names[g] = value if value is not None else f"{s}:{r}:{k}"
    return names


def unit_clusters(
    env: FitEnv, unit: int, cluster_step: str, parts: int, extra: Sequence[str] = ()
) -> tuple[pa.Table, dict[str, np.ndarray]] | None:
    """Unit ``unit``'s observed positions (and the ``extra`` columns it has), and per
    document its cluster fields (``label``, ``size``, ``dup_of``, ``jaccard``: a
    document in no cluster file is alone and kept). None when it observed nothing."""
    obs = unit_observations(env, unit, extra)
    if obs is None:
        return None
    lo, hi = env.offsets[unit], env.offsets[unit + 1]
    n = hi - lo
    fields: dict[str, np.ndarray] = {
        "label": np.arange(lo, hi, dtype=np.int64),
        "size": np.ones(n, dtype=np.int32),
        "dup_of": np.full(n, -1, dtype=np.int64),
        "jaccard": np.full(n, np.nan, dtype=np.float32),
    }
    found = _cluster_rows([env.step_file(cluster_step, p) for p in range(parts)], lo, hi)
    idx = found.column(GID_COL).to_numpy() - lo
    for name, values in fields.items():
        values[idx] = found.column(name).to_numpy()
    return obs, fields


def unit_observations(env: FitEnv, unit: int, extra: Sequence[str] = ()) -> pa.Table | None:
    """Unit ``unit``'s observed positions and the ``extra`` columns it has, checked to
    be its planned rows in input order; None when it observed nothing."""
    path = env.observations[unit]
    if path is None:
        return None
    reader = open_observation(path)
    names = reader.schema.names
    wanted = [SHARD_COL, ROW_COL, REPEAT_COL] + [c for c in extra if c in names]
    obs = reader.read_all().select(wanted)
    n = env.offsets[unit + 1] - env.offsets[unit]
    if obs.num_rows != n:
        raise RuntimeError(f"{path.name}: {obs.num_rows} rows, planned {n}")
    _check_input_order(obs, path)
    return obs


def positions(obs: pa.Table) -> dict[str, pa.Array]:
    """The decision file's position columns, typed as ``GlobalStage.fit`` writes them."""
    return {
        SHARD_COL: obs.column(SHARD_COL).combine_chunks().cast(pa.int32()),
        ROW_COL: obs.column(ROW_COL).combine_chunks().cast(pa.int64()),
        REPEAT_COL: obs.column(REPEAT_COL).combine_chunks().cast(pa.int32()),
    }


def decide_unit(
    env: FitEnv,
    unit: int,
    cluster_step: str,
    parts: int,
    reason: str,
    dup_of_id: str | None,
) -> dict[str, Any]:
    """Write unit ``unit``'s decision file; its counters (removed, languages).

    ``dup_of_id``: when not None, add MinHash's ``dup_of`` (the kept document's
    ``dup_of_id`` observation column, else its position) and ``dup_jaccard``.
    """
    got = unit_clusters(env, unit, cluster_step, parts, [LANG_COL])
    if got is None:
        return {}
    obs, found = got
    label, size, dup_of, jac = found["label"], found["size"], found["dup_of"], found["jaccard"]
    removed = dup_of >= 0
    cols: dict[str, pa.Array] = {
        **positions(obs),
        REASON_COL: reasons_where(removed, reason),
        CLUSTER_COL: pa.array(label, type=pa.int64()),
        CLUSTER_SIZE_COL: pa.array(size, type=pa.int32()),
    }
    if dup_of_id is not None:
        targets = np.unique(dup_of[removed])
        target_names = _position_names(env, targets, dup_of_id)
        text = [target_names[t] if t >= 0 else None for t in dup_of.tolist()]
        cols["dup_of"] = pa.array(text, type=pa.string())
        cols["dup_jaccard"] = pa.array(jac, mask=~removed, type=pa.float32())
    write_table(env.decisions[unit], pa.table(cols))
    return {"removed": int(removed.sum()), **_languages(obs, removed)}


def _check_input_order(obs: pa.Table, path: Path) -> None:
    shard = obs.column(SHARD_COL).to_numpy().astype(np.int64)
    row = obs.column(ROW_COL).to_numpy().astype(np.int64)
    rep = obs.column(REPEAT_COL).to_numpy().astype(np.int64)
    if len(row) < 2:
        return
    later = (shard[1:] > shard[:-1]) | (
        (shard[1:] == shard[:-1])
        & ((row[1:] > row[:-1]) | ((row[1:] == row[:-1]) & (rep[1:] > rep[:-1])))
    )
    if not bool(later.all()):
        raise RuntimeError(f"observation file {path.name} is not in input order")


def _languages(obs: pa.Table, removed: np.ndarray) -> dict[str, Any]:
    """Documents and removals per language, languages in first-appearance order."""
    if LANG_COL not in obs.column_names:
        return {"has_lang": False, "null": [len(removed), int(removed.sum())], "langs": []}
    encoded = obs.column(LANG_COL).combine_chunks().cast(pa.string()).dictionary_encode()
    codes = encoded.indices.fill_null(-1).to_numpy()
    k = len(encoded.dictionary)
    docs = np.bincount(codes + 1, minlength=k + 1)
    dups = np.bincount(codes + 1, weights=removed.astype(np.float64), minlength=k + 1)
    langs = [
        [name, int(docs[i + 1]), int(dups[i + 1])]
        for i, name in enumerate(encoded.dictionary.to_pylist())
    ]
    return {"has_lang": True, "null": [int(docs[0]), int(dups[0])], "langs": langs}


def summary(
    documents: int, clusters: Sequence[dict[str, Any]], units: Sequence[dict[str, Any]]
) -> dict[str, Any]:
    """The keys of ``keep.summarize``, in its order, from task counters."""
    removed = sum(u.get("removed", 0) for u in units)
    sizes: dict[int, int] = {}
    for c in clusters:
        for size, count in c["sizes"]:
            sizes[size] = sizes.get(size, 0) + count
    hist: dict[str, int] = {}
    for size in sorted(sizes):
        key = _size_bucket(size)
        hist[key] = hist.get(key, 0) + sizes[size]
    n_clusters = sum(c["clusters"] for c in clusters)
    out: dict[str, Any] = {
        "documents": documents,
        "duplicates_removed": removed,
        "duplicate_rate": removed / max(documents, 1),
        "clusters": n_clusters,
        "documents_in_clusters": sum(c["documents_in_clusters"] for c in clusters),
        "largest_cluster": max((c["largest_cluster"] for c in clusters), default=0)
        if n_clusters
        else 1
        if documents
        else 0,
        "cluster_size_histogram": hist,
    }
    if any(u.get("has_lang") for u in units):
        null = [0, 0]
        per: dict[str, list[int]] = {}
        for u in units:
            if not u:
                continue
            null[0] += u["null"][0]
            null[1] += u["null"][1]
            for name, docs, dups in u["langs"]:
                got = per.setdefault(name, [0, 0])
                got[0] += docs
                got[1] += dups
        per_lang: dict[str, dict[str, float | int]] = {}
        for name, (docs, dups) in [("null", null), *per.items()]:
            if docs:
                per_lang[name] = {
                    "documents": docs,
                    "duplicates_removed": dups,
                    "duplicate_rate": float(dups) / max(docs, 1),
                }
        out["per_language"] = per_lang
    return out


# -- exact dedup ---------------------------------------------------------------


def exact_shuffle(
    obs: pa.RecordBatch, policy: KeepPolicy
) -> tuple[np.ndarray, np.ndarray, pa.RecordBatch]:
    """``(rows, hashes, columns)`` sent by exact dedup: every non-null text's hash."""
    valid, words = hash_words(obs.column(HASH_COL))
    score = score_key(obs, policy)[valid]
    cols = pa.record_batch(
        {
            "hi": pa.array(words[:, 0], type=pa.uint64()),
            "lo": pa.array(words[:, 1], type=pa.uint64()),
            SCORE_COL: pa.array(score, type=pa.int64()),
        }
    )
    return valid, words[:, 0], cols


class HashGroupedFit:
    """The partitioned fit of a stage that removes documents sharing a 128-bit hash
    (exact text, URL): :meth:`shuffle` sends :func:`exact_shuffle` rows, ``group``
    tasks run :func:`exact_group` and ``decide`` tasks the stage's :meth:`decide`."""

    name: str

    def keep_policy(self) -> KeepPolicy:
        raise NotImplementedError

    def decide(self, env: FitEnv, unit: int, parts: int) -> dict[str, Any]:
        """Write unit ``unit``'s decision file from the ``group`` cluster files."""
        raise NotImplementedError

    def shuffle(self, observations: pa.RecordBatch) -> Shuffled:
        rows, hashes, columns = exact_shuffle(observations, self.keep_policy())
        return Shuffled(rows=rows, hashes=hashes, columns=columns)

    def fit_task(
        self, step: str, index: int, params: dict[str, Any], env: FitEnv
    ) -> dict[str, Any]:
        if step == "group":
            return exact_group(env, index)
        if step == "decide":
            return self.decide(env, index, params["parts"])
        raise ValueError(f"{self.name}: unknown fit step {step!r}")


def exact_group(env: FitEnv, part: int) -> dict[str, Any]:
    """Group partition ``part``'s hashes; write its cluster file."""
    pieces = read_partition(list(env.shuffles), part)
    gid = concat(gids_of(env, pieces), np.int64)
    hi, lo = column(pieces, "hi", np.uint64), column(pieces, "lo", np.uint64)
    score = column(pieces, SCORE_COL, np.int64)
    order = np.lexsort((gid, lo, hi))
    hi, lo, gid, score = hi[order], lo[order], gid[order], score[order]
    new = np.ones(len(gid), dtype=bool)
    new[1:] = (hi[1:] != hi[:-1]) | (lo[1:] != lo[:-1])
    group = np.cumsum(new) - 1
    starts = np.flatnonzero(new)
    sizes = np.diff(np.append(starts, len(gid)))
    member = sizes[group] > 1
    g, grp, sc = gid[member], group[member], score[member]
    # the kept member: best (score, gid) of its group
    best = np.lexsort((g, sc, grp))
    first = np.ones(len(best), dtype=bool)
    first[1:] = grp[best][1:] != grp[best][:-1]
    kept_gid = np.empty(len(sizes), dtype=np.int64)
    kept_gid[grp[best][first]] = g[best][first]
    dup_of = np.where(kept_gid[grp] == g, -1, kept_gid[grp])
    rows = {
        GID_COL: g,
        "label": gid[starts][grp],
        "size": sizes[grp].astype(np.int32),
        "dup_of": dup_of,
        "jaccard": np.full(len(g), np.nan, dtype=np.float32),
    }
    counters = write_clusters(env.step_file("group", part), rows)
    counters["hashed"] = len(gid)
    return counters


__all__ = [
    "HashGroupedFit",
    "decide_unit",
    "exact_group",
    "exact_shuffle",
    "gid_rows",
    "positions",
    "score_key",
    "summary",
    "unit_clusters",
    "unit_observations",
]
