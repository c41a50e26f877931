"""The parts of an input file that quarantine mode sets aside, smallest first.

A reader that meets a bad record does not give up the file: it reports the
smallest unit it can delimit and goes on with the rest. Units, by kind:

========  ============================  =====================================
unit      position                      documents
========  ============================  =====================================
line      1-based JSONL line            1 (one record)
row       0-based row of the file       1 (e.g. invalid UTF-8 in a binary text)
row_group 0-based Parquet row group     the group's rows not yet read (metadata)
offset    decompressed byte offset      unknown: the rest of a truncated or
                                        corrupt compressed stream (None)
========  ============================  =====================================

Row positions of the file are kept: a unit set aside still occupies its rows, so
the ids (``<shard>:<row>``) of the documents around it do not shift.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from dataprep.errors import InputError

#: Why documents were set aside (the ``input`` stage's ``removed_by_reason`` keys).
BAD_RECORD = "bad_record"  # undecodable JSONL line, or a field that does not fit the schema
MISSING_TEXT = "missing_text"  # a JSONL record without the text field (null text is not this)
BAD_UTF8 = "bad_utf8"  # a binary text value that is not valid UTF-8
BAD_ROW_GROUP = "bad_row_group"
TRUNCATED_STREAM = "truncated_stream"
BAD_FILE = "bad_file"  # the whole file (its row count when the metadata tells it)


@dataclass(frozen=True)
class BadUnit:
    """One unit of a file set aside: where it is, how many documents, and why."""

    unit: str
    position: int
    docs: int | None
    reason: str
    error: str
    line: int | None = None
    """For an ``offset`` unit: the line the unreadable rest starts at."""


OnBad = Callable[[BadUnit], None]


def report(on_bad: OnBad | None, unit: BadUnit) -> None:
    """Set the unit aside (quarantine mode) or stop with its error (fail mode)."""
    if on_bad is None:
        raise InputError(unit.error)
    on_bad(unit)
