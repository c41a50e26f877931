"""Drive a recipe over the input shards: passes, global fits, stats, resume.

The driver never touches documents itself: it plans passes (see ``plan``) and
units (``io/units.py``), hands one job per unit of each shard to the executor,
calls each global stage's ``fit`` between passes, and merges the per-unit
completion records into ``stats.json``.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import logging
import os
import shutil
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.ipc as ipc
import pyarrow.parquet as pq

import dataprep
from dataprep.engine.accounting import RunStats, StageStats, merge
from dataprep.engine.executors.base import Executor, resolve_workers
from dataprep.engine.executors.local import LocalExecutor
from dataprep.engine.executors.pool import WorkerPool
from dataprep.engine.partitioned import (
    decisions_path,
    plan_partitions,
    run_partitioned_fit,
    shuffle_dir,
)
from dataprep.engine.plan import PassPlan, plan_passes
from dataprep.engine.progress import RunProgress, short_label
from dataprep.engine.quarantine import Quarantine
from dataprep.engine.remote import publish_files
from dataprep.engine.runlog import RunLog
from dataprep.engine.shard_pass import ShardJob, ShardResult
from dataprep.engine.timing import StageSeconds, Timeline, add, busy_summary, rounded
from dataprep.engine.unify import unify_output
from dataprep.errors import ConfigError, InputError, OutputError, ResumeError
from dataprep.io import storage
from dataprep.io.discover import Discovery, Shard, fingerprint, format_skipped, scan_inputs
from dataprep.io.preflight import preflight
from dataprep.io.readers import arrow_file_rows
from dataprep.io.units import Unit, plan_units, resolve_unit_bytes
from dataprep.io.writers import atomic_write_bytes
from dataprep.output.columns import (
    INPUT_STAGE,
    INTERNAL_COLUMNS,
    REASON_COL,
    REPEAT_COL,
    ROW_COL,
    SHARD_COL,
)
from dataprep.output.folder import (
    LOCK_NAME,
    OUTPUT_MARKER,
    OutputLock,
    check_inputs_outside,
    check_shards_outside,
    classify,
    clear_output,
    discard_own_files,
    empty_trash,
    is_own_part,
    load_record_for_resume,
    read_marked_record,
    remove_tree,
)
from dataprep.output.layout import Layout
from dataprep.output.stats_format import STATS_VERSION
from dataprep.recipe.config import Recipe
from dataprep.stages.base import GlobalStage, Stage
from dataprep.stages.build import make_stages

if TYPE_CHECKING:
    from dataprep.engine.remote import RemoteOutput


_LOG = logging.getLogger("dataprep.run")
Log = Callable[[str], None]


def _note(log: Log | None, message: str, level: int = logging.INFO) -> None:
    """A message to the ``dataprep`` logger (stderr, ``run.log``) and to ``log``."""
    _LOG.log(level, message)
    if log is not None:
        log(message)


@dataclass(frozen=True)
class RunResult:
    output: storage.AnyPath
    stats: RunStats
    fit_summaries: dict[str, Any]
    seconds: float


def _run_record(recipe: Recipe, shards: Sequence[Shard]) -> dict[str, Any]:
    inputs = [{"path": str(s.path), **fingerprint(s)} for s in shards]
    sizes = [i["size"] if isinstance(i["size"], int) else None for i in inputs]
    return {
        "recipe": recipe.to_dict(),
        "recipe_sha256": recipe.digest(),
        "recipe_source": recipe.source,
        OUTPUT_MARKER[0]: OUTPUT_MARKER[1],
        "inputs": inputs,
        "unit_bytes": resolve_unit_bytes(recipe.run.unit_bytes, sizes),
        "dataprep_version": dataprep.__version__,
        "python": sys.version.split()[0],
        "pyarrow": pa.__version__,
    }


#: What must match, per input file, for a run to be resumed (see ``io/fingerprint.py``).
_FINGERPRINT_KEYS = ("name", "size", "mtime_ns", "content")


def _same_inputs(old: dict[str, Any], new: dict[str, Any]) -> bool:
    """Every input's name, size, mtime and content fingerprint match (a record from a
    version without content fingerprints counts as changed: nothing proves otherwise)."""
    before, now = old.get("inputs", []), new["inputs"]
    if len(before) != len(now):
        return False
    return all(
        all(k in a and a[k] == b[k] for k in _FINGERPRINT_KEYS)
        for a, b in zip(before, now, strict=True)
    )


def _prepare_output(
    layout: Layout, record: dict[str, Any], *, overwrite: bool, resume: bool
) -> dict[str, Any] | None:
    """Check the (locked) output folder and start or resume a run in it.

    Returns the run record being resumed, or None for a fresh run. Only files that
    dataprep wrote are ever deleted (see :mod:`dataprep.output.folder`).
    """
    root = layout.root
    if resume and layout.run.exists():
        old = load_record_for_resume(layout)
        if old.get("recipe_sha256") != record["recipe_sha256"]:
            raise ResumeError(
                f"{root}: the recipe changed since this run started; "
                "rerun with --overwrite or use a new output folder"
            )
        if not _same_inputs(old, record):
            raise ResumeError(
                f"{root}: the input files changed since this run started; "
                "rerun with --overwrite or use a new output folder"
            )
        if old.get("unit_bytes", record["unit_bytes"]) != record["unit_bytes"]:
            raise ResumeError(
                f"{root}: run.unit_bytes changed since this run started "
                f"({old['unit_bytes']} -> {record['unit_bytes']}); the shards are cut into "
                "other units; rerun with --overwrite or resume with the old value"
            )
        return old
    contents = classify(root)
    leftovers = [p for p in contents.ours if p.name.endswith(".tmp") or p.name == LOCK_NAME]
    if contents.unknown or len(leftovers) < len(contents.ours):
        if not overwrite:
            raise OutputError(
                f"output folder {root} is not empty; pass --overwrite to replace it "
                "or --resume to continue an interrupted run"
            )
        if read_marked_record(layout) is None:
            raise OutputError(
                f"refusing to overwrite {root}: it does not look like a dataprep output folder "
                "(no run.json written by dataprep); move it away or use a new output folder"
            )
    clear_output(root)
    atomic_write_bytes(layout.run, json.dumps(record, indent=2, sort_keys=True).encode())
    return None


def _open_output(root: Path) -> bool:
    """Create the output folder when missing; True when this run created it."""
    if root.exists() and not root.is_dir():
        raise OutputError(f"output {root} is a file, not a folder; give a folder path")
    if root.is_dir():
        return False
    try:
        root.mkdir(parents=True)
    except FileExistsError:
        return False
    except OSError as e:
        raise OutputError(f"cannot create output folder {root}: {e.strerror}") from e
    return True


def _check_rebuildable(layout: Layout, plan: PassPlan, job: ShardJob) -> None:
    """Refuse, before deleting anything, to redo a shard whose pass inputs are gone.

    A shard that is not done in pass P is cleaned and rerun from pass P-1's
    survivors and the fit's decisions; if those are missing (an intermediate folder
    damaged by hand or by an older version), cleaning would delete committed output
    that can no longer be rebuilt.
    """
    if plan.is_first:
        return
    before = plan.index - 1
    shard = job.shard.index
    missing = None
    if not job.done_file(before).exists():
        missing = job.done_file(before)
    elif (
        plan.apply_global is not None
        and not (decisions := decisions_path(layout, before, shard, job.unit)).exists()
    ):
        survivors = layout.pass_data(before).glob(f"{job.prefix}-*.arrow")
        if any(arrow_file_rows(p) for p in survivors):
            missing = decisions
    if missing is not None:
        raise ResumeError(
            f"{layout.root}: cannot resume, {missing.relative_to(layout.root)} is missing; "
            "rerun with --overwrite"
        )


def _clean_unfinished(layout: Layout, plan: PassPlan, prefix: str, stage_names: list[str]) -> None:
    """Delete files a killed run left for a shard (or unit) that is not marked done.

    In ``_work/`` every match is ours; in ``data/`` and ``removed/`` only files named
    as dataprep names its parts are deleted, never a user's file that happens to
    share the prefix.
    """
    work = [layout.pass_data(plan.index), layout.pass_observe(plan.index)]
    work.append(shuffle_dir(layout, plan.index))
    public = [layout.removed_stage(n) for n in stage_names]
    if plan.is_last:
        public += [layout.data, layout.signals]
    for folder in [*work, *public]:
        for p in [*folder.glob(f"{prefix}-*"), *folder.glob(f".{prefix}-*.tmp")]:
            if folder in work or is_own_part(p):
                p.unlink()


def _fit(
    stage: GlobalStage[Any], layout: Layout, plan: PassPlan, shards: Sequence[Shard]
) -> dict[str, Any]:
    """Fit a global stage on all observations and write per-shard decisions.

    The driver gathers the decisions (internal ids, reason, a few signal columns:
    about 40 bytes per document) to sort them by document and split them by shard,
    on top of the stage's own stated memory in ``fit``.
    """
    done = layout.fit_done(plan.index)
    if done.exists():
        summary: dict[str, Any] = json.loads(done.read_text())
        return summary
    obs_files = sorted(layout.pass_observe(plan.index).glob("part-*.arrow"))
    n_observed = sum(arrow_file_rows(path) for path in obs_files)
    done.parent.mkdir(parents=True, exist_ok=True)
    if n_observed == 0:
        # Nothing survived to this stage: there is nothing to decide.
        atomic_write_bytes(done, b"{}")
        return {}
    workdir = layout.pass_dir(plan.index) / "fit"
    workdir.mkdir(parents=True, exist_ok=True)
    batches = [b for b in stage.fit(obs_files, workdir) if b.num_rows]
    table = pa.Table.from_batches(batches) if batches else None
    n_decided = table.num_rows if table is not None else 0
    if n_decided != n_observed:
        raise RuntimeError(f"stage {stage.name}: {n_decided} decisions for {n_observed} documents")
    out_dir = layout.pass_decisions(plan.index)
    out_dir.mkdir(parents=True, exist_ok=True)
    if table is not None:
        if REASON_COL not in table.column_names:
            raise RuntimeError(f"stage {stage.name}: decisions lack a 'reason' column")
        table = table.sort_by(
            [(SHARD_COL, "ascending"), (ROW_COL, "ascending"), (REPEAT_COL, "ascending")]
        )
        shard_ids = table.column(SHARD_COL)
        for s in shards:
            part = table.filter(pc.equal(shard_ids, s.index))
            if part.num_rows:
                _write_arrow(layout.decisions_file(plan.index, s.index), part)
    shutil.rmtree(workdir, ignore_errors=True)
    # Returned as it will be read back on --resume (JSON, key order kept), so that
    # stats.json is byte-identical whether or not the fit was resumed.
    text = json.dumps(stage.fit_summary(), default=str)
    atomic_write_bytes(done, text.encode())
    return dict(json.loads(text))


def _write_arrow(path: Path, table: pa.Table) -> None:
    """Write ``table`` as ``path`` atomically; an interruption (SIGTERM, Ctrl-C, a full
    disk) removes the temporary file, so a stopped run leaves no ``.tmp`` behind."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        with ipc.new_file(str(tmp), table.schema) as w:
            w.write_table(table)
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


