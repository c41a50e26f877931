"""A global stage's decisions for one shard, looked up by document position.

The driver writes each shard's decisions sorted by ``(_dp_shard, _dp_row,
_dp_repeat)``; a worker reads them back and finds the decision of each document
of a batch by binary search on :func:`~dataprep.engine.positions.position_key`,
which sorts the same way. The keys are checked once to be strictly increasing, so
a stage that decides a document twice, or an encoding that breaks document
order, fails loudly here and not as documents without a decision later.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.ipc as ipc

from dataprep.engine.positions import child_repeat, position_key
from dataprep.output.columns import (
    COPIES_COL,
    INTERNAL_COLUMNS,
    REASON_COL,
    REPEAT_COL,
    ROW_COL,
)


def batch_keys(data: pa.RecordBatch | pa.Table) -> np.ndarray:
    """The position keys of a batch's documents (one shard)."""
    rows = data.column(ROW_COL).to_numpy()
    reps = data.column(REPEAT_COL).to_numpy()
    return position_key(rows, reps)


class Decisions:
    """The decisions of global stage ``stage`` for one shard, read from ``path``."""

    def __init__(self, path: Path, *, stage: str) -> None:
        with pa.memory_map(str(path)) as source:
            self.table = ipc.open_file(source).read_all()
        self.stage = stage
        self.keys = batch_keys(self.table)
        if self.keys.size > 1 and not bool(np.all(np.diff(self.keys) > 0)):
            raise RuntimeError(
                f"decisions of stage {stage!r} in {path.name} are not in document order "
                "or decide a document twice"
            )

    def lookup(self, batch: pa.RecordBatch) -> pa.Table:
        """The decision rows of ``batch``'s documents, in the batch's order."""
        keys = batch_keys(batch)
        idx = np.searchsorted(self.keys, keys)
        idx_clipped = np.minimum(idx, len(self.keys) - 1)
        if len(self.keys) == 0 or not np.array_equal(self.keys[idx_clipped], keys):
            raise RuntimeError(
                f"global stage {self.stage!r} produced no decision for some documents"
            )
        return self.table.take(pa.array(idx_clipped))

    def apply(self, batch: pa.RecordBatch) -> tuple[pa.RecordBatch, pa.Array, np.ndarray | None]:
        """The batch with the decisions' signal columns added, its reasons and copies."""
        dec = self.lookup(batch)
        out = batch
        for name in dec.column_names:
            if name in INTERNAL_COLUMNS or name in (REASON_COL, COPIES_COL):
                continue
            col = dec.column(name).combine_chunks()
            if name in out.schema.names:
                out = out.set_column(out.schema.get_field_index(name), name, col)
            else:
                out = out.append_column(name, col)
        reason = dec.column(REASON_COL).combine_chunks().cast(pa.string())
        copies = None
        if COPIES_COL in dec.column_names:
            copies = np.asarray(dec.column(COPIES_COL).fill_null(1).to_numpy(), dtype=np.int64)
        return out, reason, copies


def replicate(
    batch: pa.RecordBatch, copies: np.ndarray, *, stage: str, allowed: bool = True
) -> pa.RecordBatch:
    """Emit ``copies[i]`` copies of row i, numbered in ``_dp_repeat`` by
    :func:`~dataprep.engine.positions.child_repeat` (the public ``repeat`` and copy ids:
    :mod:`dataprep.engine.copies`). ``allowed``: the stage's ``may_copy()``; copies from
    a stage that declared it makes none are refused."""
    if not allowed and bool((copies > 1).any()):
        raise RuntimeError(f"stage {stage!r} made copies, but its may_copy() says it makes none")
    copies = np.maximum(copies, 1)
    idx = np.repeat(np.arange(batch.num_rows), copies)
    starts = np.cumsum(copies) - copies
    within = np.arange(len(idx)) - np.repeat(starts, copies)
    out = batch.take(pa.array(idx))
    rep = child_repeat(out.column(REPEAT_COL).to_numpy(), within, stage=stage)
    return out.set_column(out.schema.get_field_index(REPEAT_COL), REPEAT_COL, pa.array(rep))
