"""Local executor: shard jobs over a pool of worker processes, with progress.

Each job writes files named after its shard, so the result is the same whatever
the number of workers or the order jobs finish in. Workers (:mod:`dataprep.engine.executors.pool`:
spawned, dying with the driver, possibly started early by the CLI) live for the
whole run, so a stage's model is loaded once per worker process. Ctrl-C cancels
pending jobs and terminates the workers. A worker that dies (killed by the OOM
killer, say) is an :class:`InfrastructureError` naming it: rerun with ``--resume``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from tqdm import tqdm

from dataprep.engine.executors.pool import (
    WorkerPool,
    default_workers,
    import_modules,
    progress_queue,
)
from dataprep.engine.shard_pass import ShardJob, run_shard_pass
from dataprep.errors import InfrastructureError

__all__ = ["LocalExecutor", "ProgressBar", "default_workers"]


def _run_job(job: ShardJob, stage_modules: Sequence[str]) -> dict[str, Any]:
    import_modules(stage_modules)  # a pool started before the recipe was known
    queue = progress_queue()

    def progress(docs: int, nbytes: int) -> None:
        queue.put((docs, nbytes))

    return run_shard_pass(job, progress if queue is not None else None)


class ProgressBar:
    """tqdm bar in documents, with MB/s and the current pass's stages."""

    def __init__(self, total_docs: int | None, desc: str, enabled: bool) -> None:
        self.bar = tqdm(
            total=total_docs,
            desc=desc,
            unit="doc",
            unit_scale=True,
            disable=not enabled,
            dynamic_ncols=True,
            leave=True,
        )
        self.nbytes = 0

    def update(self, docs: int, nbytes: int) -> None:
        self.nbytes += nbytes
        self.bar.update(docs)
        elapsed = self.bar.format_dict.get("elapsed") or 0.0
        if elapsed > 0:
            self.bar.set_postfix_str(f"{self.nbytes / 1e6 / elapsed:.1f} MB/s", refresh=False)

    def close(self) -> None:
        self.bar.close()


class LocalExecutor:
    """Runs shard jobs in ``workers`` processes (inline when ``workers == 1``)."""

    def __init__(
        self, workers: int = 0, stage_modules: Sequence[str] = (), pool: WorkerPool | None = None
    ) -> None:
        self.workers = workers or default_workers()
        self.stage_modules = tuple(stage_modules)
        self._given = pool
        self._pool: WorkerPool | None = None

    def __enter__(self) -> LocalExecutor:
        given, self._given = self._given, None
        if given is not None and (self.workers <= 1 or given.workers < self.workers):
            given.close(interrupted=True)  # no job of ours ran there: stop it at once
            given = None
        if self.workers > 1:
            self._pool = given or WorkerPool(self.workers, self.stage_modules).start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.close(interrupted=exc[0] is not None)
            self._pool = None

    def map(
        self, jobs: Sequence[ShardJob], progress: Callable[[int, int], None]
    ) -> list[dict[str, Any]]:
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

    def _map_pool(
        self, pool: WorkerPool, jobs: Sequence[ShardJob], progress: Callable[[int, int], None]
    ) -> list[dict[str, Any]]:
        futures: list[Future[dict[str, Any]]] = [
            pool.submit(_run_job, j, self.stage_modules) for j in jobs
        ]
        stop = threading.Event()
        drain = threading.Thread(target=self._drain, args=(progress, stop), daemon=True)
        drain.start()
        try:
            done, pending = wait(futures, return_when=FIRST_EXCEPTION)
            for f in done:
                if f.exception() is not None:
                    for p in pending:
                        p.cancel()
                    raise f.exception()  # type: ignore[misc]
            return [f.result() for f in futures]
        finally:
            stop.set()
            drain.join()

    def _drain(self, progress: Callable[[int, int], None], stop: threading.Event) -> None:
        import queue

        assert self._pool is not None
        source = self._pool.queue
        while True:
            try:
                docs, nbytes = source.get(timeout=0.1)
            except queue.Empty:
                if stop.is_set():
                    return
                continue
            progress(docs, nbytes)
