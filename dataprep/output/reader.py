"""Read-only view of a finished output folder, for the report, ``inspect``, ``stats``
and ``redecide``: the one place that parses ``stats.json`` and ``run.json``.

Parquet is read column-projected in bounded batches (``iter_batches``): the report
never loads a whole part file, let alone the corpus.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from dataprep.errors import InputError
from dataprep.output.layout import Layout
from dataprep.output.stats_format import STATS_VERSION

#: Rows per batch when streaming Parquet (bounded memory on long documents too).
BATCH_ROWS = 4096


@dataclass(frozen=True)
class PartFile:
    """One Parquet part: kept documents (``stage`` is None) or removed at ``stage``."""

    path: Path
    stage: str | None


@dataclass(frozen=True)
class Output:
    """A dataprep output folder whose ``stats.json`` and ``run.json`` were read."""

    root: Path
    stats: dict[str, Any]
    run: dict[str, Any]
    _schemas: dict[Path, pa.Schema] = field(default_factory=dict, compare=False, repr=False)
    memo: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    """What readers of this output computed once (the report's sample store)."""

    @property
    def layout(self) -> Layout:
        return Layout(self.root)

    @property
    def stage_names(self) -> list[str]:
        """Stage names in pipeline order, ``input`` first."""
        return list(self.stats.get("stages", {}))

    @property
    def text_column(self) -> str:
        return str(self.run.get("recipe", {}).get("input", {}).get("text_column", "text"))

    @property
    def id_column(self) -> str:
        return str(self.run.get("recipe", {}).get("input", {}).get("id_column", "id"))

    def stage_info(self, stage: str) -> dict[str, Any]:
        return dict(self.stats.get("stage_info", {}).get(stage, {}))

    def kept_files(self) -> list[PartFile]:
        return [PartFile(p, None) for p in sorted(self.layout.data.glob("part-*.parquet"))]

    def removed_files(self, stage: str) -> list[PartFile]:
        folder = self.layout.removed_stage(stage)
        return [PartFile(p, stage) for p in sorted(folder.glob("part-*.parquet"))]

    def all_files(self) -> list[PartFile]:
        """Kept parts, then removed parts in stage order."""
        out = self.kept_files()
        for stage in self.stage_names:
            out += self.removed_files(stage)
        return out

    def signals_file(self, part: PartFile) -> Path | None:
        """The side table of a kept part (``output.signals: separate``), if any."""
        if part.stage is not None:
            return None
        side = self.layout.signals / part.path.name
        return side if side.is_file() else None

    def schema(self, part: PartFile) -> pa.Schema:
        """The part's columns, its side table's signal columns joined after them."""
        if part.path not in self._schemas:
            schema = _read_schema(part.path)
            side = self.signals_file(part)
            if side is not None:
                extra = [f for f in _read_schema(side) if f.name not in schema.names]
                schema = pa.schema([*schema, *extra])
            self._schemas[part.path] = schema
        return self._schemas[part.path]


def _read_schema(path: Path) -> pa.Schema:
    try:
        return pq.read_schema(path)
    except (OSError, pa.ArrowException) as e:
        raise InputError(f"cannot read {path}: {e}") from e


def open_output(root: str | Path) -> Output:
    """Read ``stats.json`` and ``run.json``; :class:`InputError` for anything else."""
    path = Path(root)
    layout = Layout(path)
    if not layout.stats.is_file():
        raise InputError(f"{layout.stats} not found: is {path} a finished dataprep output folder?")
    stats = _read_json(layout.stats)
    run = _read_json(layout.run) if layout.run.is_file() else {}
    if not isinstance(stats, dict) or not isinstance(stats.get("stages"), dict):
        raise InputError(f"{layout.stats} is not a dataprep stats.json (no 'stages')")
    if stats.get("version") != STATS_VERSION:
        raise InputError(
            f"{layout.stats} has format version {stats.get('version')!r}; this dataprep "
            f"reads version {STATS_VERSION}: use the dataprep version that wrote it"
        )
    return Output(path, stats, run if isinstance(run, dict) else {})


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise InputError(f"cannot read {path}: {e}") from e


def iter_batches(
    out: Output, part: PartFile, columns: Sequence[str], *, batch_rows: int = BATCH_ROWS
) -> Iterator[pa.RecordBatch]:
    """Batches of ``part`` holding only those of ``columns`` the file has."""
    names = set(out.schema(part).names)
    wanted = [c for c in dict.fromkeys(columns) if c in names]
    if not wanted:
        return
    own = set(_read_schema(part.path).names) if out.signals_file(part) else names
    side = [c for c in wanted if c not in own]
    try:
        if not side:
            yield from pq.ParquetFile(part.path).iter_batches(batch_size=batch_rows, columns=wanted)
            return
        key = out.id_column
        mine = [c for c in dict.fromkeys([*wanted, key]) if c in own]
        for batch in _joined(out, part, mine, [key, *side], batch_rows):
            yield batch.select(wanted)
    except (OSError, pa.ArrowException) as e:
        raise InputError(f"cannot read {part.path}: {e}") from e


def _joined(
    out: Output, part: PartFile, mine: list[str], theirs: list[str], batch_rows: int
) -> Iterator[pa.RecordBatch]:
    """Batches of ``part`` with columns of its side table appended. The two files hold
    the same documents in the same order (written in lockstep); the ids are compared,
    so a damaged or mismatched side table is an error, never a silent mis-join."""
    side = out.signals_file(part)
    assert side is not None
    key = out.id_column
    theirs_iter = pq.ParquetFile(side).iter_batches(batch_size=batch_rows, columns=theirs)
    pending = _read_schema(side).empty_table().select(theirs)
    for batch in pq.ParquetFile(part.path).iter_batches(batch_size=batch_rows, columns=mine):
        while pending.num_rows < batch.num_rows:
            more = next(theirs_iter, None)
            if more is None:
                break
            pending = pa.concat_tables([pending, pa.Table.from_batches([more])])
        extra, pending = pending.slice(0, batch.num_rows), pending.slice(batch.num_rows)
        if extra.num_rows != batch.num_rows or not extra.column(key).equals(
            pa.chunked_array([batch.column(key)])
        ):
            raise InputError(f"{side} does not match {part.path} (other documents or order)")
        arrays = [*batch.columns, *(extra.column(n).combine_chunks() for n in theirs[1:])]
        yield pa.RecordBatch.from_arrays(arrays, names=[*mine, *theirs[1:]])
    if pending.num_rows or next(theirs_iter, None) is not None:
        raise InputError(f"{side} does not match {part.path} (it holds more documents)")


def num_rows(part: PartFile) -> int:
    """Row count from the Parquet footer (no data read)."""
    try:
        return int(pq.read_metadata(part.path).num_rows)
    except (OSError, pa.ArrowException) as e:
        raise InputError(f"cannot read {part.path}: {e}") from e
