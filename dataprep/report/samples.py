"""Deterministic samples of documents, for the report and ``dataprep inspect``.

A sample is the ``n`` documents with the smallest 64-bit xxhash of their id (of
``file:row`` when there is no id column) in each group: the same output folder
always gives the same sample, spread over all shards rather than the first rows.
Pass one streams only the id, reason and language columns and keeps a bounded
heap per group; pass two reads the text of the chosen rows only, row group by
row group. Removed parts written without text (``keep_removed: ids``) take the text
from the report's sample store, which holds exactly these documents
(:mod:`dataprep.report.removed_store`).
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import xxhash

from dataprep.errors import InputError
from dataprep.output.columns import LANG_COLUMN, reason_column, signal_prefix
from dataprep.output.reader import BATCH_ROWS, Output, PartFile, iter_batches
from dataprep.report.removed_store import stored_texts
from dataprep.report.store import merged_rewrites

REPEAT_COLUMN = "repeat"


@dataclass(frozen=True)
class Doc:
    """One sampled document (``stage`` None = kept; ``flagged`` = annotate-mode reason)."""

    stage: str | None
    reason: str | None
    id: str | None
    lang: str | None
    text: str | None = None
    chars: int = 0
    flagged: bool = False
    signals: tuple[tuple[str, Any], ...] = ()
    """The stored signals of the stage that removed (or flagged) it, by signal name."""
    text_kept: bool = True
    """False for a removed document written without text and not in the sample store."""

    def to_dict(self, max_chars: int) -> dict[str, Any]:
        text = self.text or ""
        return {
            "stage": self.stage,
            "reason": self.reason,
            "id": self.id,
            "lang": self.lang,
            "chars": self.chars,
            "truncated": len(text) > max_chars,
            "text": text[:max_chars] if self.text is not None else None,
            "text_kept": self.text_kept,
        }


Group = tuple[str | None, str | None]
_Entry = tuple[int, int, int, Doc]  # (-hash, -part index, -row, doc): a max-heap by key


def key_of(doc_id: str | None, part: PartFile, row: int) -> int:
    """The sample key of a document: xxh64 of its id (of ``file:row`` without one)."""
    raw = doc_id if doc_id is not None else f"{part.path.name}:{row}"
    return xxhash.xxh64_intdigest(raw.encode("utf-8", "surrogatepass"))


def _column(batch: Any, name: str | None) -> list[Any]:
    if name is not None and name in batch.schema.names:
        return list(batch.column(name).to_pylist())
    return [None] * batch.num_rows


def _reason_codes(batch: Any, name: str | None) -> tuple[np.ndarray, list[Any]]:
    """Per row, the index of its reason in the returned list, -1 where it has none
    (no reason column: every row -1, the part's one group)."""
    if name is None or name not in batch.schema.names:
        return np.full(batch.num_rows, -1, dtype=np.int64), []
    encoded = pc.dictionary_encode(batch.column(name))
    codes = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False)
    return codes.astype(np.int64), encoded.dictionary.to_pylist()


def _repeated(batch: Any) -> np.ndarray:
    """Up-sampled copies (``repeat`` > 0), never sampled."""
    column = batch.column(REPEAT_COLUMN) if REPEAT_COLUMN in batch.schema.names else None
    if column is None or pa.types.is_null(column.type):  # no copies (an all-null column)
        return np.zeros(batch.num_rows, dtype=bool)
    repeat = pc.fill_null(pc.cast(column, pa.int64()), 0)
    return np.asarray(pc.not_equal(repeat, 0).to_numpy(zero_copy_only=False), dtype=bool)


def sample(
    out: Output,
    parts: Sequence[PartFile],
    n: int,
    *,
    reason_column: str | None = "reason",
    flagged: bool = False,
    stage: str | None = None,
    keep: Callable[[Doc], bool] | None = None,
) -> dict[Group, list[Doc]]:
    """Up to ``n`` documents per (stage, reason) among ``parts``, smallest hash first.

    ``reason_column`` names the column giving the reason (``None``: one group per
    part kind). With ``flagged``, only rows whose reason is set are taken (annotate
    mode reasons, on documents kept or removed later) and ``stage`` names the
    annotate stage in the groups. ``keep`` filters candidates. Up-sampled copies
    (``repeat > 0``) are never sampled.
    """
    heaps: dict[Group, list[_Entry]] = {}
    cols = [out.id_column, LANG_COLUMN, REPEAT_COLUMN]
    if reason_column:
        cols.append(reason_column)
    for p_index, part in enumerate(parts):
        where = stage if flagged else part.stage
        row = 0
        for batch in iter_batches(out, part, cols):
            ids = _column(batch, out.id_column)
            keys = np.fromiter(
                (key_of(None if d is None else str(d), part, row + i) for i, d in enumerate(ids)),
                dtype=np.uint64,
                count=batch.num_rows,
            )
            groups, reasons = _reason_codes(batch, reason_column)
            usable = ~_repeated(batch)
            if flagged:
                usable &= groups >= 0
            langs = None
            for g in np.unique(groups[usable]).tolist():
                rows = np.flatnonzero(usable & (groups == g))
                rows = rows[np.lexsort((rows, keys[rows]))]  # by (key, row): best first
                reason = reasons[g] if g >= 0 else None
                heap = heaps.get((where, reason), [])
                for i in rows.tolist():
                    entry_key = (-int(keys[i]), -p_index, -(row + i))
                    if len(heap) >= n and entry_key <= heap[0][:3]:
                        break  # the rest of this batch's group ranks lower still
                    if langs is None:
                        langs = _column(batch, LANG_COLUMN)
                    doc_id = None if ids[i] is None else str(ids[i])
                    doc = Doc(where, reason, doc_id, langs[i], flagged=flagged)
                    if keep is not None and not keep(doc):
                        continue
                    heap = heaps.setdefault((where, reason), heap)
                    if len(heap) < n:
                        heapq.heappush(heap, (*entry_key, doc))
                    else:
                        heapq.heapreplace(heap, (*entry_key, doc))
            row += batch.num_rows
    wanted = {(-e[1], -e[2]): e[3] for heap in heaps.values() for e in heap}
    filled = _read_texts(out, parts, wanted)
    result: dict[Group, list[Doc]] = {}
    for group in sorted(heaps, key=lambda g: (str(g[0]), str(g[1]))):
        ordered = sorted(heaps[group], key=lambda e: e[:3], reverse=True)
        result[group] = [filled[(-e[1], -e[2])] for e in ordered]
    return result


