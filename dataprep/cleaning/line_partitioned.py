"""The partitioned fit of ``line_dedup_v1`` (``stages/fit.py``): same decisions, no driver index.

* **Shuffle (workers).** Every non-blank line of a document is one row ``(h, line)``
  (its normalized hash and its index in the document; with ``per: lang`` also
  ``lang_key``, the document's language as :func:`lang_keys`), sent to partition
  ``h % partitions`` with the document's local row.
* **Buckets.** A line is counted within its group: ``(language, bucket)``, the
  bucket being the document's rank among the documents of its language (of the
  corpus with ``per: corpus``) divided by ``bucket_docs``. With ``per: corpus`` the
  bucket is ``gid // bucket_docs``. With ``per: lang`` a ``langs`` task per work unit
  counts its documents per language; from these the driver finds which ranks start
  a bucket (none while a language has at most ``bucket_docs`` documents) and, in
  the ``bounds`` driver step, the gids of those documents (reading the language
  column of only the units holding one). A row's bucket is then the number of its
  language's bucket starts at or before its gid.
* **count** (one task per partition): sorts the partition's rows by (hash,
  language, bucket, gid), counts each group's documents (``count: documents``) or
  rows (``count: lines``) and writes every row of a group over ``max_occurrences``
  as ``(gid, line)``, sorted by gid.
* **decide** (one task per work unit): its documents' line totals from its
  observation file, its gid range of every ``count`` file, and the decision
  columns of :func:`.line_dedup.drop_decisions`, as the single-process fit.

Driver memory: the tasks' counters and, with ``per: lang``, a count per language
per unit plus one gid per bucket start. Temporary disk: the shuffle, 24 bytes per
non-blank line (hash, line, local row, partition; 32 with ``per: lang``); the ``count``
files, 12 bytes per dropped line. A ``count`` task holds its partition's rows and
their sort permutation (~1/partitions of the shuffle, ~2x).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import xxhash

from dataprep.dedup.corpus import LANG_COL, iter_batches
from dataprep.dedup.partitioned import (
    GID_COL,
    column,
    concat,
    gid_rows,
    gids_of,
    positions,
    unit_observations,
)
from dataprep.io.shuffle import read_partition, write_table
from dataprep.stages.fit import FitEnv, FitRunner, Shuffled

from .lines import BLANK

if TYPE_CHECKING:
    from .line_dedup import LineDedup

LINE_COL = "line"
LANG_KEY_COL = "lang_key"
#: ``lang_key`` of a null language.
NULL_LANG = 0
DROP_SCHEMA = pa.schema([(GID_COL, pa.int64()), (LINE_COL, pa.int32())])


def lang_key(name: str | None) -> int:
    """64-bit key of a language name (:data:`NULL_LANG` for null)."""
    if name is None:
        return NULL_LANG
    return xxhash.xxh64_intdigest(name.encode("utf-8", "surrogatepass"))


def lang_keys(langs: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """:func:`lang_key` of every row (uint64), hashing each distinct name once."""
    if isinstance(langs, pa.ChunkedArray):
        langs = langs.combine_chunks()
    encoded = langs.cast(pa.string()).dictionary_encode()
    keys = [lang_key(v) for v in encoded.dictionary.to_pylist()] + [NULL_LANG]
    table = np.array(keys, dtype=np.uint64)
    return table[encoded.indices.fill_null(len(keys) - 1).to_numpy()]


def flat_lines(hashes: pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(document, line index, hash) of every line of a ``list<uint64>`` column."""
    if isinstance(hashes, pa.ChunkedArray):
        hashes = hashes.combine_chunks()
    parent = pc.list_parent_indices(hashes).to_numpy().astype(np.int64)
    lengths = pc.list_value_length(hashes).fill_null(0).to_numpy().astype(np.int64)
    starts = np.cumsum(lengths) - lengths
    line = (np.arange(len(parent), dtype=np.int64) - starts[parent]).astype(np.int32)
    return parent, line, hashes.flatten().to_numpy()


