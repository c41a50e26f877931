"""Ray executor: the same shard jobs as the local executor
(:class:`~dataprep.engine.executors.local.LocalExecutor`), on a Ray cluster.

What runs where
---------------
* **Per-batch stages run inside Ray actors.** The executor starts one
  :class:`~dataprep.engine.executors.ray_actor.ShardActor` per worker slot (one CPU each). An
  actor lives for the whole run, imports the run's stage modules once and calls
  :func:`dataprep.engine.shard_pass.run_shard_pass` for each shard it is given, so a stage's
  model (fastText, blocklists) is loaded once per actor, exactly as in a local
  worker process. Global stages' ``observe`` runs there too, in the same pass.
* **Global stages' ``fit`` runs on the driver**, between passes, from the
  observation files the actors wrote (see :mod:`dataprep.engine.driver`). Its memory is
  bounded by what each stage states per document: exact dedup ~60 B/doc in RAM,
  near dedup ~57 B/doc plus one spill partition (~0.6 GB) and a disk-backed
  signature memmap (512 B/doc), balancing ~30 B/doc. So ``fit`` scales to
  ~100M documents on one large driver node, not beyond; it is not distributed.
* **Only small values cross Ray's object store**: the pickled :class:`ShardJob`
  (recipe and paths) to an actor, and the shard's completion record (per-stage
  counts, a few KB) back. Documents never do.

Shared filesystem
-----------------
Actors read input shards and write output files by path, and the driver reads
the observation files they wrote, so the input and output folders must be the
same paths on every node: a shared filesystem (NFS, Lustre, CephFS) or an object
store bucket mounted at the same path everywhere (s3fs/gcsfuse/mountpoint-s3;
such mounts must support rename, which the atomic commit uses). On a single
machine this holds trivially. Because each job still goes through
``run_shard_pass``, the output guarantees are unchanged: files named after the
shard index (same bytes whatever the executor or the number of workers), an
atomic commit per shard with a completion record, and ``--resume``.

Errors and interruptions: a job's exception is re-raised in the driver as the
original exception (type and message), so user errors stay one line. On any
error, Ctrl-C or SIGTERM the actors are killed; shards without a completion
record are redone by ``--resume``. A lost actor (OOM kill, node failure) is
reported with the shard it was running; it is not retried automatically. If
the driver itself is killed, Ray's fate sharing (not tested here) stops a local
instance's processes, and a cluster kills the actors of a job whose driver died.

Stage modules must be importable on every node: installed packages (dataprep
itself, third-party stages) or, for stages defined in loose files, the driver's
folder of that module, which actors add to ``sys.path`` when it exists there.

Next step, not built: a fully distributed dedup ``fit``
-------------------------------------------------------
Near dedup could leave the driver with Ray Data: read the observation files
(``ray.data.read_ipc`` does not exist; ``ray.data.read_datasource`` over the
Arrow files, or have ``observe`` write Parquet and use ``read_parquet``);
``flat_map`` each signature to ``(band_key, gid)`` rows; ``groupby(band_key)``
(a distributed hash shuffle) to emit candidate edges, verified against the
signatures; then connected components by iterative label propagation (each
round a join of edges with current labels and a ``min`` per node, until no
label changes, O(log n) rounds on typical duplicate graphs); the final labels
would be written as the per-shard decision files the next pass already reads.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections import deque
from collections.abc import Sequence
from typing import Any

from dataprep.engine.executors.base import Executor, Progress
from dataprep.engine.partitioned import FitTask
from dataprep.engine.shard_pass import ShardJob, ShardResult
from dataprep.errors import ConfigError, DataprepError, InfrastructureError

#: Seconds the driver waits for a finished job before draining progress again.
_POLL_SECONDS = 0.2
#: Seconds to wait for a cluster's address to answer before giving up.
_CONNECT_SECONDS = 10.0
#: Object store of a local instance: only jobs and completion records go through it.
_LOCAL_OBJECT_STORE_BYTES = 256 * 1024 * 1024


def import_ray() -> Any:
    """The ``ray`` module; ConfigError when Ray is not installed.

    A folder named ``ray`` without ``__init__.py`` on ``sys.path`` (``tests/ray``
    when ``tests/`` is on it) imports as an empty namespace package, so the
    check is for Ray's API, not just for a successful import.
    """
    try:
        import ray
    except ModuleNotFoundError as e:
        if e.name != "ray":  # Ray is there but one of its own dependencies is not
            raise
        ray = None  # type: ignore[assignment]
    if getattr(ray, "init", None) is None:
        raise ConfigError("the ray executor needs Ray: pip install 'dataprep[ray]'")
    return ray


class RayExecutor(Executor):
    """Runs shard jobs on a pool of Ray actors (a local instance or a cluster).

    ``address=None`` starts a private local Ray instance with ``workers`` CPUs
    (and shuts it down on exit); otherwise it connects to that cluster (``"auto"``
    for the one ``ray start`` made on this machine) and leaves it running. If
    Ray is already initialized in this process, that instance is used as it is.
    ``workers`` (see :func:`~dataprep.engine.executors.base.resolve_workers`) is
    capped at the cluster's CPUs on entering: more actors would never be scheduled.
    """

    def __init__(
        self, workers: int, stage_modules: Sequence[str] = (), *, address: str | None = None
    ) -> None:
        if workers < 1:
            raise ValueError(f"a Ray executor needs at least one worker, not {workers}")
        self._workers = workers
        self.stage_modules = tuple(stage_modules)
        self.address = address
        self._started = False
        self._temp_dir: str | None = None
        self._actors: list[Any] = []
        self._sink: Any = None

    @property
    def workers(self) -> int:
        return self._workers

    def open(self) -> None:
        ray = import_ray()
        if not ray.is_initialized():
            self._connect(ray)
        cpus = int(ray.cluster_resources().get("CPU", 0))
        if cpus < 1:
            raise ConfigError(f"the Ray cluster at {self.address or 'local'} has no CPUs")
        # More actors than CPUs would never be scheduled: the run would hang.
        self._workers = min(self._workers, cpus)

    def _connect(self, ray: Any) -> None:
        common: dict[str, Any] = {"log_to_driver": False, "ignore_reinit_error": True}
        if self.address is not None:
            _check_reachable(self.address)
            try:
                ray.init(address=self.address, logging_level=logging.WARNING, **common)
            except ConnectionError as e:
                first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
                raise ConfigError(
                    f"cannot connect to the Ray cluster at {self.address!r}: {first}"
                ) from None
            return
        self._temp_dir = tempfile.mkdtemp(prefix="dataprep-ray-")
        ray.init(
            address="local",
            num_cpus=self.workers,
            include_dashboard=False,
            object_store_memory=_LOCAL_OBJECT_STORE_BYTES,
            _temp_dir=self._temp_dir,
            # A private instance: Ray's start-up notices (token auth enabled for
            # this cluster, "Started a local Ray instance") are noise here.
            logging_level=logging.ERROR,
            **common,
        )
        self._started = True

    def close(self, error: type[BaseException] | None = None) -> None:
        import ray

        self._kill_actors()
        if self._sink is not None:
            ray.kill(self._sink)
            self._sink = None
        if self._started:
            ray.shutdown()
            self._started = False
            # Keep Ray's logs after an unexpected error (not a user error, not
            # Ctrl-C): they are the only trace of what an actor printed.
            unexpected = error is not None and not issubclass(
                error, (DataprepError, KeyboardInterrupt)
            )
            if self._temp_dir is not None and not unexpected:
                shutil.rmtree(self._temp_dir, ignore_errors=True)

    def _fill_pool(self) -> None:
        import ray

        from dataprep.engine.executors.ray_actor import ProgressSink, ShardActor, module_roots

        if self._sink is None:
            self._sink = ray.remote(num_cpus=0)(ProgressSink).remote()
        remote_actor = ray.remote(num_cpus=1, max_restarts=0)(ShardActor)
        roots = module_roots(self.stage_modules)
        while len(self._actors) < self._workers:
            self._actors.append(remote_actor.remote(self.stage_modules, roots, self._sink))

    def warm_up(self) -> None:
        """Start the actor pool now and wait until every actor has imported the stages."""
        import ray

        self._fill_pool()
        ray.get([actor.__ray_ready__.remote() for actor in self._actors])

    def _kill_actors(self) -> None:
        import ray

        for actor in self._actors:
            ray.kill(actor)
        self._actors = []

    def map(self, jobs: Sequence[ShardJob], progress: Progress) -> list[ShardResult]:
        """Run every job; results in job order; the first error is raised.

        A job's exception reaches the caller as its original type and message
        (a ``DataprepError`` stays a one-line user error). On any error the
        pool's actors are killed, stopping jobs still running; their shards have
        no completion record, so a ``--resume`` redoes them.
        """
        import ray

        self._fill_pool()
        results: list[ShardResult | None] = [None] * len(jobs)
        todo = deque(range(len(jobs)))
        idle = list(self._actors)
        running: dict[Any, tuple[int, Any]] = {}
        try:
            while todo or running:
                while todo and idle:
                    i, actor = todo.popleft(), idle.pop()
                    running[actor.run.remote(jobs[i])] = (i, actor)
                ready, _ = ray.wait(list(running), num_returns=1, timeout=_POLL_SECONDS)
                self._drain(progress)
                for ref in ready:
                    i, actor = running.pop(ref)
                    result, docs, nbytes = _get(ray, ref, jobs[i], self._logs_hint())
                    results[i] = result
                    if docs or nbytes:
                        progress(docs, nbytes)
                    idle.append(actor)
            self._drain(progress)
        except BaseException:
            self._kill_actors()
            raise
        return [r for r in results if r is not None]

    def map_tasks(self, tasks: Sequence[FitTask]) -> list[dict[str, Any]]:
        """Run fit tasks on the same actors, at most one per actor at a time; results
        in task order. Intermediate files go to the shared output path, never to
        the object store: only the task (paths, a few numbers) and its small JSON
        result cross it. A lost actor (node failure) ends the run with an
        InfrastructureError; the tasks that finished are kept for ``--resume``."""
        import ray

        self._fill_pool()
        results: list[dict[str, Any] | None] = [None] * len(tasks)
        todo = deque(range(len(tasks)))
        idle = list(self._actors)
        running: dict[Any, tuple[int, Any]] = {}
        try:
            while todo or running:
                while todo and idle:
                    i, actor = todo.popleft(), idle.pop()
                    running[actor.run_task.remote(tasks[i])] = (i, actor)
                ready, _ = ray.wait(list(running), num_returns=1, timeout=_POLL_SECONDS)
                for ref in ready:
                    i, actor = running.pop(ref)
                    results[i] = _get_task(ray, ref, tasks[i], self._logs_hint())
                    idle.append(actor)
        except BaseException:
            self._kill_actors()
            raise
        return [r for r in results if r is not None]

    def _logs_hint(self) -> str:
        if self._temp_dir is None:
            return " (actor logs: /tmp/ray/session_latest/logs on the actor's node)"
        return f" (actor logs: {self._temp_dir}/session_latest/logs)"

    def _drain(self, progress: Progress) -> None:
        import ray
        from ray.exceptions import RayActorError

        try:
            docs, nbytes = ray.get(self._sink.take.remote())
        except RayActorError as e:
            # The progress actor's node was lost (it may sit on any node): as for a
            # shard's actor, the run stops with exit 6 and --resume continues.
            raise _lost(e, "counting progress", "shards", self._logs_hint()) from e
        if docs or nbytes:
            progress(docs, nbytes)


def _check_reachable(address: str) -> None:
    """ConfigError at once when a ``host:port`` address does not answer.

    ``ray.init`` would retry an unreachable address for minutes, logging
    warnings; ``auto`` and ``local`` are left to Ray.
    """
    import socket

    hostport = address.removeprefix("ray://")
    host, sep, port = hostport.rpartition(":")
    if not sep or not port.isdigit():
        return
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=_CONNECT_SECONDS).close()
    except OSError as e:
        raise ConfigError(
            f"cannot connect to the Ray cluster at {address!r}: {e.strerror or e}; "
            "start it with 'ray start --head' or pass --ray-address auto on a cluster node"
        ) from None


def _get(ray: Any, ref: Any, job: ShardJob, logs: str) -> tuple[ShardResult, int, int]:
    """A finished job's value; its exception unwrapped from Ray's wrappers."""
    from ray.exceptions import RayActorError, RayError, RayTaskError

    try:
        out: tuple[ShardResult, int, int] = ray.get(ref)
        return out
    except RayTaskError as e:
        cause = getattr(e, "cause", None)
        if isinstance(cause, BaseException) and not isinstance(cause, RayError):
            # The original exception (pickled back): same type and message as
            # under the local executor; the remote traceback stays in __cause__.
            raise cause from e
        raise
    except RayActorError as e:
        what = f"running {job.shard.name} (pass {job.plan.index + 1})"
        raise _lost(e, what, "shards", logs) from e


def _get_task(ray: Any, ref: Any, task: FitTask, logs: str) -> dict[str, Any]:
    """A finished fit task's result; its exception unwrapped as for shard jobs."""
    from ray.exceptions import RayActorError, RayError, RayTaskError

    try:
        out: dict[str, Any] = ray.get(ref)
        return out
    except RayTaskError as e:
        cause = getattr(e, "cause", None)
        if isinstance(cause, BaseException) and not isinstance(cause, RayError):
            raise cause from e
        raise
    except RayActorError as e:
        raise _lost(e, f"running fit task {task.step} {task.index}", "tasks", logs) from e


def _lost(error: BaseException, what: str, finished: str, logs: str) -> InfrastructureError:
    """A lost actor (its node or process died): exit 6, and --resume continues."""
    lines = str(error).strip().splitlines()
    return InfrastructureError(
        f"the Ray actor {what} died: {lines[0] if lines else type(error).__name__}; "
        f"rerun with --resume to continue from the finished {finished}{logs}"
    )
