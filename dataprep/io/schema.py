"""One schema for many Parquet parts whose columns drift, and narrow string types.

Inputs with different columns give parts that differ: a column missing from some
parts becomes nulls there; a column whose type differs between two parts is an
input error naming both. ``string`` and ``large_string`` (and ``binary`` /
``large_binary``) count as one type here; files are written with 32-bit offsets
(``string``) unless a batch holds more than :data:`MAX_SMALL_BYTES` in one column.
Used by the run's output (``engine/unify.py``) and by ``dataprep export``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pyarrow as pa
import pyarrow.compute as pc

from dataprep.errors import InputError

_SMALL = {pa.large_string(): pa.string(), pa.large_binary(): pa.binary()}
_LARGE = {pa.string(): pa.large_string(), pa.binary(): pa.large_binary()}
#: Most bytes a 32-bit-offset string column can hold.
MAX_SMALL_BYTES = (1 << 31) - 1


def _base(t: pa.DataType) -> pa.DataType:
    return _SMALL.get(t, t)


def unify(schemas: Sequence[tuple[str, pa.Schema]], *, keep_large: bool = False) -> pa.Schema:
    """The union of ``(where, schema)`` columns in order of first appearance.

    Null-typed columns (all-null in one part) take the type seen elsewhere. Strings
    come out as ``string``, or with ``keep_large`` as ``large_string`` when any part
    has them so (a part that needed 64-bit offsets).
    """
    fields: dict[str, pa.Field] = {}
    seen_in: dict[str, str] = {}
    large: set[str] = set()
    for where, schema in schemas:
        for f in schema:
            t = _base(f.type)
            if f.type in _LARGE.values():
                large.add(f.name)
            old = fields.get(f.name)
            if old is None or pa.types.is_null(old.type):
                fields[f.name] = pa.field(f.name, t)
                seen_in[f.name] = where
            elif not pa.types.is_null(t) and t != old.type:
                raise InputError(
                    f"column {f.name!r} is {old.type} in {seen_in[f.name]} but {t} in {where}: "
                    "make the inputs agree (or cast the column)"
                )
    if keep_large:
        return pa.schema([pa.field(n, _LARGE.get(f.type, f.type)) if n in large else f
                          for n, f in fields.items()])  # fmt: skip
    return pa.schema(list(fields.values()))


def conform(table: pa.Table, schema: pa.Schema, *, large: bool = True) -> pa.Table:
    """``table`` with exactly ``schema``'s columns in its order (missing ones null);
    with ``large``, strings with 64-bit offsets (safe to concatenate)."""
    types = [_LARGE.get(f.type, f.type) if large else f.type for f in schema]
    arrays = [
        table.column(f.name).cast(t) if f.name in table.column_names else pa.nulls(len(table), t)
        for f, t in zip(schema, types, strict=True)
    ]
    fields = [pa.field(f.name, t) for f, t in zip(schema, types, strict=True)]
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


def narrow(table: pa.Table, *, large: bool) -> pa.Table:
    """Strings as ``string`` (or ``large_string`` when ``large``) in a written shard."""
    target = _LARGE if large else _SMALL
    fields = [pa.field(f.name, target.get(f.type, f.type)) for f in table.schema]
    return table.cast(pa.schema(fields))


def narrow_strings(batch: pa.RecordBatch, columns: Iterable[str]) -> pa.RecordBatch:
    """``batch`` with each of ``columns`` that is ``large_string``/``large_binary`` as
    ``string``/``binary``, unless it holds more bytes than 32-bit offsets can address."""
    for name in columns:
        i = batch.schema.get_field_index(name)
        if i < 0 or batch.schema.field(i).type not in _SMALL:
            continue
        column = batch.column(i)
        if int(pc.sum(pc.binary_length(column)).as_py() or 0) <= MAX_SMALL_BYTES:
            batch = batch.set_column(i, name, column.cast(_SMALL[column.type]))
    return batch


def string_bytes(table: pa.Table) -> int:
    """Bytes held by the table's largest string/binary column."""
    most = 0
    for col in table.columns:
        if col.type in _SMALL or col.type in _LARGE:
            most = max(most, int(pc.sum(pc.binary_length(col)).as_py() or 0))
    return most
