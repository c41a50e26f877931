"""``line_dedup_v1``: drop lines repeated more than N times within buckets of documents.

Llama 3 (Dubey et al. 2024, section 3.1.1): "we performed aggressive line-level
de-duplication similar to ccNet [Wenzek et al. 2020]. We removed lines that appeared
more than 6 times in each bucket of 30M documents." A bucket is a run of
``bucket_docs`` consecutive documents in input order (rank by ``_dp_shard``,
``_dp_row``, ``_dp_repeat``), so decisions do not depend on the worker count. Every
occurrence of a line found in more than ``max_occurrences`` documents of its bucket is
dropped. ``count: documents`` (the default) counts each document containing the line
once, as the paper's bucket rule implies: a line repeated inside one document (a
numeric table whose digits normalize to 0, a song's chorus, the bodies of similar code
snippets) is not boilerplate; ``count: lines`` counts every occurrence.

``per: lang`` dedups "within data for each language" (the paper's words): lines are
counted separately per value of the ``lang`` column (null is one more group), and a
bucket is a run of ``bucket_docs`` consecutive documents *of that language*; it needs
language ID to run before this stage. ``per: corpus`` counts across languages.
Lines are normalized and hashed by :mod:`.lines`; blank lines are never counted nor
dropped.

A global stage cannot rewrite text (its decisions only add columns), so this stage
decides and ``line_dedup_apply_v1``, placed right after it, removes the lines.

Observation columns: ``line_hash`` (list<uint64>, one per line, 0 = blank),
``line_chars`` (list<int32>, characters incl. the newline), ``length`` and, with
``per: lang``, ``lang`` (string).

Decision columns: ``{name}__drop_lines`` (list<int32>, sorted line indexes to
remove), ``{name}__n_lines`` (int32, lines seen, checked by the apply stage),
``{name}__lines_dropped`` (int32) and ``{name}__chars_dropped`` (int64, with newlines).
Reason ``line_dedup_empty`` when every non-blank line is dropped, or when fewer than
``min_chars_after`` characters of non-blank lines remain in a document that lost lines.

Partitioned fit (what a run uses; ``stages/fit.py``, :mod:`.line_partitioned`): the
workers send every non-blank line's hash to the shuffle, a ``count`` task per partition
writes the lines to drop and a ``decide`` task per work unit its decision file; the
driver holds the tasks' counters (with ``per: lang``, documents per language per unit).
The single-process ``fit`` below is the reference the tests compare it with.

Memory of ``fit``: spill 24 bytes per non-blank line on disk (hash, document, line,
chars), twice at most; RAM: one partition at a time (~128 MiB of rows + sort
permutations), plus ~52 bytes per document (the corpus index of
:mod:`dataprep.dedup.corpus` and per-document line totals).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from dataprep.dedup.corpus import LANG_COL, LENGTH_COL, Corpus, iter_batches, read_corpus
from dataprep.dedup.spill import PartitionedSpill, partition_count
from dataprep.errors import ConfigError
from dataprep.output.columns import REASON_COL, REPEAT_COL, ROW_COL, SHARD_COL, signal_column
from dataprep.recipe.registry import register
from dataprep.stages.base import GlobalStage, StageConfig, reasons_where
from dataprep.stages.fit import FitEnv, FitRunner, Shuffled

from .line_partitioned import (
    count_partition,
    decide_unit,
    fit_line_dedup,
    flat_lines,
    line_shuffle,
    lines_over,
    unit_langs,
)
from .lines import BLANK, line_hashes

REASON = "line_dedup_empty"
HASH_COL = "line_hash"
CHARS_COL = "line_chars"
_ROW_BYTES = 24
_BATCH_ROWS = 1 << 16
_SPILL = pa.schema(
    [("h", pa.uint64()), ("gid", pa.int64()), ("line", pa.int32()), ("chars", pa.int32())]
)


@dataclass(frozen=True, kw_only=True)
class LineDedupConfig(StageConfig):
    """Options of ``line_dedup_v1``."""

    max_occurrences: int = 6
    """A line seen more than this many times in a bucket is dropped (Llama 3: 6)."""
    bucket_docs: int = 30_000_000
    """Documents per bucket, by input order (Llama 3: 30M)."""
    count: Literal["lines", "documents"] = "documents"
    """Count each document containing the line once (default), or every occurrence."""
    per: Literal["corpus", "lang"] = "corpus"
    """Count lines across the corpus, or within each language (``lang`` column)."""
    min_chars_after: int | None = None
    """Drop a document that lost lines and keeps fewer non-blank characters; None = only
    documents left with no non-blank line are dropped."""

    def __post_init__(self) -> None:
        if self.max_occurrences < 1:
            raise ConfigError(f"max_occurrences must be >= 1, got {self.max_occurrences}")
        if self.bucket_docs < 1:
            raise ConfigError(f"bucket_docs must be >= 1, got {self.bucket_docs}")
        if self.min_chars_after is not None and self.min_chars_after < 0:
            raise ConfigError(f"min_chars_after must be >= 0, got {self.min_chars_after}")


def _flatten(batch: pa.RecordBatch) -> tuple[np.ndarray, ...]:
    """(doc index in batch, line index, hash, chars) of every line of a batch."""
    parent, line, h = flat_lines(batch.column(0))
    return parent, line, h, batch.column(1).flatten().to_numpy()


@register("line_dedup_v1")
class LineDedup(GlobalStage[LineDedupConfig]):
    """Decide which lines repeated across documents to drop (see module docstring)."""

    def observe(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        hashes: list[list[int]] = []
        chars: list[list[int]] = []
        for text in batch.column(self.ctx.text_column).to_pylist():
            h, c = line_hashes(text or "")
            hashes.append(h)
            chars.append(c)
        text = batch.column(self.ctx.text_column)
        cols = {
            HASH_COL: pa.array(hashes, type=pa.list_(pa.uint64())),
            CHARS_COL: pa.array(chars, type=pa.list_(pa.int32())),
            LENGTH_COL: pc.fill_null(pc.utf8_length(text), 0).cast(pa.int64()),
        }
        if self.config.per == "lang":
            names = batch.schema.names
            lang_col = self.ctx.lang_column
            cols[LANG_COL] = (
                batch.column(lang_col).cast(pa.string())
                if lang_col in names
                else pa.nulls(batch.num_rows, pa.string())
            )
        return pa.record_batch(cols)

    # Partitioned fit (``line_partitioned.py``): line hashes shuffled by the workers,
    # a ``count`` task per partition, a ``decide`` task per work unit.

    def shuffle(self, observations: pa.RecordBatch) -> Shuffled:
        return line_shuffle(observations, HASH_COL, self.config.per == "lang")

    def fit_partitioned(self, runner: FitRunner) -> None:
        self._summary = fit_line_dedup(self, runner)

    def fit_task(
        self, step: str, index: int, params: dict[str, Any], env: FitEnv
    ) -> dict[str, Any]:
        if step == "langs":
            return unit_langs(env, index)
        if step == "count":
            return count_partition(env, index, self, params["bounds"])
        if step == "decide":
            return decide_unit(env, index, params["parts"], self)
        raise ValueError(f"{self.name}: unknown fit step {step!r}")

    def _groups(self, corpus: Corpus) -> np.ndarray:
        """The counting group of every gid: its bucket, within its language with per: lang."""
        n, size = corpus.size, self.config.bucket_docs
        gids = np.arange(n, dtype=np.int64)
        if self.config.per != "lang" or corpus.lang_codes is None:
            return gids // size
        codes = corpus.lang_codes.astype(np.int64) + 1  # -1 (null) -> 0
        order = np.argsort(codes, kind="stable")  # by language, input order within it
        sorted_codes = codes[order]
        first = np.searchsorted(sorted_codes, sorted_codes, side="left")
        rank = np.empty(n, dtype=np.int64)
        rank[order] = np.arange(n, dtype=np.int64) - first
        return codes * (n // size + 1) + rank // size

    def _spill_lines(
        self, paths: Sequence[Path], gids_by_file: Sequence[np.ndarray], workdir: Path, n: int
    ) -> tuple[PartitionedSpill, np.ndarray, np.ndarray, np.ndarray]:
        total = 0
        for path in paths:
            for b in iter_batches(path, [HASH_COL]):
                total += len(b.column(0).flatten())
        parts = partition_count(total, _ROW_BYTES)
        n_lines = np.zeros(n, dtype=np.int32)
        nonblank = np.zeros(n, dtype=np.int32)
        nonblank_chars = np.zeros(n, dtype=np.int64)
        spill = PartitionedSpill(workdir, "lines", _SPILL, parts)
        for path, gids in zip(paths, gids_by_file, strict=True):
            offset = 0
            for b in iter_batches(path, [HASH_COL, CHARS_COL]):
                doc, line, h, c = _flatten(b)
                gid = gids[offset + doc]
                n_lines[gids[offset : offset + b.num_rows]] = (
                    pc.list_value_length(b.column(0)).fill_null(0).to_numpy()
                )
                real = h != BLANK
                doc, gid, line, h, c = doc[real], gid[real], line[real], h[real], c[real]
                rows = gids[offset : offset + b.num_rows]
                nonblank[rows] += np.bincount(doc, minlength=b.num_rows).astype(np.int32)
                nonblank_chars[rows] += np.bincount(doc, weights=c, minlength=b.num_rows).astype(
                    np.int64
                )
                spill.write(h % np.uint64(parts), {"h": h, "gid": gid, "line": line, "chars": c})
                offset += b.num_rows
        spill.close()
        return spill, n_lines, nonblank, nonblank_chars

    def _count(
        self, spill: PartitionedSpill, drops: PartitionedSpill, groups: np.ndarray
    ) -> dict[str, int]:
        """Group each partition by (hash, bucket); spill the rows to drop by document."""
        cfg = self.config
        n = len(groups)
        facts = {"lines": 0, "distinct_lines": 0, "most_repeated": 0}
        for _, rows in spill.partitions():
            h, gid = rows["h"], rows["gid"]
            drop, counts = lines_over(cfg.count, cfg.max_occurrences, gid, (h, None, groups[gid]))
            facts["lines"] += len(h)
            facts["distinct_lines"] += len(counts)
            facts["most_repeated"] = max(facts["most_repeated"], int(counts.max()))
            g = gid[drop]
            drops.write(
                (g * drops.num_partitions // max(n, 1)).astype(np.int64),
                {"h": h[drop], "gid": g, "line": rows["line"][drop], "chars": rows["chars"][drop]},
            )
        drops.close()
        return facts

    def fit(self, observations: Sequence[Path], workdir: Path) -> Iterator[pa.RecordBatch]:
        paths = [Path(p) for p in observations]
        corpus = read_corpus(paths, with_keep_value=False)
        n = corpus.size
        spill, n_lines, nonblank, nonblank_chars = self._spill_lines(
            paths, corpus.gid_by_file, workdir / "lines", n
        )
        drops = PartitionedSpill(workdir / "drops", "drops", _SPILL, spill.num_partitions)
        groups = self._groups(corpus)
        facts = self._count(spill, drops, groups)
        self._summary = fit_summary(self.config, n, len(np.unique(groups)), facts)
        for part in range(drops.num_partitions):
            lo = -(-part * n // drops.num_partitions)
            hi = -(-(part + 1) * n // drops.num_partitions)
            rows = drops.read(part)
            if drops.path(part).exists():
                drops.path(part).unlink()
            cols, counters = drop_decisions(
                self.config,
                self.name,
                rows["gid"] - lo,
                rows["line"],
                rows["chars"],
                (n_lines[lo:hi], nonblank[lo:hi], nonblank_chars[lo:hi]),
            )
            add_counters(self._summary, counters)
            for a in range(0, hi - lo, _BATCH_ROWS):
                b = min(a + _BATCH_ROWS, hi - lo)
                ids = {
                    SHARD_COL: pa.array(corpus.shard[lo + a : lo + b], type=pa.int32()),
                    ROW_COL: pa.array(corpus.row[lo + a : lo + b], type=pa.int64()),
                    REPEAT_COL: pa.array(corpus.repeat[lo + a : lo + b], type=pa.int32()),
                }
                yield pa.record_batch({**ids, **{k: v.slice(a, b - a) for k, v in cols.items()}})
        no_lang = corpus.lang_codes is None or corpus.lang_names == []
        finish_summary(self._summary, self.config, no_lang, self.ctx.lang_column)


#: The summary's drop counters, added up over partitions or work units.
DROP_COUNTERS = (
    "lines_dropped",
    "chars_dropped",
    "docs_with_dropped_lines",
    "docs_emptied",
    "docs_too_short",
)


def fit_summary(
    cfg: LineDedupConfig, documents: int, buckets: int, facts: dict[str, int]
) -> dict[str, Any]:
    """The summary before the drop counters are added (both fits build it here)."""
    return {
        "documents": documents,
        "buckets": buckets,
        "bucket_docs": cfg.bucket_docs,
        "max_occurrences": cfg.max_occurrences,
        "count": cfg.count,
        "per": cfg.per,
        "lines": facts["lines"],
        "distinct_lines": facts["distinct_lines"],
        "most_repeated_line_count": facts["most_repeated"],
        **dict.fromkeys(DROP_COUNTERS, 0),
    }


def add_counters(summary: dict[str, Any], counters: dict[str, int]) -> None:
    for key in DROP_COUNTERS:
        summary[key] += counters[key]


def finish_summary(
    summary: dict[str, Any], cfg: LineDedupConfig, no_lang: bool, lang_column: str
) -> None:
    """Add the drop rate, and the note of ``per: lang`` without any language."""
    summary["line_drop_rate"] = summary["lines_dropped"] / max(summary["lines"], 1)
    if cfg.per == "lang" and no_lang:
        summary["notes"] = [
            f"per: lang but no {lang_column!r} column: counted over the whole "
            "corpus (run language ID before this stage)"
        ]


def drop_decisions(
    cfg: LineDedupConfig,
    name: str,
    doc: np.ndarray,
    line: np.ndarray,
    chars: np.ndarray,
    totals: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> tuple[dict[str, pa.Array], dict[str, int]]:
    """The decision columns (after the positions) of a run of documents, and its drop
    counters. ``doc`` (index in the run), ``line`` and ``chars``: every dropped line,
    in any order; ``totals``: per document its lines, non-blank lines and characters
    of non-blank lines."""
    n_lines, nonblank, nonblank_chars = totals
    n = len(n_lines)
    order = np.lexsort((line, doc))
    doc, line, chars = doc[order], line[order].astype(np.int32), chars[order]
    dropped = np.bincount(doc, minlength=n).astype(np.int32)
    chars_dropped = np.bincount(doc, weights=chars, minlength=n).astype(np.int64)
    offsets = np.concatenate(([0], np.cumsum(dropped))).astype(np.int32)
    left = nonblank_chars - chars_dropped
    emptied = (dropped > 0) & (dropped == nonblank)
    short = np.zeros_like(emptied)
    if cfg.min_chars_after is not None:
        short = (dropped > 0) & ~emptied & (left < cfg.min_chars_after)
    counters = {
        "lines_dropped": int(dropped.sum()),
        "chars_dropped": int(chars_dropped.sum()),
        "docs_with_dropped_lines": int(np.count_nonzero(dropped)),
        "docs_emptied": int(emptied.sum()),
        "docs_too_short": int(short.sum()),
    }
    cols = {
        REASON_COL: reasons_where(emptied | short, REASON),
        signal_column(name, "drop_lines"): pa.ListArray.from_arrays(
            pa.array(offsets), pa.array(line)
        ),
        signal_column(name, "n_lines"): pa.array(n_lines.astype(np.int32)),
        signal_column(name, "lines_dropped"): pa.array(dropped),
        signal_column(name, "chars_dropped"): pa.array(chars_dropped),
    }
    return cols, counters
