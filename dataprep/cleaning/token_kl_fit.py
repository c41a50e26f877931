"""The partitioned fit of ``token_kl_v1`` (``stages/fit.py``): no per-document state on the driver.

Workers send, per observation batch, the summed token count of every (language,
bucket) to partition ``mix(bucket) % partitions``. Then, as executor tasks:

1. ``langs`` (one per unit): the unit's languages in order of first appearance; the
   driver numbers them as :meth:`TokenKL.fit` does (the keys ``code * B + bucket``).
2. ``count`` (one per partition): the partition's counts summed per (language,
   bucket); its per-language token totals and used buckets, so the driver has each
   language's ``N`` and smoothing weight.
3. ``logq`` (one per partition): each bucket's ``log Q``; the exact sum of the
   partition's ``log Q`` per language (an integer, :func:`kl.exact_sum_int`), which the
   driver adds into ``S`` (the same bits as one process).
4. ``docs`` (one per unit): each document's KL, leave-one-out KL and tokens, looking
   its buckets up in the partitions' ``logq`` files; a histogram of token counts per
   language. The driver turns the histograms into the length bins' edges
   (``order_stats.quantile``, numpy's interpolation) - per distinct length, not per
   document.
5. ``kl-select-R``: radix selection of the KL quantiles of the summary and of the
   ``drop_top_fraction`` cuts (``order_stats``).
6. ``send`` (one per unit): each judged document's (scoring group, length bin,
   leave-one-out KL) to partition ``mix(group, bin)``; ``bins`` (one per partition):
   the median and MAD of every bin, hence every document's score (a file sorted by gid).
7. ``decide`` (one per unit): the unit's decision file; ``score-select-R``: the
   summary's score quantile.

Decisions and summary equal :meth:`TokenKL.fit`'s (tested with 1 and 2 workers and
several unit sizes). Driver memory: per language and per distinct document length,
and 256 counters per quantile asked; nothing per document.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from dataprep.dedup.corpus import iter_batches
from dataprep.io.shuffle import ShuffleWriter, read_partition, read_table, write_table
from dataprep.output.columns import INTERNAL_COLUMNS, REASON_COL, signal_column
from dataprep.stages.base import reasons_where
from dataprep.stages.fit import FitEnv, FitRunner, Shuffled
from dataprep.stages.order_stats import (
    float_keys,
    key_floats,
    quantile,
    quantile_ranks,
    radix_task,
    select,
    sorted_kth,
)

from .kl import GroupStats, exact_sum_int, float_of_exact, kl_of, loo_kl_of

if TYPE_CHECKING:
    from .token_kl import TokenKLConfig

_MIX = np.uint64(0x9E3779B97F4A7C15)
_EDGE_CHUNK = 1 << 20  # quantiles computed at a time for the bin edges
_DOC_COLS = ("kl", "loo", "ntok", "group")


def mix(values: np.ndarray) -> np.ndarray:
    """A 64-bit hash of non-negative integers (partition = hash % partitions)."""
    x = np.asarray(values).astype(np.uint64) * _MIX
    out: np.ndarray = x ^ (x >> np.uint64(29))
    return out


class TokenKLFit:
    """Partitioned fit of :class:`~dataprep.cleaning.token_kl.TokenKL` (mixin)."""

    name: str
    config: TokenKLConfig
    _summary: dict[str, Any]
    _BUCKETS: str
    _COUNTS: str
    _GROUP: str

    # -- workers: the shuffle ----------------------------------------------------

    def _langs_of(self, b: pa.RecordBatch) -> pa.Array:
        if not self.config.per_language:
            return pa.nulls(b.num_rows, pa.string())
        return b.column(self._GROUP).cast(pa.string())

    def shuffle(self, observations: pa.RecordBatch) -> Shuffled:
        big_b = np.uint64(self.config.num_buckets)
        buckets = observations.column(self._BUCKETS)
        doc = pc.list_parent_indices(buckets).to_numpy().astype(np.int64)
        enc = pc.dictionary_encode(self._langs_of(observations))
        local = enc.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64) + 1
        keys = local[doc].astype(np.uint64) * big_b + buckets.flatten().to_numpy()
        counts = observations.column(self._COUNTS).flatten().to_numpy().astype(np.float64)
        uniq, inverse = np.unique(keys, return_inverse=True)
        sums = np.bincount(inverse, weights=counts, minlength=len(uniq)).astype(np.int64)
        names = pa.concat_arrays([pa.nulls(1, pa.string()), enc.dictionary])
        bucket = uniq % big_b
        cols = pa.record_batch(
            {
                "lang": names.take(pa.array((uniq // big_b).astype(np.int64))),
                "bucket": pa.array(bucket.astype(np.uint32)),
                "count": pa.array(sums),
            }
        )
        return Shuffled(rows=np.zeros(len(uniq), np.int64), hashes=mix(bucket), columns=cols)

    # -- driver --------------------------------------------------------------------

    def fit_partitioned(self, runner: FitRunner) -> None:
        cfg, env = self.config, runner.env
        parts, n_units, big_b = env.partitions, env.units, cfg.num_buckets
        names = self._names(runner.map("langs", n_units))
        n_groups = len(names)
        counted = runner.map("count", parts, {"names": names, "num_buckets": big_b})
        total = np.zeros(n_groups)
        used = np.zeros(n_groups, np.int64)
        for res in counted:
            for code, tokens, n_used in res["langs"]:
                total[code] += tokens
                used[code] += n_used
        denom = total + cfg.alpha * big_b
        lam = np.where(denom > 0, cfg.alpha * big_b / np.maximum(denom, 1e-300), 0.0)
        sums = [0] * n_groups
        for res in runner.map("logq", parts, {"lam": lam.tolist(), "total": total.tolist()}):
            for code, value in res["sums"]:
                sums[code] += int(value)
        unused = np.zeros(n_groups, dtype=np.float64)
        smooth = lam > 0
        unused[smooth] = (big_b - used[smooth]) * np.log(lam[smooth] / big_b)
        sum_log_q = np.asarray([float_of_exact(s) for s in sums], np.float64) + unused
        st = {"lam": lam.tolist(), "total": total.tolist(), "sum_log_q": sum_log_q.tolist()}
        docs = [r for r in runner.map("docs", n_units, {"names": names, **st}) if r]
        cuts = self._partitioned_cutoffs(runner, docs, n_groups, names)
        sgroup = self._bin_plan(runner.env, n_groups, names)
        runner.map("send", n_units, {"sgroup": sgroup})
        scored = sum(r["scored"] for r in runner.map("bins", parts))
        decided = [r for r in runner.map("decide", n_units, {"cuts": cuts}) if r]
        if scored:
            ranks = quantile_ranks(scored, 0.99)
            found = select(runner, "score-select", parts, [(-1, int(r)) for r in ranks])
            value = dict(zip(ranks.tolist(), key_floats([k for k, *_ in found]), strict=True))
            p99 = quantile(scored, 0.99, lambda r: np.asarray([value[x] for x in r.tolist()]))
            self._summary["score_p99"] = float(p99)
        self._summary["documents_removed"] = sum(r["removed"] for r in decided)
        self._summary["documents_above_max_score"] = sum(r["by_score"] for r in decided)
        self._summary.update(
            corpus_tokens=int(total.sum()),
            buckets_used=int(used.sum()),
            num_buckets=cfg.num_buckets,
            alpha=cfg.alpha,
            smoothing_weight={str(names[i]): float(v) for i, v in enumerate(lam)},
            max_kl=cfg.max_kl,
            drop_top_fraction=cfg.drop_top_fraction,
            max_score=cfg.max_score,
        )

    def _names(self, units: Sequence[dict[str, Any]]) -> list[str | None]:
        """Group names in order of first appearance over the units (code = index)."""
        if not self.config.per_language:
            return [None]
        codes: dict[str | None, int] = {}
        for res in units:
            for name in res.get("langs", []):
                codes.setdefault(name, len(codes))
        return list(codes) or [None]

    def _partitioned_cutoffs(
        self,
        runner: FitRunner,
        docs: Sequence[dict[str, Any]],
        n_groups: int,
        names: Sequence[str | None],
    ) -> list[float]:
        """As ``TokenKL._cutoffs``, from radix selections over the units' KLs."""
        cfg = self.config
        n = sum(r["documents"] for r in docs)
        valid_by_group = np.zeros(n_groups, np.int64)
        for r in docs:
            for code, n_valid in r["valid_kl"]:
                valid_by_group[code] += n_valid
        n_valid = int(valid_by_group.sum())
        self._summary = {"documents": n, "documents_without_tokens": n - n_valid}
        queries: list[tuple[int, int]] = []
        ranks = np.empty(0, np.int64)
        if n_valid:
            ranks = np.union1d(quantile_ranks(n_valid, np.array([0.5, 0.9, 0.99])), [n_valid - 1])
            queries += [(-1, int(r)) for r in ranks]
        top: dict[int, int] = {}
        if cfg.drop_top_fraction is not None:
            for code in range(n_groups):
                k = math.floor(cfg.drop_top_fraction * int(valid_by_group[code]))
                if k > 0:
                    top[code] = len(queries)
                    queries.append((code, int(valid_by_group[code]) - k))
        found = key_floats([k for k, *_ in select(runner, "kl-select", runner.env.units, queries)])
        if n_valid:
            value = dict(zip(ranks.tolist(), found[: len(ranks)], strict=True))
            q = quantile(
                n_valid,
                np.array([0.5, 0.9, 0.99]),
                lambda r: np.asarray([value[x] for x in r.tolist()]),
            )
            self._summary.update(
                kl_median=float(q[0]),
                kl_p90=float(q[1]),
                kl_p99=float(q[2]),
                kl_max=float(value[n_valid - 1]),
            )
        base = math.inf if cfg.max_kl is None else cfg.max_kl
        cuts = np.full(n_groups, base, dtype=np.float64)
        for code, i in top.items():
            cuts[code] = min(base, float(np.nextafter(found[i], -np.inf)))
        self._summary["thresholds"] = {
            str(names[i]): (None if math.isinf(c) else float(c)) for i, c in enumerate(cuts)
        }
        return cuts.tolist()

    def _bin_plan(self, env: FitEnv, n_groups: int, names: Sequence[Any]) -> list[int]:
        """Scoring group per language (-1: not judged; ``n_groups``: the small languages
        pooled); writes every scoring group's length-bin edges (``TokenKL._scores``)."""
        cfg = self.config
        g, length, count = _merged_lengths(env)
        bounds = np.searchsorted(g, np.arange(n_groups + 1))
        sizes = [int(count[a:b].sum()) for a, b in pairwise(bounds)]
        sgroup = [-1] * n_groups
        small = [c for c in range(n_groups) if 0 < sizes[c] < cfg.min_group_docs]
        for c in range(n_groups):
            if sizes[c] >= cfg.min_group_docs:
                sgroup[c] = c
        too_small = [str(names[c]) for c in small]
        if sum(sizes[c] for c in small) >= cfg.min_group_docs:
            for c in small:
                sgroup[c] = n_groups
            too_small = []
        self._summary["groups_too_small"] = sorted(too_small)
        sg_col: list[np.ndarray] = []
        edge_col: list[np.ndarray] = []
        for s in sorted(set(sgroup) - {-1}):
            mine = np.isin(g, [c for c in range(n_groups) if sgroup[c] == s])
            values, inverse = np.unique(length[mine], return_inverse=True)
            counts = np.bincount(inverse, weights=count[mine], minlength=len(values))
            edges = _edges(values, counts.astype(np.int64), cfg.bin_docs)
            sg_col.append(np.full(len(edges), s, np.int64))
            edge_col.append(edges)
        table = pa.table(
            {
                "sgroup": pa.array(np.concatenate([np.empty(0, np.int64), *sg_col])),
                "edge": pa.array(np.concatenate([np.empty(0), *edge_col])),
            }
        )
        write_table(env.workdir / "edges.arrow", table)
        return sgroup

    # -- tasks ----------------------------------------------------------------------

    def fit_task(
        self, step: str, index: int, params: dict[str, Any], env: FitEnv
    ) -> dict[str, Any]:
        if step.startswith("kl-select-"):
            return radix_task(index, params, lambda u: (*self._kl_keys(env, u), None))
        if step.startswith("score-select-"):
            return radix_task(index, params, lambda p: (*_score_keys(env, p), None))
        tasks = {
            "langs": self._task_langs,
            "count": _task_count,
            "logq": self._task_logq,
            "docs": self._task_docs,
            "send": _task_send,
            "bins": _task_bins,
            "decide": self._task_decide,
        }
        if step not in tasks:
            raise ValueError(f"{self.name}: unknown fit step {step!r}")
        return tasks[step](env, index, params)

    def _task_langs(self, env: FitEnv, unit: int, params: dict[str, Any]) -> dict[str, Any]:
        path = env.observations[unit]
        if path is None or not self.config.per_language:
            return {}
        seen: dict[str | None, None] = {}
        for b in iter_batches(path, [self._GROUP]):
            # pc.unique lists the values in order of first appearance
            for name in pc.unique(b.column(0).cast(pa.string())).to_pylist():
                seen.setdefault(name)
        return {"langs": list(seen)}

    def _task_logq(self, env: FitEnv, part: int, params: dict[str, Any]) -> dict[str, Any]:
        big_b = self.config.num_buckets
        lam = np.asarray(params["lam"], np.float64)
        table = read_table(env.step_file("count", part))
        keys = table.column("key").to_numpy()
        values = table.column("count").to_numpy().astype(np.float64)
        group = keys // big_b
        total = np.asarray(params["total"], np.float64)
        # the arithmetic of kl.CorpusDistribution, bucket by bucket
        lam_k = lam[group]
        q = (1.0 - lam_k) * values / np.maximum(total[group], 1.0) + lam_k / big_b
        log_q = np.log(q)
        write_table(
            env.step_file("logq", part),
            pa.table({"key": keys, "count": values, "log_q": log_q}),
        )
        bounds = np.searchsorted(group, np.arange(len(lam) + 1))
        sums = [
            [c, str(exact_sum_int(log_q[bounds[c] : bounds[c + 1]]))]
            for c in range(len(lam))
            if bounds[c + 1] > bounds[c]
        ]
        return {"sums": sums}

    def _flat_codes(
        self, b: pa.RecordBatch, codes: dict[Any, int]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(doc groups, doc index, key, count) of a batch, as ``TokenKL._flat``."""
        if self.config.per_language:
            langs = b.column(self._GROUP).to_pylist()
            g = np.fromiter((codes[x] for x in langs), np.int64, len(langs))
        else:
            g = np.zeros(b.num_rows, dtype=np.int64)
        buckets, counts = b.column(self._BUCKETS), b.column(self._COUNTS)
        doc = pc.list_parent_indices(buckets).to_numpy().astype(np.int64)
        keys = g[doc] * self.config.num_buckets + buckets.flatten().to_numpy()
        return g, doc, keys, counts.flatten().to_numpy().astype(np.float64)

    def _task_docs(self, env: FitEnv, unit: int, params: dict[str, Any]) -> dict[str, Any]:
        path = env.observations[unit]
        if path is None:
            return {}
        names = params["names"]
        codes = {name: i for i, name in enumerate(names)}
        st = GroupStats(
            self.config.num_buckets,
            self.config.alpha,
            np.asarray(params["lam"], np.float64),
            np.asarray(params["total"], np.float64),
            np.asarray(params["sum_log_q"], np.float64),
        )
        lookup = _Lookup(env, self.config.num_buckets)
        out: dict[str, list[np.ndarray]] = {c: [] for c in _DOC_COLS}
        for b in iter_batches(path, [self._BUCKETS, self._COUNTS, self._GROUP]):
            g, doc, keys, cnt = self._flat_codes(b, codes)
            corpus, log_q = lookup(keys)
            out["kl"].append(kl_of(st, doc, cnt, log_q, g))
            out["loo"].append(loo_kl_of(st, doc, cnt, corpus, g))
            out["ntok"].append(np.bincount(doc, weights=cnt, minlength=b.num_rows))
            out["group"].append(g)
        cols = {c: np.concatenate(v) for c, v in out.items()}
        write_table(env.step_file("docs", unit), pa.table(cols))
        ok = ~np.isnan(cols["loo"])
        g, length, count = _histogram(cols["group"][ok], cols["ntok"][ok], np.ones(int(ok.sum())))
        hist = dict(zip(_HIST, (g, length, count), strict=True))
        write_table(env.step_file("lengths", unit), pa.table(hist))
        present, n_valid = np.unique(cols["group"][~np.isnan(cols["kl"])], return_counts=True)
        valid_kl = [[int(c), int(n)] for c, n in zip(present, n_valid, strict=True)]
        return {"documents": len(ok), "valid_kl": valid_kl}

    def _kl_keys(self, env: FitEnv, unit: int) -> tuple[np.ndarray, np.ndarray]:
        if env.observations[unit] is None:
            return np.empty(0, np.uint64), np.empty(0, np.int64)
        t = read_table(env.step_file("docs", unit), ["kl", "group"])
        kl = t.column("kl").to_numpy()
        ok = ~np.isnan(kl)
        return float_keys(kl[ok]), t.column("group").to_numpy()[ok]

    def _task_decide(self, env: FitEnv, unit: int, params: dict[str, Any]) -> dict[str, Any]:
        path = env.observations[unit]
        if path is None:
            return {}
        lo, hi = env.offsets[unit], env.offsets[unit + 1]
        docs = read_table(env.step_file("docs", unit))
        kl = docs.column("kl").to_numpy()
        g = docs.column("group").to_numpy()
        n_tok = docs.column("ntok").to_numpy().astype(np.int64)
        score = np.full(hi - lo, np.nan)
        found = _rows_in_range([env.step_file("bins", p) for p in range(env.partitions)], lo, hi)
        score[found.column("gid").to_numpy() - lo] = found.column("score").to_numpy()
        cuts = np.asarray(params["cuts"], np.float64)
        limit = math.inf if self.config.max_score is None else self.config.max_score
        high = ~np.isnan(score) & (np.nan_to_num(score) > limit)
        gone = (~np.isnan(kl) & (np.nan_to_num(kl) > cuts[g])) | high
        internal = pa.Table.from_batches(list(iter_batches(path, list(INTERNAL_COLUMNS))))
        table = pa.table(
            {
                **{c: internal.column(c).combine_chunks() for c in INTERNAL_COLUMNS},
                REASON_COL: reasons_where(gone, "token_kl"),
                signal_column(self.name, "kl"): pa.array(kl, from_pandas=True),
                signal_column(self.name, "score"): pa.array(score, from_pandas=True),
                signal_column(self.name, "tokens"): pa.array(n_tok, pa.int64()),
            }
        )
        write_table(env.decisions[unit], table)
        return {"removed": int(gone.sum()), "by_score": int(high.sum())}


def _histogram(
    group: np.ndarray, length: np.ndarray, count: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Counts summed per distinct (group, length), sorted."""
    order = np.lexsort((length, group))
    group, length, count = group[order], length[order], count[order]
    new = np.ones(len(group), dtype=bool)
    new[1:] = (group[1:] != group[:-1]) | (length[1:] != length[:-1])
    starts = np.flatnonzero(new)
    sums = np.add.reduceat(count, starts) if len(starts) else np.empty(0)
    return group[starts].astype(np.int64), length[starts], sums.astype(np.int64)


def _merged_lengths(env: FitEnv) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The units' histograms of judged documents' token counts, added up one unit at a
    time (the driver holds one entry per distinct (group, length), not per unit)."""
    acc = (np.empty(0, np.int64), np.empty(0), np.empty(0, np.int64))
    for unit, path in enumerate(env.observations):
        if path is None:
            continue
        t = read_table(env.step_file("lengths", unit))
        parts = [
            np.concatenate([a, t.column(c).to_numpy()]) for a, c in zip(acc, _HIST, strict=True)
        ]
        acc = _histogram(parts[0], parts[1], parts[2])
    return acc


_HIST = ("group", "length", "count")


def _edges(lengths: np.ndarray, counts: np.ndarray, bin_docs: int) -> np.ndarray:
    """``np.unique(np.quantile(x, arange(1, n_bins) / n_bins))`` of the values ``x``
    given as a histogram: sorted distinct ``lengths`` and their ``counts``."""
    n = int(counts.sum())
    n_bins = max(1, n // bin_docs)
    if n_bins < 2:
        return np.empty(0)
    kth = sorted_kth(lengths, counts)
    found: np.ndarray = np.empty(0)
    for start in range(1, n_bins, _EDGE_CHUNK):
        qs = np.arange(start, min(start + _EDGE_CHUNK, n_bins)) / n_bins
        found = np.union1d(found, quantile(n, qs, kth))
    return found


def _group_totals(group: np.ndarray, values: np.ndarray) -> list[tuple[int, float]]:
    codes, first = np.unique(group, return_index=True)
    sums = np.add.reduceat(values, first) if len(values) else np.empty(0)
    return list(zip(codes.tolist(), sums.tolist(), strict=True))


def _task_count(env: FitEnv, part: int, params: dict[str, Any]) -> dict[str, Any]:
    """Sum the partition's counts per (group, bucket); per group tokens and buckets."""
    codes = {name: i for i, name in enumerate(params["names"])}
    big_b = int(params["num_buckets"])
    keys: list[np.ndarray] = []
    counts: list[np.ndarray] = []
    for _, t in read_partition(list(env.shuffles), part):
        lang = t.column("lang").to_pylist()
        code = np.fromiter((codes[x] for x in lang), np.int64, len(lang))
        keys.append(code * big_b + t.column("bucket").to_numpy().astype(np.int64))
        counts.append(t.column("count").to_numpy().astype(np.float64))
    uniq, inverse = np.unique(np.concatenate([np.empty(0, np.int64), *keys]), return_inverse=True)
    flat = np.concatenate([np.empty(0), *counts])
    sums = np.bincount(inverse, weights=flat, minlength=len(uniq)).astype(np.float64)
    write_table(env.step_file("count", part), pa.table({"key": uniq, "count": sums}))
    group = uniq // big_b
    used = np.bincount(group, minlength=len(codes))
    totals = dict(_group_totals(group, sums))
    return {"langs": [[c, totals[c], int(used[c])] for c in sorted(totals)]}


class _Lookup:
    """Each (group, bucket) key's corpus count and ``log Q`` from the ``logq`` files."""

    def __init__(self, env: FitEnv, num_buckets: int) -> None:
        self.env = env
        self.big_b = num_buckets
        self.files: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}

    def _file(self, part: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if part not in self.files:
            t = read_table(self.env.step_file("logq", part))
            self.files[part] = tuple(  # type: ignore[assignment]
                t.column(c).to_numpy() for c in ("key", "count", "log_q")
            )
        return self.files[part]

    def __call__(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        parts = (mix(keys % self.big_b) % np.uint64(self.env.partitions)).astype(np.int64)
        corpus = np.empty(len(keys))
        log_q = np.empty(len(keys))
        for p in np.unique(parts).tolist():
            sel = parts == p
            k, c, lq = self._file(p)
            idx = np.searchsorted(k, keys[sel])
            corpus[sel], log_q[sel] = c[idx], lq[idx]
        return corpus, log_q


def _task_send(env: FitEnv, unit: int, params: dict[str, Any]) -> dict[str, Any]:
    """Route the unit's judged documents to their (scoring group, length bin)."""
    if env.observations[unit] is None:
        return {}
    docs = read_table(env.step_file("docs", unit), ["loo", "ntok", "group"])
    loo = docs.column("loo").to_numpy()
    ntok = docs.column("ntok").to_numpy()
    sgroup = np.asarray(params["sgroup"], np.int64)[docs.column("group").to_numpy()]
    ok = ~np.isnan(loo) & (sgroup >= 0)
    edges = read_table(env.workdir / "edges.arrow")
    e_group = edges.column("sgroup").to_numpy()
    e_value = edges.column("edge").to_numpy()
    bins = np.zeros(len(loo), np.int64)
    for s in np.unique(sgroup[ok]).tolist():
        sel = ok & (sgroup == s)
        a, b = np.searchsorted(e_group, [s, s + 1])
        bins[sel] = np.searchsorted(e_value[a:b], ntok[sel], side="right")
    writer = ShuffleWriter(env.step_file("send", unit), env.partitions)
    gid = env.offsets[unit] + np.flatnonzero(ok)
    cols = pa.record_batch(
        {
            "gid": pa.array(gid.astype(np.int64)),
            "sgroup": pa.array(sgroup[ok]),
            "bin": pa.array(bins[ok]),
            "loo": pa.array(loo[ok]),
        }
    )
    hashes = mix((sgroup[ok] << 32) + bins[ok])
    writer.write(hashes % np.uint64(env.partitions), cols)
    writer.close()
    writer.commit()
    return {}


def _task_bins(env: FitEnv, part: int, params: dict[str, Any]) -> dict[str, Any]:
    """Robust z of the leave-one-out KL within each (scoring group, length bin)."""
    pieces = read_partition([env.step_file("send", u) for u in range(env.units)], part)
    table = pa.concat_tables([t for _, t in pieces]) if pieces else None
    if table is None or not table.num_rows:
        write_table(env.step_file("bins", part), _SCORES.empty_table())
        return {"scored": 0}
    gid = table.column("gid").to_numpy()
    key = (table.column("sgroup").to_numpy() << 32) + table.column("bin").to_numpy()
    loo = table.column("loo").to_numpy()
    order = np.lexsort((gid, key))
    gid, key, loo = gid[order], key[order], loo[order]
    starts = np.flatnonzero(np.concatenate(([True], key[1:] != key[:-1])))
    score = np.empty(len(loo))
    for a, b in zip(starts.tolist(), [*starts[1:].tolist(), len(loo)], strict=True):
        values = loo[a:b]
        med = float(np.median(values))
        spread = 1.4826 * float(np.median(np.abs(values - med)))
        score[a:b] = (values - med) / max(spread, 1e-3 * max(abs(med), 1.0))
    by_gid = np.argsort(gid, kind="stable")
    write_table(
        env.step_file("bins", part),
        pa.table({"gid": gid[by_gid], "score": score[by_gid]}, schema=_SCORES),
    )
    return {"scored": len(score)}


_SCORES = pa.schema([("gid", pa.int64()), ("score", pa.float64())])


def _score_keys(env: FitEnv, part: int) -> tuple[np.ndarray, np.ndarray]:
    scores = read_table(env.step_file("bins", part)).column("score").to_numpy()
    return float_keys(scores), np.zeros(len(scores), np.int64)


def _rows_in_range(paths: Sequence[Path], lo: int, hi: int) -> pa.Table:
    """Rows of the gid-sorted score files with ``lo <= gid < hi``."""
    pieces = []
    for path in paths:
        table = read_table(path)
        gid = table.column("gid").to_numpy()
        a, b = np.searchsorted(gid, [lo, hi])
        if b > a:
            pieces.append(table.slice(int(a), int(b - a)))
    return pa.concat_tables(pieces) if pieces else _SCORES.empty_table()
