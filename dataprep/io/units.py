"""Work units: the pieces of one input file that separate jobs can read.

A big file is cut into units of about ``unit_bytes`` so that a corpus of a few big
files still keeps every worker busy. Units are planned from metadata only:

==========  =========================================  ==============================
format      a unit is                                  planned from
==========  =========================================  ==============================
Parquet     consecutive row groups                     the footer (compressed sizes)
Arrow IPC   consecutive record batches (file format)   the footer (batch sizes)
JSONL       the lines that START in a byte range       the size, a scan for the next
            (uncompressed files only)                  line start at each boundary,
                                                       one count of lines before each
==========  =========================================  ==============================

A unit never splits a row group, record batch or line. Rows keep the file's own
numbers (a unit starting at row 120000 numbers its first row 120000), so ids and
positions do not depend on units; JSONL units also keep the file's line numbers
(errors and quarantine entries name the same line). A JSONL row is a non-blank
line, so numbering a unit's rows needs the lines before it: the planner counts them
in one sequential read of the file (``bytes.count`` speed), done once per run on the
driver; a compressed JSONL file cannot be cut and stays one unit. Every JSONL unit
after the first starts from the schema of the file's first batch, as the whole-file
reader does (a field first seen later may still be typed from other neighbours).
A file that cannot be planned (unreadable footer, Arrow stream format, small file)
is one unit, read exactly as a whole file always was.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import BinaryIO

import pyarrow as pa
import pyarrow.ipc as ipc
import pyarrow.parquet as pq

from dataprep.errors import InputError
from dataprep.io import storage
from dataprep.io.discover import Shard
from dataprep.io.jsonl import BOM, iter_jsonl

#: Most units per file: unit numbers are four digits in output names
#: (``output/layout.py``); a smaller ``unit_bytes`` is raised to fit.
MAX_UNITS = 10_000

#: ``run.unit_bytes: 0`` (the default) cuts the corpus into about this many units...
AUTO_UNITS = 64
#: ... of at least this many bytes (a job's fixed cost, a few ms for its footer, output
#: file and completion record, stays under 1% of its work; outputs stay >= ~4 MB) ...
AUTO_MIN_BYTES = 4 * 1024 * 1024
#: ... and at most this many (one job's input; the corpus of a large run is cut here).
AUTO_MAX_BYTES = 128 * 1024 * 1024


def resolve_unit_bytes(configured: int, sizes: Sequence[int | None]) -> int:
    """The unit size of a run: ``configured``, or for 0 one sized from the corpus.

    Sized from the input files' total size alone (``sizes``; unreadable files count 0),
    never from the worker count, so the same corpus is cut the same way with any
    ``-j`` or executor and its output stays byte-identical. With 64 units in all, a
    single 40 MB file is 8-10 jobs and keeps 2-8 workers busy to the end (the last
    job is ~1/64 of the work); a 10 GB corpus gets 128 MiB units, as many as before.
    """
    if configured > 0:
        return configured
    total = sum(s or 0 for s in sizes)
    return min(max(-(-total // AUTO_UNITS), AUTO_MIN_BYTES), AUTO_MAX_BYTES)


@dataclass(frozen=True)
class Unit:
    """One unit of a shard: pieces ``[first, end)`` (row groups, record batches, or
    JSONL bytes), starting at row ``row_start`` (and JSONL line ``line_start + 1``) of
    the file. ``count`` units make the shard."""

    index: int = 0
    count: int = 1
    first: int = 0
    end: int = -1
    row_start: int = 0
    rows: int | None = None
    line_start: int = 0
    """JSONL: lines of the file before the unit."""
    schema: bytes | None = None
    """JSONL: the serialized schema of the file's first batch (units after the first)."""

    @property
    def whole(self) -> bool:
        """The unit is the whole file (read as one piece, as before units existed)."""
        return self.count == 1


WHOLE = Unit()


