"""The report's samples: the batch path picks exactly what the per-document definition picks.

The definition (:func:`reference`): in each group, the ``n`` eligible documents with the
smallest ``(xxh64 of the id, part index, row)``; up-sampled copies never; in flagged mode
only rows with a reason; ``keep`` filters candidates before they compete.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from dataprep.output.columns import LANG_COLUMN, reason_column
from dataprep.output.reader import Output, PartFile, iter_batches, open_output
from dataprep.report.samples import (
    REPEAT_COLUMN,
    Doc,
    _reason_codes,
    _repeated,
    key_of,
    sample,
)

Picked = dict[tuple[Any, Any], list[tuple[Any, Any]]]


def reference(
    out: Output,
    parts: Sequence[PartFile],
    n: int,
    *,
    reason_col: str | None = "reason",
    flagged: bool = False,
    stage: str | None = None,
    keep: Callable[[Doc], bool] | None = None,
) -> Picked:
    """Every document in turn: (group) -> [(id, lang)] of the ``n`` smallest keys."""
    found: dict[tuple[Any, Any], list[tuple[tuple[int, int, int], Doc]]] = {}
    cols = [out.id_column, LANG_COLUMN, REPEAT_COLUMN] + ([reason_col] if reason_col else [])
    for p_index, part in enumerate(parts):
        row = 0
        for batch in iter_batches(out, part, cols):
            data = {c: batch.column(c).to_pylist() for c in batch.schema.names}
            for i in range(batch.num_rows):
                reason = data.get(reason_col, [None] * batch.num_rows)[i] if reason_col else None
                if data.get(REPEAT_COLUMN, [0] * batch.num_rows)[i] or (flagged and reason is None):
                    continue
                doc_id = data.get(out.id_column, [None] * batch.num_rows)[i]
                doc_id = None if doc_id is None else str(doc_id)
                where = stage if flagged else part.stage
                doc = Doc(where, reason, doc_id, data.get(LANG_COLUMN, [None] * batch.num_rows)[i])
                if keep is not None and not keep(doc):
                    continue
                key = (key_of(doc_id, part, row + i), p_index, row + i)
                found.setdefault((where, reason), []).append((key, doc))
            row += batch.num_rows
    return {g: [(d.id, d.lang) for _, d in sorted(docs)[:n]] for g, docs in found.items()}


def english_or_german(d: Doc) -> bool:
    return d.lang in ("en", "de")


def picked(found: dict[Any, list[Doc]]) -> Picked:
    return {g: [(d.id, d.lang) for d in docs] for g, docs in found.items()}


@pytest.mark.parametrize("n", [1, 3, 50])
def test_removed_kept_and_by_language_samples_match_the_definition(
    full_output: Path, evidence_output: Path, n: int
) -> None:
    for root in (full_output, evidence_output):
        out = open_output(root)
        removed = [p for s in out.stage_names for p in out.removed_files(s)]
        assert picked(sample(out, removed, n)) == reference(out, removed, n)
        kept = out.kept_files()
        got = sample(out, kept, n, reason_column=None)
        assert picked(got) == reference(out, kept, n, reason_col=None)
        by_lang = sample(out, kept, n, reason_column=LANG_COLUMN, keep=english_or_german)
        want = reference(out, kept, n, reason_col=LANG_COLUMN, keep=english_or_german)
        assert picked(by_lang) == want and want


def test_flagged_samples_match_the_definition(full_output: Path, evidence_output: Path) -> None:
    checked = 0
    for root in (full_output, evidence_output):
        out = open_output(root)
        for s in out.stage_names:
            if not out.stage_info(s).get("annotate"):
                continue
            parts = out.all_files()
            flag = reason_column(s)
            got = sample(out, parts, 2, reason_column=flag, stage=s, flagged=True)
            want = reference(out, parts, 2, reason_col=flag, stage=s, flagged=True)
            assert picked(got) == want
            checked += bool(want)
    assert checked  # some annotate stage flagged documents


@pytest.mark.parametrize(
    ("repeat", "copies"),
    [
        (pa.nulls(3), [False, False, False]),  # a column written all-null: no copies
        (pa.array([1, None, 0], pa.int32()), [True, False, False]),
        (pa.array([True, False, None]), [True, False, False]),
    ],
)
def test_up_sampled_copies_are_read_from_any_repeat_column(
    repeat: pa.Array, copies: list[bool]
) -> None:
    batch = pa.record_batch({REPEAT_COLUMN: repeat, "reason": pa.nulls(3)})
    assert _repeated(batch).tolist() == copies
    codes, reasons = _reason_codes(batch, "reason")
    assert codes.tolist() == [-1, -1, -1] and reasons == [None]
    assert _reason_codes(batch, None)[0].tolist() == [-1, -1, -1]
