"""Rows spilled to disk, partitioned by key, so ``fit`` never holds every band in RAM.

Each partition is one Arrow IPC *stream* file ``_part-00007.arrow`` in the
stage's work folder (leading underscore: Arrow dataset readers ignore it).
Rows go to partition ``key % num_partitions`` (keys are already uniform 64-bit
hashes), so equal keys always meet in the same partition, which is then read
back alone and grouped with numpy. Writes are buffered per partition and
flushed in blocks of ~``flush_rows`` rows to keep files few and batches large.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import TracebackType

import numpy as np
import pyarrow as pa

from dataprep.errors import OutputError, write_error

#: Bytes of spill per row budgeted when choosing how many partitions to use.
PARTITION_TARGET_BYTES = 128 * 1024 * 1024


def partition_count(rows: int, bytes_per_row: int, target: int | None = None) -> int:
    """Enough partitions that one holds about ``target`` bytes (default
    :data:`PARTITION_TARGET_BYTES`, read at call time), at least 1."""
    target = PARTITION_TARGET_BYTES if target is None else target
    return max(1, -(-rows * bytes_per_row // target))


def _write_error(path: Path, e: OSError) -> OutputError:
    return write_error(f"dedup spill file {path}", e)


class PartitionedSpill:
    """Append ``{name: array}`` rows to per-partition files; read one partition back."""

    def __init__(
        self,
        workdir: Path,
        prefix: str,
        schema: pa.Schema,
        num_partitions: int,
        flush_rows: int = 1 << 18,
    ) -> None:
        self.workdir = workdir
        self.prefix = prefix
        self.schema = schema
        self.num_partitions = num_partitions
        self.flush_rows = flush_rows
        self._buffers: list[list[pa.RecordBatch]] = [[] for _ in range(num_partitions)]
        self._buffered = [0] * num_partitions
        self._writers: dict[int, pa.ipc.RecordBatchStreamWriter] = {}
        self._rows = [0] * num_partitions
        workdir.mkdir(parents=True, exist_ok=True)

    def path(self, part: int) -> Path:
        return self.workdir / f"_{self.prefix}-{part:05d}.arrow"

    def write(self, part_of_row: np.ndarray, columns: dict[str, np.ndarray]) -> None:
        """Route each row to partition ``part_of_row[i]``."""
        order = np.argsort(part_of_row, kind="stable")
        sorted_parts = part_of_row[order]
        bounds = np.searchsorted(sorted_parts, np.arange(self.num_partitions + 1))
        batch = pa.record_batch(
            [pa.array(columns[f.name][order], type=f.type) for f in self.schema],
            schema=self.schema,
        )
        for part in np.flatnonzero(np.diff(bounds)):
            lo, hi = int(bounds[part]), int(bounds[part + 1])
            self._buffers[part].append(batch.slice(lo, hi - lo))
            self._buffered[part] += hi - lo
            if self._buffered[part] >= self.flush_rows:
                self._flush(int(part))

    def _flush(self, part: int) -> None:
        if not self._buffers[part]:
            return
        table = pa.Table.from_batches(self._buffers[part], schema=self.schema)
        writer = self._writers.get(part)
        try:
            if writer is None:
                writer = self._writers[part] = pa.ipc.new_stream(self.path(part), self.schema)
            for batch in table.combine_chunks().to_batches():
                writer.write_batch(batch)
        except OSError as e:
            raise _write_error(self.path(part), e) from e
        self._rows[part] += table.num_rows
        self._buffers[part] = []
        self._buffered[part] = 0

    def close(self) -> None:
        """Flush every buffer and close every file."""
        for part in range(self.num_partitions):
            self._flush(part)
        for part, writer in self._writers.items():
            try:
                writer.close()
            except OSError as e:
                raise _write_error(self.path(part), e) from e
        self._writers.clear()

    def __enter__(self) -> PartitionedSpill:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def read(self, part: int) -> dict[str, np.ndarray]:
        """All rows of one partition as numpy arrays (empty arrays if none)."""
        if self._rows[part] == 0:
            return {f.name: np.empty(0, dtype=f.type.to_pandas_dtype()) for f in self.schema}
        with pa.OSFile(str(self.path(part)), "rb") as source:
            table = pa.ipc.open_stream(source).read_all()
        return {f.name: table.column(f.name).to_numpy() for f in self.schema}

    def partitions(self) -> Iterator[tuple[int, dict[str, np.ndarray]]]:
        """``(index, rows)`` for every non-empty partition, deleting each file after use."""
        for part in range(self.num_partitions):
            if self._rows[part]:
                rows = self.read(part)
                self.path(part).unlink()
                yield part, rows
