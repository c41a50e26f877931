"""Run one stage on one batch: count, split kept from removed, keep removed aside.

This is the only place documents are dropped, so the accounting is the same for
every stage: ``docs_in == docs_kept + docs_removed`` by construction.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from dataprep.engine.accounting import StageStats
from dataprep.output.columns import N_TOKENS_COL, reason_column
from dataprep.stages.removed import with_removal_columns

RemovedSink = Callable[[pa.RecordBatch], None]


def text_bytes(batch: pa.RecordBatch, text_column: str) -> np.ndarray:
    """UTF-8 byte length of each document (0 for null)."""
    lengths = pc.binary_length(batch.column(text_column)).fill_null(0)
    sizes: np.ndarray = lengths.to_numpy(zero_copy_only=False).astype(np.int64, copy=False)
    return sizes


def _count_langs(counter: object, batch: pa.RecordBatch, lang_column: str) -> None:
    if lang_column not in batch.schema.names or batch.num_rows == 0:
        return
    counts = pc.value_counts(batch.column(lang_column).fill_null("und"))
    for item in counts.to_pylist():
        counter[str(item["values"])] += item["counts"]  # type: ignore[index]


def _count_tokens(
    stats: StageStats, batch: pa.RecordBatch, removed: np.ndarray, lang_column: str
) -> None:
    """Tokens in and kept (total and per language) where documents carry ``n_tokens``."""
    if N_TOKENS_COL not in batch.schema.names:
        return
    stats.counts_tokens = True
    tokens = batch.column(N_TOKENS_COL).fill_null(0).to_numpy(zero_copy_only=False)
    stats.tokens_in += int(tokens.sum())
    stats.tokens_kept += int(tokens[~removed].sum())
    if lang_column not in batch.schema.names:
        return
    kept = np.where(removed, 0, tokens)
    by_lang = (
        pa.table({"lang": batch.column(lang_column).fill_null("und"), "t": tokens, "k": kept})
        .group_by("lang")
        .aggregate([("t", "sum"), ("k", "sum")])
    )
    for row in by_lang.to_pylist():
        stats.tokens_in_by_lang[str(row["lang"])] += int(row["t_sum"])
        stats.tokens_kept_by_lang[str(row["lang"])] += int(row["k_sum"])


def split_by_reason(
    stage_name: str,
    before: pa.RecordBatch,
    after: pa.RecordBatch,
    reason: pa.Array,
    *,
    text_column: str,
    lang_column: str,
    annotate: bool,
    stats: StageStats,
    removed_sink: RemovedSink | None,
) -> pa.RecordBatch:
    """Count one stage's effect on a batch and return the kept rows.

    ``before`` is the batch the stage received (for bytes in), ``after`` the batch
    it returned (signal columns added, text maybe rewritten), ``reason`` its
    per-row decision. In annotate mode the reasons become a column and every row
    is kept.
    """
    n = before.num_rows
    bytes_before = text_bytes(before, text_column)
    stats.docs_in += n
    stats.bytes_in += int(bytes_before.sum())
    _count_langs(stats.docs_in_by_lang, after, lang_column)
    removed_mask = pc.is_valid(reason)
    n_removed = 0 if reason.null_count == n else int(pc.sum(removed_mask).as_py() or 0)
    if annotate:
        if n_removed:
            stats.flagged_by_reason.update(_value_counts(pc.filter(reason, removed_mask)))
        after = after.append_column(reason_column(stage_name), reason.cast(pa.string()))
        n_removed = 0
        removed_mask = pa.array(np.zeros(n, dtype=bool))
    keep_mask = pc.invert(removed_mask)
    removed_np = removed_mask.to_numpy(zero_copy_only=False)
    _count_tokens(stats, after, removed_np, lang_column)
    stats.docs_removed += n_removed
    stats.docs_kept += n - n_removed
    stats.bytes_removed += int(bytes_before[removed_np].sum())
    stats.bytes_kept += int(bytes_before[~removed_np].sum())
    if after.column(text_column) is not before.column(text_column):
        bytes_after = text_bytes(after, text_column)
        stats.chars_rewritten += int((bytes_before - bytes_after)[~removed_np].sum())
    if n_removed == 0:
        return after
    removed = after.filter(removed_mask)
    removed_reasons = pc.filter(reason, removed_mask)
    stats.removed_by_reason.update(_value_counts(removed_reasons))
    _count_langs(stats.removed_by_lang, removed, lang_column)
    if removed_sink is not None:
        removed_sink(with_removal_columns(removed, stage_name, removed_reasons))
    return after.filter(keep_mask)


def _value_counts(values: pa.Array) -> dict[str, int]:
    return {str(d["values"]): int(d["counts"]) for d in pc.value_counts(values).to_pylist()}
