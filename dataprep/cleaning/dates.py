"""Dates as sortable integers (microseconds since the epoch, UTC) for "keep the most recent".

Accepted column types: timestamps and dates (any unit or zone), integers and floats
(taken as they are: any monotone number such as a crawl id works), an all-null column
(Arrow type ``null``, as Parquet writes a column with no value) and strings in

* ISO 8601: ``2023-01-02``, ``2023-01-02T03:04:05``, with ``Z`` or ``+02:00``;
* compact ISO 8601 / WARC-Date digits: ``20230102``, ``202301020304``, ``20230102030405``;
* RFC 2822 / HTTP dates: ``Mon, 02 Jan 2023 03:04:05 GMT``, ``... +0200``.

A date without a zone is taken as UTC. Nulls, blank strings and strings that parse in
none of these forms are null dates: they rank as the oldest, and :func:`date_numbers`
reports how many strings were unparseable so the stage can count them in its stats
(one odd value such as ``"n/a"`` must not abort a run over millions of documents).
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

import pyarrow as pa
import pyarrow.compute as pc

from dataprep.errors import InputError

_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(\d{2})?)?(?:Z|([+-]\d{4}))?")


def _compact(text: str) -> datetime | None:
    m = _COMPACT.fullmatch(text)
    if m is None:
        return None
    y, mo, d, h, mi, s, off = m.groups()
    tz = datetime.strptime(off, "%z").tzinfo if off else timezone.utc
    return datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(s or 0), tzinfo=tz)


def parse_date(text: str) -> datetime | None:
    """``text`` as a datetime (ISO 8601, compact ISO or RFC 2822), else None."""
    text = text.strip()
    if not text:
        return None
    parsers = (
        lambda t: datetime.fromisoformat(t.replace("Z", "+00:00")),
        _compact,
        parsedate_to_datetime,
    )
    for parse in parsers:
        try:
            d = parse(text)
        except (ValueError, TypeError, IndexError, OverflowError):
            continue
        if d is not None:
            return d if d.tzinfo is not None else d.replace(tzinfo=timezone.utc)
    return None


def _from_strings(values: pa.Array) -> tuple[pa.Array, int]:
    out: list[int | None] = []
    bad = 0
    for v in values.to_pylist():
        if v is None or not v.strip():
            out.append(None)
            continue
        d = parse_date(v)
        if d is None:
            bad += 1
            out.append(None)
        else:
            out.append(round(d.timestamp() * 1_000_000))
    return pa.array(out, type=pa.int64()), bad


def date_numbers(values: pa.Array, column: str) -> tuple[pa.Array, int]:
    """``values`` as int64 microseconds (UTC) or, for numbers, as int64/float64, and the
    number of non-blank strings that could not be parsed (now null)."""
    t = values.type
    if pa.types.is_null(t):
        return pa.nulls(len(values), pa.int64()), 0
    if pa.types.is_integer(t) or pa.types.is_boolean(t):
        return values.cast(pa.int64()), 0
    if pa.types.is_floating(t):
        return values.cast(pa.float64()), 0
    if pa.types.is_timestamp(t) or pa.types.is_date(t):
        ts = values.cast(pa.timestamp("us", tz=getattr(t, "tz", None)))
        return ts.cast(pa.int64()), 0
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        # Arrow parses naive ISO strings in the first cast, offset-bearing ones ("...Z",
        # "+02:00") only in the second; anything else is parsed row by row.
        for target in (pa.timestamp("us"), pa.timestamp("us", tz="UTC")):
            try:
                return pc.cast(values, target).cast(pa.int64()), 0
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                pass  # try the next form
        return _from_strings(values)
    raise InputError(f"date column {column!r} has type {t}; use a timestamp, number or date string")
