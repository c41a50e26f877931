"""``url_dedup_v1``: exact dedup of documents by normalized URL (Llama 3, section 3.1.1).

Llama 3 (Dubey et al. 2024) "perform[s] global deduplication across the entire dataset"
by URL and keeps "the most recent version for pages corresponding to each URL". With
``date_column`` set, the document with the highest date is kept (ties and null dates
go to input order); without it, the FIRST in input order (``_dp_shard``, ``_dp_row``,
``_dp_repeat``) - not what the paper does, and the summary's ``notes`` say so. Dates
are read by :func:`dataprep.cleaning.dates.date_numbers`: a null-typed column, blank
strings and strings in no known form are null dates (counted as ``null_dates``, the
unparseable ones also as ``unparsed_dates``), never an error. URLs are normalized by
:func:`dataprep.cleaning.urls.normalize_url`. A null or empty URL is never a duplicate.

Observation columns: ``hash`` (binary(16), ``xxh3_128`` of the normalized URL; null for
a null/empty URL), ``length`` (characters of the text), ``url_state`` (int8: 0 missing,
1 normalized, 2 kept as written) and, with a date column, ``keep_value`` (int64
microseconds UTC, or the numbers as given) and ``date_state`` (int8: 0 no date, 1 parsed,
2 unparseable).

Decision columns: ``reason`` (``url_duplicate``), ``{name}__cluster_size`` (int32,
documents sharing the normalized URL; 1 for unique or missing URLs).

Partitioned fit (what a run uses; ``stages/fit.py``): the workers send each non-null
URL hash with its keep key (``dedup/partitioned.py``: ``exact_shuffle``), a ``group``
task per partition writes the cluster file of its duplicate URLs and a ``decide`` task
per work unit its decision file and URL/date state counts. Driver memory: the tasks'
counters. The single-process ``fit`` (the reference the tests compare with) keeps the
dedup spill and corpus index of :mod:`dataprep.dedup.exact` - 24 bytes per document on
disk, ~50 bytes per document in RAM (ids, length, date, label).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import xxhash

from dataprep.dedup.corpus import KEEP_COL, LENGTH_COL, iter_batches, read_corpus
from dataprep.dedup.exact import HASH_COL, exact_labels
from dataprep.dedup.keep import KeepPolicy, choose_kept
from dataprep.dedup.partitioned import HashGroupedFit, positions, unit_clusters
from dataprep.errors import InputError
from dataprep.io.shuffle import write_table
from dataprep.output.columns import REASON_COL, REPEAT_COL, ROW_COL, SHARD_COL, signal_column
from dataprep.recipe.registry import register
from dataprep.stages.base import GlobalStage, StageConfig, reasons_where
from dataprep.stages.fit import FitEnv, FitRunner

from .dates import date_numbers
from .urls import normalize_url

REASON = "url_duplicate"
STATE_COL = "url_state"
DATE_STATE_COL = "date_state"
_BATCH_ROWS = 1 << 16


@dataclass(frozen=True, kw_only=True)
class UrlDedupConfig(StageConfig):
    """Options of ``url_dedup_v1``."""

    url_column: str = "url"
    """Column holding the page URL."""
    date_column: str | None = None
    """Crawl date column; when set, the most recent copy is kept (Llama 3)."""
    ignore_scheme: bool = False
    """Treat http:// and https:// as the same URL."""
    strip_www: bool = False
    """Treat ``www.example.com`` and ``example.com`` as the same host."""


