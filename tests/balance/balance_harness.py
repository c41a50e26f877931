"""A tiny stand-in for the runner's two passes over a global stage.

(Not a ``conftest.py``: other test folders import their own ``conftest`` by name.)

It adds the internal columns (rows may bring their own ``_dp_row``/``_dp_repeat``, e.g.
the output of an earlier stage), calls ``observe`` per batch, writes one Arrow IPC
file per shard with the observe columns plus ``_dp_shard``/``_dp_row``/``_dp_repeat``,
calls ``fit``, checks the decision contract and joins the decisions back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa

from dataprep.output.columns import (
    COPIES_COL,
    INTERNAL_COLUMNS,
    MAX_COPIES,
    REASON_COL,
    REPEAT_COL,
    ROW_COL,
    SHARD_COL,
)
from dataprep.stages.base import GlobalStage


@dataclass
class Result:
    decisions: dict[tuple[int, int, int], dict[str, Any]]
    """(shard, row, repeat) -> decision row."""
    kept: list[dict[str, Any]]
    """Output documents, with a ``repeat`` column (this stage's copy number) and the
    engine's ``_dp_row``/``_dp_repeat``, in input order."""
    reasons: dict[str, str | None]
    """Document id -> reason."""

    def copies_by_id(self) -> dict[Any, int]:
        out: dict[Any, int] = {}
        for doc in self.kept:
            out[doc["id"]] = out.get(doc["id"], 0) + 1
        return out


def simulate(
    stage: GlobalStage,
    shards: Sequence[Sequence[dict[str, Any]]],
    workdir: Path,
    *,
    batch_size: int = 1000,
) -> Result:
    obs_dir = workdir / "obs"
    obs_dir.mkdir(parents=True, exist_ok=True)
    paths, docs = [], {}
    for s, rows in enumerate(shards):
        table = pa.Table.from_pylist(list(rows))
        n = table.num_rows
        table = table.append_column(SHARD_COL, pa.array([s] * n, pa.int32()))
        if ROW_COL not in table.column_names:
            table = table.append_column(ROW_COL, pa.array(range(n), pa.int64()))
        if REPEAT_COL not in table.column_names:
            table = table.append_column(REPEAT_COL, pa.array([0] * n, pa.int32()))
        table = table.set_column(
            table.schema.get_field_index(REPEAT_COL),
            REPEAT_COL,
            table.column(REPEAT_COL).cast(pa.int32()),
        )
        row_numbers = table.column(ROW_COL).to_pylist()
        positions = zip(row_numbers, table.column(REPEAT_COL).to_pylist(), strict=True)
        for (row_number, rep), row in zip(positions, rows, strict=True):
            docs[(s, row_number, rep)] = {**row, ROW_COL: row_number, REPEAT_COL: rep}
        out_batches = []
        for batch in table.to_batches(max_chunksize=batch_size):
            summary = stage.observe(batch)
            assert summary.num_rows == batch.num_rows
            for name in INTERNAL_COLUMNS:
                summary = summary.append_column(name, batch.column(name))
            out_batches.append(summary)
        path = obs_dir / f"part-{s:05d}.arrow"
        if out_batches:
            with pa.ipc.new_file(path, out_batches[0].schema) as writer:
                for b in out_batches:
                    writer.write_batch(b)
            paths.append(path)
    spill = workdir / "fit"
    spill.mkdir(exist_ok=True)
    decisions: dict[tuple[int, int, int], dict[str, Any]] = {}
    for batch in stage.fit(paths, spill):
        assert set(INTERNAL_COLUMNS) | {REASON_COL} <= set(batch.schema.names)
        assert batch.schema.field(COPIES_COL).type == pa.int32()
        for row in batch.to_pylist():
            key = (row[SHARD_COL], row[ROW_COL], row[REPEAT_COL])
            assert key not in decisions, f"two decisions for {key}"
            assert row[COPIES_COL] >= 1
            decisions[key] = row
    assert set(decisions) == set(docs), "every observed document needs exactly one decision"
    kept, reasons = [], {}
    for key in sorted(docs):
        d, doc = decisions[key], docs[key]
        reasons[doc["id"]] = d[REASON_COL]
        if d[REASON_COL] is None:
            kept.extend(
                {**doc, "repeat": r, REPEAT_COL: key[2] * MAX_COPIES + r}
                for r in range(d[COPIES_COL])
            )
    return Result(decisions, kept, reasons)