#: What the passes give: stats, fit summaries, the content of stats.json.
_Result = tuple[RunStats, dict[str, Any], dict[str, Any]]
#: Builds named report parts (``Executor.map_report``).
PartsRunner = Callable[[Path, list[str]], list[Any]]

#: Completion records of the units run by this invocation, by (pass, shard, unit) index.
Finished = dict[tuple[int, int, int], ShardResult]
#: The units of every shard, by shard index (planned once per run, from metadata).
Units = dict[int, tuple[Unit, ...]]


def _record(
    layout: Layout, finished: Finished, pass_index: int, shard: Shard, unit: Unit
) -> ShardResult:
    """A unit's completion record for a pass: as its worker returned it in this run,
    else from the done file an earlier (resumed) run wrote."""
    result = finished.get((pass_index, shard.index, unit.index))
    if result is not None:
        return result
    path = layout.done_file(pass_index, shard.index, unit.index, unit.count)
    return ShardResult.from_json(path.read_bytes())


def _merge_stats(
    layout: Layout,
    passes: Sequence[PassPlan],
    stages: Sequence[Stage[Any]],
    shards: Sequence[Shard],
    units: Units,
    finished: Finished,
    seconds: StageSeconds,
) -> RunStats:
    """Stats of every unit and pass, in stage order (``input`` first); each unit's
    seconds per stage are added into ``seconds``."""
    total: RunStats = {INPUT_STAGE: StageStats()}
    for stage in stages:
        total[stage.name] = StageStats()
    for plan in passes:
        for s in shards:
            for u in units[s.index]:
                record = _record(layout, finished, plan.index, s, u)
                merge(total, record.stages)
                add(seconds, record.seconds)
    for name, counts in total.items():
        counts.check(name)
    return total


