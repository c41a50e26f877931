"""Local executor: shard jobs over a pool of worker processes, with progress.

Each job writes files named after its shard, so the result is the same whatever
the number of workers or the order jobs finish in. Workers (:mod:`dataprep.engine.executors.pool`:
spawned, dying with the driver, possibly started early by the CLI) live for the
whole run, so a stage's model is loaded once per worker process. Ctrl-C cancels
pending jobs and terminates the workers. A worker that dies (killed by the OOM
killer, say) is an :class:`InfrastructureError` naming it: rerun with ``--resume``.

The executor owns the processes its jobs run on, whether it started them or
claimed a pool started early (:meth:`WorkerPool.claim`), and stops them in
:meth:`LocalExecutor.close`, the one place that does.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any, TypeVar

from dataprep.engine.executors.base import Executor, Progress
from dataprep.engine.executors.pool import WorkerPool, import_modules, progress_queue
from dataprep.engine.partitioned import FitTask, run_fit_task
from dataprep.engine.shard_pass import ShardJob, ShardResult, run_shard_pass
from dataprep.errors import InfrastructureError

__all__ = ["LocalExecutor"]

_R = TypeVar("_R")


def _run_job(job: ShardJob, stage_modules: Sequence[str]) -> ShardResult:
    import_modules(stage_modules)  # a pool started before the recipe was known
    reports = progress_queue()
    if reports is None:
        return run_shard_pass(job)

    def progress(docs: int, nbytes: int) -> None:
        reports.put((docs, nbytes))

    return run_shard_pass(job, progress)


def _run_task(task: FitTask, stage_modules: Sequence[str]) -> dict[str, Any]:
    import_modules(stage_modules)
    return run_fit_task(task)


def _run_report_part(root: Path, name: str) -> Any:
    from dataprep.report.build import report_part

    return report_part(root, name)


class LocalExecutor(Executor):
    """Runs shard jobs in ``workers`` processes (inline when ``workers == 1``).

    ``pool``: processes started early (by the CLI), used when it has enough of them;
    otherwise it is stopped at once and, for more than one worker, a pool of the
    right size is started.
    """

    def __init__(
        self, workers: int, stage_modules: Sequence[str] = (), pool: WorkerPool | None = None
    ) -> None:
        if workers < 1:
            raise ValueError(f"a local executor needs at least one worker, not {workers}")
        self._workers = workers
        self.stage_modules = tuple(stage_modules)
        self._pool = pool.claim(workers) if pool is not None else None

    @property
    def workers(self) -> int:
        return self._workers

    def open(self) -> None:
        if self._workers > 1 and self._pool is None:
            self._pool = WorkerPool(self._workers, self.stage_modules).start()

    def close(self, error: type[BaseException] | None = None) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.close(interrupted=error is not None)

    def map(self, jobs: Sequence[ShardJob], progress: Progress) -> list[ShardResult]:
        """Run every job; results in job order; the first error is raised."""
        if self._pool is None:
            return [run_shard_pass(job, progress) for job in jobs]
        try:
            return self._map_pool(self._pool, jobs, progress)
        except BrokenProcessPool as e:
            # A worker was killed (the OOM killer, most often): the finished shards'
            # completion records are on disk, so a resumed run continues from them.
            raise InfrastructureError(
                f"{self._pool.death()}; finished shards are kept: rerun with --resume"
            ) from e

    def map_tasks(self, tasks: Sequence[FitTask]) -> list[dict[str, Any]]:
        """Run fit tasks on the worker processes (inline with one worker)."""
        if self._pool is None:
            return [run_fit_task(task) for task in tasks]
        pool = self._pool
        return _gather(pool, [pool.submit(_run_task, t, self.stage_modules) for t in tasks])

    def map_report(self, root: Path, names: Sequence[str]) -> list[Any]:
        """Build report parts on the worker processes (inline with one worker)."""
        if self._pool is None:
            return super().map_report(root, names)
        pool = self._pool
        return _gather(pool, [pool.submit(_run_report_part, root, n) for n in names])

    def _map_pool(
        self, pool: WorkerPool, jobs: Sequence[ShardJob], progress: Progress
    ) -> list[ShardResult]:
        futures: list[Future[ShardResult]] = [
            pool.submit(_run_job, j, self.stage_modules) for j in jobs
        ]
        stop = threading.Event()
        drain = threading.Thread(target=_drain, args=(pool, progress, stop), daemon=True)
        drain.start()
        try:
            return _results(futures)
        finally:
            stop.set()
            drain.join()


def _results(futures: list[Future[_R]]) -> list[_R]:
    """The futures' results in order; the first error cancels the rest and is raised."""
    done, pending = wait(futures, return_when=FIRST_EXCEPTION)
    for f in done:
        error = f.exception()
        if error is not None:
            for p in pending:
                p.cancel()
            raise error
    return [f.result() for f in futures]


def _gather(pool: WorkerPool, futures: list[Future[_R]]) -> list[_R]:
    """:func:`_results`; a dead worker is an :class:`InfrastructureError` naming it."""
    try:
        return _results(futures)
    except BrokenProcessPool as e:
        raise InfrastructureError(
            f"{pool.death()}; finished tasks are kept: rerun with --resume"
        ) from e


def _drain(pool: WorkerPool, progress: Progress, stop: threading.Event) -> None:
    """Pass the workers' progress reports on until ``stop`` is set."""
    while True:
        try:
            docs, nbytes = pool.queue.get(timeout=0.1)
        except queue.Empty:
            if stop.is_set():
                return
            continue
        progress(docs, nbytes)
