"""Shuffle files: rows a worker routes to hash partitions, read back one partition at a time.

A partitioned fit (``stages/fit.py``) moves rows between workers through files, not
through memory: each writer (one work unit in the observe pass, or one fit task)
writes ONE file. Rows are buffered and written in rounds of up to ``flush_rows``; a
round writes one record batch per partition that received rows, in partition order,
each holding that partition's rows in the order they were added. The file is an Arrow
IPC *stream* (schema, batches, end-of-stream marker: ``pyarrow.ipc.open_stream``
reads all of it) followed by an index and a trailer::

    index    per partition, per round: (start, end) byte offsets of its batch
             (start == end: no rows), uint64 little-endian, partition-major
    trailer  rounds, partitions (uint64 little-endian), MAGIC (8 bytes)

A reader of partition ``p`` opens each writer's file without memory-mapping it and
makes positioned reads of the trailer, its ``16 x rounds`` bytes of the index, the
schema and its own batches: its memory and its bytes read are its own rows', whatever
the partition count (Spark's sort-based shuffle has the same shape: one data file plus
an index per map task). One file per writer keeps the file count at ``writers``, not
``writers x partitions``.

Files are written under a temporary name and renamed into place by :meth:`commit`,
so a reader sees a writer's rows all or nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.ipc as ipc

from dataprep.errors import InputError, OutputError, write_error

#: Rows buffered before a round is written (a round is one batch per partition).
FLUSH_ROWS = 1 << 20
#: The last 8 bytes of a shuffle file (the layout's version).
MAGIC = b"DPSHUF01"
_U64 = np.dtype("<u8")
_TRAILER = 2 * _U64.itemsize + len(MAGIC)
_EOS = b"\xff\xff\xff\xff\x00\x00\x00\x00"


def _write_error(path: Path, e: OSError) -> OutputError:
    return write_error(f"shuffle file {path}", e)


class ShuffleWriter:
    """Append rows with their partition numbers; :meth:`commit` makes the file visible.

    No file is written when no row was added (readers treat a missing file as empty).
    """

    def __init__(self, path: Path, num_partitions: int, *, flush_rows: int = FLUSH_ROWS) -> None:
        if num_partitions < 1:
            raise ValueError(f"a shuffle needs at least one partition, not {num_partitions}")
        self.path = path
        self.tmp = path.with_name(f".{path.name}.tmp")
        self.num_partitions = num_partitions
        self.flush_rows = flush_rows
        self.rows = 0
        self._pending: list[tuple[np.ndarray, pa.RecordBatch]] = []
        self._buffered = 0
        self._sink: pa.NativeFile | None = None
        self._schema: pa.Schema | None = None
        self._ranges: list[np.ndarray] = []  # per round: (partitions, 2) byte offsets

    def write(self, partition: np.ndarray, batch: pa.RecordBatch) -> None:
        """Add ``batch``'s rows; row ``i`` goes to partition ``partition[i]``."""
        if len(partition) != batch.num_rows:
            raise ValueError(f"{len(partition)} partitions for {batch.num_rows} rows")
        if batch.num_rows == 0:
            return
        part = np.asarray(partition, dtype=np.uint64)
        if int(part.max()) >= self.num_partitions:
            raise ValueError(f"partition {int(part.max())} of {self.num_partitions}")
        self._pending.append((part.astype(np.uint32), batch))
        self._buffered += batch.num_rows
        if self._buffered >= self.flush_rows:
            self._flush()

    def _open(self, schema: pa.Schema) -> pa.NativeFile:
        if self._sink is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._sink = _create(self.tmp)
            self._schema = schema
            self._sink.write(schema.serialize())
        return self._sink

    def _flush(self) -> None:
        """One round: a batch per partition with rows, in partition order."""
        if not self._pending:
            return
        part = np.concatenate([p for p, _ in self._pending])
        table = pa.Table.from_batches([b for _, b in self._pending])
        self._pending, self._buffered = [], 0
        order = np.argsort(part, kind="stable")
        batch = table.take(pa.array(order)).combine_chunks().to_batches()[0]
        part = part[order]
        starts = np.flatnonzero(np.r_[True, part[1:] != part[:-1]])
        ends = np.append(starts[1:], len(part))
        ranges = np.zeros((self.num_partitions, 2), dtype=_U64)
        keys = part[starts].tolist()
        try:
            sink = self._open(batch.schema)
            for p, lo, hi in zip(keys, starts.tolist(), ends.tolist(), strict=True):
                ranges[p, 0] = sink.tell()
                sink.write(batch.slice(lo, hi - lo).serialize())
                ranges[p, 1] = sink.tell()
        except OSError as e:
            raise _write_error(self.tmp, e) from e
        self._ranges.append(ranges)
        self.rows += batch.num_rows

    def close(self) -> None:
        """Write the last round, the end-of-stream marker, the index and the trailer."""
        self._flush()
        if self._sink is None:
            return
        index = np.stack(self._ranges, axis=1)  # (partitions, rounds, 2)
        trailer = np.array([len(self._ranges), self.num_partitions], dtype=_U64)
        try:
            for data in (_EOS, index.tobytes(), trailer.tobytes(), MAGIC):
                self._sink.write(data)
            self._sink.close()
        except OSError as e:
            raise _write_error(self.tmp, e) from e

    def commit(self) -> None:
        """Close and rename into place (call after :meth:`close`)."""
        if self.tmp.exists():
            self.tmp.replace(self.path)

    def abort(self) -> None:
        try:
            if self._sink is not None:
                self._sink.close()
        except OSError:
            pass
        self.tmp.unlink(missing_ok=True)