def _quarantined(
    layout: Layout, shards: Sequence[Shard], units: Units, finished: Finished
) -> list[dict[str, object]]:
    """Records and files set aside in quarantine mode, in shard order (at most
    ``Quarantine.LIMIT`` listed per shard, however many units it was cut into)."""
    entries: list[dict[str, object]] = []
    for s in shards:
        own: list[dict[str, object]] = []
        for u in units[s.index]:
            own.extend(_record(layout, finished, 0, s, u).quarantine)
        entries.extend(own[: Quarantine.LIMIT])
    return entries


def _skipped_entries(discovery: Discovery) -> list[dict[str, str]]:
    """Files under the inputs that were not read, and why (paths relative to the
    inputs' common folder, so stats.json holds no absolute path)."""
    if not discovery.shards:
        return []
    base = os.path.commonpath([storage.key_of(s.path.parent) for s in discovery.shards])
    entries = []
    for skipped in discovery.skipped:
        rel = os.path.relpath(storage.key_of(skipped.path), base)
        name = skipped.path.name if rel.startswith("..") else Path(rel).as_posix()
        entries.append({"path": name, "reason": skipped.reason})
    return entries


def stats_document(
    recipe: Recipe,
    shards: Sequence[Shard],
    stats: RunStats,
    fits: dict[str, Any],
    stages: Sequence[Stage[Any]] = (),
) -> dict[str, Any]:
    """The content of ``stats.json``: deterministic (no times, no absolute paths)."""
    first = stats[INPUT_STAGE]
    last_out = first.docs_kept
    for name, st in stats.items():
        if name != INPUT_STAGE:
            last_out = st.docs_kept + st.docs_added
    return {
        "version": STATS_VERSION,
        "recipe": recipe.name,
        "recipe_sha256": recipe.digest(),
        "input_files": [s.name for s in shards],
        "docs_read": first.docs_in,
        "docs_out": last_out,
        "stages": {name: st.to_dict() for name, st in stats.items()},
        "global_stages": fits,
        "stage_info": {
            st.name: {
                "stage": st.registered_name,
                "kind": st.kind,
                "annotate": st.ctx.annotate,
                "thresholds": _jsonable(st.thresholds()),
            }
            for st in stages
        },
    }


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