def line_shuffle(obs: pa.RecordBatch, hash_col: str, per_lang: bool) -> Shuffled:
    """Rows sent by the workers: one per non-blank line."""
    doc, line, h = flat_lines(obs.column(hash_col))
    real = h != BLANK
    doc, line, h = doc[real], line[real], h[real]
    cols = {"h": pa.array(h, type=pa.uint64()), LINE_COL: pa.array(line, type=pa.int32())}
    if per_lang:
        cols[LANG_KEY_COL] = pa.array(lang_keys(obs.column(LANG_COL))[doc], type=pa.uint64())
    return Shuffled(rows=doc, hashes=h, columns=pa.record_batch(cols))


# -- buckets with per: lang ----------------------------------------------------


def unit_langs(env: FitEnv, unit: int) -> dict[str, Any]:
    """``langs`` task: the unit's documents per language, in first-appearance order."""
    obs = unit_observations(env, unit, [LANG_COL])
    if obs is None:
        return {}
    langs = obs.column(LANG_COL).cast(pa.string())
    counts = pc.value_counts(langs.combine_chunks()).to_pylist()
    return {"langs": [[c["values"], c["counts"]] for c in counts]}


def bucket_plan(
    units: list[dict[str, Any]], bucket_docs: int
) -> tuple[dict[str | None, int], dict[int, list[tuple[str | None, int]]]]:
    """Documents per language, and per unit the (language, rank in the unit among
    that language's documents) of each document that starts a bucket (not the first)."""
    totals: dict[str | None, int] = {}
    starts: dict[int, list[tuple[str | None, int]]] = {}
    for u, result in enumerate(units):
        for name, count in result.get("langs", []):
            before = totals.get(name, 0)
            first = -(-max(before, 1) // bucket_docs) * bucket_docs
            for rank in range(first, before + count, bucket_docs):
                starts.setdefault(u, []).append((name, rank - before))
            totals[name] = before + count
    keys = [lang_key(name) for name in totals]
    named = [k for k, name in zip(keys, totals, strict=True) if name is not None]
    if len(set(keys)) != len(keys) or NULL_LANG in named:
        raise RuntimeError("two language names share a 64-bit lang_key; cannot count per language")
    return totals, starts


def find_bounds(env: FitEnv, starts: dict[int, list[tuple[str | None, int]]]) -> dict[str, Any]:
    """``bounds`` driver step: the gid of every bucket start, sorted per language."""
    found: dict[str | None, list[int]] = {}
    for u, wanted in sorted(starts.items()):
        path = env.observations[u]
        if path is None:
            raise RuntimeError(f"unit {u} counted documents but has no observation file")
        keys = lang_keys(pa.chunked_array(b.column(0) for b in iter_batches(path, [LANG_COL])))
        for name, rank in wanted:
            rows = np.flatnonzero(keys == np.uint64(lang_key(name)))
            found.setdefault(name, []).append(env.offsets[u] + int(rows[rank]))
    return {"bounds": [[name, sorted(gids)] for name, gids in found.items()]}


def _buckets(
    gid: np.ndarray, key: np.ndarray | None, bucket_docs: int, bounds: list[list[Any]]
) -> np.ndarray:
    if key is None:
        return gid // bucket_docs
    bucket = np.zeros(len(gid), dtype=np.int64)
    for k, starts in bounds:
        mine = key == np.uint64(k)
        bucket[mine] = np.searchsorted(np.asarray(starts, np.int64), gid[mine], side="right")
    return bucket


# -- tasks ---------------------------------------------------------------------


def lines_over(
    count: str,
    max_occurrences: int,
    gid: np.ndarray,
    keys: tuple[np.ndarray, np.ndarray | None, np.ndarray],
) -> tuple[np.ndarray, np.ndarray]:
    """Rows of line groups (equal ``keys``: hash, language key or None, bucket) counted
    more than ``max_occurrences`` times (their documents with ``count: documents``);
    and each group's count."""
    h, lang, bucket = keys
    sort_keys = (gid, bucket, h) if lang is None else (gid, bucket, lang, h)
    order = np.lexsort(sort_keys)
    new = np.zeros(len(gid), dtype=bool)
    new[:1] = True
    for k in sort_keys[1:]:
        ks = k[order]
        new[1:] |= ks[1:] != ks[:-1]
    group = np.cumsum(new) - 1
    if count == "documents":
        gs = gid[order]
        first_in_doc = new.copy()
        first_in_doc[1:] |= gs[1:] != gs[:-1]
        counts = np.bincount(group, weights=first_in_doc).astype(np.int64)
    else:
        counts = np.bincount(group).astype(np.int64)
    return order[counts[group] > max_occurrences], counts


def count_partition(
    env: FitEnv, part: int, stage: LineDedup, bounds: list[list[Any]]
) -> dict[str, Any]:
    """``count`` task: write partition ``part``'s lines to drop as ``(gid, line)``."""
    cfg = stage.config
    pieces = read_partition(list(env.shuffles), part)
    gid = concat(gids_of(env, pieces), np.int64)
    h, line = column(pieces, "h", np.uint64), column(pieces, LINE_COL, np.int32)
    key = column(pieces, LANG_KEY_COL, np.uint64) if cfg.per == "lang" else None
    bucket = _buckets(gid, key, cfg.bucket_docs, bounds)
    drop, counts = lines_over(cfg.count, cfg.max_occurrences, gid, (h, key, bucket))
    g, lines = gid[drop], line[drop]
    by_gid = np.lexsort((lines, g))
    table = pa.table({GID_COL: g[by_gid], LINE_COL: lines[by_gid]}, schema=DROP_SCHEMA)
    write_table(env.step_file("count", part), table)
    return {
        "lines": len(h),
        "distinct_lines": len(counts),
        "most_repeated": int(counts.max()) if len(counts) else 0,
    }


def decide_unit(env: FitEnv, unit: int, parts: int, stage: LineDedup) -> dict[str, Any]:
    """``decide`` task: write unit ``unit``'s decision file; its drop counters."""
    from .line_dedup import CHARS_COL, HASH_COL, drop_decisions

    obs = unit_observations(env, unit, [HASH_COL, CHARS_COL])
    if obs is None:
        return {}
    lo, hi = env.offsets[unit], env.offsets[unit + 1]
    hashes = obs.column(HASH_COL).combine_chunks()
    doc, _, h = flat_lines(hashes)
    chars = obs.column(CHARS_COL).combine_chunks().flatten().to_numpy().astype(np.int64)
    n_lines = pc.list_value_length(hashes).fill_null(0).to_numpy().astype(np.int64)
    real = h != BLANK
    nonblank = np.bincount(doc[real], minlength=hi - lo).astype(np.int32)
    nonblank_chars = np.bincount(doc[real], weights=chars[real], minlength=hi - lo)
    drops = gid_rows([env.step_file("count", p) for p in range(parts)], lo, hi, DROP_SCHEMA)
    d = drops.column(GID_COL).to_numpy() - lo
    line = drops.column(LINE_COL).to_numpy()
    starts = np.cumsum(n_lines) - n_lines
    cols, counters = drop_decisions(
        stage.config,
        stage.name,
        d,
        line,
        chars[starts[d] + line],
        (n_lines, nonblank, nonblank_chars.astype(np.int64)),
    )
    write_table(env.decisions[unit], pa.table({**positions(obs), **cols}))
    return counters


def fit_line_dedup(stage: LineDedup, runner: FitRunner) -> dict[str, Any]:
    """Drive the partitioned fit; the summary ``LineDedup.fit`` would make."""
    from .line_dedup import add_counters, finish_summary, fit_summary

    env, cfg = runner.env, stage.config
    params: dict[str, Any] = {"bounds": []}
    no_lang = True
    buckets = -(-env.documents // cfg.bucket_docs)
    if cfg.per == "lang":
        totals, starts = bucket_plan(runner.map("langs", env.units), cfg.bucket_docs)
        named = runner.once("bounds", lambda: find_bounds(env, starts))["bounds"]
        params["bounds"] = [[lang_key(name), gids] for name, gids in named]
        buckets = sum(-(-n // cfg.bucket_docs) for n in totals.values())
        no_lang = all(name is None for name in totals)
    counts = runner.map("count", env.partitions, params)
    facts = {
        "lines": sum(c["lines"] for c in counts),
        "distinct_lines": sum(c["distinct_lines"] for c in counts),
        "most_repeated": max((c["most_repeated"] for c in counts), default=0),
    }
    summary = fit_summary(cfg, env.documents, buckets, facts)
    for result in runner.map("decide", env.units, {"parts": env.partitions}):
        if result:
            add_counters(summary, result)
    finish_summary(summary, cfg, no_lang, stage.ctx.lang_column)
    return summary


__all__ = ["count_partition", "decide_unit", "fit_line_dedup", "line_shuffle", "unit_langs"]