def _group(sizes: Sequence[int], rows: Sequence[int], unit_bytes: int) -> tuple[Unit, ...]:
    """Consecutive pieces gathered greedily into units of at least ``unit_bytes``
    (the last one may be smaller)."""
    target = max(unit_bytes, -(-sum(sizes) // MAX_UNITS))
    bounds: list[tuple[int, int]] = []
    start = acc = 0
    for i, size in enumerate(sizes):
        acc += size
        if acc >= target and i + 1 < len(sizes):
            bounds.append((start, i + 1))
            start, acc = i + 1, 0
    bounds.append((start, len(sizes)))
    if len(bounds) == 1:
        return (WHOLE,)
    units = []
    row = 0
    for k, (a, b) in enumerate(bounds):
        n = sum(rows[a:b])
        units.append(Unit(k, len(bounds), a, b, row, n))
        row += n
    return tuple(units)


def _parquet_pieces(shard: Shard) -> tuple[list[int], list[int]]:
    meta = pq.read_metadata(storage.arrow_input(shard.path))
    sizes, rows = [], []
    for g in range(meta.num_row_groups):
        group = meta.row_group(g)
        sizes.append(sum(group.column(c).total_compressed_size for c in range(group.num_columns)))
        rows.append(group.num_rows)
    return sizes, rows


def _arrow_pieces(shard: Shard) -> tuple[list[int], list[int]]:
    with storage.mapped(shard.path) as source:
        reader = ipc.open_file(source)
        batches = [reader.get_batch(i) for i in range(reader.num_record_batches)]
        return [b.nbytes for b in batches], [b.num_rows for b in batches]


_SCAN = 1 << 16
_COUNT_BLOCK = 8 << 20


def _next_line_start(f: BinaryIO, pos: int, size: int) -> int:
    """The first line start at or after byte ``pos`` (``size`` when there is none)."""
    f.seek(pos - 1)
    at = pos - 1
    while chunk := f.read(_SCAN):
        i = chunk.find(b"\n")
        if i >= 0:
            return at + i + 1
        at += len(chunk)
    return size


def _count_lines(f: BinaryIO, start: int, end: int) -> tuple[int, int]:
    """(lines, non-blank lines) in ``[start, end)``, a range of whole lines, counted
    as ``io/jsonl.py`` numbers them (a leading byte order mark is not text)."""
    f.seek(start)
    left, carry, lines, rows = end - start, b"", 0, 0
    while left > 0:
        block = f.read(min(_COUNT_BLOCK, left))
        if not block:
            break
        left -= len(block)
        data = carry + block
        cut = data.rfind(b"\n") + 1 if left else len(data)
        data, carry = data[:cut], data[cut:]
        if start == 0 and lines == 0 and data.startswith(BOM):
            data = data[len(BOM) :]
        pieces = data.split(b"\n")
        if pieces and not pieces[-1]:
            pieces.pop()
        lines += len(pieces)
        rows += sum(1 for p in pieces if p.strip())
    return lines, rows


def _first_schema(shard: Shard, unit: Unit, batch_size: int, text_column: str) -> bytes | None:
    """The schema the whole-file reader fixes with its first batch (None: no batch)."""
    batches = iter_jsonl(
        shard, batch_size, text_column=text_column, on_bad=lambda _: None, unit=unit
    )
    for batch, _ in batches:
        return bytes(batch.schema.serialize().to_pybytes())
    return None


def _jsonl_units(
    shard: Shard, unit_bytes: int, batch_size: int, text_column: str
) -> tuple[Unit, ...]:
    size = storage.info(shard.path).size
    target = max(unit_bytes, -(-size // MAX_UNITS))
    if shard.compression is not None or size <= target:
        return (WHOLE,)
    bounds = [0]
    with storage.open_input(shard.path, block_size=storage.READ_BLOCK) as f:
        while (start := _next_line_start(f, bounds[-1] + target, size)) < size:
            bounds.append(start)
        if len(bounds) == 1:
            return (WHOLE,)
        bounds.append(size)
        n = len(bounds) - 1
        units, lines, rows = [], 0, 0
        for k in range(n):
            units.append(Unit(k, n, bounds[k], bounds[k + 1], rows, None, lines))
            if k + 1 < n:
                more_lines, more_rows = _count_lines(f, bounds[k], bounds[k + 1])
                lines, rows = lines + more_lines, rows + more_rows
    schema = _first_schema(shard, units[0], batch_size, text_column)
    return tuple(units[:1]) + tuple(
        Unit(u.index, n, u.first, u.end, u.row_start, None, u.line_start, schema) for u in units[1:]
    )


def plan_units(
    shard: Shard, unit_bytes: int, *, batch_size: int = 1024, text_column: str = "text"
) -> tuple[Unit, ...]:
    """The units of ``shard``, in file order (one :data:`WHOLE` unit when it is not split).

    ``batch_size`` and ``text_column`` are the recipe's: a JSONL unit after the first
    starts from the schema the file's first batch has when read with them.
    """
    try:
        if shard.format == "parquet":
            sizes, rows = _parquet_pieces(shard)
        elif shard.format == "arrow":
            sizes, rows = _arrow_pieces(shard)
        elif shard.format == "jsonl":
            return _jsonl_units(shard, unit_bytes, batch_size, text_column)
        else:
            return (WHOLE,)
    except (OSError, pa.ArrowException, InputError):
        return (WHOLE,)  # the worker reports the file's error, as for any whole file
    return _group(sizes, rows, unit_bytes)