def run_pipeline(
    recipe: Recipe,
    inputs: Sequence[str],
    output: str | Path,
    *,
    workers: int | None = None,
    overwrite: bool = False,
    resume: bool = False,
    progress: bool = True,
    keep_work: bool = False,
    log: Callable[[str], None] | None = None,
    executor: str = "local",
    ray_address: str | None = None,
    pool: WorkerPool | None = None,
    work_dir: str | Path | None = None,
    _mirror: RemoteOutput | None = None,
) -> RunResult:
    """Run ``recipe`` over ``inputs`` into ``output``; see the README for the layout.

    ``output`` may be a URL (``s3://bucket/clean``): the run then works in a local
    staging folder (``work_dir``) and publishes to the store (``engine/remote.py``).

    ``pool``: local workers started early by the caller. The local executor claims
    it when it has enough processes for the run and then closes it; otherwise it is
    closed at once (:meth:`WorkerPool.claim`). The caller closes it only if the run
    never got that far (``with pool:``; closing is idempotent).
    """
    from dataprep.engine.remote import configure_storage, run_remote

    configure_storage(recipe)
    if storage.is_remote(str(output)) and _mirror is None:
        args: dict[str, Any] = dict(workers=workers, overwrite=overwrite, resume=resume)
        args.update(progress=progress, keep_work=keep_work, log=log)
        args.update(executor=executor, ray_address=ray_address)
        return run_remote(run_pipeline, recipe, inputs, str(output), work_dir, args, pool)
    started = time.monotonic()
    timeline = Timeline()
    root = Path(output).resolve()
    check_inputs_outside(root, [str(i) for i in inputs])
    excluded: list[Path | storage.ObjectPath] = [root, Path(os.path.abspath(output))]
    discovery = scan_inputs(
        inputs, format=recipe.input.format, exclude=[*excluded, *([_mirror.url] if _mirror else [])]
    )
    shards = discovery.shards
    if discovery.skipped:
        _note(log, format_skipped(discovery.skipped), logging.WARNING)
    check_shards_outside(root, [s.path for s in shards])
    stages = make_stages(recipe)
    for st in stages:
        if st.name in (INPUT_STAGE,) or st.name.startswith(("_", ".")):
            raise ConfigError(f"stage name {st.name!r} is reserved; choose another 'name'")
    preflight(
        shards,
        recipe.input.text_column,
        quarantine=recipe.input.on_error == "quarantine",
        id_column=recipe.input.id_column,
        columns=recipe.output.columns,
    )
    layout = Layout(root)
    record = _run_record(recipe, shards)
    created = _open_output(root)
    lock = OutputLock(root).acquire()
    resumed: dict[str, Any] | None = None
    try:
        resumed = _prepare_output(layout, record, overwrite=overwrite, resume=resume)
        with RunLog(layout.run_log, append=resumed is not None):
            if _mirror is not None:
                _mirror.publish_record(layout)
            if resumed is not None and resumed.get("finished"):
                done = _already_finished(layout, resumed, log, started)
                if _mirror is not None:
                    _mirror.finish(layout)
                return done
            _note(log, f"recipe {recipe.name}: {len(shards)} input files -> {root}")

            finish = functools.partial(
                _finish_run,
                layout,
                record,
                keep_work=keep_work,
                log=log,
                timeline=timeline,
                skipped=_skipped_entries(discovery),
                started=started,
            )
            result = _run_passes(
                recipe,
                shards,
                stages,
                layout,
                record,
                workers,
                progress,
                (executor, ray_address, pool),
                log,
                str(_mirror.url) if _mirror is not None else None,
                (timeline, finish),
            )
            # once more, with the whole timeline (the workers stop after the report)
            record["timing"]["phases"] = timeline.close()
            atomic_write_bytes(layout.run, json.dumps(record, indent=2, sort_keys=True).encode())
            _note(log, f"finished in {record['seconds']:.1f} s: {root}")
            if _mirror is not None:
                _mirror.finish(layout)
    except (ConfigError, InputError):
        # A user mistake: leave nothing of ours behind (a later --resume could not help).
        if resumed is None:
            discard_own_files(root)
        raise
    finally:
        lock.release()
        if created and resumed is None and not any(root.iterdir()):
            root.rmdir()
    stats, fits, _ = result
    return RunResult(layout.root, stats, fits, record["seconds"])


