"""Stream record batches from Parquet, Arrow IPC and JSONL (plain, .gz, .zst) shards.

No reader loads a whole shard: Parquet is read batch by batch, Arrow IPC is memory
mapped, JSONL is decompressed and parsed in blocks of lines. Errors name the file
and the row group or line, so a user knows what to fix.

``iter_positioned_batches`` also gives each row's position in the file; with an
``on_bad`` callback (quarantine mode) a bad unit is reported and skipped instead of
raising, and the positions of the rows after it do not change (see ``bad_units``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.ipc as ipc
import pyarrow.parquet as pq

from dataprep.errors import InputError
from dataprep.io import storage
from dataprep.io.bad_units import BAD_ROW_GROUP, BadUnit, OnBad, report
from dataprep.io.discover import Shard
from dataprep.io.jsonl import Positioned, iter_jsonl, parse_json_line
from dataprep.io.units import WHOLE, Unit

__all__ = ["iter_positioned_batches", "iter_raw_batches", "parse_json_line", "row_count"]


def _positions(start: int, n: int) -> np.ndarray:
    return np.arange(start, start + n, dtype=np.int64)


def _iter_parquet(
    shard: Shard, batch_size: int, on_bad: OnBad | None, unit: Unit
) -> Iterator[Positioned]:
    try:
        pf = pq.ParquetFile(storage.arrow_input(shard.path))
    except (OSError, pa.ArrowException) as e:
        raise InputError(f"cannot read {shard.path}: not a valid Parquet file ({e})") from e
    start = unit.row_start
    groups = range(pf.num_row_groups) if unit.whole else range(unit.first, unit.end)
    for group in groups:
        n_group = pf.metadata.row_group(group).num_rows
        done = 0
        try:
            for batch in pf.iter_batches(batch_size=batch_size, row_groups=[group]):
                yield batch, _positions(start + done, batch.num_rows)
                done += batch.num_rows
        except (OSError, pa.ArrowException) as e:
            msg = f"cannot read {shard.path} (row group {group}): {e}"
            report(on_bad, BadUnit("row_group", group, n_group - done, BAD_ROW_GROUP, msg))
        start += n_group


def _iter_arrow(shard: Shard, batch_size: int, unit: Unit) -> Iterator[Positioned]:
    start = unit.row_start
    try:
        source = storage.mapped(shard.path)
        try:
            reader: Any = ipc.open_file(source)
            pieces = range(reader.num_record_batches) if unit.whole else range(unit.first, unit.end)
            batches = (reader.get_batch(i) for i in pieces)
        except pa.ArrowInvalid:
            source.seek(0)
            reader = ipc.open_stream(source)
            batches = iter(reader)
        for big in batches:
            for offset in range(0, big.num_rows, batch_size):
                batch = big.slice(offset, batch_size)
                yield batch, _positions(start, batch.num_rows)
                start += batch.num_rows
    except (OSError, pa.ArrowException) as e:
        raise InputError(f"cannot read {shard.path}: not a valid Arrow IPC file ({e})") from e


def iter_positioned_batches(
    shard: Shard,
    *,
    batch_size: int,
    text_column: str | None = None,
    on_bad: OnBad | None = None,
    unit: Unit = WHOLE,
) -> Iterator[Positioned]:
    """(batch, row positions in the file), batches of at most ``batch_size`` rows.

    ``text_column`` lets the JSONL reader tell a record without text (a bad record)
    from one with a null text (a document, removed later as ``null_text``).
    ``unit`` (see ``io/units.py``) limits reading to one unit of the file; its rows
    keep their positions in the whole file.
    """
    if shard.format == "parquet":
        return _iter_parquet(shard, batch_size, on_bad, unit)
    if shard.format == "arrow":
        return _iter_arrow(shard, batch_size, unit)
    if shard.format == "jsonl":
        return iter_jsonl(shard, batch_size, text_column=text_column, on_bad=on_bad, unit=unit)
    raise InputError(f"{shard.path}: unknown format {shard.format!r}")


def iter_raw_batches(
    shard: Shard,
    *,
    batch_size: int,
    on_bad_record: Callable[[int | None, str], None] | None = None,
    text_column: str | None = None,
) -> Iterator[pa.RecordBatch]:
    """Record batches of at most ``batch_size`` rows, exactly as stored in the shard.

    ``on_bad_record(position, message)``, when given, is called for a unit that
    cannot be read (a JSONL line, a row group) instead of raising (quarantine mode).
    """
    on_bad = None
    if on_bad_record is not None:
        callback = on_bad_record

        def on_bad(unit: BadUnit) -> None:
            callback(unit.line if unit.line is not None else unit.position, unit.error)

    for batch, _ in iter_positioned_batches(
        shard, batch_size=batch_size, text_column=text_column, on_bad=on_bad
    ):
        yield batch


def arrow_file_rows(path: Path) -> int:
    """Rows of an Arrow IPC file (memory-mapped: only batch headers are touched)."""
    with pa.memory_map(str(path)) as source:
        reader = ipc.open_file(source)
        return sum(reader.get_batch(i).num_rows for i in range(reader.num_record_batches))


def row_count(shard: Shard) -> int | None:
    """The number of rows a Parquet or Arrow IPC file's metadata declares (None: unknown)."""
    try:
        if shard.format == "parquet":
            return int(pq.read_metadata(storage.arrow_input(shard.path)).num_rows)
        if shard.format == "arrow":
            with storage.mapped(shard.path) as source:
                reader = ipc.open_file(source)
                return sum(reader.get_batch(i).num_rows for i in range(reader.num_record_batches))
    except (OSError, pa.ArrowException):
        return None
    return None
