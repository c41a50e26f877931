"""The long-lived Ray actor that runs shard passes, and its progress sink.

A :class:`ShardActor` is one worker slot (one CPU): it imports the run's stage
modules once, then runs :func:`dataprep.engine.shard_pass.run_shard_pass` for every job it
is given. ``build_stages`` caches set-up stages per process, so a stage's model
is loaded once per actor, not once per shard. Progress (documents, bytes) goes
to one :class:`ProgressSink` actor in coalesced messages (at most a few per
second per actor); whatever is left when a job ends travels back with its result,
so the driver's totals are exact.

Neither class imports Ray at module level; the executor wraps them with
``ray.remote``. Only small values cross the object store: the pickled job
(a recipe and some paths) in, the shard's completion record out.
"""

from __future__ import annotations

import importlib
import sys
import time
from collections.abc import Sequence
from typing import Any

from dataprep.engine.partitioned import FitTask, run_fit_task
from dataprep.engine.shard_pass import ShardJob, ShardResult, run_shard_pass

#: Seconds between two progress messages from one actor.
PROGRESS_INTERVAL = 0.5


class ProgressSink:
    """Totals progress reported by the shard actors until the driver takes them."""

    def __init__(self) -> None:
        self.docs = 0
        self.nbytes = 0

    def add(self, docs: int, nbytes: int) -> None:
        self.docs += docs
        self.nbytes += nbytes

    def take(self) -> tuple[int, int]:
        """Progress since the last call (and reset)."""
        out = (self.docs, self.nbytes)
        self.docs = self.nbytes = 0
        return out


class ShardActor:
    """Runs shard passes with the stages of ``stage_modules`` registered.

    ``code_paths`` are the driver's folders that hold those modules (for stages
    defined outside an installed package, such as tests' toy stages); folders
    that do not exist on this node are ignored. A failure to import a stage
    module is kept and raised by :meth:`run`, so it reaches the driver as the
    original exception rather than as an opaque "actor died" error.
    """

    def __init__(
        self, stage_modules: Sequence[str], code_paths: Sequence[str], sink: Any = None
    ) -> None:
        import os

        self._sink = sink
        self._init_error: BaseException | None = None
        for path in code_paths:
            if os.path.isdir(path) and path not in sys.path:
                sys.path.append(path)
        try:
            for module in stage_modules:
                importlib.import_module(module)
        except Exception as e:
            self._init_error = e

    def ready(self) -> bool:
        """Resolves once the actor is up (used to fail fast on an unschedulable pool)."""
        return True

    def run(self, job: ShardJob) -> tuple[ShardResult, int, int]:
        """Run one pass over one shard: ``(completion record, docs, bytes not yet reported)``."""
        if self._init_error is not None:
            raise self._init_error
        pending = [0, 0]
        last = time.monotonic()

        def progress(docs: int, nbytes: int) -> None:
            nonlocal last
            pending[0] += docs
            pending[1] += nbytes
            now = time.monotonic()
            if self._sink is not None and now - last >= PROGRESS_INTERVAL:
                self._sink.add.remote(pending[0], pending[1])
                pending[0] = pending[1] = 0
                last = now

        result = run_shard_pass(job, progress)
        return result, pending[0], pending[1]

    def run_task(self, task: FitTask) -> dict[str, Any]:
        """Run one task of a partitioned fit: its JSON result."""
        if self._init_error is not None:
            raise self._init_error
        return run_fit_task(task)


def module_roots(stage_modules: Sequence[str]) -> list[str]:
    """The ``sys.path`` folders the driver imported ``stage_modules`` from.

    For ``pkg.sub.mod`` it is the folder holding ``pkg``; modules that are not
    imported in the driver, or have no file (namespace packages), are skipped.
    """
    import os

    roots: list[str] = []
    for name in stage_modules:
        top = sys.modules.get(name.split(".")[0])
        path = getattr(top, "__file__", None)
        if not path:
            continue
        folder = os.path.dirname(os.path.abspath(path))
        if getattr(top, "__path__", None) is not None:  # a package: its parent folder
            folder = os.path.dirname(folder)
        if folder not in roots:
            roots.append(folder)
    return roots
