"""Shuffle files: rows a worker routes to hash partitions, read back one partition at a time.

A partitioned fit (``stages/fit.py``) moves rows between workers through files, not
through memory: each writer (one work unit in the observe pass, or one fit task)
writes ONE Arrow IPC file whose rows carry their partition number in
:data:`PART_COL` (uint32). Rows are buffered and written in rounds of up to
``flush_rows``; each round is one record batch sorted by partition. A reader of
partition ``p`` memory-maps every writer's file and binary-searches :data:`PART_COL`
in each batch, so it touches only its own rows (uncompressed IPC: the pages of its
slice, not the file). One file per writer, whatever the partition count, keeps the
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

PART_COL = "_part"
#: Rows buffered before a round is written (a round is one record batch).
FLUSH_ROWS = 1 << 20


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
        if not self._pending:
            return
        part = np.concatenate([p for p, _ in self._pending])
        table = pa.Table.from_batches([b for _, b in self._pending])
        self._pending, self._buffered = [], 0
        order = np.argsort(part, kind="stable")
        table = table.take(pa.array(order)).append_column(PART_COL, pa.array(part[order]))
        batch = table.combine_chunks().to_batches()[0]
        try:
            if self._writer is None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._schema = batch.schema
                self._writer = ipc.new_file(str(self.tmp), batch.schema)
            self._writer.write_batch(batch)
        except OSError as e:
            raise _write_error(self.tmp, e) from e
        self.rows += batch.num_rows

    def close(self) -> None:
        self._flush()
        if self._writer is not None:
            try:
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


def read_partition(
    paths: Sequence[Path], part: int, columns: Sequence[str] | None = None
) -> list[tuple[int, pa.Table]]:
    """The rows of partition ``part`` from every existing file of ``paths``:
    ``(index in paths, table)`` for each file holding any (without :data:`PART_COL`)."""
    out: list[tuple[int, pa.Table]] = []
    for i, path in enumerate(paths):
        if not path.exists():
            continue
        try:
            reader = ipc.open_file(pa.memory_map(str(path)))
            pieces = []
            for b in range(reader.num_record_batches):
                batch = reader.get_batch(b)
                parts = batch.column(PART_COL).to_numpy()
                lo, hi = np.searchsorted(parts, [part, part + 1])
                if hi > lo:
                    piece = batch.slice(int(lo), int(hi - lo))
                    names = [n for n in piece.schema.names if n != PART_COL]
                    pieces.append(piece.select(list(columns) if columns else names))
        except (OSError, pa.ArrowInvalid, KeyError) as e:
            raise InputError(f"cannot read shuffle file {path} (partition {part}): {e}") from e
        if pieces:
            out.append((i, pa.Table.from_batches(pieces)))
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
