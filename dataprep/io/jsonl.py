"""Stream JSONL (plain, .gz, .zst) as record batches, one bad record at a time.

A record is bad when its line is not valid UTF-8 or JSON, holds a lone UTF-16
surrogate (``"\\ud83d"`` decodes to a Python string that is not valid Unicode
text: it is a bad record, never silently replaced), lacks the text field
(``missing_text``; a ``null`` text is a document, removed later as ``null_text``),
has a non-string text, or has a field whose type does not fit the file's schema
(an ``int`` field that turns into a string mid-file). Types are not widened:
earlier batches are already written with the first type, so a record that does
not fit is set aside rather than changing a column's type between output parts.

A leading UTF-8 byte order mark is stripped from the first line only.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from dataprep.errors import InputError
from dataprep.io import storage
from dataprep.io.bad_units import (
    BAD_RECORD,
    MISSING_TEXT,
    TRUNCATED_STREAM,
    BadUnit,
    OnBad,
    report,
)
from dataprep.io.discover import Shard

if TYPE_CHECKING:
    from dataprep.io.units import Unit

_READ_BLOCK = 8 * 1024 * 1024
_RECOVER_BLOCK = 4096
BOM = b"\xef\xbb\xbf"
_BOM = BOM
_SURROGATE = re.compile(rb"\\[uU][dD][89a-fA-F]")
_STREAM_ERRORS = (OSError, pa.ArrowException, EOFError)

Positioned = tuple[pa.RecordBatch, np.ndarray]
_Pending = tuple[int, int, dict[str, Any]]  # (line, row, record)


class _StreamBroken(Exception):
    """The decompressed stream ended in an error after the blocks already given."""


def _range_blocks(shard: Shard, start: int, end: int) -> Iterator[bytes]:
    """Blocks of bytes ``[start, end)`` of an uncompressed file (one work unit)."""
    try:
        with storage.open_input(shard.path, block_size=storage.READ_BLOCK) as f:
            f.seek(start)
            left = end - start
            while left > 0 and (block := f.read(min(_READ_BLOCK, left))):
                left -= len(block)
                yield block
    except OSError as e:
        raise InputError(f"cannot read {shard.path} (bytes {start}-{end}): {e}") from e


def _blocks(shard: Shard, *, recover: bool, unit: Unit | None = None) -> Iterator[bytes]:
    """Decompressed blocks of the file (or of one byte-range unit of it).

    When the stream breaks, the block being read is lost with the error; with
    ``recover`` the file is read again, in small steps, from the end of the last
    good block up to the break, so documents before it are not lost.
    """
    if unit is not None and not unit.whole:
        yield from _range_blocks(shard, unit.first, unit.end)
        return
    try:
        stream = pa.input_stream(storage.arrow_input(shard.path), compression=shard.compression)
    except _STREAM_ERRORS as e:
        raise InputError(f"cannot read {shard.path}: {e}") from e
    consumed = 0
    try:
        with stream:
            while block := stream.read(_READ_BLOCK):
                consumed += len(block)
                yield block
        return
    except _STREAM_ERRORS as e:
        if not recover or shard.compression is None:
            raise InputError(f"cannot read {shard.path}: {e} (corrupt or truncated file?)") from e
        error = e
    try:
        source = storage.arrow_input(shard.path)
        with pa.input_stream(source, compression=shard.compression) as stream:
            while consumed:
                consumed -= len(stream.read(min(consumed, _READ_BLOCK)))
            while block := stream.read(_RECOVER_BLOCK):
                yield block
    except _STREAM_ERRORS:
        pass
    raise _StreamBroken(str(error)) from error


def _iter_lines(
    shard: Shard, on_bad: OnBad | None, unit: Unit | None = None
) -> Iterator[tuple[int, bytes]]:
    """(1-based line number, raw line) for every non-blank line, decompressing on the fly.

    A work unit's lines keep the file's line numbers (``unit.line_start`` lines before it).

    A line longer than the read block (a single enormous document) is gathered in
    pieces and joined once, so reading it stays linear in its size. A truncated or
    corrupt compressed stream yields every complete line before the break, then
    reports the rest (``offset`` unit, documents unknown).
    """
    lineno = 0 if unit is None else unit.line_start
    offset = 0 if unit is None or unit.whole else unit.first  # bytes of the lines given so far
    pending: list[bytes] = []
    try:
        for block in _blocks(shard, recover=on_bad is not None, unit=unit):
            if b"\n" not in block:
                pending.append(block)
                continue
            lines = block.split(b"\n")
            if pending:
                lines[0] = b"".join([*pending, lines[0]])
            pending = [lines.pop()]
            for line in lines:
                lineno += 1
                offset += len(line) + 1
                if lineno == 1 and line.startswith(_BOM):
                    line = line[len(_BOM) :]
                if line.strip():
                    yield lineno, line
    except _StreamBroken as e:
        report(
            on_bad,
            BadUnit(
                "offset",
                offset,
                None,
                TRUNCATED_STREAM,
                f"{shard.path}: cannot read past byte {offset} of the decompressed stream "
                f"(line {lineno + 1}): {e}; the documents after it cannot be counted",
                line=lineno + 1,
            ),
        )
        return
    tail = b"".join(pending)
    if lineno == 0 and tail.startswith(_BOM):
        tail = tail[len(_BOM) :]
    if tail.strip():
        yield lineno + 1, tail


def parse_json_line(shard: Shard, lineno: int, line: bytes) -> dict[str, Any]:
    """One JSONL record; InputError naming the file and line when it is not valid."""
    try:
        record = json.loads(line.decode("utf-8"))
    except UnicodeDecodeError as e:
        raise InputError(
            f"{shard.path}:{lineno}: invalid UTF-8 at byte {e.start}; "
            "fix the record or set input.on_error: quarantine"
        ) from e
    except json.JSONDecodeError as e:
        raise InputError(
            f"{shard.path}:{lineno}: invalid JSON ({e.msg}); "
            "fix the record or set input.on_error: quarantine"
        ) from e
    if not isinstance(record, dict):
        raise InputError(
            f"{shard.path}:{lineno}: expected a JSON object, got {type(record).__name__}"
        )
    if _SURROGATE.search(line):
        try:
            json.dumps(record, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError as e:
            raise InputError(
                f"{shard.path}:{lineno}: a lone UTF-16 surrogate escape (\\ud800-\\udfff "
                "without its pair) is not valid text; fix the record or set "
                "input.on_error: quarantine"
            ) from e
    return record


def _text_problem(
    shard: Shard, lineno: int, record: dict[str, Any], text_column: str
) -> BadUnit | None:
    """Why a record's text field makes it a bad record, or None."""
    if text_column not in record:
        return BadUnit(
            "line",
            lineno,
            1,
            MISSING_TEXT,
            f"{shard.path}:{lineno}: no {text_column!r} field in this record; add it "
            "(null for no text) or set input.on_error: quarantine",
        )
    text = record[text_column]
    if text is not None and not isinstance(text, str):
        return BadUnit(
            "line",
            lineno,
            1,
            BAD_RECORD,
            f"{shard.path}:{lineno}: field {text_column!r} is a {type(text).__name__}, "
            "not a string; fix the record or set input.on_error: quarantine",
        )
    return None