def _run_passes(
    recipe: Recipe,
    shards: Sequence[Shard],
    stages: Sequence[Stage[Any]],
    layout: Layout,
    record: dict[str, Any],
    workers: int | None,
    progress: bool,
    executor_args: tuple[str, str | None, WorkerPool | None],
    log: Callable[[str], None] | None,
    mirror: str | None,
    finishing: tuple[Timeline, Callable[[Executor, _Result], None]],
) -> _Result:
    """Every pass and fit (each skipped when already done); stats, fit summaries, stats.json.

    Seconds per stage (summed over workers) and per fit go to ``record["timing"]``
    (``run.json``), never to stats.json (``engine/timing.py``); so do the phases of
    the timeline. ``finish`` commits the results while the workers are still up (the
    report's parts are built on them).
    """
    timeline, finish = finishing
    passes = plan_partitions(plan_passes([s.kind for s in stages]), stages, shards)
    fits: dict[str, Any] = {}
    fit_seconds: dict[str, float] = {}
    bar = RunProgress(len(passes), enabled=progress)
    finished: Finished = {}
    executor, ray_address, pool = executor_args
    modules = sorted({type(s).__module__ for s in stages})
    units: Units = {
        s.index: plan_units(
            s,
            record["unit_bytes"],
            batch_size=recipe.run.batch_size,
            text_column=recipe.input.text_column,
        )
        for s in shards
    }
    n_jobs = sum(len(u) for u in units.values())
    n_workers = resolve_workers(workers, recipe.run.workers, n_jobs, executor)
    timeline.mark("start workers")
    with make_executor(executor, n_workers, modules, ray_address, pool) as ex:
        n_workers = ex.workers
        jobs = [
            ShardJob(recipe=recipe, plan=plan, shard=s, layout=layout, unit=u, mirror=mirror)
            for plan in passes[:1]
            for s in shards
            for u in units[s.index]
        ]
        for plan in passes:
            pass_jobs = [dataclasses.replace(j, plan=plan) for j in jobs]
            timeline.mark(f"pass {plan.index + 1}")
            start = timeline.now()
            ran = _run_pass(ex, plan, pass_jobs, stages, layout, bar, log)
            busy = [r.busy for r in ran.values() if r.busy]
            timeline.note(**busy_summary(busy, n_workers, timeline.now() - start))
            finished.update(((plan.index, *k), r) for k, r in ran.items())
            if plan.observe_global is not None:
                g = stages[plan.observe_global]
                assert isinstance(g, GlobalStage)
                timeline.mark(f"fit {g.name}")
                fits[g.name] = _timed_fit(
                    ex, recipe, plan, g, layout, shards, units, fit_seconds, log
                )
        timeline.mark("merge")
        rewritten = unify_output(layout, shards, recipe.output)
        if mirror is not None:
            publish_files(layout, mirror, rewritten)
        seconds: StageSeconds = {}
        stats = _merge_stats(layout, passes, stages, shards, units, finished, seconds)
        doc = stats_document(recipe, shards, stats, fits, stages)
        doc["quarantine"] = _quarantined(layout, shards, units, finished)
        record["workers"] = n_workers
        record["timing"] = {"stages": rounded(seconds), "fits": fit_seconds}
        spent = ", ".join(
            f"{n} {seconds[n]['cpu_seconds']:.1f}/{seconds[n]['wall_seconds']:.1f}"
            for n in stats
            if n in seconds
        )
        _note(log, f"seconds per stage, CPU/wall summed over workers: {spent}")
        timeline.mark("write stats")
        finish(ex, (stats, fits, doc))
        timeline.mark("stop workers")
    timeline.close()
    return stats, fits, doc


