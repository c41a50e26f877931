"""Work units: the pieces of one input file that separate jobs can read.

A big file is cut into units of about ``unit_bytes`` so that a corpus of a few big
files still keeps every worker busy. Units are planned from metadata only:

==========  =========================================  ==============================
format      a unit is                                  planned from
==========  =========================================  ==============================
Parquet     consecutive row groups                     the footer (compressed sizes)
Arrow IPC   consecutive record batches (file format)   the footer (batch sizes)
JSONL       anything else: the whole file (one unit)   —
==========  =========================================  ==============================

A unit never splits a row group or record batch. Rows keep the file's own
numbers (a unit starting at row 120000 numbers its first row 120000), so ids and
positions do not depend on units. A file that cannot be planned (unreadable
footer, Arrow stream format, compressed or small file) is one unit, read exactly
as a whole file always was.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.ipc as ipc
import pyarrow.parquet as pq

from dataprep.io.discover import Shard

#: Most units per file: unit numbers are four digits in output names
#: (``output/layout.py``); a smaller ``unit_bytes`` is raised to fit.
MAX_UNITS = 10_000


@dataclass(frozen=True)
class Unit:
    """One unit of a shard: pieces ``[first, end)`` (row groups or record batches),
    starting at row ``row_start`` of the file. ``count`` units make the shard."""

    index: int = 0
    count: int = 1
    first: int = 0
    end: int = -1
    row_start: int = 0
    rows: int | None = None

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
    meta = pq.read_metadata(shard.path)
    sizes, rows = [], []
    for g in range(meta.num_row_groups):
        group = meta.row_group(g)
        sizes.append(sum(group.column(c).total_compressed_size for c in range(group.num_columns)))
        rows.append(group.num_rows)
    return sizes, rows


def _arrow_pieces(shard: Shard) -> tuple[list[int], list[int]]:
    with pa.memory_map(str(shard.path)) as source:
        reader = ipc.open_file(source)
        batches = [reader.get_batch(i) for i in range(reader.num_record_batches)]
        return [b.nbytes for b in batches], [b.num_rows for b in batches]


def plan_units(shard: Shard, unit_bytes: int) -> tuple[Unit, ...]:
    """The units of ``shard``, in file order (one :data:`WHOLE` unit when it is not split)."""
    try:
        if shard.format == "parquet":
            sizes, rows = _parquet_pieces(shard)
        elif shard.format == "arrow":
            sizes, rows = _arrow_pieces(shard)
        else:
            return (WHOLE,)
    except (OSError, pa.ArrowException):
        return (WHOLE,)  # the worker reports the file's error, as for any whole file
    return _group(sizes, rows, unit_bytes)
