"""Local executor: shard jobs over a pool of worker processes, with progress.

Each job writes files named after its shard, so the result is the same whatever
the number of workers or the order jobs finish in. Workers are started with the
``spawn`` method (no fork of a threaded parent) and live for the whole run, so a
stage's model is loaded once per worker process. Ctrl-C cancels pending jobs and
terminates the workers.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ProcessPoolExecutor, wait
from multiprocessing import get_context
from typing import Any

from tqdm import tqdm

from dataprep.worker import ShardJob, run_shard_pass

_QUEUE: Any = None


def _die_with_parent(parent_pid: int) -> None:
    """Make the kernel kill this worker when the driver dies (even by SIGKILL).

    Without it, workers orphaned by a killed driver would go on writing into the
    output folder while a resumed run works there.
    """
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL)
    if os.getppid() != parent_pid:  # the driver died before prctl took effect
        os._exit(1)


def _init_worker(queue: Any, stage_modules: Sequence[str], parent_pid: int) -> None:
    """Set up a worker: progress queue, and the modules that register the run's stages.

    The module names come from the stage classes the driver already resolved by
    registered name (never from configuration), so third-party or test stages
    registered in the driver exist in the workers too.
    """
    import importlib

    _die_with_parent(parent_pid)
    # One worker process per core: keep each one single-threaded so workers do not
    # fight over cores (polars reads this when a stage first imports it).
    os.environ.setdefault("POLARS_MAX_THREADS", "1")
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    import pyarrow as pa

    pa.set_cpu_count(1)
    # Ctrl-C reaches the whole process group: only the driver handles it, and it
    # terminates the workers, so a worker never dies half-way through a commit
    # on its own.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    global _QUEUE
    _QUEUE = queue
    for module in stage_modules:
        importlib.import_module(module)


def _run_job(job: ShardJob) -> dict[str, Any]:
    def progress(docs: int, nbytes: int) -> None:
        _QUEUE.put((docs, nbytes))

    return run_shard_pass(job, progress if _QUEUE is not None else None)


def default_workers() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


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

    def __init__(self, workers: int = 0, stage_modules: Sequence[str] = ()) -> None:
        self.workers = workers or default_workers()
        self.stage_modules = tuple(stage_modules)
        self._pool: ProcessPoolExecutor | None = None
        self._queue: Any = None

    def __enter__(self) -> LocalExecutor:
        if self.workers > 1:
            ctx = get_context("spawn")
            self._queue = ctx.Queue()
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=ctx,
                initializer=_init_worker,
                initargs=(self._queue, self.stage_modules, os.getpid()),
            )
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            interrupted = exc[0] is not None
            if interrupted:
                for proc in list(getattr(self._pool, "_processes", {}).values()):
                    proc.terminate()
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def map(
        self, jobs: Sequence[ShardJob], progress: Callable[[int, int], None]
    ) -> list[dict[str, Any]]:
        """Run every job; results in job order; the first error is raised."""
        if self._pool is None:
            return [run_shard_pass(job, progress) for job in jobs]
        futures: list[Future[dict[str, Any]]] = [self._pool.submit(_run_job, j) for j in jobs]
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

        while True:
            try:
                docs, nbytes = self._queue.get(timeout=0.1)
            except queue.Empty:
                if stop.is_set():
                    return
                continue
            progress(docs, nbytes)