def _timed_fit(
    ex: Executor,
    recipe: Recipe,
    plan: PassPlan,
    g: GlobalStage[Any],
    layout: Layout,
    shards: Sequence[Shard],
    units: Units,
    fit_seconds: dict[str, float],
    log: Log | None,
) -> dict[str, Any]:
    """Fit ``g`` (partitioned or not) and log and record its wall seconds; a fit an
    earlier run finished is read back and not timed."""
    done_before = layout.fit_done(plan.index).exists()
    started = time.monotonic()
    if not done_before:
        _note(log, f"fitting {g.name} on {len(shards)} shards")
    assert plan.observe_global is not None
    if g.partitioned:
        say = functools.partial(_note, log)
        summary = run_partitioned_fit(
            ex, recipe, plan.observe_global, g, layout, plan, shards, units, say
        )
    else:
        summary = _fit(g, layout, plan, shards)
    if done_before:
        g.restore_fit(summary)
    else:
        fit_seconds[g.name] = round(time.monotonic() - started, 3)
        _note(log, f"fit {g.name}: {fit_seconds[g.name]:.1f} s")
    return summary


def _finish_run(
    layout: Layout,
    record: dict[str, Any],
    ex: Executor,
    result: _Result,
    *,
    keep_work: bool,
    log: Callable[[str], None] | None,
    timeline: Timeline,
    skipped: list[dict[str, str]],
    started: float,
) -> None:
    """Commit a run's results; every step can be interrupted and resumed.

    stats.json first, then the run record marked finished (from then on
    ``--resume`` is a no-op that only completes the steps below), the reports, and
    last ``_work/``, renamed to a trash name before it is deleted so that an
    interruption never leaves half of it under its real name. With more than one
    worker the report's costly parts are built on ``ex``'s workers.
    """
    doc = result[2]
    doc["skipped_inputs"] = skipped
    record["seconds"] = round(time.monotonic() - started, 3)
    atomic_write_bytes(layout.stats, (json.dumps(doc, indent=2, sort_keys=False) + "\n").encode())
    record["finished"] = True
    record["keep_work"] = keep_work
    atomic_write_bytes(layout.run, json.dumps(record, indent=2, sort_keys=True).encode())
    # Local workers exit (~0.1-0.3 s each, the interpreter's teardown) as soon as their
    # last job, the report's parts, is done: while the driver renders the report and
    # deletes _work/. Closing again is a no-op.
    stopping = threading.Thread(target=ex.close, name="dataprep-stop-workers")
    local = isinstance(ex, LocalExecutor)

    def parts_then_stop(root: Path, names: list[str]) -> list[Any]:
        try:
            return ex.map_report(root, names)
        finally:
            if local:
                stopping.start()

    timeline.mark("report")
    _write_reports(layout.root, log, parts_then_stop if ex.workers > 1 else None)
    timeline.mark("clean up")
    if local and stopping.ident is None:
        stopping.start()
    try:
        if not keep_work and layout.work.exists():
            remove_tree(layout.work)
    finally:
        if stopping.ident is not None:  # started
            stopping.join()


