"""A global stage's decisions are found by document position, copies included, and a
decision table out of document order fails when it is read, not documents later."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.ipc as ipc
import pytest

from dataprep.engine.decisions import Decisions
from dataprep.output.columns import REASON_COL, REPEAT_COL, ROW_COL, SHARD_COL


def decisions_file(path: Path, positions: list[tuple[int, int]], reasons: list[str | None]) -> Path:
    table = pa.table(
        {
            SHARD_COL: pa.array([0] * len(positions), pa.int32()),
            ROW_COL: pa.array([r for r, _ in positions], pa.int64()),
            REPEAT_COL: pa.array([c for _, c in positions], pa.int32()),
            REASON_COL: pa.array(reasons, pa.string()),
        }
    )
    with ipc.new_file(str(path), table.schema) as w:
        w.write_table(table)
    return path


def batch(positions: list[tuple[int, int]]) -> pa.RecordBatch:
    return pa.RecordBatch.from_pydict(
        {
            ROW_COL: pa.array([r for r, _ in positions], pa.int64()),
            REPEAT_COL: pa.array([c for _, c in positions], pa.int32()),
        }
    )


def test_copies_numbered_past_65536_are_found_in_any_batch_order(tmp_path: Path) -> None:
    positions = [(0, 0), (0, 66066), (1, 0), (1, 464)]
    dec = Decisions(decisions_file(tmp_path / "d", positions, ["a", "b", "c", "d"]), stage="g")
    found = dec.lookup(batch([(1, 464), (0, 66066), (0, 0)]))
    assert found.column(REASON_COL).to_pylist() == ["d", "b", "a"]


def test_a_document_without_decision_names_the_stage(tmp_path: Path) -> None:
    dec = Decisions(decisions_file(tmp_path / "d", [(0, 0)], [None]), stage="g")
    with pytest.raises(RuntimeError, match="stage 'g' produced no decision"):
        dec.lookup(batch([(0, 1)]))


@pytest.mark.parametrize(
    "positions", [[(0, 1), (0, 0)], [(1, 0), (0, 5)], [(0, 3), (0, 3)]], ids=str
)
def test_decisions_out_of_order_or_twice_fail_when_read(
    tmp_path: Path, positions: list[tuple[int, int]]
) -> None:
    path = decisions_file(tmp_path / "d", positions, [None, None])
    with pytest.raises(RuntimeError, match="not in document order or decide a document twice"):
        Decisions(path, stage="g")
