"""The partitioned fit of ``balance_v1`` (``stages/fit.py``): no per-document state on the driver.

The fit needs, per (group, category) *segment*, its amount and its capacity (a few
numbers), and then, for the one epoch a target cuts through, which documents come
first in selection order (ascending seeded hash, then input order) until the
running amount reaches the target. Steps, as executor tasks:

1. ``tally`` (one per unit): per segment the unit's documents, amount, capacity and
   amount per copy limit (``select.repeat_limits``: copies of one input document
   stay in one unit). The driver adds them up, computes the targets exactly as
   :meth:`Balance.fit` and each segment's epoch plan (``select.epoch_plan``).
2. ``pick-R`` (one per unit, R = 0..7): for every segment cut inside an epoch,
   radix selection over the units (``stages/order_stats.py``) of the seeded hash at
   which the running amount of that epoch's documents reaches the rest of the target
   (midpoint rule; for a cap, the end must fit). When several documents share that
   hash, ``pick-gid-R`` orders them by gid (input order).
   The driver then knows the cut: a (hash, gid) and whether that document is taken.
3. ``decide`` (one per unit): every document's copies from its segment's plan, the
   unit's decision file and its per-segment tallies for the summary.

Decisions and summary equal :meth:`Balance.fit`'s (tested with 1 and 2 workers and
several unit sizes). Driver memory: per segment a few numbers and, per round, 256
counters per cut segment; nothing per document.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pyarrow as pa

from dataprep.balance import observe as obs
from dataprep.balance.select import copies_of_original, epoch_plan, repeat_limits
from dataprep.io.shuffle import write_table
from dataprep.output.columns import COPIES_COL, INTERNAL_COLUMNS, REASON_COL
from dataprep.stages.fit import FitEnv, FitRunner, Shuffled, nothing_shuffled
from dataprep.stages.order_stats import radix_task, select

from .tally import REASON_DOWNSAMPLED, REASON_NOT_IN_MIX, merge_tallies, tally
from .targets import Targets

if TYPE_CHECKING:
    from .stage import Balance

#: A segment's plan: every document gets ``all`` copies, or ``min(limit, full)`` plus
#: one for those whose limit exceeds ``full`` and which come before ``cut``.
Plan = dict[str, Any]


class BalanceFit:
    """Partitioned fit of :class:`~dataprep.balance.stage.Balance` (mixin)."""

    name: str
    _summary: dict[str, Any]

    @property
    def _stage(self) -> Balance:
        return cast("Balance", self)

    # -- workers -------------------------------------------------------------------

    def shuffle(self, observations: pa.RecordBatch) -> Shuffled:
        """Nothing to shuffle: every step reads its own unit's observations."""
        return nothing_shuffled()

    def _unit(
        self, env: FitEnv, unit: int, langs: Sequence[str] | None, groups: Sequence[str] | None
    ) -> dict[str, Any] | None:
        """The unit's documents in input order: segment (by name, or global codes when
        ``langs``/``groups`` are given), size, bytes, copy limit, hash, gid, position."""
        path = env.observations[unit]
        if path is None:
            return None
        data = obs.read_observations(
            [path],
            grouped=self._stage.cfg.within is not None,
            sized=self._stage.unit in ("chars", "tokens"),
        )
        sizes, approximated = self._stage._sizes(data["bytes"], data["size"])
        most = np.array([self._stage._max_repeats(x) for x in data["langs"]], dtype=np.int64)
        lim = repeat_limits(data["shard"], data["row"], data["repeat"], most[data["lang_idx"]])
        lim = np.minimum(np.asarray(lim, np.int64), most[data["lang_idx"]])
        out = {
            "lang_idx": data["lang_idx"],
            "group_idx": data["group_idx"],
            "langs": data["langs"],
            "groups": data["groups"],
            "sizes": sizes,
            "bytes": data["bytes"],
            "lim": lim,
            "hash": data["hash"],
            "gid": env.offsets[unit] + np.arange(len(sizes), dtype=np.int64),
            "position": [data["shard"], data["row"], data["repeat"]],
            "approximated": approximated,
        }
        if langs is not None and groups is not None:
            lmap = np.array([langs.index(x) for x in data["langs"]], dtype=np.int64)
            gmap = np.array([groups.index(x) for x in data["groups"]], dtype=np.int64)
            out["seg"] = gmap[data["group_idx"]] * len(langs) + lmap[data["lang_idx"]]
        return out

    def _task_tally(self, env: FitEnv, unit: int) -> dict[str, Any]:
        u = self._unit(env, unit, None, None)
        if u is None:
            return {}
        n_cat = len(u["langs"])
        key = u["group_idx"] * n_cat + u["lang_idx"]
        segs = []
        for k in np.unique(key).tolist():
            sel = key == k
            s, lim = u["sizes"][sel], u["lim"][sel]
            by_limit = np.bincount(lim, weights=s, minlength=int(lim.max()) + 1)
            segs.append(
                [
                    u["groups"][k // n_cat],
                    u["langs"][k % n_cat],
                    int(sel.sum()),
                    float(s.sum()),
                    float((lim * s).sum()),
                    by_limit.tolist(),
                ]
            )
        return {"segs": segs, "approximated": u["approximated"]}

    # -- driver --------------------------------------------------------------------

    def fit_partitioned(self, runner: FitRunner) -> None:
        env = runner.env
        tallies = [t for t in runner.map("tally", env.units) if t]
        merged: dict[tuple[str, str], list[Any]] = {}
        for t in tallies:
            for group, lang, docs, amount, capacity, by_limit in t["segs"]:
                got = merged.setdefault((group, lang), [0, 0.0, 0.0, []])
                got[0] += docs
                got[1] += amount
                got[2] += capacity
                width = max(len(got[3]), len(by_limit))
                got[3] = (
                    np.pad(np.asarray(got[3], np.float64), (0, width - len(got[3])))
                    + np.pad(np.asarray(by_limit, np.float64), (0, width - len(by_limit)))
                ).tolist()
        langs = sorted({lang for _, lang in merged})
        groups = sorted({group for group, _ in merged})
        plans: dict[int, Plan] = {}
        fitted: dict[str, tuple[list[str], Targets]] = {}
        cuts: list[tuple[int, float, bool, float]] = []  # seg, rest, hard, slack
        for g, group in enumerate(groups):
            present = [lang for lang in langs if (group, lang) in merged]
            amounts = {lang: merged[group, lang][1] for lang in present}
            capacity = {lang: merged[group, lang][2] for lang in present}
            targets = self._stage._targets(amounts, capacity, group)
            for lang in present:
                seg = g * len(langs) + langs.index(lang)
                plans[seg] = self._plan(lang, targets, amounts[lang], merged[group, lang][3])
                if plans[seg].get("rest") is not None:
                    p = plans[seg]
                    cuts.append((seg, p["rest"], p["hard"], p["slack"]))
            fitted[group] = (present, targets)
        names = {"langs": langs, "groups": groups}
        self._find_cuts(runner, cuts, plans, names)
        wire = {str(k): v for k, v in plans.items()}
        units = [u for u in runner.map("decide", env.units, {**names, "plans": wire}) if u]
        per_seg: dict[int, list[dict[str, Any]]] = {}
        for u in units:
            for seg, t in u["segs"]:
                per_seg.setdefault(seg, []).append(t)
        summaries = {}
        for g, group in enumerate(groups):
            present, targets = fitted[group]
            seg_tallies = {
                lang: merge_tallies(per_seg[g * len(langs) + langs.index(lang)]) for lang in present
            }
            summaries[group] = self._stage._build_summary(seg_tallies, targets)
        self._summary = self._stage._overall(
            summaries,
            sum(u["docs"] for u in units),
            sum(u["docs_after"] for u in units),
            sum(t["approximated"] for t in tallies),
        )

    def _plan(self, lang: str, targets: Targets, amount: float, by_limit: list[float]) -> Plan:
        """How the documents of one segment get their copies (``select.copies_for_target``)."""
        if lang not in targets.amount:
            return {"all": 0, "not_in_mix": True} if self._stage._unlisted == "drop" else {"all": 1}
        target = targets.amount[lang]
        if amount <= 0.0 or target <= 0.0:
            return {"all": 1 if target > 0.0 else 0}
        hard = self._stage._capped(lang, target)
        full, rest, slack = epoch_plan(np.asarray(by_limit, np.float64), target, hard=hard)
        return {"full": full, "rest": rest, "hard": hard, "slack": slack, "cut": None}

    def _find_cuts(
        self,
        runner: FitRunner,
        cuts: Sequence[tuple[int, float, bool, float]],
        plans: dict[int, Plan],
        names: dict[str, Any],
    ) -> None:
        """Set ``plans[seg]["cut"]`` = [hash, gid or None, taken] for every cut segment:
        the first document of the cut epoch, in selection order, at which the running
        amount reaches the rest (a cap, ``hard``: passes ``rest + slack``)."""
        if not cuts:
            return
        limits = [rest + slack if hard else rest for _, rest, hard, slack in cuts]
        full = {str(c[0]): plans[c[0]]["full"] for c in cuts}
        params = {**names, "full": full}
        asked = [(c[0], x, 0.0, c[2]) for c, x in zip(cuts, limits, strict=True)]
        found = select(runner, "pick", runner.env.units, asked, params)
        ties = {
            q: [c[0], key]
            for q, (c, (key, _, _, n)) in enumerate(zip(cuts, found, strict=True))
            if n > 1
        }
        by_gid: dict[int, tuple[int, float, float, int]] = {}
        if ties:
            again = [(q, limits[q], found[q][1], cuts[q][2]) for q in ties]
            tie_params = {**params, "ties": {str(q): v for q, v in ties.items()}}
            got = select(runner, "pick-gid", runner.env.units, again, tie_params)
            by_gid = dict(zip(ties, got, strict=True))
        for q, (c, (key, before, weight, _)) in enumerate(zip(cuts, found, strict=True)):
            gid = None
            if q in by_gid:
                gid, before, weight, _ = by_gid[q]
            taken = (not c[2]) and before + weight / 2.0 < c[1]
            plans[c[0]]["cut"] = [key, gid, bool(taken)]

    # -- tasks ------------------------------------------------------------------------

    def fit_task(
        self, step: str, index: int, params: dict[str, Any], env: FitEnv
    ) -> dict[str, Any]:
        if step == "tally":
            return self._task_tally(env, index)
        if step.startswith("pick-"):
            by_gid = "-gid-" in step
            return radix_task(index, params, lambda u: self._pick_keys(env, u, params, by_gid))
        if step == "decide":
            return self._task_decide(env, index, params)
        raise ValueError(f"{self.name}: unknown fit step {step!r}")

    def _pick_keys(
        self, env: FitEnv, unit: int, params: dict[str, Any], by_gid: bool
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The unit's keys (hash, or gid among a shared hash), query groups and sizes."""
        u = self._unit(env, unit, params["langs"], params["groups"])
        if u is None:
            return np.empty(0, np.uint64), np.empty(0, np.int64), np.empty(0)
        full = {int(k): v for k, v in params["full"].items()}
        seg = u["seg"]
        inside = np.zeros(len(seg), dtype=bool)
        for s, f in full.items():
            inside |= (seg == s) & (u["lim"] > f)
        if not by_gid:
            return u["hash"], np.where(inside, seg, -1), u["sizes"]
        group = np.full(len(seg), -1, dtype=np.int64)
        for q, (s, key) in params["ties"].items():
            group[inside & (seg == s) & (u["hash"] == np.uint64(key))] = int(q)
        return u["gid"].astype(np.uint64), group, u["sizes"]

    def _task_decide(self, env: FitEnv, unit: int, params: dict[str, Any]) -> dict[str, Any]:
        u = self._unit(env, unit, params["langs"], params["groups"])
        if u is None:
            return {}
        seg, sizes = u["seg"], u["sizes"]
        copies = np.ones(len(seg), dtype=np.int32)
        not_in_mix = np.zeros(len(seg), dtype=bool)
        for s in np.unique(seg).tolist():
            copies[seg == s] = _copies(params["plans"][str(s)], u, seg == s)
            not_in_mix[seg == s] = bool(params["plans"][str(s)].get("not_in_mix"))
        position = u["position"]
        totals = copies_of_original(position[0], position[1], position[2], copies)
        segs = [
            [s, tally(copies[seg == s], u["bytes"][seg == s], sizes[seg == s], totals[seg == s])]
            for s in np.unique(seg).tolist()
        ]
        downsampled = np.where(copies == 0, REASON_DOWNSAMPLED, None)  # type: ignore[call-overload]
        reason = np.where(not_in_mix, REASON_NOT_IN_MIX, downsampled)
        result = {"segs": segs, "docs": len(seg), "docs_after": int(copies.sum())}
        copies[copies == 0] = 1
        cols = [pa.array(a) for a in position]
        cols.append(pa.array(reason.tolist(), pa.string()))
        cols.append(pa.array(copies, pa.int32()))
        table = pa.Table.from_arrays(cols, [*INTERNAL_COLUMNS, REASON_COL, COPIES_COL])
        write_table(env.decisions[unit], table)
        return result


def _copies(plan: Plan, u: dict[str, Any], sel: np.ndarray) -> np.ndarray:
    """Copies of the documents ``sel`` of one segment, by its plan."""
    if "all" in plan:
        return np.full(int(sel.sum()), plan["all"], dtype=np.int32)
    lim, sizes = u["lim"][sel], u["sizes"][sel]
    copies = np.minimum(lim, plan["full"])
    if plan["cut"] is not None:
        key, gid, taken = plan["cut"]
        h, g = u["hash"][sel], u["gid"][sel]
        key = np.uint64(key)
        if gid is None:
            before = (h < key) | ((h == key) & taken)
        else:
            before = (h < key) | ((h == key) & ((g < gid) | ((g == gid) & taken)))
        copies = copies + ((lim > plan["full"]) & before)
    out: np.ndarray = copies.astype(np.int32)
    out[sizes <= 0.0] = 1
    return out