def _infer(records: list[dict[str, Any]]) -> pa.RecordBatch:
    """A batch with inferred types; all-null fields become strings.

    Every key of every record becomes a column, in order of first appearance
    (``RecordBatch.from_pylist`` alone would take the names of the first record only).
    """
    keys = list(dict.fromkeys(k for r in records for k in r))
    batch = pa.RecordBatch.from_pydict({k: [r.get(k) for r in records] for k in keys})
    fields = [
        pa.field(f.name, pa.string()) if pa.types.is_null(f.type) else f for f in batch.schema
    ]
    return batch.cast(pa.schema(fields))


def _to_batch(records: list[dict[str, Any]], schema: pa.Schema | None) -> pa.RecordBatch:
    """Records as a batch of the file's schema so far.

    The first batch sets the schema. A field first seen later extends it (earlier
    batches simply lack that column; the writer starts a new output part when the
    schema changes), so no field is ever dropped.
    """
    if schema is None:
        return _infer(records)
    extra = {k for r in records for k in r} - set(schema.names)
    if extra:
        new_fields = [f for f in _infer(records).schema if f.name in extra]
        schema = pa.schema([*schema, *new_fields])
    return pa.RecordBatch.from_pylist(records, schema=schema)


def _fits(record: dict[str, Any], schema: pa.Schema | None, fixed: pa.Schema | None) -> pa.Schema:
    """The schema extended by one record; raises when the record does not fit it.

    ``fixed`` is the schema of the batches already given: its types cannot change.
    """
    own = pa.RecordBatch.from_pylist([record]).schema
    merged = (
        own if schema is None else pa.unify_schemas([schema, own], promote_options="permissive")
    )
    if fixed is not None:
        for f in fixed:
            if merged.field(f.name).type != f.type:
                raise TypeError(f"field {f.name!r} is {merged.field(f.name).type}, not {f.type}")
    pa.RecordBatch.from_pylist([record], schema=merged)
    return merged


