"""Runs whose output is in an object store (``-o s3://bucket/clean``).

The run itself is a local run in a staging folder (see ``io/remote_output.py`` for
why and for the guarantees); this module takes the remote lock, checks the remote
folder as ``driver._prepare_output`` checks a local one (not empty without
``--overwrite``; only dataprep's own objects are ever deleted), publishes each
unit's parts before its completion record (:func:`publish_unit`, called by the
worker) and the records and reports at the end (:meth:`RemoteOutput.finish`).
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dataprep.errors import ConfigError, InputError, OutputError
from dataprep.io import storage
from dataprep.io.remote_output import RemoteFolder, RemoteLock, staging_folder
from dataprep.io.storage import ObjectPath
from dataprep.output.folder import LOCK_NAME, OUTPUT_MARKER, classify_names, is_own_part
from dataprep.output.layout import Layout
from dataprep.recipe.config import Recipe

if TYPE_CHECKING:
    from dataprep.engine.driver import RunResult

#: Files published when a run ends, in this order: ``run.json`` marked finished only
#: after ``stats.json``; the reports, then the run's log (up to that point) last (a
#: missing report is rebuilt by a resume).
_FINAL_FILES = ("stats.json", "run.json", "report.json", "report.html", "run.log")


@dataclass
class RemoteOutput:
    """A run's remote output folder and the local folder the run works in."""

    folder: RemoteFolder
    staging: Path

    @property
    def url(self) -> ObjectPath:
        return self.folder.root

    def check_inputs(self, inputs: Sequence[str]) -> None:
        """Refuse an input at or under the output folder."""
        root = self.url
        for item in inputs:
            if not storage.is_remote(item):
                continue
            path = ObjectPath.parse(item.split("*", 1)[0].split("?", 1)[0].split("[", 1)[0])
            if path == root or root in path.parents:
                raise OutputError(
                    f"input {item} is inside the output folder {root}; "
                    "write the output to another folder"
                )

    def prepare(self, *, overwrite: bool, resume: bool) -> dict[str, Any] | None:
        """Check the remote folder before a run. Returns the remote ``run.json`` of a
        finished run being resumed (nothing left to do), else None.

        On ``--resume`` the remote ``run.json`` is copied into an empty staging folder
        (the local scratch was lost) so that the resume checks recipe and inputs;
        every unit is then redone, to the same bytes.
        """
        storage.abort_uploads(self.url)  # parts of uploads cut short by a killed run
        names = [n for n in self.folder.list() if n != LOCK_NAME]
        ours, unknown = classify_names(names)
        record = _marked(self.folder.read("run.json")) if "run.json" in names else None
        if resume and record is not None:
            if record.get("finished"):
                return record
            local = self.staging / "run.json"
            if not local.exists():
                self.staging.mkdir(parents=True, exist_ok=True)
                local.write_bytes(json.dumps(record).encode())
            return None
        if names and not overwrite:
            raise OutputError(
                f"output folder {self.url} is not empty; pass --overwrite to replace it "
                "or --resume to continue an interrupted run"
            )
        if names and (record is None or unknown):
            shown = ", ".join(unknown[:3]) or "no run.json written by dataprep"
            raise OutputError(
                f"refusing to overwrite {self.url}: it holds objects dataprep did not write "
                f"({shown}); move them away or use a new output folder"
            )
        self.folder.delete([n for n in ours if n != "run.json"])
        self.folder.delete(["run.json"])
        return None

    def publish_record(self, layout: Layout) -> None:
        """Upload ``run.json`` (the marker that makes the remote folder dataprep's)."""
        self.folder.publish(layout.root, [layout.run])

    def finish(self, layout: Layout) -> None:
        """Delete parts left by units that were redone elsewhere (not in the staging
        folder), then publish the final records and the reports."""
        local = {
            p.relative_to(layout.root).as_posix()
            for folder in (layout.data, *sorted(layout.removed.glob("*")))
            if folder.is_dir()
            for p in folder.iterdir()
            if is_own_part(p)
        }
        remote, _ = classify_names(self.folder.list())
        stale = [n for n in remote if n.startswith(("data/", "removed/")) and n not in local]
        self.folder.delete(stale)
        present = [layout.root / n for n in _FINAL_FILES if (layout.root / n).is_file()]
        self.folder.publish(layout.root, present)

    def finished_stats(self) -> dict[str, Any]:
        data = self.folder.read("stats.json")
        if data is None:
            raise OutputError(f"{self.url}/stats.json of a finished run is missing")
        return dict(json.loads(data))


