"""Write Parquet (or Arrow IPC) parts of bounded size, atomically.

Every file is written under a hidden temporary name (``.name.tmp``: Arrow readers
skip names starting with ``.`` or ``_``), flushed and fsynced, and only renamed to
its final name by :meth:`PartWriter.commit`. A crash therefore never leaves a
half-written file under a final name. Output bytes depend only on the rows and
options (no timestamps, no absolute paths), so runs are byte-reproducible.
"""

from __future__ import annotations

import os
from pathlib import Path

import pyarrow as pa
import pyarrow.ipc as ipc
import pyarrow.parquet as pq

from dataprep.errors import write_error

#: Rows are buffered and written as one row group once they reach this size.
ROW_GROUP_BYTES = 64 * 1024 * 1024


def fsync_dir(path: Path) -> None:
    """Make a rename in ``path`` durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write a small file (JSON records) atomically."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise write_error(str(path), e) from e


class PartWriter:
    """Writes batches into ``{prefix}-{k:04d}.{ext}`` parts of about ``max_bytes`` each.

    Parts stay under temporary names until :meth:`commit`; :meth:`abort` deletes them.
    """

    def __init__(
        self,
        folder: Path,
        prefix: str,
        *,
        max_bytes: int,
        fmt: str = "parquet",
        compression: str | None = "zstd",
        compression_level: int | None = 3,
    ) -> None:
        self.folder = folder
        self.prefix = prefix
        self.max_bytes = max_bytes
        self.fmt = fmt
        self.compression = compression
        self.compression_level = compression_level
        self._writer: pq.ParquetWriter | ipc.RecordBatchFileWriter | None = None
        self._schema: pa.Schema | None = None
        self._pending: list[pa.RecordBatch] = []
        self._pending_bytes = 0
        self._part_bytes = 0
        self._parts: list[tuple[Path, Path]] = []
        self.rows = 0

    @property
    def final_paths(self) -> list[Path]:
        return [final for _, final in self._parts]

    def _open_part(self, schema: pa.Schema) -> None:
        ext = "parquet" if self.fmt == "parquet" else "arrow"
        name = f"{self.prefix}-{len(self._parts):04d}.{ext}"
        final = self.folder / name
        tmp = self.folder / f".{name}.tmp"
        self.folder.mkdir(parents=True, exist_ok=True)
        try:
            if self.fmt == "parquet":
                self._writer = pq.ParquetWriter(
                    tmp,
                    schema,
                    compression=self.compression or "none",
                    compression_level=self.compression_level if self.compression else None,
                    write_statistics=True,
                )
            else:
                options = ipc.IpcWriteOptions(compression=self.compression)
                self._writer = ipc.new_file(str(tmp), schema, options=options)
        except OSError as e:
            raise write_error(str(tmp), e) from e
        self._schema = schema
        self._parts.append((tmp, final))
        self._part_bytes = 0

    def _close_part(self) -> None:
        self._flush()
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        self._schema = None
        self._part_bytes = 0

    def _flush(self) -> None:
        if not self._pending:
            return
        if self._writer is None:
            self._open_part(self._pending[0].schema)
        table = pa.Table.from_batches(self._pending)
        try:
            assert self._writer is not None
            if isinstance(self._writer, pq.ParquetWriter):
                self._writer.write_table(table, row_group_size=max(table.num_rows, 1))
            else:
                self._writer.write_table(table)
        except OSError as e:
            raise write_error(f"a part file in {self.folder}", e) from e
        self._part_bytes += self._pending_bytes
        self._pending = []
        self._pending_bytes = 0

    def needs_new_part(self, batch: pa.RecordBatch, *, by_size: bool = True) -> bool:
        """Whether ``batch`` starts a new part: a new schema (drift between inputs) or,
        with ``by_size``, a part that would grow past ``max_bytes``."""
        current = self._pending[0].schema if self._pending else self._schema
        if current is None:
            return False
        used = self._part_bytes + self._pending_bytes
        full = by_size and bool(used) and used + batch.nbytes > self.max_bytes
        return full or not batch.schema.equals(current)

    def write(self, batch: pa.RecordBatch, *, new_part: bool | None = None) -> None:
        """Buffer ``batch``; rows are written in row groups, parts roll over by size
        (or where ``new_part`` says, for a writer that follows another's parts)."""
        if batch.num_rows == 0:
            return
        if self.needs_new_part(batch) if new_part is None else new_part:
            self._close_part()
        size = batch.nbytes
        self._pending.append(batch)
        self._pending_bytes += size
        self.rows += batch.num_rows
        if self._pending_bytes >= ROW_GROUP_BYTES:
            self._flush()

    def close(self) -> None:
        """Finish writing every part (still under temporary names)."""
        self._close_part()
        for tmp, _ in self._parts:
            with open(tmp, "rb+") as f:
                os.fsync(f.fileno())

    def commit(self) -> list[Path]:
        """Rename finished parts to their final names; returns those names."""
        for tmp, final in self._parts:
            os.replace(tmp, final)
        if self._parts:
            fsync_dir(self.folder)
        return self.final_paths

    def abort(self) -> None:
        """Delete everything written so far."""
        try:
            if self._writer is not None:
                self._writer.close()
        except (OSError, pa.ArrowException):
            pass
        self._writer = None
        for tmp, _ in self._parts:
            tmp.unlink(missing_ok=True)
        self._parts = []


class PairedPartWriter:
    """Two writers whose parts match one to one: the same part names, the same rows in
    the same order (``data/`` and its ``signals/`` side table). ``main`` decides where a
    part ends; ``side`` follows (and ends a part too when its own schema changes)."""

    def __init__(self, main: PartWriter, side: PartWriter) -> None:
        self.main = main
        self.side = side

    def write(self, main: pa.RecordBatch, side: pa.RecordBatch) -> None:
        if main.num_rows == 0:
            return
        new = self.main.needs_new_part(main) or self.side.needs_new_part(side, by_size=False)
        self.main.write(main, new_part=new)
        self.side.write(side, new_part=new)

    @property
    def writers(self) -> tuple[PartWriter, PartWriter]:
        return self.main, self.side
