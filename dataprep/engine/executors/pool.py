"""Worker processes for the local executor, startable before the driver is ready.

Starting a worker costs ~0.4 s (a new interpreter importing pyarrow, numpy and the
stages), and so does the driver's own start. The CLI therefore starts the pool as
soon as it knows how many workers a run wants (from ``-j`` or the recipe's
``run.workers``), *before* importing the engine: both start-ups overlap. This module
imports only the standard library so that starting the pool costs the driver
nothing; the workers import the engine in :func:`init_worker`.

Workers use the ``spawn`` method (no fork of a threaded parent), die with the
driver (``PR_SET_PDEATHSIG``) and ignore SIGINT (the driver handles Ctrl-C and
terminates them, so a worker never dies half-way through a commit on its own).
"""

from __future__ import annotations

import importlib
import os
import signal
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from multiprocessing.context import SpawnContext, SpawnProcess
from types import TracebackType
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from multiprocessing.queues import Queue

    #: Where a worker reports progress: ``(documents, bytes)`` per batch read.
    ProgressQueue = Queue[tuple[int, int]]

_R = TypeVar("_R")

_QUEUE: ProgressQueue | None = None


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


def init_worker(queue: ProgressQueue, stage_modules: Sequence[str], parent_pid: int) -> None:
    """Set up a worker: progress queue, single-threaded libraries, the engine.

    ``stage_modules`` register the run's stages when the driver already knows them;
    otherwise each job names its modules (:func:`import_modules`). The names come
    from stage classes the driver resolved by registered name, never from
    configuration, so third-party or test stages registered in the driver exist in
    the workers too.
    """
    _die_with_parent(parent_pid)
    # One worker process per core: keep each one single-threaded so workers do not
    # fight over cores (polars reads this when a stage first imports it).
    os.environ.setdefault("POLARS_MAX_THREADS", "1")
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    global _QUEUE
    _QUEUE = queue
    import pyarrow as pa

    pa.set_cpu_count(1)
    importlib.import_module("dataprep.engine.shard_pass")
    import_modules(stage_modules)


def import_modules(modules: Sequence[str]) -> None:
    for module in modules:
        importlib.import_module(module)


def progress_queue() -> ProgressQueue | None:
    """The queue a worker reports progress to (``None`` outside a pool worker)."""
    return _QUEUE


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return "unknown signal"


def _ready() -> int:
    return os.getpid()


class _RecordingSpawn(SpawnContext):
    """The ``spawn`` context, keeping every worker process the pool's executor starts.

    ``ProcessPoolExecutor`` creates its workers with its ``mp_context``'s ``Process``;
    keeping them here gives the pool their pids and exit codes (to stop them, and to
    say which one died of what) without reading the executor's private state.
    """

    def __init__(self) -> None:
        super().__init__()
        self.started: list[SpawnProcess] = []

    def Process(self, *args: object, **kwargs: object) -> SpawnProcess:  # type: ignore[override]
        # typeshed declares ``Process`` a class attribute; a method is what the
        # executor calls, and it returns the same class.
        proc = SpawnProcess(*args, **kwargs)  # type: ignore[arg-type]
        self.started.append(proc)
        return proc


class WorkerPool:
    """``workers`` spawned processes and their progress queue.

    Whoever holds the pool closes it. The CLI starts it in a ``with`` block before
    the engine is imported and hands it to the run; the local executor claims it
    (:meth:`claim`) and from then on closes it, terminating the workers at once
    when the run fails, so that no job writes into the output after the driver
    gave up on it. A pool that cannot serve the run is closed by :meth:`claim` at
    once. Closing is idempotent: the CLI's ``with`` closes only a pool that was
    never handed over (a recipe error, Ctrl-C while the engine is imported).
    """

    def __init__(self, workers: int, stage_modules: Sequence[str] = ()) -> None:
        self._context = _RecordingSpawn()
        self._closed = False
        self.workers = workers
        self.queue: ProgressQueue = self._context.Queue()
        self._executor = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=self._context,
            initializer=init_worker,
            initargs=(self.queue, tuple(stage_modules), os.getpid()),
        )

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close(interrupted=exc_type is not None)

    def start(self) -> WorkerPool:
        """Spawn every process now (the executor would on first use, one by one)."""
        self._warmup: list[Future[int]] = [
            self._executor.submit(_ready) for _ in range(self.workers)
        ]
        return self

    @property
    def pids(self) -> list[int]:
        """Process ids of the workers started so far."""
        return [p.pid for p in self._context.started if p.pid is not None]

    def claim(self, workers: int) -> WorkerPool | None:
        """This pool, to run ``workers`` workers on, or None when it cannot.

        It cannot when the run needs one worker (jobs run inline) or more processes
        than the pool has; it is then closed at once: its idle workers would only
        hold memory. Whoever claims the pool closes it.
        """
        if 1 < workers <= self.workers and not self._closed:
            return self
        self.close(interrupted=True)
        return None

    def submit(self, fn: Callable[..., _R], *args: object) -> Future[_R]:
        return self._executor.submit(fn, *args)

    def death(self) -> str:
        """How the pool broke, for the error message: which worker died, and of what.

        Called when a job fails with ``BrokenProcessPool``. The worker that died on
        its own is preferred over those the executor terminated after it (SIGTERM).
        The broken executor is waited for first: it reaps every worker, and an exit
        status read while it does so could be missing.
        """
        self._executor.shutdown(wait=True, cancel_futures=True)
        dead = [(p.pid, p.exitcode) for p in self._context.started if p.exitcode is not None]
        dead.sort(key=lambda pe: pe[1] == -signal.SIGTERM)
        if not dead:
            return "a worker process died"
        pid, code = dead[0]
        if code is not None and code < 0:
            name = _signal_name(-code)
            oom = ", out of memory?" if -code == signal.SIGKILL else ""
            return f"worker process {pid} died (killed by signal {-code} ({name}){oom})"
        return f"worker process {pid} died (exit status {code})"

    def close(self, interrupted: bool = False) -> None:
        """Stop the workers (at once when ``interrupted``); closing twice is a no-op."""
        if self._closed:
            return
        self._closed = True
        if interrupted:
            for proc in self._context.started:
                if proc.pid is not None:  # started (the executor starts what it creates)
                    proc.terminate()
        self._executor.shutdown(wait=True, cancel_futures=True)