def _create(path: Path) -> pa.NativeFile:
    """A shuffle file opened for writing."""
    return pa.OSFile(str(path), "wb")


def _open(path: Path) -> pa.NativeFile:
    """A shuffle file opened for positioned reads (not memory-mapped)."""
    return pa.OSFile(str(path))


def _u64(source: pa.NativeFile, offset: int, count: int) -> np.ndarray:
    data = source.read_at(count * _U64.itemsize, offset)
    if len(data) != count * _U64.itemsize:
        raise ValueError(f"truncated at byte {offset}")
    return np.frombuffer(data, dtype=_U64)


def partition_ranges(source: pa.NativeFile, part: int) -> np.ndarray:
    """``(start, end)`` byte offsets of ``part``'s batches in a shuffle file, one per
    round (``start == end``: none in that round)."""
    size = source.size()
    trailer = source.read_at(_TRAILER, size - _TRAILER) if size >= _TRAILER else b""
    if not trailer.endswith(MAGIC):
        raise ValueError(
            "not a shuffle file of this version (written by an older dataprep, or damaged; "
            "rerun with --overwrite)"
        )
    rounds, parts = (int(x) for x in np.frombuffer(trailer, dtype=_U64, count=2))
    if part >= parts:
        raise ValueError(f"partition {part} of a file of {parts}")
    index_start = size - _TRAILER - parts * rounds * 2 * _U64.itemsize
    if index_start < 0:
        raise ValueError(f"corrupt trailer ({rounds} rounds, {parts} partitions)")
    ranges = _u64(source, index_start + part * rounds * 2 * _U64.itemsize, rounds * 2)
    ranges = ranges.reshape(rounds, 2)
    if (ranges[:, 1] < ranges[:, 0]).any() or (ranges > index_start).any():
        raise ValueError("corrupt index")
    return ranges


def _read_batches(source: pa.NativeFile, part: int) -> list[pa.RecordBatch]:
    ranges = partition_ranges(source, part)
    ranges = ranges[ranges[:, 1] > ranges[:, 0]]
    if not len(ranges):
        return []
    source.seek(0)
    schema = ipc.read_schema(ipc.read_message(source))
    return [ipc.read_record_batch(source.read_at(int(e - s), int(s)), schema) for s, e in ranges]


def read_partition(
    paths: Sequence[Path], part: int, columns: Sequence[str] | None = None
) -> list[tuple[int, pa.Table]]:
    """The rows of partition ``part`` from every existing file of ``paths``:
    ``(index in paths, table)`` for each file holding any, rows in the order written."""
    out: list[tuple[int, pa.Table]] = []
    for i, path in enumerate(paths):
        if not path.exists():
            continue
        try:
            with _open(path) as source:
                pieces = _read_batches(source, part)
            if pieces:
                table = pa.Table.from_batches(pieces)
                out.append((i, table.select(list(columns)) if columns else table))
        except (OSError, ValueError, KeyError) as e:
            raise InputError(f"cannot read shuffle file {path} (partition {part}): {e}") from e
    return out


def read_shuffle_file(path: Path, columns: Sequence[str] | None = None) -> pa.Table:
    """All the rows of one shuffle file, memory-mapped, in the order of its batches (by
    round, then partition)."""
    try:
        with pa.memory_map(str(path)) as source:
            table = ipc.open_stream(source).read_all()
        return table.select(list(columns)) if columns else table
    except (OSError, ValueError, KeyError) as e:
        raise InputError(f"cannot read shuffle file {path}: {e}") from e


def write_table(path: Path, table: pa.Table) -> None:
    """One Arrow IPC file written atomically (a fit task's output)."""
    tmp = path.with_name(f".{path.name}.tmp")
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with ipc.new_file(str(tmp), table.schema) as w:
            w.write_table(table)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise _write_error(path, e) from e
    tmp.replace(path)


def read_table(path: Path, columns: Sequence[str] | None = None) -> pa.Table:
    """A fit task's output file, memory-mapped."""
    try:
        table = ipc.open_file(pa.memory_map(str(path))).read_all()
    except (OSError, pa.ArrowInvalid) as e:
        raise InputError(f"cannot read fit file {path}: {e}") from e
    return table.select(list(columns)) if columns else table
