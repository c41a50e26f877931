"""Keep policies, the decision batches and the summary shared by both dedup stages.

Given the component id of every document (its cluster's first document in
input order), exactly one document per cluster is kept:

* ``first`` - the first in input order (the component id itself);
* ``longest`` - the longest original text (characters), ties by input order;
* ``column:<name>`` - the highest value of numeric column ``<name>`` (copied by
  ``observe``; nulls and NaN rank lowest), ties by input order.

Output columns (one row per observed document): the three internal ids,
``reason`` (null keeps; otherwise the stage's reason code), ``dup_cluster``
(int64: the input-order rank, 0-based over all observed documents, of the
cluster's first document; a document alone in its cluster names itself) and
``dup_cluster_size`` (int32, 1 for unique documents).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from dataprep.errors import ConfigError
from dataprep.output.columns import REASON_COL, REPEAT_COL, ROW_COL, SHARD_COL
from dataprep.stages.base import reasons_where

from .corpus import Corpus

CLUSTER_COL = "dup_cluster"
CLUSTER_SIZE_COL = "dup_cluster_size"
_BATCH_ROWS = 1 << 16


@dataclass(frozen=True)
class KeepPolicy:
    """Parsed ``keep`` option."""

    kind: str
    column: str | None = None

    @classmethod
    def parse(cls, text: str) -> KeepPolicy:
        if text in ("first", "longest"):
            return cls(text)
        if text.startswith("column:") and len(text) > len("column:"):
            return cls("column", text[len("column:") :])
        raise ConfigError(f"keep must be 'first', 'longest' or 'column:<name>', got {text!r}")


def keep_rank(corpus: Corpus, policy: KeepPolicy) -> np.ndarray:
    """Position of every gid in keep order (0 = the document kept first), ties by gid."""
    n = corpus.size
    gids = np.arange(n, dtype=np.int64)
    if policy.kind == "first":
        return gids
    score = corpus.length if policy.kind == "longest" else corpus.keep_value
    if score is None:
        raise ConfigError(f"keep policy {policy} needs a column the observations lack")
    desc = ~score if np.issubdtype(score.dtype, np.integer) else -score
    rank = np.empty(n, dtype=np.int64)
    rank[np.lexsort((gids, desc))] = gids
    return rank


def choose_kept(labels: np.ndarray, corpus: Corpus, policy: KeepPolicy) -> np.ndarray:
    """Boolean mask of the kept document of every cluster (``labels`` per gid)."""
    n = len(labels)
    gids = np.arange(n, dtype=np.int64)
    if policy.kind == "first":
        return labels == gids
    score = corpus.length if policy.kind == "longest" else corpus.keep_value
    if score is None:
        raise ConfigError(f"keep policy {policy} needs a column the observations lack")
    # descending score without overflow: ~x for ints, -x for floats
    desc = ~score if np.issubdtype(score.dtype, np.integer) else -score
    order = np.lexsort((gids, desc, labels))
    first_of_cluster = np.ones(n, dtype=bool)
    first_of_cluster[1:] = labels[order][1:] != labels[order][:-1]
    kept = np.zeros(n, dtype=bool)
    kept[order[first_of_cluster]] = True
    return kept


def decision_batches(
    corpus: Corpus,
    labels: np.ndarray,
    kept: np.ndarray,
    reason: str,
    extra: dict[str, pa.Array] | None = None,
) -> Iterator[pa.RecordBatch]:
    """Decision rows for every document, in input order, ``_BATCH_ROWS`` at a time
    (``extra``: further signal columns, one value per gid)."""
    sizes = np.bincount(labels, minlength=len(labels)).astype(np.int32)
    for lo in range(0, len(labels), _BATCH_ROWS):
        hi = min(lo + _BATCH_ROWS, len(labels))
        removed = ~kept[lo:hi]
        reasons = reasons_where(removed, reason)
        yield pa.record_batch(
            {
                SHARD_COL: pa.array(corpus.shard[lo:hi], type=pa.int32()),
                ROW_COL: pa.array(corpus.row[lo:hi], type=pa.int64()),
                REPEAT_COL: pa.array(corpus.repeat[lo:hi], type=pa.int32()),
                REASON_COL: reasons,
                CLUSTER_COL: pa.array(labels[lo:hi], type=pa.int64()),
                CLUSTER_SIZE_COL: pa.array(sizes[labels[lo:hi]], type=pa.int32()),
                **{name: col.slice(lo, hi - lo) for name, col in (extra or {}).items()},
            }
        )


def _size_bucket(size: int) -> str:
    if size <= 4:
        return str(size)
    lo = 1 << (size.bit_length() - 1)
    return f"{lo}-{2 * lo - 1}"


def summarize(corpus: Corpus, labels: np.ndarray, kept: np.ndarray) -> dict[str, Any]:
    """Duplicate rate, cluster size histogram and per-language duplicate rate."""
    n = len(labels)
    removed = int(n - kept.sum())
    sizes = np.bincount(labels, minlength=n)
    cluster_sizes = sizes[sizes > 1]
    hist: dict[str, int] = {}
    values, counts = np.unique(cluster_sizes, return_counts=True)
    for size, count in zip(values.tolist(), counts.tolist(), strict=True):
        key = _size_bucket(size)
        hist[key] = hist.get(key, 0) + count
    summary: dict[str, Any] = {
        "documents": n,
        "duplicates_removed": removed,
        "duplicate_rate": removed / max(n, 1),
        "clusters": len(cluster_sizes),
        "documents_in_clusters": int(cluster_sizes.sum()),
        "largest_cluster": int(cluster_sizes.max()) if len(cluster_sizes) else 1 if n else 0,
        "cluster_size_histogram": hist,
    }
    if corpus.lang_codes is not None:
        per_lang: dict[str, dict[str, float | int]] = {}
        codes = corpus.lang_codes.astype(np.int64) + 1  # index 0 = null language
        k = len(corpus.lang_names) + 1
        docs = np.bincount(codes, minlength=k)
        dups = np.bincount(codes, weights=(~kept).astype(np.float64), minlength=k)
        for i in range(k):
            if docs[i]:
                name = "null" if i == 0 else corpus.lang_names[i - 1]
                per_lang[name] = {
                    "documents": int(docs[i]),
                    "duplicates_removed": int(dups[i]),
                    "duplicate_rate": float(dups[i]) / max(int(docs[i]), 1),
                }
        summary["per_language"] = per_lang
    return summary