def _marked(data: bytes | None) -> dict[str, Any] | None:
    try:
        record = json.loads(data or b"")
    except ValueError:
        return None
    if not isinstance(record, dict) or record.get(OUTPUT_MARKER[0]) != OUTPUT_MARKER[1]:
        return None
    return record


@contextmanager
def remote_output(url: ObjectPath, work_dir: str | Path | None) -> Iterator[RemoteOutput]:
    """Hold the remote lock for the length of a run."""
    folder = RemoteFolder(url)
    lock = RemoteLock(folder).acquire()
    try:
        yield RemoteOutput(folder, staging_folder(url, work_dir))
    finally:
        lock.release()


def remove_staging(out: RemoteOutput, *, keep_work: bool) -> None:
    """Delete the staging folder after a finished run (``--keep-work`` keeps it)."""
    if not keep_work and out.staging.is_dir():
        shutil.rmtree(out.staging, ignore_errors=True)


def publish_unit(
    layout: Layout, remote: str, prefix: str, stages: Sequence[str], last: bool
) -> None:
    """Upload one unit's committed part files of a pass (``data/`` in the last pass,
    ``removed/STAGE/`` for the pass's stages), each as one whole object. Called by the
    worker after the parts are committed locally and before the completion record."""
    folders = [layout.removed_stage(s) for s in stages]
    if last:
        folders += [layout.data, layout.signals]
    files = [p for f in folders for p in sorted(f.glob(f"{prefix}-*.parquet")) if is_own_part(p)]
    publish_files(layout, remote, files)


def publish_files(layout: Layout, remote: str, files: Sequence[Path]) -> None:
    """Upload output files (each as one whole object), e.g. parts rewritten to the
    output's unified schema (``engine/unify.py``) after their unit published them."""
    if files:
        RemoteFolder(ObjectPath.parse(remote)).publish(layout.root, list(files))


def configure_storage(recipe: Recipe) -> None:
    """Apply the recipe's ``storage`` settings to this process's filesystems."""
    storage.configure(storage.Settings(**dataclasses.asdict(recipe.storage)))


def run_remote(
    run_local: Callable[..., RunResult],
    recipe: Recipe,
    inputs: Sequence[str],
    output: str,
    work_dir: str | Path | None,
    args: dict[str, Any],
    pool: Any,
) -> RunResult:
    """Run into a remote output: lock it, check it, run locally in the staging folder
    with this output as the mirror (``run_local`` is ``driver.run_pipeline``)."""
    from dataprep.engine.accounting import StageStats
    from dataprep.engine.driver import RunResult as Result

    url = ObjectPath.parse(output)
    with remote_output(url, work_dir) as out:
        out.check_inputs(inputs)
        done = out.prepare(overwrite=args["overwrite"], resume=args["resume"])
        if done is not None:
            if pool is not None:
                pool.claim(0)
            doc = out.finished_stats()
            stats = {k: StageStats.from_dict(v) for k, v in doc["stages"].items()}
            return Result(url, stats, doc["global_stages"], 0.0)
        local = {**args, "overwrite": True}
        try:
            result = run_local(recipe, inputs, out.staging, pool=pool, _mirror=out, **local)
        except (ConfigError, InputError):
            if not args["resume"]:  # a user mistake: leave nothing of ours behind
                out.prepare(overwrite=True, resume=False)
            raise
        remove_staging(out, keep_work=args["keep_work"])
    return dataclasses.replace(result, output=url)
