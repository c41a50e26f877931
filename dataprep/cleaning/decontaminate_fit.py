"""Partitioned fit of ``decontaminate_v1`` (``stages/fit.py``): no per-document driver state.

The fit needs, per eval n-gram, the number of training documents containing it
(to ignore common n-grams), then a decision per document. Steps, as executor tasks:

1. ``count`` (one per work unit): the unit's documents per eval n-gram, sparse
   (``[[id, documents], ...]`` for the n-grams it holds). The driver adds them into
   one counter per eval n-gram (8 bytes each: bounded by the eval sets, not the
   corpus) and writes the ids of the common n-grams to ``common.arrow``.
2. ``decide`` (one per work unit): the unit's decisions, as :meth:`Decontaminate.fit`
   computes them batch by batch (``decide_batch``), and its counts for the summary.

Decisions and summary equal :meth:`Decontaminate.fit`'s (tested with 1 and 2 workers
and several unit sizes). Nothing is shuffled: every task reads its own unit's
observation file.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pyarrow as pa

from dataprep.dedup.corpus import iter_batches
from dataprep.io.shuffle import write_table
from dataprep.output.columns import INTERNAL_COLUMNS
from dataprep.stages.fit import FitEnv, FitRunner, Shuffled, nothing_shuffled

if TYPE_CHECKING:
    from .decontaminate import Decontaminate

#: Observation column: distinct ids of the eval n-grams in the document (list<uint32>).
IDS_COL = "eval_ngrams"
#: The driver's file of common n-gram ids (int64), read by every ``decide`` task.
COMMON_FILE = "common.arrow"


class DecontaminateFit:
    """Partitioned fit of :class:`~dataprep.cleaning.decontaminate.Decontaminate` (mixin)."""

    name: str
    _summary: dict[str, Any]

    @property
    def _stage(self) -> Decontaminate:
        return cast("Decontaminate", self)

    def shuffle(self, observations: pa.RecordBatch) -> Shuffled:
        """Nothing to shuffle: every step reads its own unit's observations."""
        return nothing_shuffled()

    # -- driver --------------------------------------------------------------------

    def fit_partitioned(self, runner: FitRunner) -> None:
        stage = self._stage
        env = runner.env
        total = stage.ngram_count()
        counts = runner.map("count", env.units)

        def common() -> dict[str, Any]:
            docs_per_ngram = np.zeros(total, dtype=np.int64)
            for c in counts:
                if c.get("ids"):
                    ids, docs = np.asarray(c["ids"], np.int64), np.asarray(c["docs"], np.int64)
                    docs_per_ngram[ids] += docs
            found = np.flatnonzero(docs_per_ngram > stage.common_limit())
            write_table(env.workdir / COMMON_FILE, pa.table({"id": pa.array(found, pa.int64())}))
            return {"common": len(found)}

        n_common = int(runner.once("common", common)["common"])
        decided = [d for d in runner.map("decide", env.units) if d]
        self._summary = stage._facts(
            n_common,
            sum(d["only_common"] for d in decided),
            sum(d["removed"] for d in decided),
        )
        for note in self._summary["notes"]:
            warnings.warn(f"{self.name}: {note}", stage.warning, stacklevel=2)

    # -- tasks ------------------------------------------------------------------------

    def fit_task(
        self, step: str, index: int, params: dict[str, Any], env: FitEnv
    ) -> dict[str, Any]:
        if step == "count":
            return self._task_count(env, index)
        if step == "decide":
            return self._task_decide(env, index)
        raise ValueError(f"{self.name}: unknown fit step {step!r}")

    def _task_count(self, env: FitEnv, unit: int) -> dict[str, Any]:
        path = env.observations[unit]
        if path is None:
            return {}
        found = [b.column(0).flatten().to_numpy() for b in iter_batches(path, [IDS_COL])]
        flat = np.concatenate(found) if found else np.empty(0, np.uint32)
        ids, docs = np.unique(flat, return_counts=True)
        return {"ids": ids.tolist(), "docs": docs.tolist()}

    def _task_decide(self, env: FitEnv, unit: int) -> dict[str, Any]:
        path = env.observations[unit]
        if path is None:
            return {}
        stage = self._stage
        common_ids = pa.ipc.open_file(pa.memory_map(str(env.workdir / COMMON_FILE))).read_all()
        common = np.zeros(stage.ngram_count(), dtype=bool)
        common[common_ids.column("id").to_numpy()] = True
        batches, removed, only_common = [], 0, 0
        for b in iter_batches(path, [IDS_COL, *INTERNAL_COLUMNS]):
            out, r, o = stage.decide_batch(b, common)
            batches.append(out)
            removed, only_common = removed + r, only_common + o
        write_table(env.decisions[unit], pa.Table.from_batches(batches))
        return {"removed": removed, "only_common": only_common}
