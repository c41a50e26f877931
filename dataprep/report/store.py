"""The report's sample store: what rewriting stages changed, kept at run time.

A rewriting stage (C4 line cleaning, line dedup, n-gram coverage, PII redaction)
replaces the text; afterwards only the new text exists. So while a unit runs, the
engine hands every rewriting stage's batch before and after to a
:class:`RewriteRecorder` (:meth:`RewriteRecorder.record`), which keeps per stage:

* counts: original documents seen and changed, characters before and after, the
  documents that got longer (a placeholder longer than what it replaced);
* the histogram of the share of characters removed, ``1 - after / before`` clipped to
  ``[0, 1]``, over the changed documents, in ``SHARE_BINS`` fixed bins;
* the ``SAMPLES_PER_STAGE`` changed documents with the smallest xxh64 of their id
  (the report's sample order), before and after, each cut at ``STORE_CHARS``.

Each unit writes its record to ``_work/pass-P/rewrites/UNIT.json`` before its
completion record (a re-run unit rewrites the same bytes). When the report is
built at the end of the run, :func:`merged_rewrites` merges the units' records
(counts and bins add up; the samples with the smallest keys win, so the result
does not depend on how the input was cut into units or on the worker count) into
``report_samples.json``, which outlives ``_work/`` for ``dataprep report``.
Up-sampled copies are never recorded. With ``keep_removed: ids`` the same files carry
the texts of the removed documents the report samples (``"removed"``, see
:mod:`dataprep.report.removed_store`).
"""

from __future__ import annotations

import heapq
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import xxhash

from dataprep.io.writers import atomic_write_bytes
from dataprep.output.columns import LANG_COLUMN, REPEAT_COL, ROW_COL, SHARD_COL
from dataprep.output.layout import Layout
from dataprep.report.removed_store import RemovedRecorder, merge_removed

SAMPLES_PER_STAGE = 8
STORE_CHARS = 20_000
SHARE_BINS = 20
STORE_VERSION = 1


@dataclass
class _StageRecord:
    docs_seen: int = 0
    docs_changed: int = 0
    docs_longer: int = 0
    chars_before: int = 0
    chars_after: int = 0
    share_removed: list[int] = field(default_factory=lambda: [0] * SHARE_BINS)
    #: max-heap by key via negation: (-key, -shard, -row, sample)
    heap: list[tuple[int, int, int, dict[str, Any]]] = field(default_factory=list)

    def offer(self, key: int, shard: int, row: int, sample: dict[str, Any]) -> None:
        entry = (-key, -shard, -row, sample)
        if len(self.heap) < SAMPLES_PER_STAGE:
            heapq.heappush(self.heap, entry)
        elif entry[:3] > self.heap[0][:3]:
            heapq.heapreplace(self.heap, entry)

    def to_dict(self) -> dict[str, Any]:
        samples = [e[3] for e in sorted(self.heap, key=lambda e: e[:3], reverse=True)]
        return {
            "docs_seen": self.docs_seen,
            "docs_changed": self.docs_changed,
            "docs_longer": self.docs_longer,
            "chars_before": self.chars_before,
            "chars_after": self.chars_after,
            "share_removed": list(self.share_removed),
            "samples": samples,
        }


def _cut(text: str | None) -> str | None:
    return None if text is None else text[:STORE_CHARS]


