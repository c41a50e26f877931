"""The engine's side of partitioned fits (``stages/fit.py``): shuffle sinks, tasks, runner.

* :func:`plan_partitions` fixes, before any pass runs, how many partitions each
  partitioned global stage's shuffle has. It depends only on the inputs' total size
  (one partition per :data:`INPUT_BYTES_PER_PARTITION`, at least
  :data:`MIN_PARTITIONS`), never on the worker count, so a run resumed with
  another ``-j`` or executor reads the same shuffle files.
* :class:`ShuffleSink` is the worker's writer of a unit's shuffle file, committed
  with the unit's other files (``shard_pass``).
* :func:`run_partitioned_fit` runs the stage's ``fit_partitioned`` on the driver
  with an :class:`EngineFitRunner`, whose ``map`` sends :class:`FitTask` s to the
  executor. Each task writes a completion record ``_tasks/STEP/IIIII.json`` (its
  result); a resumed fit reruns only tasks without one, and driver steps run
  through ``once`` are remembered the same way. The decisions are written per
  work unit, so the apply pass of a unit reads only its own file
  (:func:`decisions_path`).
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from dataprep.engine.plan import PassPlan
from dataprep.errors import InputError
from dataprep.io import storage
from dataprep.io.discover import Shard
from dataprep.io.readers import arrow_file_rows
from dataprep.io.shuffle import ShuffleWriter
from dataprep.io.units import Unit
from dataprep.io.writers import atomic_write_bytes
from dataprep.output.layout import Layout, part_prefix, unit_stem
from dataprep.recipe.config import Recipe
from dataprep.stages.base import GlobalStage, Stage
from dataprep.stages.fit import LOCAL_ROW_COL, FitEnv, FitRunner

if TYPE_CHECKING:
    from dataprep.engine.executors.base import Executor
    from dataprep.engine.shard_pass import ShardJob

#: Input bytes per shuffle partition (a 4 KB document sends ~300 B of MinHash band
#: rows, so a partition holds ~20 MB of shuffle rows per 256 MB of input).
INPUT_BYTES_PER_PARTITION = 256 * 1024 * 1024
#: Fewest partitions: enough tasks to keep a few workers busy on a small corpus.
MIN_PARTITIONS = 4
#: Most partitions (tasks per step).
MAX_PARTITIONS = 4096


def plan_partitions(
    passes: Sequence[PassPlan], stages: Sequence[Stage[Any]], shards: Sequence[Shard]
) -> list[PassPlan]:
    """The passes, with ``partitions`` set on those observing a partitioned stage."""
    total = sum(_input_bytes(s) for s in shards)
    count = min(MAX_PARTITIONS, max(MIN_PARTITIONS, -(-total // INPUT_BYTES_PER_PARTITION)))
    out = []
    for plan in passes:
        g = stages[plan.observe_global] if plan.observe_global is not None else None
        if isinstance(g, GlobalStage) and g.partitioned:
            plan = dataclasses.replace(plan, partitions=count)
        out.append(plan)
    return out


def _input_bytes(shard: Shard) -> int:
    """The shard's size, or 0 when it cannot be listed (it is quarantined when read)."""
    try:
        return storage.info(shard.path).size
    except (OSError, InputError):
        return 0


def shuffle_dir(layout: Layout, pass_index: int) -> Path:
    """Where the units of pass ``pass_index`` write their shuffle files."""
    return layout.pass_dir(pass_index) / "shuffle"


def shuffle_file(layout: Layout, pass_index: int, shard: int, unit: Unit) -> Path:
    return shuffle_dir(layout, pass_index) / f"{part_prefix(shard, unit.index, unit.count)}-x.arrow"


def unit_decisions_file(layout: Layout, pass_index: int, shard: int, unit: Unit) -> Path:
    """A unit's decision file (``SSSSS.arrow`` for a shard read as one unit)."""
    return layout.pass_decisions(pass_index) / f"{unit_stem(shard, unit.index, unit.count)}.arrow"


def decisions_path(layout: Layout, pass_index: int, shard: int, unit: Unit) -> Path:
    """The decisions a unit's apply pass reads: its own file when the fit wrote one
    per unit, else its shard's (a fit on the driver writes one per shard)."""
    own = unit_decisions_file(layout, pass_index, shard, unit)
    return own if own.exists() else layout.decisions_file(pass_index, shard)


class ShuffleSink:
    """A unit's shuffle file for a partitioned stage; same methods as a PartWriter."""

    def __init__(self, job: ShardJob, stage: GlobalStage[Any]) -> None:
        self.stage = stage
        path = shuffle_file(job.layout, job.plan.index, job.shard.index, job.unit)
        self.writer = ShuffleWriter(path, job.plan.partitions)
        self.observed = 0

    def write(self, observations: pa.RecordBatch) -> None:
        sent = self.stage.shuffle(observations)
        local = (self.observed + np.asarray(sent.rows, dtype=np.int64)).astype(np.int64)
        cols = sent.columns.append_column(LOCAL_ROW_COL, pa.array(local, type=pa.int64()))
        parts = np.asarray(sent.hashes, dtype=np.uint64) % np.uint64(self.writer.num_partitions)
        self.writer.write(parts, cols)
        self.observed += observations.num_rows

    def close(self) -> None:
        self.writer.close()

    def commit(self) -> None:
        self.writer.commit()

    def abort(self) -> None:
        self.writer.abort()