def _already_finished(
    layout: Layout, record: dict[str, Any], log: Callable[[str], None] | None, started: float
) -> RunResult:
    """Resume of a finished run: complete what an interrupted end left (reports,
    ``_work/`` and trash), touch no data file, and return the recorded results."""
    if not (layout.root / "report.json").exists() or not (layout.root / "report.html").exists():
        _write_reports(layout.root, log)
    if not record.get("keep_work", False) and layout.work.exists():
        remove_tree(layout.work)
    empty_trash(layout.root)
    try:
        doc = json.loads(layout.stats.read_text())
        done = {k: StageStats.from_dict(v) for k, v in doc["stages"].items()}
    except (OSError, ValueError, KeyError) as e:
        raise ResumeError(
            f"{layout.stats} of a finished run is missing or invalid; rerun with --overwrite"
        ) from e
    return RunResult(layout.root, done, doc["global_stages"], time.monotonic() - started)


def _write_reports(
    root: Path, log: Callable[[str], None] | None, run_parts: PartsRunner | None = None
) -> None:
    """report.json and report.html, when the report module is installed.

    The data and stats are committed by then: a report that cannot be built is a
    warning (rebuild it later with ``dataprep report``), not a failed run.
    """
    try:
        from dataprep.report.build import write_reports
    except ModuleNotFoundError:
        return
    try:
        write_reports(root, run_parts)
    except Exception as e:  # reported below; the run's data is safe
        message = f"warning: could not build the report ({type(e).__name__}: {e}); "
        message += f"the data is complete; retry with 'dataprep report {root}'"
        _note(log, message, logging.WARNING)


