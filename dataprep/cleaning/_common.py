"""Small helpers shared by the cleaning stages: column names, texts in and out, reasons."""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa

from dataprep.errors import ConfigError


def replace_text(batch: pa.RecordBatch, column: str, texts: Sequence[str | None]) -> pa.RecordBatch:
    """``batch`` with its text column replaced (``large_string``, as the reader makes it)."""
    idx = batch.schema.get_field_index(column)
    return batch.set_column(idx, column, pa.array(list(texts), type=pa.large_string()))


def add_columns(batch: pa.RecordBatch, columns: dict[str, pa.Array]) -> pa.RecordBatch:
    """Append (or replace) columns, in the given order."""
    for name, col in columns.items():
        if name in batch.schema.names:
            batch = batch.set_column(batch.schema.get_field_index(name), name, col)
        else:
            batch = batch.append_column(name, col)
    return batch


def reason_list(values: Sequence[str | None]) -> pa.Array:
    """A reason array from per-document values (None keeps)."""
    return pa.array(list(values), type=pa.string())


def positive_or_none(name: str, value: float | None, *, allow_zero: bool = False) -> None:
    """Validate a threshold that is disabled by None and otherwise positive."""
    if value is None:
        return
    if value < 0 or (value == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ConfigError(f"{name} must be {bound} or null (disabled), got {value}")