def shuffle_sink(job: ShardJob, stages: Sequence[Stage[Any]]) -> ShuffleSink | None:
    """The job's shuffle sink when its pass observes a partitioned stage."""
    if job.plan.observe_global is None or job.plan.partitions < 1:
        return None
    stage = stages[job.plan.observe_global]
    if not isinstance(stage, GlobalStage) or not stage.partitioned:
        return None
    return ShuffleSink(job, stage)


@dataclass(frozen=True)
class FitTask:
    """One task of a partitioned fit, as sent to a worker (picklable)."""

    recipe: Recipe
    stage_index: int
    step: str
    index: int
    params: dict[str, Any]
    env: FitEnv
    done: Path


def run_fit_task(task: FitTask) -> dict[str, Any]:
    """Run one fit task in a worker and record it as done (its result, as JSON)."""
    from dataprep.engine.shard_pass import build_stages

    stage = build_stages(task.recipe)[task.stage_index]
    if not isinstance(stage, GlobalStage):
        raise TypeError(f"stage {stage.name} is not a global stage")
    result = stage.fit_task(task.step, task.index, task.params, task.env)
    text = json.dumps(result, sort_keys=True)
    task.done.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(task.done, text.encode())
    return dict(json.loads(text))


class EngineFitRunner(FitRunner):
    """Runs a stage's fit tasks on the run's executor, skipping those already done."""

    def __init__(
        self,
        ex: Executor,
        recipe: Recipe,
        stage_index: int,
        env: FitEnv,
        log: Callable[[str], None] | None = None,
    ) -> None:
        self.ex = ex
        self.recipe = recipe
        self.stage_index = stage_index
        self.env = env
        self.log = log

    def _done(self, step: str) -> Path:
        return self.env.workdir / "_tasks" / step

    def map(
        self, step: str, count: int, params: Mapping[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        folder = self._done(step)
        results: list[dict[str, Any] | None] = [None] * count
        todo: list[FitTask] = []
        for i in range(count):
            done = folder / f"{i:05d}.json"
            if done.exists():
                results[i] = json.loads(done.read_text())
            else:
                task = FitTask(
                    self.recipe, self.stage_index, step, i, dict(params or {}), self.env, done
                )
                todo.append(task)
        if todo:
            if self.log:
                self.log(f"  fit step {step}: {len(todo)} tasks on {self.ex.workers} workers")
            for task, result in zip(todo, self.ex.map_tasks(todo), strict=True):
                results[task.index] = result
        return [r for r in results if r is not None]

    def once(self, step: str, fn: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        done = self.env.workdir / "_tasks" / f"{step}.json"
        if done.exists():
            return dict(json.loads(done.read_text()))
        text = json.dumps(fn(), sort_keys=True)
        done.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(done, text.encode())
        return dict(json.loads(text))


def fit_env(
    layout: Layout,
    plan: PassPlan,
    shards: Sequence[Shard],
    units: Mapping[int, Sequence[Unit]],
) -> FitEnv:
    """The units' observation, shuffle and decision files, in input order, and offsets."""
    observations: list[Path | None] = []
    shuffles: list[Path] = []
    decisions: list[Path] = []
    offsets = [0]
    folder = layout.pass_observe(plan.index)
    for s in shards:
        for u in units[s.index]:
            files = sorted(folder.glob(f"{part_prefix(s.index, u.index, u.count)}-*.arrow"))
            if len(files) > 1:
                raise RuntimeError(f"unit {files[0].name}: {len(files)} observation files")
            rows = arrow_file_rows(files[0]) if files else 0
            observations.append(files[0] if rows else None)
            shuffles.append(shuffle_file(layout, plan.index, s.index, u))
            decisions.append(unit_decisions_file(layout, plan.index, s.index, u))
            offsets.append(offsets[-1] + rows)
    return FitEnv(
        workdir=layout.pass_dir(plan.index) / "fit",
        observations=tuple(observations),
        shuffles=tuple(shuffles),
        offsets=tuple(offsets),
        decisions=tuple(decisions),
        partitions=plan.partitions,
    )


def run_partitioned_fit(
    ex: Executor,
    recipe: Recipe,
    stage_index: int,
    stage: GlobalStage[Any],
    layout: Layout,
    plan: PassPlan,
    shards: Sequence[Shard],
    units: Mapping[int, Sequence[Unit]],
    log: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Fit ``stage`` partition by partition; its summary (as read back on --resume)."""
    done = layout.fit_done(plan.index)
    if done.exists():
        summary: dict[str, Any] = json.loads(done.read_text())
        return summary
    env = fit_env(layout, plan, shards, units)
    done.parent.mkdir(parents=True, exist_ok=True)
    if env.documents == 0:
        atomic_write_bytes(done, b"{}")
        return {}
    env.workdir.mkdir(parents=True, exist_ok=True)
    stage.fit_partitioned(EngineFitRunner(ex, recipe, stage_index, env, log))
    for obs, dec, lo, hi in zip(
        env.observations, env.decisions, env.offsets[:-1], env.offsets[1:], strict=True
    ):
        n = arrow_file_rows(dec) if dec.exists() else 0
        if obs is not None and n != hi - lo:
            raise RuntimeError(f"stage {stage.name}: {n} decisions for {hi - lo} documents")
    text = json.dumps(stage.fit_summary(), default=str)
    atomic_write_bytes(done, text.encode())
    shutil.rmtree(env.workdir, ignore_errors=True)
    return dict(json.loads(text))
