"""Dates as sortable integers (microseconds since the epoch, UTC) for "keep the most recent".

Accepted column types: timestamps and dates (any unit or zone), integers and floats
(taken as they are: any monotone number such as a crawl id works) and strings in ISO
8601 (``2023-01-02``, ``2023-01-02T03:04:05``, with ``Z`` or ``+02:00``; a date
without a zone is taken as UTC). Nulls stay null (they rank as the oldest).
"""

from __future__ import annotations

from datetime import datetime, timezone

import pyarrow as pa
import pyarrow.compute as pc

from dataprep.errors import InputError


def _from_iso(values: pa.Array, column: str) -> pa.Array:
    out: list[int | None] = []
    for v in values.to_pylist():
        if v is None or not v.strip():
            out.append(None)
            continue
        try:
            d = datetime.fromisoformat(v.strip().replace("Z", "+00:00"))
        except ValueError as e:
            raise InputError(f"date column {column!r}: cannot parse {v!r} as ISO 8601") from e
        if d.tzinfo is None:
            d = d.replace(tzinfo=timezone.utc)
        out.append(round(d.timestamp() * 1_000_000))
    return pa.array(out, type=pa.int64())


def date_numbers(values: pa.Array, column: str) -> pa.Array:
    """``values`` as int64 microseconds (UTC) or, for numbers, as int64/float64."""
    t = values.type
    if pa.types.is_integer(t) or pa.types.is_boolean(t):
        return values.cast(pa.int64())
    if pa.types.is_floating(t):
        return values.cast(pa.float64())
    if pa.types.is_timestamp(t) or pa.types.is_date(t):
        ts = values.cast(pa.timestamp("us", tz=getattr(t, "tz", None)))
        return ts.cast(pa.int64())
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        # Arrow parses naive ISO strings in the first cast, offset-bearing ones ("...Z",
        # "+02:00") only in the second; a column mixing both, or other ISO forms, fails
        # both and is parsed row by row by _from_iso.
        for target in (pa.timestamp("us"), pa.timestamp("us", tz="UTC")):
            try:
                return pc.cast(values, target).cast(pa.int64())
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                pass  # try the next form
        return _from_iso(values, column)
    raise InputError(f"date column {column!r} has type {t}; use a timestamp, number or ISO string")
