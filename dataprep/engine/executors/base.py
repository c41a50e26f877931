"""What every executor is, and how many workers a run uses.

The driver plans passes and hands each pass's shard jobs to an :class:`Executor`;
where the jobs run (local processes, Ray actors) is the executor's business. Each
job returns its shard's completion record (:class:`~dataprep.engine.shard_pass.ShardResult`)
and the executor returns them in job order, so the driver merges statistics
without knowing which worker ran what (datatrove's ``executor/base.py`` has the
same split: local, Slurm and Ray executors behind one abstract class).

The worker count is decided here, once (:func:`resolve_workers`). The CLI asks
before the engine is imported, to start the local worker pool early, so this
module imports only the standard library at run time.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

from dataprep.errors import ConfigError

if TYPE_CHECKING:
    from dataprep.engine.partitioned import FitTask
    from dataprep.engine.shard_pass import ShardJob, ShardResult

#: ``progress(documents, bytes)``: called as a job reads its input.
Progress = Callable[[int, int], None]

_E = TypeVar("_E", bound="Executor")


class Executor(ABC):
    """Runs shard jobs on ``workers`` workers; a context manager around their lifetime.

    Entering starts whatever the executor needs (processes, a Ray instance); leaving
    stops it, at once when the block ends with an exception (running jobs are
    stopped: their shards have no completion record, so ``--resume`` redoes them).
    """

    @property
    @abstractmethod
    def workers(self) -> int:
        """Workers the jobs run on (known for sure once entered)."""

    @abstractmethod
    def open(self) -> None:
        """Start the workers (called by ``__enter__``)."""

    @abstractmethod
    def map(self, jobs: Sequence[ShardJob], progress: Progress) -> list[ShardResult]:
        """Run every job; their completion records in job order; the first error is raised."""

    @abstractmethod
    def map_tasks(self, tasks: Sequence[FitTask]) -> list[dict[str, Any]]:
        """Run the tasks of one partitioned-fit step on the workers; their results in
        task order; the first error is raised (``engine/partitioned.py``)."""

    def map_report(self, root: Path, names: Sequence[str]) -> list[Any]:
        """Build the named parts of the run's report (``report/build.py``:
        ``report_part``), in order. Here, one after another; an executor with worker
        processes runs them there, in parallel."""
        from dataprep.report.build import report_part

        return [report_part(root, name) for name in names]

    @abstractmethod
    def close(self, error: type[BaseException] | None = None) -> None:
        """Stop the workers; ``error`` is the exception ending the run, if any.

        Closing twice is a no-op.
        """

    def __enter__(self: _E) -> _E:
        try:
            self.open()
        except BaseException as e:
            self.close(type(e))  # whatever ``open`` started before it failed
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close(exc_type)


def available_cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def resolve_workers(
    requested: int | None, recipe_workers: int, n_shards: int | None, kind: str
) -> int:
    """The number of workers a run uses: the only place that decides it.

    ``requested`` (``-j``) wins over the recipe's ``run.workers``; 0 means
    automatic: the cores this process may use for local workers, one per shard on
    Ray (the driver's cores say nothing about a cluster; the Ray executor caps the
    count at the cluster's CPUs, which only it can ask). Never more workers than
    shards (``n_shards`` is None when the CLI asks before the inputs are listed),
    never fewer than one.
    """
    wanted = requested if requested is not None else recipe_workers
    if wanted < 0:
        raise ConfigError(f"workers must be 0 (all cores) or more, got {wanted}")
    if wanted == 0:
        wanted = n_shards if kind == "ray" and n_shards is not None else available_cores()
    if n_shards is not None:
        wanted = min(wanted, n_shards)
    return max(1, wanted)
