"""One pass of the pipeline over one shard, as run inside a worker process.

A shard's outputs for a pass are written under temporary names and committed
together, then its completion record is written: a shard is either done (all of
its files visible, record present) or not done (the runner removes whatever it
left and runs it again).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.ipc as ipc

from dataprep.engine.accounting import StageStats
from dataprep.engine.copies import label_copies
from dataprep.engine.decisions import Decisions, replicate
from dataprep.engine.output_shape import OutputShape
from dataprep.engine.partitioned import ShuffleSink, decisions_path, shuffle_sink
from dataprep.engine.plan import PassPlan
from dataprep.engine.quarantine import Quarantine
from dataprep.engine.remote import configure_storage, publish_unit
from dataprep.engine.split import split_by_reason, text_bytes
from dataprep.engine.timing import StageSeconds, StageTimer, rounded, unit_busy
from dataprep.errors import InputError
from dataprep.io.bad_units import OnBad
from dataprep.io.columns import prepare_batch
from dataprep.io.discover import Shard
from dataprep.io.readers import iter_positioned_batches, row_count
from dataprep.io.units import WHOLE, Unit
from dataprep.io.writers import PairedPartWriter, PartWriter, atomic_write_bytes
from dataprep.output.columns import INPUT_STAGE, INTERNAL_COLUMNS, LANG_COLUMN
from dataprep.output.layout import Layout, part_prefix
from dataprep.recipe.config import OutputConfig, Recipe
from dataprep.report.store import RewriteRecorder
from dataprep.stages.base import BatchStage, GlobalStage, Stage, StageOutput
from dataprep.stages.build import make_stages

Progress = Callable[[int, int], None]

_STAGE_CACHE: dict[str, list[Stage[Any]]] = {}


def build_stages(recipe: Recipe) -> list[Stage[Any]]:
    """The recipe's stage objects, built and set up once per process."""
    key = recipe.digest()
    if key not in _STAGE_CACHE:
        stages = make_stages(recipe)
        for stage in stages:
            stage.setup()
        _STAGE_CACHE.clear()
        _STAGE_CACHE[key] = stages
    return _STAGE_CACHE[key]


@dataclass(frozen=True)
class ShardJob:
    """Everything a worker needs to run one pass over one unit of a shard (picklable)."""

    recipe: Recipe
    plan: PassPlan
    shard: Shard
    layout: Layout
    unit: Unit = WHOLE
    mirror: str | None = None
    """The output URL when the output is in an object store (``engine/remote.py``)."""

    @property
    def prefix(self) -> str:
        """Name prefix of every part this job writes (``output/layout.py``)."""
        return part_prefix(self.shard.index, self.unit.index, self.unit.count)

    def done_file(self, pass_index: int) -> Path:
        """This unit's completion record for pass ``pass_index``."""
        return self.layout.done_file(pass_index, self.shard.index, self.unit.index, self.unit.count)


def _source_batches(job: ShardJob, on_bad: OnBad | None) -> Iterator[pa.RecordBatch]:
    """Batches entering the pass: the input shard (pass 0) or the previous pass's survivors."""
    inp = job.recipe.input
    bs = job.recipe.run.batch_size
    if job.plan.is_first:
        for raw, rows in iter_positioned_batches(
            job.shard, batch_size=bs, text_column=inp.text_column, on_bad=on_bad, unit=job.unit
        ):
            yield prepare_batch(
                raw,
                job.shard,
                rows,
                text_column=inp.text_column,
                id_column=inp.id_column,
                on_bad=on_bad,
            )
        return
    folder = job.layout.pass_data(job.plan.index - 1)
    for path in sorted(folder.glob(f"{job.prefix}-*.arrow")):
        with pa.memory_map(str(path)) as source:
            reader = ipc.open_file(source)
            for i in range(reader.num_record_batches):
                batch = reader.get_batch(i)
                for start in range(0, batch.num_rows, bs):
                    yield batch.slice(start, bs)


def _input_reasons(batch: pa.RecordBatch, text_column: str) -> pa.Array:
    """The input pseudo-stage removes null and empty texts, counted, never silently."""
    text = batch.column(text_column)
    is_null = pc.is_null(text)
    is_empty = pc.equal(pc.binary_length(text.fill_null("")), 0)
    return pc.if_else(
        is_null,
        pa.scalar("null_text"),
        pc.if_else(is_empty, pa.scalar("empty_text"), pa.scalar(None, pa.string())),
    )


