"""Stream record batches from Parquet, Arrow IPC and JSONL (plain, .gz, .zst) shards.

No reader loads a whole shard: Parquet is read batch by batch, Arrow IPC is memory
mapped, JSONL is decompressed and parsed in blocks of lines. Errors name the file
and the row group or line, so a user knows what to fix.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pyarrow as pa
import pyarrow.ipc as ipc
import pyarrow.parquet as pq

from dataprep.errors import InputError
from dataprep.io.discover import Shard

_READ_BLOCK = 8 * 1024 * 1024


def _rebatch(batches: Iterator[pa.RecordBatch], size: int) -> Iterator[pa.RecordBatch]:
    """Cut batches of any size into batches of at most ``size`` rows."""
    for batch in batches:
        for start in range(0, batch.num_rows, size):
            yield batch.slice(start, size)


def _iter_parquet(shard: Shard, batch_size: int) -> Iterator[pa.RecordBatch]:
    try:
        pf = pq.ParquetFile(shard.path)
    except (OSError, pa.ArrowException) as e:
        raise InputError(f"cannot read {shard.path}: not a valid Parquet file ({e})") from e
    for group in range(pf.num_row_groups):
        try:
            yield from pf.iter_batches(batch_size=batch_size, row_groups=[group])
        except (OSError, pa.ArrowException) as e:
            raise InputError(f"cannot read {shard.path} (row group {group}): {e}") from e


def _iter_arrow(shard: Shard, batch_size: int) -> Iterator[pa.RecordBatch]:
    try:
        source = pa.memory_map(str(shard.path))
        try:
            reader: Any = ipc.open_file(source)
            batches = (reader.get_batch(i) for i in range(reader.num_record_batches))
        except pa.ArrowInvalid:
            source.seek(0)
            reader = ipc.open_stream(source)
            batches = iter(reader)
        yield from _rebatch(batches, batch_size)
    except (OSError, pa.ArrowException) as e:
        raise InputError(f"cannot read {shard.path}: not a valid Arrow IPC file ({e})") from e


def _iter_lines(shard: Shard) -> Iterator[tuple[int, bytes]]:
    """(1-based line number, raw line) for every non-blank line, decompressing on the fly.

    A line longer than the read block (a single enormous document) is gathered in
    pieces and joined once, so reading it stays linear in its size.
    """
    try:
        stream = pa.input_stream(str(shard.path), compression=shard.compression)
        lineno = 0
        pending: list[bytes] = []
        while True:
            block = stream.read(_READ_BLOCK)
            if not block:
                break
            if b"\n" not in block:
                pending.append(block)
                continue
            lines = block.split(b"\n")
            if pending:
                lines[0] = b"".join([*pending, lines[0]])
            pending = [lines.pop()]
            for line in lines:
                lineno += 1
                if line.strip():
                    yield lineno, line
        tail = b"".join(pending)
        if tail.strip():
            yield lineno + 1, tail
    except (OSError, pa.ArrowException, EOFError) as e:
        raise InputError(f"cannot read {shard.path}: {e} (corrupt or truncated file?)") from e


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
    return record


def _iter_jsonl(
    shard: Shard, batch_size: int, on_bad_record: Any = None
) -> Iterator[pa.RecordBatch]:
    schema: pa.Schema | None = None
    records: list[dict[str, Any]] = []
    first_line = 1
    for lineno, line in _iter_lines(shard):
        try:
            records.append(parse_json_line(shard, lineno, line))
        except InputError as e:
            if on_bad_record is None:
                raise
            on_bad_record(lineno, str(e))
            continue
        if len(records) == batch_size:
            batch, schema = _records_to_batch(shard, records, schema, first_line)
            yield batch
            records = []
            first_line = lineno + 1
    if records:
        yield _records_to_batch(shard, records, schema, first_line)[0]


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


def _records_to_batch(
    shard: Shard, records: list[dict[str, Any]], schema: pa.Schema | None, first_line: int
) -> tuple[pa.RecordBatch, pa.Schema]:
    """Records as a batch of the file's schema so far.

    The first batch sets the schema. A field first seen later extends it (earlier
    batches simply lack that column; the writer starts a new output part when the
    schema changes), so no field is ever dropped.
    """
    try:
        if schema is None:
            batch = _infer(records)
            return batch, batch.schema
        extra = {k for r in records for k in r} - set(schema.names)
        if extra:
            new_fields = [f for f in _infer(records).schema if f.name in extra]
            schema = pa.schema([*schema, *new_fields])
        return pa.RecordBatch.from_pylist(records, schema=schema), schema
    except (pa.ArrowException, TypeError) as e:
        raise InputError(
            f"{shard.path} (records from line {first_line}): inconsistent field types ({e})"
        ) from e


def iter_raw_batches(
    shard: Shard, *, batch_size: int, on_bad_record: Any = None
) -> Iterator[pa.RecordBatch]:
    """Record batches of at most ``batch_size`` rows, exactly as stored in the shard.

    ``on_bad_record(line, message)``, when given, is called for a JSONL record that
    cannot be decoded instead of raising (quarantine mode).
    """
    if shard.format == "parquet":
        return _iter_parquet(shard, batch_size)
    if shard.format == "arrow":
        return _iter_arrow(shard, batch_size)
    if shard.format == "jsonl":
        return _iter_jsonl(shard, batch_size, on_bad_record)
    raise InputError(f"{shard.path}: unknown format {shard.format!r}")