def _read_texts(
    out: Output, parts: Sequence[PartFile], wanted: dict[tuple[int, int], Doc]
) -> dict[tuple[int, int], Doc]:
    """Fill in the text of each wanted (part, row), reading only the row groups holding them."""
    filled = dict(wanted)
    for p_index in sorted({p for p, _ in wanted}):
        part = parts[p_index]
        rows = sorted(r for p, r in wanted if p == p_index)
        found = _texts(out, part, rows)
        textless = out.text_column not in out.schema(part).names
        signals = _signals(out, part, filled[(p_index, rows[0])].stage, rows)
        for r in rows:
            doc = replace(filled[(p_index, r)], signals=signals.get(r, ()))
            if r in found:
                text, chars = found[r]
                doc = replace(doc, text=text, chars=chars)
            elif textless:
                doc = replace(doc, text_kept=False)
            filled[(p_index, r)] = doc
    return filled


def _signals(
    out: Output, part: PartFile, stage: str | None, rows: list[int]
) -> dict[int, tuple[tuple[str, Any], ...]]:
    """The signal columns of ``stage`` (the one that removed or flagged the documents
    of ``part``) stored in ``part``, by row; none for kept documents."""
    if stage is None:
        return {}
    prefix = signal_prefix(stage)
    cols = [n for n in out.schema(part).names if n.startswith(prefix)]
    cols = [n for n in cols if n != reason_column(stage)]
    if not cols:
        return {}
    try:
        values = _row_values(part, cols, rows)
    except (OSError, pa.ArrowException) as e:
        raise InputError(f"cannot read {part.path}: {e}") from e
    return {r: tuple((c.removeprefix(prefix), v[c]) for c in cols) for r, v in values.items()}


def _texts(out: Output, part: PartFile, rows: list[int]) -> dict[int, tuple[str | None, int]]:
    """``row -> (text, characters)``: from the part, or for a removed part written
    without text (``keep_removed: ids``) from the report's sample store."""
    try:
        if out.text_column in out.schema(part).names:
            found = _row_texts(part, out.text_column, rows)
            return {r: (t, len(t or "")) for r, t in found.items()}
        if part.stage is None:
            return {}
        if "store" not in out.memo:
            out.memo["store"] = merged_rewrites(out.root, out.stage_names)
        stored = stored_texts(out.memo["store"], part.stage)
        ids = _row_texts(part, out.id_column, rows) if stored else {}
        return {r: stored[str(i)] for r, i in ids.items() if str(i) in stored}
    except (OSError, pa.ArrowException) as e:
        raise InputError(f"cannot read {part.path}: {e}") from e


def texts_at(out: Output, part: PartFile, rows: Sequence[int]) -> dict[int, str | None]:
    """The text of each of ``rows`` of ``part`` (only their row groups are read; a
    removed document written without its text: the stored text, if it was sampled)."""
    return {r: t for r, (t, _) in _texts(out, part, sorted(rows)).items()}


def _row_texts(part: PartFile, text_column: str, rows: list[int]) -> dict[int, str | None]:
    return {r: v[text_column] for r, v in _row_values(part, [text_column], rows).items()}


def _row_values(
    part: PartFile, columns: Sequence[str], rows: list[int]
) -> dict[int, dict[str, Any]]:
    """``columns`` of each of ``rows`` (sorted) of ``part``, reading only their row groups."""
    found: dict[int, dict[str, Any]] = {}
    pf = pq.ParquetFile(part.path)
    start = 0
    for rg in range(pf.num_row_groups):
        size = pf.metadata.row_group(rg).num_rows
        here = [r for r in rows if start <= r < start + size]
        offset = start
        batches = pf.iter_batches(BATCH_ROWS, row_groups=[rg], columns=list(columns))
        for batch in batches if here else ():
            for r in here:
                if offset <= r < offset + batch.num_rows:
                    found[r] = {c: batch.column(c)[r - offset].as_py() for c in columns}
            offset += batch.num_rows
        start += size
    return found