class _Sinks:
    """The pass's writers for one shard: kept, removed per stage, observations."""

    def __init__(self, job: ShardJob) -> None:
        out = job.recipe.output
        prefix = job.prefix
        lay = job.layout
        self.keep_internal = out.keep_internal_columns
        self.final = job.plan.is_last
        self.shape = OutputShape.of(job.recipe)
        self.paired: PairedPartWriter | None = None
        if self.final:
            self.kept = self._part_writer(lay.data, prefix, out)
            if self.shape.separate:
                side = self._part_writer(lay.signals, prefix, out)
                self.paired = PairedPartWriter(self.kept, side)
        else:
            self.kept = PartWriter(
                lay.pass_data(job.plan.index),
                prefix,
                max_bytes=1 << 62,
                fmt="arrow",
                compression="lz4",
            )
        self.observe = PartWriter(
            lay.pass_observe(job.plan.index),
            prefix,
            max_bytes=1 << 62,
            fmt="arrow",
            compression=None,
        )
        self._removed_cfg = (lay, prefix, out) if out.keep_removed != "none" else None
        self.removed: dict[str, PartWriter] = {}
        self.shuffle = shuffle_sink(job, build_stages(job.recipe))
        inp = job.recipe.input
        self.rewrites = RewriteRecorder(
            text_column=inp.text_column,
            id_column=inp.id_column,
            removed_texts=out.keep_removed == "ids",
        )

    @staticmethod
    def _part_writer(folder: Path, prefix: str, out: OutputConfig) -> PartWriter:
        """A writer of public Parquet parts (``data/``, ``signals/``, ``removed/``)."""
        return PartWriter(
            folder,
            prefix,
            max_bytes=out.max_shard_bytes,
            compression=out.compression,
            compression_level=out.compression_level,
        )

    def _public(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        if self.keep_internal:
            return batch
        keep = [i for i, n in enumerate(batch.schema.names) if n not in INTERNAL_COLUMNS]
        return batch.select(keep)

    def write_kept(self, batch: pa.RecordBatch) -> None:
        if not self.final:
            self.kept.write(batch)
            return
        data, side = self.shape.kept(self._public(batch))
        if self.paired is not None:
            self.paired.write(data, side)
        else:
            self.kept.write(data)

    def removed_sink(self, stage: str) -> Callable[[pa.RecordBatch], None] | None:
        if self._removed_cfg is None:
            return None
        lay, prefix, out = self._removed_cfg

        def sink(batch: pa.RecordBatch) -> None:
            self.rewrites.record_removed(stage, batch)
            if stage not in self.removed:
                self.removed[stage] = self._part_writer(lay.removed_stage(stage), prefix, out)
            self.removed[stage].write(self.shape.removed(self._public(batch)))

        return sink

    def all(self) -> list[PartWriter | ShuffleSink]:
        shuffle = [self.shuffle] if self.shuffle is not None else []
        side = [self.paired.side] if self.paired is not None else []
        return [self.kept, *side, self.observe, *self.removed.values(), *shuffle]


@dataclass(frozen=True)
class ShardResult:
    """A shard's completion record for one pass: per-stage counts and quarantine entries.

    Returned by the worker to the driver, and written as the shard's done file
    (:meth:`to_json`), which a resumed run reads back (:meth:`from_json`) for the
    shards an earlier run finished. Quarantine entries keep their keys sorted, as
    the done file holds them, so ``stats.json`` is the same whichever way a record
    reached the driver.
    """

    stages: dict[str, StageStats]
    quarantine: tuple[dict[str, object], ...] = ()
    seconds: StageSeconds = field(default_factory=dict)
    """CPU and wall seconds per stage (``engine/timing.py``); never in ``stats.json``."""
    busy: dict[str, float] = field(default_factory=dict)
    """The whole unit's time in its worker (``timing.unit_busy``); empty when read back."""

    def __post_init__(self) -> None:
        entries = tuple(dict(sorted(e.items())) for e in self.quarantine)
        object.__setattr__(self, "quarantine", entries)

    def to_json(self) -> bytes:
        record = {
            "stages": {name: st.to_dict() for name, st in self.stages.items()},
            "quarantine": list(self.quarantine),
            "seconds": rounded(self.seconds, 6),
        }
        return json.dumps(record, sort_keys=True).encode()

    @classmethod
    def from_json(cls, text: str | bytes) -> ShardResult:
        data = json.loads(text)
        stages = {name: StageStats.from_dict(st) for name, st in data["stages"].items()}
        return cls(stages, tuple(data.get("quarantine", [])), dict(data.get("seconds", {})))


def run_shard_pass(job: ShardJob, progress: Progress | None = None) -> ShardResult:
    """Run one pass over one unit of a shard; write and return its completion record."""
    configure_storage(job.recipe)
    stages = build_stages(job.recipe)
    quarantine = Quarantine(job.shard)
    timer = StageTimer()
    busy: dict[str, float] = {}
    with unit_busy(busy):
        stats = _run_unit(job, stages, progress, quarantine, timer)
    result = ShardResult(stats, tuple(quarantine.entries), timer.seconds, busy)
    if job.mirror is not None:
        names = [stages[i].name for i in job.plan.stage_indexes()]
        names += [INPUT_STAGE] if job.plan.is_first else []
        publish_unit(job.layout, job.mirror, job.prefix, names, job.plan.is_last)
    done = job.done_file(job.plan.index)
    done.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(done, result.to_json())
    return result


def _run_unit(
    job: ShardJob,
    stages: list[Stage[Any]],
    progress: Progress | None,
    quarantine: Quarantine,
    timer: StageTimer,
) -> dict[str, StageStats]:
    """The unit's counts; in quarantine mode a file that cannot be read is set aside."""
    quarantine_mode = job.recipe.input.on_error == "quarantine"
    try:
        stats = _run_shard(job, stages, progress, quarantine if quarantine_mode else None, timer)
    except InputError as e:
        if not (quarantine_mode and job.plan.is_first):
            raise
        # The whole file is set aside: none of its rows enter the pipeline. Its
        # documents are counted when the file's metadata says how many there are.
        stats = _empty_stats(job, stages)
        # A unit of a file cut in several sets aside its own rows only.
        docs = row_count(job.shard) if job.unit.whole else job.unit.rows
        quarantine.set_aside_file(e, docs)
        quarantine.flush_into(stats[INPUT_STAGE])
    return stats


def _empty_stats(job: ShardJob, stages: list[Stage[Any]]) -> dict[str, StageStats]:
    stats: dict[str, StageStats] = {}
    if job.plan.is_first:
        stats[INPUT_STAGE] = StageStats()
    for i in job.plan.stage_indexes():
        stats[stages[i].name] = StageStats()
    return stats


def _run_shard(
    job: ShardJob,
    stages: list[Stage[Any]],
    progress: Progress | None,
    quarantine: Quarantine | None,
    timer: StageTimer,
) -> dict[str, StageStats]:
    inp = job.recipe.input
    stats = _empty_stats(job, stages)
    sinks = _Sinks(job)
    decisions = None
    if job.plan.apply_global is not None:
        dec_path = decisions_path(job.layout, job.plan.index - 1, job.shard.index, job.unit)
        stage = stages[job.plan.apply_global].name
        decisions = Decisions(dec_path, stage=stage) if dec_path.exists() else None
    # Only the input pass reads files, so only it can meet (and count) bad records.
    if not job.plan.is_first:
        quarantine = None
    on_bad = quarantine.record if quarantine is not None else None
    try:
        for batch in _timed(_source_batches(job, on_bad), timer, job.plan.is_first):
            if quarantine is not None:
                quarantine.flush_into(stats[INPUT_STAGE])
            n_read = batch.num_rows
            nbytes = int(pc.sum(pc.binary_length(batch.column(inp.text_column))).as_py() or 0)
            batch = _run_batch(job, stages, batch, stats, sinks, decisions, timer)
            sinks.write_kept(batch)
            if progress is not None:
                progress(n_read, nbytes)
        if quarantine is not None:
            quarantine.flush_into(stats[INPUT_STAGE])
        for w in sinks.all():
            w.close()
    except BaseException:
        for w in sinks.all():
            w.abort()
        raise
    for w in sinks.all():
        w.commit()
    unit = job.unit
    sinks.rewrites.write(
        job.layout.rewrites_file(job.plan.index, job.shard.index, unit.index, unit.count)
    )
    return stats


def _timed(
    batches: Iterator[pa.RecordBatch], timer: StageTimer, is_input: bool
) -> Iterator[pa.RecordBatch]:
    """``batches``, the time to read and decode each one counted as the ``input`` stage's
    (the first pass only: later passes read their own intermediate files)."""
    while True:
        with timer.stage(INPUT_STAGE) if is_input else contextlib.nullcontext():
            batch = next(batches, None)
        if batch is None:
            return
        yield batch


def _run_batch(
    job: ShardJob,
    stages: list[Stage[Any]],
    batch: pa.RecordBatch,
    stats: dict[str, StageStats],
    sinks: _Sinks,
    decisions: Decisions | None,
    timer: StageTimer,
) -> pa.RecordBatch:
    inp = job.recipe.input
    common: dict[str, Any] = {"text_column": inp.text_column, "lang_column": LANG_COLUMN}
    if job.plan.is_first:
        with timer.stage(INPUT_STAGE):
            reasons = _input_reasons(batch, inp.text_column)
            batch = split_by_reason(
                INPUT_STAGE,
                batch,
                batch,
                reasons,
                annotate=False,
                stats=stats[INPUT_STAGE],
                removed_sink=sinks.removed_sink(INPUT_STAGE),
                **common,
            )
    if job.plan.apply_global is not None:
        g = stages[job.plan.apply_global]
        with timer.stage(g.name):
            batch = _apply_global(job, stages, g, batch, stats, sinks, decisions)
    for i in job.plan.batch_stages:
        stage = stages[i]
        assert isinstance(stage, BatchStage)
        if batch.num_rows == 0:
            break
        _require_columns(stage, batch, job.shard)
        with timer.stage(stage.name):
            out = _process(stage, batch, sinks)
            batch = split_by_reason(
                stage.name,
                batch,
                out.batch,
                out.reason,
                annotate=stage.ctx.annotate,
                stats=stats[stage.name],
                removed_sink=sinks.removed_sink(stage.name),
                **common,
            )
    if job.plan.observe_global is not None:
        g = stages[job.plan.observe_global]
        assert isinstance(g, GlobalStage)
        _require_columns(g, batch, job.shard)
        with timer.stage(g.name):
            obs = g.observe(batch)
            for col in INTERNAL_COLUMNS:
                obs = obs.append_column(col, batch.column(col))
            sinks.observe.write(obs)
            if sinks.shuffle is not None:
                sinks.shuffle.write(obs)
    return batch


def _apply_global(
    job: ShardJob,
    stages: list[Stage[Any]],
    g: Stage[Any],
    batch: pa.RecordBatch,
    stats: dict[str, StageStats],
    sinks: _Sinks,
    decisions: Decisions | None,
) -> pa.RecordBatch:
    """Apply the previous pass's global stage: its decisions, rewrite and copies."""
    inp = job.recipe.input
    if decisions is None:
        raise RuntimeError(f"decisions of stage {g.name} are missing for shard {job.shard.index}")
    after, reason, copies = decisions.apply(batch)
    if g.rewrites_text and isinstance(g, GlobalStage):
        after = g.rewrite(after)
        sinks.rewrites.record(g.name, batch, after, reason)
    kept = split_by_reason(
        g.name,
        batch,
        after,
        reason,
        annotate=g.ctx.annotate,
        stats=stats[g.name],
        removed_sink=sinks.removed_sink(g.name),
        text_column=inp.text_column,
        lang_column=LANG_COLUMN,
    )
    if copies is not None and not g.ctx.annotate:
        kept_copies = copies[~pc.is_valid(reason).to_numpy(zero_copy_only=False)]
        extra = int((np.maximum(kept_copies, 1) - 1).sum())
        if extra:
            sizes = text_bytes(kept, inp.text_column)
            stats[g.name].docs_added += extra
            stats[g.name].bytes_added += int(((np.maximum(kept_copies, 1) - 1) * sizes).sum())
            kept = replicate(kept, kept_copies, stage=g.name, allowed=_copies(g))
    return _label_copies(kept, stages, job)


def _copies(stage: Stage[Any]) -> bool:
    """Whether ``stage`` up-samples, so that documents after it carry copy columns."""
    return isinstance(stage, GlobalStage) and stage.may_copy() and not stage.ctx.annotate


def _label_copies(kept: pa.RecordBatch, stages: list[Stage[Any]], job: ShardJob) -> pa.RecordBatch:
    """After an up-sampling stage: ``repeat``, ``original_id`` and copy ids on every row."""
    index = job.plan.apply_global
    if index is None or not _copies(stages[index]):
        return kept
    first = not any(_copies(s) for s in stages[:index])
    return label_copies(kept, id_column=job.recipe.input.id_column, first=first)


def _process(stage: BatchStage[Any], batch: pa.RecordBatch, sinks: _Sinks) -> StageOutput:
    """The stage's output; a rewriting stage's changes are noted for the report."""
    out = stage.process(batch)
    if stage.rewrites_text:
        sinks.rewrites.record(stage.name, batch, out.batch, out.reason)
    return out


def _require_columns(stage: Stage[Any], batch: pa.RecordBatch, shard: Shard) -> None:
    for col in stage.required_columns():
        if col not in batch.schema.names:
            raise InputError(
                f"{shard.path}: stage {stage.name!r} needs column {col!r}, which is missing; "
                "add the stage that makes it earlier in the recipe or fix the input"
            )
