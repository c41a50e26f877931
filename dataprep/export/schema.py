"""One schema for a whole export, from data parts whose columns may drift.

Inputs with different columns give a run whose parts differ: a column missing from
some parts becomes nulls there; a column whose type differs between two parts is an
input error naming both (and the input files they came from). ``string`` and
``large_string`` (and ``binary``/``large_binary``) are one type here: the export
writes ``string`` unless a shard needs 64-bit offsets (:func:`text_type`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from dataprep.errors import InputError

_SMALL = {pa.large_string(): pa.string(), pa.large_binary(): pa.binary()}
_LARGE = {pa.string(): pa.large_string(), pa.binary(): pa.large_binary()}
#: Most bytes a 32-bit-offset string column can hold.
MAX_SMALL_BYTES = (1 << 31) - 1


def _base(t: pa.DataType) -> pa.DataType:
    return _SMALL.get(t, t)


def unify(schemas: Sequence[tuple[str, pa.Schema]]) -> pa.Schema:
    """The union of ``(where, schema)`` columns in order of first appearance.

    Null-typed columns (all-null in one part) take the type seen elsewhere.
    """
    fields: dict[str, pa.Field] = {}
    seen_in: dict[str, str] = {}
    for where, schema in schemas:
        for f in schema:
            t = _base(f.type)
            old = fields.get(f.name)
            if old is None or pa.types.is_null(old.type):
                fields[f.name] = pa.field(f.name, t)
                seen_in[f.name] = where
            elif not pa.types.is_null(t) and t != old.type:
                raise InputError(
                    f"column {f.name!r} is {old.type} in {seen_in[f.name]} but {t} in {where}: "
                    "make the inputs agree (or cast the column) before exporting"
                )
    return pa.schema(list(fields.values()))


def select(schema: pa.Schema, columns: Sequence[str] | None, needed: Sequence[str]) -> pa.Schema:
    """``columns`` (all when None) plus ``needed``; an unknown column is an input error."""
    if columns is None:
        return schema
    missing = [c for c in columns if c not in schema.names]
    if missing:
        raise InputError(
            f"column(s) {', '.join(missing)} not in the run's output "
            f"(it has: {', '.join(schema.names)})"
        )
    keep = list(dict.fromkeys([*columns, *[n for n in needed if n in schema.names]]))
    return pa.schema([schema.field(n) for n in keep])


def conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """``table`` with exactly ``schema``'s columns (missing ones null), large offsets for
    strings (safe to concatenate; :func:`text_type` narrows them when writing)."""
    arrays = []
    for f in schema:
        t = _LARGE.get(f.type, f.type)
        if f.name in table.column_names:
            arrays.append(table.column(f.name).cast(t))
        else:
            arrays.append(pa.nulls(table.num_rows, t))
    return pa.Table.from_arrays(
        arrays, schema=pa.schema([(f.name, _LARGE.get(f.type, f.type)) for f in schema])
    )


def narrow(table: pa.Table, *, large: bool) -> pa.Table:
    """Strings as ``string`` (or ``large_string`` when ``large``) in a written shard."""
    target = _LARGE if large else _SMALL
    fields = [pa.field(f.name, target.get(f.type, f.type)) for f in table.schema]
    return table.cast(pa.schema(fields))


def string_bytes(table: pa.Table) -> int:
    """Bytes held by the table's largest string/binary column."""
    most = 0
    for col in table.columns:
        if col.type in _SMALL or col.type in _LARGE:
            most = max(most, int(pc.sum(pc.binary_length(col)).as_py() or 0))
    return most


def where(path: Path, origin: str | None) -> str:
    """How a part is named in messages: ``data/part-…parquet (from a.jsonl)``."""
    name = f"{path.parent.name}/{path.name}"
    return f"{name} (from {origin})" if origin else name