def _split_misfits(
    shard: Shard, records: list[_Pending], fixed: pa.Schema | None
) -> tuple[pa.RecordBatch | None, list[_Pending], list[BadUnit]]:
    """The batch of the records that fit one schema (in order), them, and the misfits.

    Only used when a whole batch does not convert, so the per-record cost is paid
    for bad batches only. The schema grows record by record: a record fits when its
    types merge with the schema so far (int and float merge into float) and do not
    change a type of the batches already given (``fixed``).
    """
    good: list[_Pending] = []
    bad: list[BadUnit] = []
    schema = fixed
    for lineno, row, record in records:
        try:
            schema = _fits(record, schema, fixed)
        except (pa.ArrowException, TypeError) as e:
            msg = (
                f"{shard.path}:{lineno}: a field's type does not fit the earlier records "
                f"({e}); fix the record or set input.on_error: quarantine"
            )
            bad.append(BadUnit("line", lineno, 1, BAD_RECORD, msg))
            continue
        good.append((lineno, row, record))
    if not good or schema is None:
        return None, good, bad
    batch = pa.RecordBatch.from_pylist([r for _, _, r in good], schema=schema)
    fields = [
        pa.field(f.name, pa.string()) if pa.types.is_null(f.type) else f for f in batch.schema
    ]
    return batch.cast(pa.schema(fields)), good, bad


def iter_jsonl(
    shard: Shard,
    batch_size: int,
    *,
    text_column: str | None = None,
    on_bad: OnBad | None = None,
    unit: Unit | None = None,
) -> Iterator[Positioned]:
    """(batch, row positions): row = index of the record among the file's non-blank lines.

    ``unit``: read only the lines that start in its byte range, numbered as in the file,
    with the schema of the file's first batch (``io/units.py``).
    """
    fixed: pa.Schema | None = None
    if unit is not None and unit.schema is not None:
        fixed = pa.ipc.read_schema(pa.py_buffer(unit.schema))
    pending: list[_Pending] = []
    row = -1 if unit is None else unit.row_start - 1
    for lineno, line in _iter_lines(shard, on_bad, unit):
        row += 1
        try:
            record = parse_json_line(shard, lineno, line)
        except InputError as e:
            report(on_bad, BadUnit("line", lineno, 1, BAD_RECORD, str(e)))
            continue
        problem = None if text_column is None else _text_problem(shard, lineno, record, text_column)
        if problem is not None:
            report(on_bad, problem)
            continue
        pending.append((lineno, row, record))
        if len(pending) == batch_size:
            out, fixed = _flush(shard, pending, fixed, on_bad)
            if out is not None:
                yield out
            pending = []
    if pending:
        out, fixed = _flush(shard, pending, fixed, on_bad)
        if out is not None:
            yield out


def _flush(
    shard: Shard, pending: list[_Pending], fixed: pa.Schema | None, on_bad: OnBad | None
) -> tuple[Positioned | None, pa.Schema | None]:
    """The pending records as one batch; records that do not fit the schema are bad."""
    try:
        batch: pa.RecordBatch | None = _to_batch([r for _, _, r in pending], fixed)
    except (pa.ArrowException, TypeError):
        batch, pending, bad = _split_misfits(shard, pending, fixed)
        for unit in sorted(bad, key=lambda u: u.position):
            report(on_bad, unit)
    if batch is None:
        return None, fixed
    rows = np.fromiter((row for _, row, _ in pending), dtype=np.int64, count=len(pending))
    return (batch, rows), batch.schema
