"""Shuffle files: rows a worker routes to hash partitions, read back one partition at a time.

A partitioned fit (``stages/fit.py``) moves rows between workers through files, not
through memory: each writer (one work unit in the observe pass, or one fit task)
writes ONE Arrow IPC file. Rows are buffered and written in rounds of up to
``flush_rows``; a round writes one record batch per partition that received rows, in
partition order, each batch holding that partition's rows in the order they were
added. The file's last batch has no rows: its custom metadata (:data:`INDEX_KEY`)
is the index, the partition of every batch before it. A reader of partition ``p``
opens every writer's file without memory-mapping it, reads the IPC footer (24 B per
batch) and the index (8 B per batch), then reads only ``p``'s batches by their
offsets (positioned reads), so its memory and its bytes read are its own rows', not
the pages around them. One file per writer, whatever the partition count, keeps the
file count at ``writers``, not ``writers x partitions`` (Spark's sort-based shuffle
has the same shape: one data file plus an index per map task).

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

#: Custom metadata key of a shuffle file's last (empty) batch: the partition of each
#: batch before it, as little-endian uint32 values, hex-encoded (metadata is text).
INDEX_KEY = b"dataprep.shuffle.partitions"
#: Rows buffered before a round is written (a round is one batch per partition).
FLUSH_ROWS = 1 << 20
_INDEX_DTYPE = np.dtype("<u4")


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
        self._writer: ipc.RecordBatchFileWriter | None = None
        self._schema: pa.Schema | None = None
        self._index: list[np.ndarray] = []

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
        try:
            if self._writer is None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._schema = batch.schema
                self._writer = ipc.new_file(str(self.tmp), batch.schema)
            for lo, hi in zip(starts.tolist(), ends.tolist(), strict=True):
                self._writer.write_batch(batch.slice(lo, hi - lo))
        except OSError as e:
            raise _write_error(self.tmp, e) from e
        self._index.append(part[starts])
        self.rows += batch.num_rows

    def close(self) -> None:
        """Write the last round and the index batch."""
        self._flush()
        if self._writer is None or self._schema is None:
            return
        index = np.concatenate(self._index).astype(_INDEX_DTYPE).tobytes().hex()
        empty = pa.record_batch([pa.array([], f.type) for f in self._schema], schema=self._schema)
        try:
            self._writer.write_batch(empty, custom_metadata={INDEX_KEY: index.encode()})
            self._writer.close()
        except OSError as e:
            raise _write_error(self.tmp, e) from e

    def commit(self) -> None:
        """Close and rename into place (call after :meth:`close`)."""
        if self.tmp.exists():
            self.tmp.replace(self.path)

    def abort(self) -> None:
        try:
            if self._writer is not None:
                self._writer.close()
        except OSError:
            pass
        self.tmp.unlink(missing_ok=True)


def _open(path: Path) -> pa.NativeFile:
    """A shuffle file opened for positioned reads (not memory-mapped)."""
    return pa.OSFile(str(path))


def partition_batches(reader: ipc.RecordBatchFileReader, part: int) -> np.ndarray:
    """Indices of ``part``'s batches in a shuffle file, from its index batch."""
    n = reader.num_record_batches
    meta = reader.get_batch_with_custom_metadata(n - 1)[1] if n else None
    if meta is None or INDEX_KEY not in meta:
        raise ValueError(
            "no partition index (written by an older dataprep? rerun the fit without --resume)"
        )
    index = np.frombuffer(bytes.fromhex(meta[INDEX_KEY].decode()), dtype=_INDEX_DTYPE)
    if len(index) != n - 1:
        raise ValueError(f"the partition index has {len(index)} entries for {n - 1} batches")
    return np.flatnonzero(index == part)


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
                reader = ipc.open_file(source)
                pieces = [reader.get_batch(int(b)) for b in partition_batches(reader, part)]
        except (OSError, ValueError) as e:
            raise InputError(f"cannot read shuffle file {path} (partition {part}): {e}") from e
        if pieces:
            table = pa.Table.from_batches(pieces)
            try:
                out.append((i, table.select(list(columns)) if columns else table))
            except KeyError as e:
                raise InputError(f"shuffle file {path} (partition {part}): {e}") from e
    return out


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