@register("url_dedup_v1")
class UrlDedup(HashGroupedFit, GlobalStage[UrlDedupConfig]):
    """Keep one document per normalized URL: the most recent, else the first."""

    def required_columns(self) -> Sequence[str]:
        cols = [self.ctx.text_column, self.config.url_column]
        if self.config.date_column is not None:
            cols.append(self.config.date_column)
        return tuple(cols)

    def observe(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        cfg = self.config
        if cfg.url_column not in batch.schema.names:
            raise InputError(f"{self.name}: batch lacks url column {cfg.url_column!r}")
        urls = batch.column(cfg.url_column).cast(pa.string()).to_pylist()
        digests: list[bytes | None] = []
        states: list[int] = []
        for url in urls:
            if url is None or not url.strip():
                digests.append(None)
                states.append(0)
                continue
            key = normalize_url(url, ignore_scheme=cfg.ignore_scheme, strip_www=cfg.strip_www)
            states.append(1 if "://" in key else 2)
            digests.append(xxhash.xxh3_128_digest(key.encode("utf-8", "surrogatepass")))
        text = batch.column(self.ctx.text_column)
        cols: dict[str, pa.Array] = {
            HASH_COL: pa.array(digests, type=pa.binary(16)),
            LENGTH_COL: pc.fill_null(pc.utf8_length(text), 0).cast(pa.int64()),
            STATE_COL: pa.array(states, type=pa.int8()),
        }
        if cfg.date_column is not None:
            raw = batch.column(cfg.date_column)
            keep, _ = date_numbers(raw, cfg.date_column)
            cols[KEEP_COL] = keep
            # 0 no date, 1 parsed, 2 unparseable (a string none of the forms read: null)
            given = pc.invert(pc.is_null(raw)).to_numpy(zero_copy_only=False)
            if pa.types.is_string(raw.type) or pa.types.is_large_string(raw.type):
                blank = pc.fill_null(pc.equal(pc.utf8_trim_whitespace(raw), ""), True)
                given &= ~blank.to_numpy(zero_copy_only=False)
            parsed = pc.invert(pc.is_null(keep)).to_numpy(zero_copy_only=False)
            state = np.where(parsed, 1, np.where(given, 2, 0)).astype(np.int8)
            cols[DATE_STATE_COL] = pa.array(state, type=pa.int8())
        return pa.record_batch(cols)

    def keep_policy(self) -> KeepPolicy:
        with_date = self.config.date_column is not None
        return KeepPolicy("column", KEEP_COL) if with_date else KeepPolicy("first")

    def _make_summary(
        self,
        n: int,
        removed: int,
        distinct: int,
        largest: int,
        states: np.ndarray,
        dates: np.ndarray,
    ) -> dict[str, Any]:
        out: dict[str, Any] = {
            "documents": n,
            "duplicates_removed": removed,
            "duplicate_rate": removed / max(n, 1),
            "distinct_urls": distinct,
            "missing_urls": int(states[0]),
            "unparsed_urls": int(states[2]),
            "largest_cluster": largest,
            "keep": "most_recent" if self.config.date_column is not None else "first",
        }
        if self.config.date_column is not None:
            out["null_dates"] = int(dates[0] + dates[2])
            out["unparsed_dates"] = int(dates[2])
        else:
            out["notes"] = [
                "no date_column: the FIRST copy of each URL in input order is kept, not the "
                "most recent one (Llama 3 keeps the most recent; set date_column)"
            ]
        return out

    def fit(self, observations: Sequence[Path], workdir: Path) -> Iterator[pa.RecordBatch]:
        paths = [Path(p) for p in observations]
        with_date = self.config.date_column is not None
        corpus = read_corpus(paths, with_keep_value=with_date)
        labels, missing = exact_labels(paths, workdir, corpus)
        kept = choose_kept(labels, corpus, self.keep_policy())
        sizes = np.bincount(labels, minlength=len(labels)).astype(np.int32)
        states = np.zeros(3, dtype=np.int64)
        dates = np.zeros(3, dtype=np.int64)
        for path in paths:
            for b in iter_batches(path, [STATE_COL]):
                states += np.bincount(b.column(0).to_numpy(), minlength=3)
            if with_date:
                for b in iter_batches(path, [DATE_STATE_COL]):
                    dates += np.bincount(b.column(0).to_numpy(), minlength=3)
        n = corpus.size
        self._summary = self._make_summary(
            n,
            int(n - kept.sum()),
            int((labels == np.arange(n)).sum()) - missing,
            int(sizes.max()) if n else 0,
            states,
            dates,
        )
        col = signal_column(self.name, "cluster_size")
        for lo in range(0, n, _BATCH_ROWS):
            hi = min(lo + _BATCH_ROWS, n)
            gone = ~kept[lo:hi]
            yield pa.record_batch(
                {
                    SHARD_COL: pa.array(corpus.shard[lo:hi], type=pa.int32()),
                    ROW_COL: pa.array(corpus.row[lo:hi], type=pa.int64()),
                    REPEAT_COL: pa.array(corpus.repeat[lo:hi], type=pa.int32()),
                    REASON_COL: reasons_where(gone, REASON),
                    col: pa.array(sizes[labels[lo:hi]], type=pa.int32()),
                }
            )

    # Partitioned fit: exact dedup's shuffle and group steps over the URL hashes.

    def fit_partitioned(self, runner: FitRunner) -> None:
        env, parts = runner.env, runner.env.partitions
        groups = runner.map("group", parts)
        units = [u for u in runner.map("decide", env.units, {"parts": parts}) if u]
        n = env.documents
        in_clusters = sum(g["documents_in_clusters"] - g["clusters"] for g in groups)
        states, dates = (
            np.array([u[k] for u in units], dtype=np.int64).reshape(-1, 3).sum(axis=0)
            for k in ("states", "dates")
        )
        largest = max((g["largest_cluster"] for g in groups), default=0) or (1 if n else 0)
        removed = sum(u["removed"] for u in units)
        self._summary = self._make_summary(
            n, removed, n - in_clusters - int(states[0]), largest, states, dates
        )

    def decide(self, env: FitEnv, unit: int, parts: int) -> dict[str, Any]:
        return _decide(env, unit, parts, signal_column(self.name, "cluster_size"))


def _decide(env: FitEnv, unit: int, parts: int, size_col: str) -> dict[str, Any]:
    """Unit ``unit``'s decision file; its removals and URL/date state counts."""
    got = unit_clusters(env, unit, "group", parts, [STATE_COL, DATE_STATE_COL])
    if got is None:
        return {}
    obs, found = got
    removed = found["dup_of"] >= 0
    cols = {
        **positions(obs),
        REASON_COL: reasons_where(removed, REASON),
        size_col: pa.array(found["size"], type=pa.int32()),
    }
    write_table(env.decisions[unit], pa.table(cols))
    counts = {}
    for name, key in ((STATE_COL, "states"), (DATE_STATE_COL, "dates")):
        values = obs.column(name).to_numpy() if name in obs.column_names else []
        counts[key] = np.bincount(values, minlength=3).tolist() if len(values) else [0, 0, 0]
    return {"removed": int(removed.sum()), **counts}
