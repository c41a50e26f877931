"""The columns dataprep adds to removed documents, and the input columns they displace.

A document written to ``removed/STAGE/`` carries every column it had plus two of
dataprep's: ``stage`` (the instance name that removed it) and ``reason`` (its
reason code). Inputs may have columns of those names already (a crawl's ``stage``,
a moderation ``reason``). Appending ours next to them would write a Parquet file
with two columns of one name, which pyarrow's dataset reader and polars refuse to
read. So the user's column is kept, under ``input_stage`` / ``input_reason``
(``input_input_stage`` if that is taken too), in removed files only: ``data/``
is written as read.
"""

from __future__ import annotations

import pyarrow as pa

from dataprep.output.columns import REASON_COL, STAGE_COL

REMOVED_REASON_COL = REASON_COL
#: Columns dataprep appends to every removed document, in this order.
REMOVED_COLUMNS = (STAGE_COL, REMOVED_REASON_COL)
#: Prefix of an input column renamed out of the way of one of dataprep's.
DISPLACED_PREFIX = "input_"


def make_room(batch: pa.RecordBatch, names: tuple[str, ...]) -> pa.RecordBatch:
    """``batch`` with each column named in ``names`` renamed ``input_<name>``
    (prefix repeated until the name is free); values and order unchanged."""
    taken = set(batch.schema.names)
    if not taken.intersection(names):
        return batch
    renamed = []
    for name in batch.schema.names:
        if name in names:
            new = DISPLACED_PREFIX + name
            while new in taken or new in names:
                new = DISPLACED_PREFIX + new
            taken.add(new)
            name = new
        renamed.append(name)
    return batch.rename_columns(renamed)


def with_removal_columns(
    removed: pa.RecordBatch, stage_name: str, reasons: pa.Array
) -> pa.RecordBatch:
    """Removed documents with ``stage`` and ``reason`` appended (never a duplicate name)."""
    out = make_room(removed, REMOVED_COLUMNS)
    out = out.append_column(STAGE_COL, pa.array([stage_name] * out.num_rows, pa.string()))
    return out.append_column(REMOVED_REASON_COL, reasons.cast(pa.string()))
