"""Texts of removed documents for the report and ``inspect``, kept at run time.

With ``output.keep_removed: ids`` the files in ``removed/STAGE/`` hold no text. The
report and ``inspect`` show the removed documents with the smallest xxh64 of their
id per (stage, reason) (:mod:`dataprep.report.samples`), so a worker keeps exactly
those: per (stage, reason) the :data:`REMOVED_PER_REASON` removed originals
(up-sampled copies are never sampled) with the smallest ``(key, shard, row)``, their
text cut at ``STORE_CHARS``. Each unit's record travels in its rewrite-evidence file
(:mod:`dataprep.report.store`) and the records are merged into
``report_samples.json`` (``"removed"``): the smallest keys win, so the result does
not depend on units or workers.
"""

from __future__ import annotations

import heapq
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import xxhash

from dataprep.output.columns import REASON_COL, REPEAT_PUBLIC_COL, ROW_COL, SHARD_COL

#: Removed documents kept per (stage, reason): at least what the report shows (3), the
#: duplicate pairs per stage (5) and ``inspect``'s default ``-n`` (5).
REMOVED_PER_REASON = 10
_Key = tuple[int, int, int]


def _key(doc_id: Any) -> int:
    return xxhash.xxh64_intdigest(str(doc_id).encode("utf-8", "surrogatepass"))


class RemovedRecorder:
    """One unit's smallest-key removed documents with their text (module docstring)."""

    def __init__(self, *, text_column: str, id_column: str, chars: int) -> None:
        self.text_column = text_column
        self.id_column = id_column
        self.chars = chars
        #: (stage, reason) -> max-heap of (-key..., sample)
        self.heaps: dict[tuple[str, str], list[tuple[_Key, dict[str, Any]]]] = {}

    def record(self, stage: str, removed: pa.RecordBatch) -> None:
        """Offer ``removed`` (documents removed by ``stage``, with their reason)."""
        names = removed.schema.names
        if removed.num_rows == 0 or self.text_column not in names:
            return
        ids = removed.column(self.id_column).to_pylist()
        keys = np.array([_key(i) for i in ids], dtype=np.uint64)
        if REPEAT_PUBLIC_COL in names:
            # As the report's sampler: a true ``repeat`` value is a copy, never sampled
            # (before an up-sampling stage ``repeat`` may be an input column of any type).
            copy = np.array([bool(v) for v in removed.column(REPEAT_PUBLIC_COL).to_pylist()])
            keys[copy] = np.iinfo(np.uint64).max
        reasons = removed.column(REASON_COL).to_pylist()
        shards = _ints(removed, SHARD_COL)
        rows = _ints(removed, ROW_COL)
        texts: list[Any] | None = None
        for i in np.argsort(keys, kind="stable"):
            i = int(i)
            if keys[i] == np.iinfo(np.uint64).max:
                break
            heap = self.heaps.setdefault((stage, str(reasons[i])), [])
            neg = (-int(keys[i]), -shards[i], -rows[i])
            if len(heap) >= REMOVED_PER_REASON and neg <= heap[0][0]:
                continue
            texts = texts if texts is not None else removed.column(self.text_column).to_pylist()
            text = texts[i] or ""
            sample = {"id": str(ids[i]), "chars": len(text), "text": text[: self.chars]}
            if len(heap) < REMOVED_PER_REASON:
                heapq.heappush(heap, (neg, sample))
            else:
                heapq.heapreplace(heap, (neg, sample))

    def to_dict(self) -> dict[str, dict[str, list[Any]]]:
        """``{stage: {reason: [[key, shard, row], sample], ...}}`` smallest key first."""
        out: dict[str, dict[str, list[Any]]] = {}
        for (stage, reason), heap in sorted(self.heaps.items()):
            entries = sorted(heap, key=lambda e: e[0], reverse=True)
            out.setdefault(stage, {})[reason] = [[[-k for k in e[0]], e[1]] for e in entries]
        return out


def _ints(batch: pa.RecordBatch, name: str) -> list[int]:
    if name not in batch.schema.names:
        return [0] * batch.num_rows
    return [int(v) for v in pc.fill_null(batch.column(name), 0).to_pylist()]


def merge_removed(records: list[dict[str, Any]]) -> dict[str, dict[str, list[Any]]]:
    """Units' ``removed`` records into one: per (stage, reason) the smallest keys."""
    pools: dict[str, dict[str, list[Any]]] = {}
    for record in records:
        for stage, by_reason in record.get("removed", {}).items():
            for reason, entries in by_reason.items():
                pools.setdefault(stage, {}).setdefault(reason, []).extend(entries)
    return {
        stage: {
            reason: sorted(entries, key=lambda e: tuple(e[0]))[:REMOVED_PER_REASON]
            for reason, entries in sorted(by_reason.items())
        }
        for stage, by_reason in sorted(pools.items())
    }


def stored_texts(store: dict[str, Any], stage: str) -> dict[str, tuple[str, int]]:
    """``id -> (text, chars)`` of ``stage``'s removed documents in a merged store."""
    found: dict[str, tuple[str, int]] = {}
    for entries in store.get("removed", {}).get(stage, {}).values():
        for _, sample in entries:
            found[str(sample["id"])] = (str(sample["text"]), int(sample["chars"]))
    return found
