"""Seconds per stage: CPU and wall time, measured in the workers and summed over them.

A worker times each stage's work on every batch (``process``; a global stage's
``observe``, and applying its decisions with their rewrite), including the stage's
split into kept and removed documents; ``input`` is reading and decoding the input.
Writing the kept documents is nobody's. CPU seconds are the worker process's
(``time.process_time``: Arrow's threads included), wall seconds ``perf_counter``.

Times are not deterministic, so they never go into ``stats.json``: the driver sums the
units' times into ``run.json`` (``timing.stages``, with each fit's seconds in
``timing.fits``), where the report's cost section reads them (``report/cost.py``).
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

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
