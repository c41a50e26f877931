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

    def write(self, batch: pa.RecordBatch) -> None:
        """Buffer ``batch``; rows are written in row groups, parts roll over by size."""
        if batch.num_rows == 0:
            return
        current = self._pending[0].schema if self._pending else self._schema
        size = batch.nbytes
        used = self._part_bytes + self._pending_bytes
        if current is not None and (
            not batch.schema.equals(current) or (used and used + size > self.max_bytes)
        ):
            # A new schema (drift between inputs) or a full part starts a new part.
            self._close_part()
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
