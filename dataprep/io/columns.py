"""Give every raw input batch the columns the pipeline relies on.

* the text column, as ``large_string`` (valid UTF-8 is checked here, once);
* the id column, kept when present, else made from the shard name and row
  (``shard.jsonl.gz:17``), so ids are stable whatever the worker count;
* the internal position columns ``_dp_shard``, ``_dp_row``, ``_dp_repeat``.

All other columns pass through unchanged.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from dataprep.errors import InputError
from dataprep.io.discover import Shard
from dataprep.stages.base import REPEAT_COL, ROW_COL, SHARD_COL


def _text_array(batch: pa.RecordBatch, shard: Shard, text_column: str, row0: int) -> pa.Array:
    if text_column not in batch.schema.names:
        cols = ", ".join(n for n in batch.schema.names) or "none"
        raise InputError(
            f"{shard.path}: no text column {text_column!r} (columns: {cols}); "
            "set input.text_column in the recipe"
        )
    text = batch.column(text_column)
    if pa.types.is_large_string(text.type):
        return text
    try:
        return text.cast(pa.large_string())
    except pa.ArrowInvalid as e:
        raise InputError(
            f"{shard.path} (rows {row0}..{row0 + batch.num_rows - 1}): column {text_column!r} "
            f"is not valid UTF-8 text ({e})"
        ) from e


def _id_array(batch: pa.RecordBatch, shard: Shard, id_column: str, row0: int) -> pa.Array:
    if id_column in batch.schema.names:
        ids = batch.column(id_column)
        return ids if pa.types.is_string(ids.type) else ids.cast(pa.string())
    rows = pa.array(np.arange(row0, row0 + batch.num_rows), type=pa.int64())
    return pc.binary_join_element_wise(shard.name, rows.cast(pa.string()), ":")


def prepare_batch(
    raw: pa.RecordBatch, shard: Shard, row0: int, *, text_column: str, id_column: str
) -> pa.RecordBatch:
    """The raw batch with text/id normalized and position columns appended."""
    n = raw.num_rows
    text = _text_array(raw, shard, text_column, row0)
    ids = _id_array(raw, shard, id_column, row0)
    names = list(raw.schema.names)
    arrays = list(raw.columns)
    for col_name, arr in ((text_column, text), (id_column, ids)):
        if col_name in names:
            arrays[names.index(col_name)] = arr
        else:
            names.append(col_name)
            arrays.append(arr)
    names += [SHARD_COL, ROW_COL, REPEAT_COL]
    arrays += [
        pa.array(np.full(n, shard.index, dtype=np.int32)),
        pa.array(np.arange(row0, row0 + n, dtype=np.int64)),
        pa.array(np.zeros(n, dtype=np.int32)),
    ]
    return pa.RecordBatch.from_arrays(arrays, names=names)
