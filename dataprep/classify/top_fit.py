"""Partitioned fit of ``classifier_top_v1`` (``stages/fit.py``): no per-document driver state.

The fit keeps, in each group (``within``), the first ``k`` scored documents by score
(highest first), ties broken by input order (:mod:`.top`). It needs each group's
``k``-th document in that order, never all the scores. Steps, as executor tasks:

1. ``groups`` (one per work unit): per group, the unit's documents and scored
   documents. The driver adds them up and computes each group's ``k``.
2. ``cut-R`` (R = 0..7): radix selection over the units (``stages/order_stats.py``)
   of the key of ``0 - score`` at rank ``k - 1`` of each group (its score is the
   group's cutoff) and, in the same rounds, of the scores at the ranks the summary's
   quantiles read (``order_stats.quantile``: numpy's interpolation, bit for bit).
3. ``tie-R`` (only when documents share the cutoff score and not all of them are
   kept): radix selection of the gid (input order) of the last kept one among them
   (R = 0..2 up to 16M documents: gids need fewer than 8 bytes).
4. ``decide`` (one per work unit): the unit's decisions and its kept documents per
   group for the summary.

Decisions and summary equal :meth:`ClassifierTopStage.fit`'s (tested with 1 and 2
workers, several unit sizes, many tied scores). Driver memory: per group a few
numbers and, per round, 256 counters per query; nothing per document.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from dataprep.io.shuffle import write_table
from dataprep.stages.fit import FitEnv, FitRunner, Shuffled, nothing_shuffled
from dataprep.stages.order_stats import (
    float_keys,
    key_floats,
    quantile,
    quantile_ranks,
    radix_task,
    rounds_for,
    select,
    top_keys,
)

from .top import keep_count

if TYPE_CHECKING:
    from .stage import ClassifierTopStage

#: The summary's score quantiles, in percent.
QUANTILES = (1, 10, 50, 90, 99)


class ClassifierTopFit:
    """Partitioned fit of :class:`~dataprep.classify.stage.ClassifierTopStage` (mixin)."""

    name: str
    _summary: dict[str, Any]

    @property
    def _stage(self) -> ClassifierTopStage:
        return cast("ClassifierTopStage", self)

    def shuffle(self, observations: pa.RecordBatch) -> Shuffled:
        """Nothing to shuffle: every step reads its own unit's observations."""
        return nothing_shuffled()

    # -- driver --------------------------------------------------------------------

    def fit_partitioned(self, runner: FitRunner) -> None:
        env = runner.env
        stage = self._stage
        fraction = stage.config.fraction
        counts: dict[str, list[int]] = {}
        for per_group in runner.map("groups", env.units):
            for name, (docs, scored) in per_group.items():
                got = counts.setdefault(name, [0, 0])
                got[0], got[1] = got[0] + docs, got[1] + scored
        names = sorted(counts) if stage.config.within is not None else ["all"]
        keeps = [keep_count(fraction, counts.get(n, [0, 0])[1]) for n in names]
        n_valid = sum(c[1] for c in counts.values())
        ranks = quantile_ranks(n_valid, np.array(QUANTILES) / 100) if n_valid else np.empty(0)
        queries = [(g, k - 1) for g, k in enumerate(keeps) if k]
        queries += [(-1, n_valid - 1 - int(r)) for r in ranks]
        params = {"names": names}
        found = select(runner, "cut", env.units, queries, params) if queries else []
        cut_groups = [g for g, k in enumerate(keeps) if k]
        cuts: dict[int, list[Any]] = {}
        ties: dict[int, tuple[int, int]] = {}  # query -> (group, rank among the tied)
        for q, (g, (key, before, _, n)) in enumerate(zip(cut_groups, found, strict=False)):
            cuts[g] = [key, None]
            if before + n > keeps[g]:
                ties[q] = (g, keeps[g] - int(before) - 1)
        if ties:
            rounds = rounds_for(env.documents)
            tie_params: dict[str, Any] = {
                **params,
                "ties": {str(q): [g, cuts[g][0]] for q, (g, _) in ties.items()},
                "rounds": rounds,
            }
            asked = [(q, rank) for q, (_, rank) in ties.items()]
            last = select(runner, "tie", env.units, asked, tie_params, rounds=rounds)
            for (g, _), (gid, *_) in zip(ties.values(), last, strict=True):
                cuts[g][1] = gid
        wire = {str(g): c for g, c in cuts.items()}
        decisions = runner.map("decide", env.units, {**params, "cuts": wire})
        kept = [sum(d["kept"][g] for d in decisions if d) for g in range(len(names))]
        cutoffs = {g: _score(c[0]) for g, c in cuts.items()}
        quantiles: dict[str, float] = {}
        if n_valid:
            value = {
                int(r): _score(key) for r, (key, *_) in zip(ranks, found[len(cuts) :], strict=True)
            }
            for q in QUANTILES:
                at = quantile(n_valid, q / 100, lambda r: np.array([value[x] for x in r.tolist()]))
                quantiles[f"p{q}"] = float(at)
        stats = [(*counts.get(n, [0, 0]), k) for n, k in zip(names, kept, strict=True)]
        self._summary = stage.summary_of(stats, names, cutoffs, quantiles)
        stage.set_cutoffs(names, cutoffs)

    # -- tasks ------------------------------------------------------------------------

    def fit_task(
        self, step: str, index: int, params: dict[str, Any], env: FitEnv
    ) -> dict[str, Any]:
        if step == "groups":
            return self._task_groups(env, index)
        if step.startswith("cut-"):
            return radix_task(index, params, lambda u: self._cut_keys(env, u, params))
        if step.startswith("tie-"):
            return radix_task(index, params, lambda u: self._tie_keys(env, u, params))
        if step == "decide":
            return self._task_decide(env, index, params)
        raise ValueError(f"{self.name}: unknown fit step {step!r}")

    def _unit(self, env: FitEnv, unit: int, names: list[str] | None) -> pa.Table | None:
        from .stage import read_observations

        path = env.observations[unit]
        if path is None:
            return None
        table = read_observations([path], self._stage.config.within is not None)
        if names is not None and self._stage.config.within is not None:
            group = pc.index_in(table.column("group"), value_set=pa.array(names, pa.string()))
            table = table.append_column("_g", group.cast(pa.int64()))
        return table

    def _task_groups(self, env: FitEnv, unit: int) -> dict[str, Any]:
        table = self._unit(env, unit, None)
        if table is None:
            return {}
        scores = table.column("score").to_numpy(zero_copy_only=False).astype(np.float64)
        scored = ~np.isnan(scores)  # null (unscored) reads as NaN
        if self._stage.config.within is None:
            return {"all": [table.num_rows, int(scored.sum())]}
        names, group = np.unique(np.asarray(table.column("group").to_pylist()), return_inverse=True)
        docs = np.bincount(group, minlength=len(names))
        n_scored = np.bincount(group, weights=scored, minlength=len(names)).astype(np.int64)
        return {
            str(name): [int(d), int(k)]
            for name, d, k in zip(names.tolist(), docs.tolist(), n_scored.tolist(), strict=True)
        }

    def _scored(
        self, env: FitEnv, unit: int, params: dict[str, Any]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The unit's scored documents: keys of ``0 - score``, group index, gid."""
        table = self._unit(env, unit, params["names"])
        if table is None:
            return np.empty(0, np.uint64), np.empty(0, np.int64), np.empty(0, np.int64)
        scores = table.column("score").to_numpy(zero_copy_only=False).astype(np.float64)
        group = (
            table.column("_g").to_numpy(zero_copy_only=False)
            if "_g" in table.column_names
            else np.zeros(len(scores), np.int64)
        )
        gid = env.offsets[unit] + np.arange(len(scores), dtype=np.int64)
        ok = ~np.isnan(scores)
        return float_keys(0.0 - scores[ok]), group[ok].astype(np.int64), gid[ok]

    def _cut_keys(
        self, env: FitEnv, unit: int, params: dict[str, Any]
    ) -> tuple[np.ndarray, np.ndarray, None]:
        keys, group, _ = self._scored(env, unit, params)
        return keys, group, None

    def _tie_keys(
        self, env: FitEnv, unit: int, params: dict[str, Any]
    ) -> tuple[np.ndarray, np.ndarray, None]:
        keys, group, gid = self._scored(env, unit, params)
        query = np.full(len(keys), -1, dtype=np.int64)
        for q, (g, key) in params["ties"].items():
            query[(group == g) & (keys == np.uint64(key))] = int(q)
        return top_keys(gid, params["rounds"]), query, None

    def _task_decide(self, env: FitEnv, unit: int, params: dict[str, Any]) -> dict[str, Any]:
        table = self._unit(env, unit, params["names"])
        if table is None:
            return {}
        keys, group, gid = self._scored(env, unit, params)
        scores = table.column("score").to_numpy(zero_copy_only=False).astype(np.float64)
        unscored = np.isnan(scores)
        kept_scored = np.zeros(len(keys), dtype=bool)
        for g, (key, last) in params["cuts"].items():
            key = np.uint64(key)
            at = (keys == key) if last is None else (keys == key) & (gid <= last)
            kept_scored |= (group == int(g)) & ((keys < key) | at)
        keep = np.zeros(len(scores), dtype=bool)
        keep[np.flatnonzero(~unscored)[kept_scored]] = True
        kept = np.bincount(group[kept_scored], minlength=len(params["names"]))
        batch = self._stage.decision_batch(table, keep, unscored, scores)
        write_table(env.decisions[unit], pa.Table.from_batches([batch]))
        return {"kept": kept.tolist()}


def _score(key: int) -> float:
    """The score whose ``0 - score`` has key ``key``."""
    return float(0.0 - key_floats([key])[0])