class RewriteRecorder:
    """Collects one unit's rewrite evidence (see the module docstring)."""

    def __init__(self, *, text_column: str, id_column: str, removed_texts: bool = False) -> None:
        self.text_column = text_column
        self.id_column = id_column
        self.stages: dict[str, _StageRecord] = {}
        #: With ``keep_removed: ids``: the texts of the removed documents the report shows.
        self.removed = (
            RemovedRecorder(text_column=text_column, id_column=id_column, chars=STORE_CHARS)
            if removed_texts
            else None
        )

    def record_removed(self, stage: str, removed: pa.RecordBatch) -> None:
        """Offer documents ``stage`` removed (see :mod:`dataprep.report.removed_store`)."""
        if self.removed is not None:
            self.removed.record(stage, removed)

    def record(
        self, stage: str, before: pa.RecordBatch, after: pa.RecordBatch, reason: pa.Array
    ) -> None:
        """Note what ``stage`` changed: ``before``/``after`` are its input and output
        batch (same rows, before removed ones are split off), ``reason`` its decision."""
        rec = self.stages.setdefault(stage, _StageRecord())
        if before.num_rows == 0:
            return
        old, new = before.column(self.text_column), after.column(self.text_column)
        original = np.ones(before.num_rows, dtype=bool)
        if REPEAT_COL in before.schema.names:
            original = before.column(REPEAT_COL).fill_null(0).to_numpy(zero_copy_only=False) == 0
        changed = pc.fill_null(pc.not_equal(old, new), False).to_numpy(zero_copy_only=False)
        changed &= original
        rec.docs_seen += int(original.sum())
        if not changed.any():
            return
        mask = pa.array(changed)
        n_old = pc.utf8_length(pc.filter(old, mask)).fill_null(0).to_numpy(zero_copy_only=False)
        n_new = pc.utf8_length(pc.filter(new, mask)).fill_null(0).to_numpy(zero_copy_only=False)
        rec.docs_changed += int(changed.sum())
        rec.docs_longer += int((n_new > n_old).sum())
        rec.chars_before += int(n_old.sum())
        rec.chars_after += int(n_new.sum())
        share = np.clip(1.0 - n_new / np.maximum(n_old, 1), 0.0, 1.0)
        bins = np.minimum((share * SHARE_BINS).astype(np.int64), SHARE_BINS - 1)
        for b, n in zip(*np.unique(bins, return_counts=True), strict=True):
            rec.share_removed[int(b)] += int(n)
        self._offer(rec, before, after, reason, mask)

    def _offer(
        self,
        rec: _StageRecord,
        before: pa.RecordBatch,
        after: pa.RecordBatch,
        reason: pa.Array,
        mask: pa.Array,
    ) -> None:
        names = before.schema.names

        def values(batch: pa.RecordBatch, col: str) -> list[Any]:
            if col not in batch.schema.names:
                return [None] * int(pc.sum(mask).as_py() or 0)
            return list(pc.filter(batch.column(col), mask).to_pylist())

        ids, langs = values(before, self.id_column), values(after, LANG_COLUMN)
        shards = values(before, SHARD_COL) if SHARD_COL in names else [0] * len(ids)
        rows = values(before, ROW_COL) if ROW_COL in names else list(range(len(ids)))
        keys = [xxhash.xxh64_intdigest(str(i).encode("utf-8", "surrogatepass")) for i in ids]
        old_texts = new_texts = reasons = None
        for k in np.argsort(np.array(keys, dtype=np.uint64), kind="stable")[:SAMPLES_PER_STAGE]:
            k = int(k)
            entry = (-keys[k], -int(shards[k] or 0), -int(rows[k] or 0))
            if len(rec.heap) >= SAMPLES_PER_STAGE and entry <= rec.heap[0][:3]:
                break
            if old_texts is None:
                old_texts = values(before, self.text_column)
                new_texts = values(after, self.text_column)
                reasons = list(pc.filter(reason, mask).to_pylist())
            assert new_texts is not None and reasons is not None
            sample = {
                "id": None if ids[k] is None else str(ids[k]),
                "lang": langs[k],
                "reason": reasons[k],
                "chars_before": len(old_texts[k] or ""),
                "chars_after": len(new_texts[k] or ""),
                "before": _cut(old_texts[k]),
                "after": _cut(new_texts[k]),
            }
            rec.offer(keys[k], int(shards[k] or 0), int(rows[k] or 0), sample)

    def to_json(self) -> bytes:
        stages = {}
        for name, rec in self.stages.items():
            d = rec.to_dict()
            d["keys"] = [
                [-e[0], -e[1], -e[2]] for e in sorted(rec.heap, key=lambda e: e[:3], reverse=True)
            ]
            stages[name] = d
        record: dict[str, Any] = {"version": STORE_VERSION, "stages": stages}
        if self.removed is not None and self.removed.heaps:
            record["removed"] = self.removed.to_dict()
        return json.dumps(record, sort_keys=True).encode()

    def write(self, path: Path) -> None:
        """Write the unit's record (nothing when there is nothing to keep)."""
        if self.stages or (self.removed is not None and self.removed.heaps):
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_bytes(path, self.to_json())


def _merge(records: list[dict[str, Any]], order: list[str]) -> dict[str, Any]:
    merged: dict[str, dict[str, Any]] = {}
    pools: dict[str, list[tuple[list[int], dict[str, Any]]]] = {}
    for record in records:
        for name, d in record.get("stages", {}).items():
            m = merged.setdefault(
                name,
                {
                    "docs_seen": 0,
                    "docs_changed": 0,
                    "docs_longer": 0,
                    "chars_before": 0,
                    "chars_after": 0,
                    "share_removed": [0] * SHARE_BINS,
                },
            )
            for key in ("docs_seen", "docs_changed", "docs_longer", "chars_before", "chars_after"):
                m[key] += int(d.get(key, 0))
            m["share_removed"] = [
                a + int(b) for a, b in zip(m["share_removed"], d["share_removed"], strict=True)
            ]
            pools.setdefault(name, []).extend(zip(d["keys"], d["samples"], strict=True))
    rank = {s: i for i, s in enumerate(order)}
    out = {}
    for name in sorted(merged, key=lambda s: (rank.get(s, len(rank)), s)):
        best = sorted(pools.get(name, []), key=lambda e: tuple(e[0]))[:SAMPLES_PER_STAGE]
        out[name] = {**merged[name], "samples": [s for _, s in best]}
    result: dict[str, Any] = {"version": STORE_VERSION, "stages": out}
    removed = merge_removed(records)
    if removed:
        result["removed"] = removed
    return result


def merged_rewrites(root: Path, stage_order: list[str]) -> dict[str, Any]:
    """The run's rewrite evidence: merged from ``_work/`` while it exists (and saved to
    ``report_samples.json``), else read back from ``report_samples.json``."""
    layout = Layout(root)
    files = sorted(layout.work.glob("pass-*/rewrites/*.json")) if layout.work.is_dir() else []
    if files:
        records = [json.loads(f.read_text(encoding="utf-8")) for f in files]
        merged = _merge(records, stage_order)
        encoded = (json.dumps(merged, indent=1, ensure_ascii=False) + "\n").encode("utf-8")
        # Written once: the report's parts, built in parallel, merge the same records
        # and must not race for the temporary file (``report/build.py`` saves it first).
        saved = layout.report_samples
        if not (saved.is_file() and saved.read_bytes() == encoded):
            atomic_write_bytes(saved, encoded)
        return merged
    if layout.report_samples.is_file():
        data: dict[str, Any] = json.loads(layout.report_samples.read_text(encoding="utf-8"))
        return data
    return {"version": STORE_VERSION, "stages": {}}
