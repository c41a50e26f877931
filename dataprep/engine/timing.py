"""Seconds per stage: CPU and wall time, measured in the workers and summed over them.

A worker times each stage's work on every batch (``process``; a global stage's
``observe``, and applying its decisions with their rewrite), including the stage's
split into kept and removed documents; ``input`` is reading and decoding the input.
Writing the kept documents is nobody's. CPU seconds are the worker process's
(``time.process_time``: Arrow's threads included), wall seconds ``perf_counter``.

Times are not deterministic, so they never go into ``stats.json``: the driver sums the
units' times into ``run.json`` (``timing.stages``, with each fit's seconds in
``timing.fits``), where the report's cost section reads them (``report/cost.py``).

The run's timeline (``timing.phases``, :class:`Timeline`) says where the wall time went:
contiguous phases from the run's start (planning, starting the workers, each pass, each
fit, merging, the report), so they add up to the run's wall time. A pass's phase also
holds its workers' busy seconds (:func:`unit_busy`, summed per worker process) and their
idle seconds (``workers x pass wall - busy``): the time a 2-worker run loses waiting at
the pass's end for the last unit.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

#: Seconds per stage name: ``{"cpu_seconds": ..., "wall_seconds": ...}``.
StageSeconds = dict[str, dict[str, float]]
KEYS = ("cpu_seconds", "wall_seconds")


class StageTimer:
    """CPU and wall seconds per stage for one unit of one pass."""

    def __init__(self) -> None:
        self.seconds: StageSeconds = {}

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        cpu, wall = time.process_time(), time.perf_counter()
        try:
            yield
        finally:
            add(
                self.seconds,
                {
                    name: {
                        "cpu_seconds": time.process_time() - cpu,
                        "wall_seconds": time.perf_counter() - wall,
                    }
                },
            )


def add(total: StageSeconds, more: Mapping[str, Mapping[str, float]]) -> StageSeconds:
    """Add ``more`` into ``total`` stage by stage (in place; returned for chaining)."""
    for name, secs in more.items():
        row = total.setdefault(name, dict.fromkeys(KEYS, 0.0))
        for key in KEYS:
            row[key] += float(secs.get(key, 0.0))
    return total


def rounded(seconds: StageSeconds, digits: int = 3) -> StageSeconds:
    return {n: {k: round(v, digits) for k, v in row.items()} for n, row in seconds.items()}


@contextmanager
def unit_busy(into: dict[str, float]) -> Iterator[None]:
    """Fill ``into`` with one unit's whole time in its worker: ``cpu_seconds``,
    ``wall_seconds``, ``start`` and ``end`` (``time.time()``, comparable across the
    processes of one machine) and ``worker`` (the process id)."""
    start, cpu, wall = time.time(), time.process_time(), time.perf_counter()
    try:
        yield
    finally:
        into["cpu_seconds"] = time.process_time() - cpu
        into["wall_seconds"] = time.perf_counter() - wall
        into["start"], into["end"] = start, start + into["wall_seconds"]
        into["worker"] = float(os.getpid())


def busy_summary(
    busy: Sequence[Mapping[str, float]], workers: int, seconds: float
) -> dict[str, Any]:
    """A pass's workers: busy CPU and wall seconds summed over its units, wall seconds
    per worker process (largest first), and idle seconds ``workers x seconds - busy``."""
    walls: dict[float, float] = {}
    cpus: dict[float, float] = {}
    for b in busy:
        who = b.get("worker", 0.0)
        walls[who] = walls.get(who, 0.0) + b.get("wall_seconds", 0.0)
        cpus[who] = cpus.get(who, 0.0) + b.get("cpu_seconds", 0.0)
    wall = sum(walls.values())
    return {
        "units": len(busy),
        "busy_cpu_seconds": round(sum(cpus.values()), 3),
        "busy_wall_seconds": round(wall, 3),
        "busy_per_worker": sorted((round(w, 3) for w in walls.values()), reverse=True),
        "busy_cpu_per_worker": sorted((round(c, 3) for c in cpus.values()), reverse=True),
        "idle_seconds": round(max(workers * seconds - wall, 0.0), 3),
    }


class Timeline:
    """Contiguous phases of a run: :meth:`mark` ends the open phase and starts the next.

    ``phases`` is what goes to ``run.json``'s ``timing.phases``: ``name``, ``start`` and
    ``end`` in seconds from the run's start, the driver process's CPU seconds in the
    phase (with one worker, the work itself), plus whatever :meth:`note` adds to the
    open phase (a pass's busy and idle seconds).
    """

    def __init__(self, first: str = "plan") -> None:
        self.origin = time.time()
        self.phases: list[dict[str, Any]] = []
        self._cpu = time.process_time()
        self.mark(first)

    def now(self) -> float:
        return round(time.time() - self.origin, 3)

    def mark(self, name: str) -> None:
        self.close()
        self._cpu = time.process_time()
        self.phases.append({"name": name, "start": self.now()})

    def note(self, **values: Any) -> None:
        self.phases[-1].update(values)

    def close(self) -> list[dict[str, Any]]:
        """End the open phase; the phases so far."""
        if self.phases and "end" not in self.phases[-1]:
            self.phases[-1]["end"] = self.now()
            self.phases[-1]["driver_cpu_seconds"] = round(time.process_time() - self._cpu, 3)
        return self.phases