def make_executor(
    kind: str,
    workers: int,
    stage_modules: Sequence[str],
    ray_address: str | None,
    pool: WorkerPool | None = None,
) -> Executor:
    """The executor that runs shard jobs: ``local`` processes or a ``ray`` cluster.

    ``workers`` comes from :func:`resolve_workers`; ``pool`` (local workers started
    early) goes to the local executor, which uses it or closes it at once.
    """
    if kind == "local":
        return LocalExecutor(workers, stage_modules, pool)
    if pool is not None:
        pool.claim(0)  # Ray runs no local worker: the pool is stopped at once
    if kind == "ray":
        from dataprep.engine.executors.ray import RayExecutor, import_ray

        import_ray()  # a one-line ConfigError when Ray is not installed
        return RayExecutor(workers, stage_modules, address=ray_address)
    raise ConfigError(f"unknown executor {kind!r}; use 'local' or 'ray'")


def _pass_total(layout: Layout, plan: PassPlan, jobs: Sequence[ShardJob]) -> int | None:
    """Documents the pass will read, when known cheaply (file metadata); else None."""
    total = 0
    for job in jobs:
        s = job.shard
        if plan.is_first:
            if s.format != "parquet":
                return None
            whole = job.unit.whole
            n = pq.read_metadata(storage.arrow_input(s.path)).num_rows if whole else job.unit.rows
            total += n or 0
        else:
            folder = layout.pass_data(plan.index - 1)
            total += sum(arrow_file_rows(p) for p in folder.glob(f"{job.prefix}-*.arrow"))
    return total


def _run_pass(
    ex: Executor,
    plan: PassPlan,
    jobs: Sequence[ShardJob],
    stages: Sequence[Stage[Any]],
    layout: Layout,
    bar: RunProgress,
    log: Log | None,
) -> dict[tuple[int, int], ShardResult]:
    """Run the pass's jobs (one per unit) not done yet; their completion records by
    (shard, unit) index."""
    names = [stages[i].name for i in plan.stage_indexes()]
    if plan.is_first:
        names = [INPUT_STAGE, *names]
    todo = []
    for job in jobs:
        if job.done_file(plan.index).exists():
            continue
        _check_rebuildable(layout, plan, job)
        _clean_unfinished(layout, plan, job.prefix, names)
        todo.append(job)
    where = f"pass {plan.index + 1}/{bar.n_passes}"
    if not todo:
        _note(log, f"{where}: done in an earlier run")
        return {}
    observe = stages[plan.observe_global].name if plan.observe_global is not None else None
    ran = [n for n in names if n not in (INPUT_STAGE, observe)]
    total = _pass_total(layout, plan, todo) if bar.enabled else None
    what = ", ".join(ran) or "read"
    what += f"; observe {observe}" if observe is not None else ""
    size = f", {total:,} documents" if total is not None else ""
    _note(log, f"{where}: {what} ({len(todo)} units{size})")
    bar.start_pass(plan.index, short_label(ran, observe), total)
    try:
        results = ex.map(todo, bar.update)
    finally:
        seconds = bar.end_pass()
    _note(log, f"{where} done: {bar.docs:,} documents in {seconds:.1f} s")
    return {(job.shard.index, job.unit.index): r for job, r in zip(todo, results, strict=True)}


__all__ = ["INTERNAL_COLUMNS", "RunResult", "make_stages", "run_pipeline", "stats_document"]
