"""The partitioned fit: how a global stage decides without the driver seeing every document.

A global stage that implements :meth:`~dataprep.stages.base.GlobalStage.shuffle`
is fitted in parallel:

1. **Shuffle (workers, observe pass).** After ``observe``, the engine hands each
   observation batch to ``shuffle``, which returns rows to route (:class:`Shuffled`):
   which observed rows, a 64-bit hash per row (partition = hash % partitions) and
   the columns to send. The engine writes them, with each row's *local row*
   (:data:`LOCAL_ROW_COL`: its row number in the unit's observation file), into
   one shuffle file per work unit (``io/shuffle.py``).
2. **Steps (driver plans, executor runs).** The engine then calls
   ``fit_partitioned(runner)`` on the driver. The stage drives its own algorithm
   through the :class:`FitRunner`: ``runner.map(step, count, params)`` runs
   ``fit_task(step, i, params, env)`` for ``i < count`` as executor tasks (local
   worker processes or Ray actors) and returns their small JSON results;
   ``runner.once(step, fn)`` runs a bounded driver step once. Every task writes
   its outputs under ``env.workdir`` and is recorded as done, so a killed fit
   resumes from the tasks that finished.
3. **Decisions per unit.** The last step writes, for every unit ordinal ``u`` with
   observations, ``env.decisions[u]``: one decision row per document of that unit,
   sorted by position (the format of ``GlobalStage.fit``); the apply pass of a
   unit reads only its own file.

Documents are named by *gid*: the document's rank in input order over all
observed documents, ``env.offsets[u] + local row`` (units are numbered in input
order and each unit's observation file is in input order, so this is exactly
the rank in ``(_dp_shard, _dp_row, _dp_repeat)`` order, as ``fit`` uses).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

#: Row number of a shuffled row in its unit's observation file (int64).
LOCAL_ROW_COL = "_local_row"


@dataclass(frozen=True)
class Shuffled:
    """What one observation batch sends to the shuffle."""

    rows: np.ndarray
    """Indices into the observation batch of the rows sent (any order, repeats allowed)."""
    hashes: np.ndarray
    """uint64 per sent row: the row goes to partition ``hash % partitions``."""
    columns: pa.RecordBatch
    """The sent columns, one row per entry of ``rows``."""


@dataclass(frozen=True)
class FitEnv:
    """What a partitioned fit knows, the same in the driver and in every task (picklable)."""

    workdir: Path
    """This fit's private folder (on the shared output path)."""
    observations: tuple[Path | None, ...]
    """Per unit ordinal (input order), its observation file, None when it observed nothing."""
    shuffles: tuple[Path, ...]
    """Per unit ordinal, its shuffle file (missing when it sent no row)."""
    offsets: tuple[int, ...]
    """``offsets[u]``: gid of unit ``u``'s first observed document; last = documents."""
    decisions: tuple[Path, ...]
    """Per unit ordinal, where its decision file goes."""
    partitions: int
    """Partitions of the shuffle (decided before the observe pass)."""

    @property
    def documents(self) -> int:
        return self.offsets[-1]

    @property
    def units(self) -> int:
        return len(self.observations)

    def offsets_array(self) -> np.ndarray:
        return np.asarray(self.offsets, dtype=np.int64)

    def unit_of(self, gids: np.ndarray) -> np.ndarray:
        """The unit ordinal of each gid."""
        return np.searchsorted(self.offsets_array(), gids, side="right") - 1

    def step_file(self, step: str, index: int) -> Path:
        """Conventional path of task ``index``'s output file of ``step``."""
        return self.workdir / step / f"{index:05d}.arrow"


def nothing_shuffled() -> Shuffled:
    """The ``shuffle`` of a stage whose tasks read only their own unit's observations."""
    empty = pa.record_batch({"x": pa.array([], pa.int8())})
    return Shuffled(rows=np.empty(0, np.int64), hashes=np.empty(0, np.uint64), columns=empty)


class FitRunner(ABC):
    """The driver's handle on the executor during a partitioned fit."""

    env: FitEnv

    @abstractmethod
    def map(
        self, step: str, count: int, params: Mapping[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        """Run ``fit_task(step, i, params, env)`` for ``i`` in ``range(count)`` on the
        executor; their JSON results in index order (tasks done before are not rerun)."""

    @abstractmethod
    def once(self, step: str, fn: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        """Run a driver step once; its JSON result (remembered for ``--resume``)."""


__all__ = ["LOCAL_ROW_COL", "FitEnv", "FitRunner", "Shuffled", "nothing_shuffled"]
