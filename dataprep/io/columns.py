"""Give every raw input batch the columns the pipeline relies on.

* the text column, as ``large_string`` (valid UTF-8 is checked here, once);
* the id column, kept when present, else made from the shard name and row
  (``shard.jsonl.gz:17``), so ids are stable whatever the worker count;
* the internal position columns ``_dp_shard``, ``_dp_row``, ``_dp_repeat``.

Columns whose type the pipeline cannot use are refused with a one-line error, never
cast behind the user's back: a text column of numbers or lists (casting integers
to strings would turn ids or counts into "documents"), an id column of lists or
structs, and a ``lang`` column that is not text (stages read ``lang`` as the
language code). All other columns pass through unchanged.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from dataprep.errors import InputError
from dataprep.io.bad_units import BAD_UTF8, BadUnit, OnBad, report
from dataprep.io.discover import Shard
from dataprep.output.columns import LANG_COLUMN, REPEAT_COL, ROW_COL, SHARD_COL


def _is_text(t: pa.DataType) -> bool:
    return bool(
        pa.types.is_string(t)
        or pa.types.is_large_string(t)
        or pa.types.is_binary(t)
        or pa.types.is_large_binary(t)
        or pa.types.is_null(t)
    )


def check_columns(
    shard: Shard, schema: pa.Schema, *, text_column: str, id_column: str | None
) -> None:
    """InputError when the text, id or ``lang`` column has a type the pipeline cannot use.

    ``id_column`` None: the id column is not known here (not checked).
    """
    names = schema.names
    if text_column in names:
        t = schema.field(text_column).type
        if not _is_text(t):
            raise InputError(
                f"{shard.path}: column {text_column!r} holds {t} values, not text; "
                "convert it to strings or set input.text_column to the text column"
            )
    if id_column is not None and id_column in names:
        t = schema.field(id_column).type
        if not (_is_text(t) or pa.types.is_integer(t)):
            raise InputError(
                f"{shard.path}: id column {id_column!r} holds {t} values; ids must be "
                "strings or integers: convert it, or set input.id_column to another column"
            )
    if LANG_COLUMN in names and id_column != LANG_COLUMN and text_column != LANG_COLUMN:
        t = schema.field(LANG_COLUMN).type
        if not (pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_null(t)):
            raise InputError(
                f"{shard.path}: column {LANG_COLUMN!r} holds {t} values, but the pipeline "
                f"reads {LANG_COLUMN!r} as the language code; rename or drop the column"
            )


def _invalid_utf8_rows(values: pa.Array) -> np.ndarray:
    """Indexes of the values that are not valid UTF-8 (only called when some are not)."""
    bad = [i for i, v in enumerate(values.to_pylist()) if v is not None and not _decodes(v)]
    return np.asarray(bad, dtype=np.int64)


def _decodes(value: bytes | str) -> bool:
    if isinstance(value, str):
        return True
    try:
        value.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _drop_invalid_text(
    raw: pa.RecordBatch, rows: np.ndarray, shard: Shard, text_column: str, on_bad: OnBad | None
) -> tuple[pa.RecordBatch, np.ndarray]:
    """The batch without its rows whose text is not valid UTF-8 (each reported)."""
    text = raw.column(text_column)
    if pa.types.is_null(text.type):
        return raw, rows
    try:
        if pa.types.is_string(text.type) or pa.types.is_large_string(text.type):
            text.validate(full=True)
            return raw, rows
        # Binary text: the cast validates it; keep its result (not cast again later).
        index = raw.schema.get_field_index(text_column)
        return raw.set_column(index, text_column, text.cast(pa.large_string())), rows
    except pa.ArrowInvalid:
        pass
    as_binary = text.cast(pa.large_binary()) if not pa.types.is_binary(text.type) else text
    bad = _invalid_utf8_rows(as_binary)
    for i in bad:
        msg = (
            f"{shard.path} (row {rows[i]}): column {text_column!r} is not valid UTF-8 text; "
            "fix the file or set input.on_error: quarantine"
        )
        report(on_bad, BadUnit("row", int(rows[i]), 1, BAD_UTF8, msg))
    keep = np.ones(raw.num_rows, dtype=bool)
    keep[bad] = False
    return raw.filter(pa.array(keep)), rows[keep]


def _require_text(batch: pa.RecordBatch, shard: Shard, text_column: str) -> None:
    if text_column not in batch.schema.names:
        cols = ", ".join(n for n in batch.schema.names) or "none"
        raise InputError(
            f"{shard.path}: no text column {text_column!r} (columns: {cols}); "
            "set input.text_column in the recipe"
        )


def _text_array(batch: pa.RecordBatch, text_column: str) -> pa.Array:
    text = batch.column(text_column)
    if pa.types.is_large_string(text.type):
        return text
    return text.cast(pa.large_string())


def _id_array(batch: pa.RecordBatch, shard: Shard, id_column: str, rows: np.ndarray) -> pa.Array:
    if id_column in batch.schema.names:
        ids = batch.column(id_column)
        if pa.types.is_string(ids.type):
            return ids
        try:
            return ids.cast(pa.string())
        except pa.ArrowInvalid as e:
            raise InputError(
                f"{shard.path}: id column {id_column!r} is not valid UTF-8 text ({e}); "
                "fix it or set input.id_column to another column"
            ) from e
    positions = pa.array(rows, type=pa.int64())
    return pc.binary_join_element_wise(shard.name, positions.cast(pa.string()), ":")


def prepare_batch(
    raw: pa.RecordBatch,
    shard: Shard,
    rows: int | np.ndarray,
    *,
    text_column: str,
    id_column: str,
    on_bad: OnBad | None = None,
) -> pa.RecordBatch:
    """The raw batch with text/id normalized and position columns appended.

    ``rows`` are the rows' positions in the file (or the first one, when they are
    consecutive). A row whose text is not valid UTF-8 is reported to ``on_bad`` and
    left out (quarantine mode), or stops the run with its file and row.
    """
    if isinstance(rows, int):
        rows = np.arange(rows, rows + raw.num_rows, dtype=np.int64)
    check_columns(shard, raw.schema, text_column=text_column, id_column=id_column)
    _require_text(raw, shard, text_column)
    raw, rows = _drop_invalid_text(raw, rows, shard, text_column, on_bad)
    text = _text_array(raw, text_column)
    ids = _id_array(raw, shard, id_column, rows)
    names = list(raw.schema.names)
    arrays = list(raw.columns)
    for col_name, arr in ((text_column, text), (id_column, ids)):
        if col_name in names:
            arrays[names.index(col_name)] = arr
        else:
            names.append(col_name)
            arrays.append(arr)
    if LANG_COLUMN in names and pa.types.is_null(arrays[names.index(LANG_COLUMN)].type):
        arrays[names.index(LANG_COLUMN)] = arrays[names.index(LANG_COLUMN)].cast(pa.string())
    n = raw.num_rows
    names += [SHARD_COL, ROW_COL, REPEAT_COL]
    arrays += [
        pa.array(np.full(n, shard.index, dtype=np.int32)),
        pa.array(rows, type=pa.int64()),
        pa.array(np.zeros(n, dtype=np.int32)),
    ]
    return pa.RecordBatch.from_arrays(arrays, names=names)
