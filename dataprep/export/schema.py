"""One schema for a whole export (unified as in :mod:`dataprep.io.schema`; a run's
own output already has one, this also reads runs written before it did), the columns
chosen for it, and how parts are named in messages."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pyarrow as pa

from dataprep.errors import InputError
from dataprep.io.schema import MAX_SMALL_BYTES, conform, narrow, string_bytes, unify

__all__ = ["MAX_SMALL_BYTES", "conform", "narrow", "select", "string_bytes", "unify", "where"]


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


def where(path: Path, origin: str | None) -> str:
    """How a part is named in messages: ``data/part-…parquet (from a.jsonl)``."""
    name = f"{path.parent.name}/{path.name}"
    return f"{name} (from {origin})" if origin else name
