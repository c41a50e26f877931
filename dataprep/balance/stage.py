"""``balance_v1``: rebalance the mix of a corpus by language or any category (global stage).

``column`` names the categorical column to balance (default ``lang``; e.g. a
``domain`` column from the input, or ``S__label`` written by ``classifier_v1``), so a
recipe can ask for a Llama 3-style mix: ``mode: weights``, ``weights: {general: 0.50,
math: 0.25, code: 0.17, multilingual: 0.08}``. ``within`` balances separately inside
each value of another column (nested balancing: a first ``balance_v1`` fixes the
language mix, a second with ``column: domain, within: lang`` sets the domain mix
inside every language and keeps each language's amount). ``budget: exact_mix`` asks
for the largest output that reaches the target shares exactly within
``max_repeats`` and ``caps`` (the usual choice for a down-sampling-only mix; per
group with ``within``). Everything below says "language" for the balanced category.

``observe`` (workers) records, per document, its language (``ctx.lang_column``,
written by ``fasttext_langid_v1``), its size in UTF-8 bytes (and in the unit) and a
selection hash ``xxhash64(id, seed=ctx.seed)`` of the value in ``ctx.id_column`` (the
text is hashed instead when the input has no id column or the id is null: see
:mod:`dataprep.balance.observe`). The fit totals each
language, computes targets (:mod:`dataprep.balance.targets`) and turns them into
copies per document (:mod:`dataprep.balance.select`): down-sampled documents get
reason ``balance_downsampled``; up-sampled ones get ``copies`` > 1 (an input document
never more than ``max_repeats`` in all; ``und`` none unless ``upsample_und``); caps
are never passed. The engine gives copies distinct ids (:mod:`dataprep.engine.copies`).
Unit ``chars`` counts Unicode code points (UniMax's unit, and its default: bytes would
halve the share of scripts with 3-byte characters). Unit
``tokens`` reads the ``n_tokens`` column (``tokens_v1``) exactly; documents without
it are approximated as UTF-8 bytes / 4 and a note counts them.

Note: with ``max_repeats = 1`` and the default budget (the corpus size) nothing
can change, since no language may grow; set ``budget`` below the corpus size or
raise ``max_repeats``. ``fit_summary()["notes"]`` says so when it happens.

Fit (what a run uses): partitioned, as executor tasks (:mod:`dataprep.balance.partitioned`):
per-unit tallies, the targets on the driver, the cut of each category's last epoch
found by radix selection over the seeded hashes, copies decided per unit. Driver
memory: a few numbers per (group, category) and 256 counters per cut category
during the selection rounds; nothing per document. A task holds one unit's
observations (~60 bytes per document). The single-process :meth:`Balance.fit` (the
reference the tests compare with) holds about fifteen numbers per document (~120
bytes) in the driver.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast

import numpy as np
import pyarrow as pa

from dataprep.balance import observe as obs
from dataprep.balance.partitioned import BalanceFit
from dataprep.balance.select import (
    copies_for_target,
    copies_of_original,
    repeat_limits,
    selection_order,
)
from dataprep.balance.tally import AFTER, REASON_DOWNSAMPLED, REASON_NOT_IN_MIX, tally
from dataprep.balance.targets import (
    MODES,
    Targets,
    compute_targets,
    prior_shares,
    round_preserving_sum,
)
from dataprep.errors import ConfigError
from dataprep.output.columns import (
    COPIES_COL,
    INTERNAL_COLUMNS,
    LANG_COLUMN,
    MAX_COPIES,
    REASON_COL,
)
from dataprep.recipe.registry import register
from dataprep.stages.base import GlobalStage, StageConfig

REASONS = (REASON_DOWNSAMPLED, REASON_NOT_IN_MIX)
UNITS = ("docs", "bytes", "chars", "tokens")
_BYTES_PER_TOKEN = 4
_OUT_BATCH = 1 << 16


@dataclass(frozen=True, kw_only=True)
class BalanceConfig(StageConfig):
    """Options of ``balance_v1``. Keys must match the values of the balanced column."""

    column: str | None = None
    """Categorical column to balance; ``None`` = the language column (``lang``)."""
    within: str | None = None
    """Balance separately inside each value of this column (e.g. ``lang``)."""

    mode: Literal["temperature", "weights", "unimax"] = "temperature"
    """How prior shares are set (see :mod:`dataprep.balance.targets`)."""
    alpha: float = 0.3
    """Temperature exponent, ``p_l ∝ n_l ** alpha`` (mT5: 0.3)."""
    weights: Mapping[str, float] = field(default_factory=dict)
    """Target weights per language for mode ``weights`` (normalized to sum to 1)."""
    unlisted: Literal["drop", "keep"] | None = None
    """Mode ``weights`` only: languages without a weight are dropped (the default) or
    kept as they are (outside the budget, which covers the listed languages)."""
    unit: Literal["docs", "bytes", "chars", "tokens"] | None = None
    """What is counted: documents, UTF-8 bytes, characters (Unicode code points), or
    tokens (the ``n_tokens`` column written by ``tokens_v1``, exact; approximated as
    UTF-8 bytes / 4 where it is missing, with a note). Default: ``chars`` for mode
    ``unimax`` (UniMax allocates characters), ``bytes`` otherwise."""
    budget: float | Literal["exact_mix"] | None = None
    """Total output amount in the unit; ``None`` = input amount of the balanced languages;
    ``exact_mix`` = the largest amount that reaches the target shares exactly."""
    caps: Mapping[str, float] = field(default_factory=dict)
    """Maximum amount per language (in the unit): a hard limit, never passed by rounding
    to whole documents."""
    minimums: Mapping[str, float] = field(default_factory=dict)
    """Minimum target amount per language (in the unit; limited by what exists)."""
    upsample_und: bool = False
    """Whether documents without a known category (``und``: no or an undetermined
    language, merged with null; ``null`` for another column) may be up-sampled."""
    max_repeats: int = 1
    """Maximum copies of one input document in the output (1 = never up-sample), counting
    copies made by an earlier up-sampling stage (chained stages do not multiply their
    limits: the summary's ``max_copies`` is that count), at most 1000: the engine
    numbers copies in decimal digits (copy ``w`` of copy ``p`` is ``p * 1000 + w``,
    :mod:`dataprep.engine.positions`), so a 1001st copy would share a number."""

    def __post_init__(self) -> None:
        _validate(self)


def _validate(cfg: BalanceConfig) -> None:
    if cfg.mode not in MODES:
        raise ConfigError(f"mode must be one of {', '.join(MODES)}, got {cfg.mode!r}")
    if cfg.unit is not None and cfg.unit not in UNITS:
        raise ConfigError(f"unit must be one of {', '.join(UNITS)}, got {cfg.unit!r}")
    if cfg.unlisted not in (None, "drop", "keep"):
        raise ConfigError(f"unlisted must be 'drop' or 'keep', got {cfg.unlisted!r}")
    if cfg.unlisted is not None and cfg.mode != "weights":
        raise ConfigError(
            f"`unlisted` is only used with mode 'weights' (mode is {cfg.mode!r}: every "
            "language is in the mix); remove it"
        )
    if cfg.alpha < 0:
        raise ConfigError(f"alpha must be >= 0, got {cfg.alpha}")
    if not 1 <= cfg.max_repeats <= MAX_COPIES:
        raise ConfigError(f"max_repeats must be 1..{MAX_COPIES}, got {cfg.max_repeats}")
    _validate_budget(cfg)
    for name in ("weights", "caps", "minimums"):
        bad = {k: v for k, v in getattr(cfg, name).items() if not v >= 0}
        if bad:
            raise ConfigError(f"{name} must be >= 0, got {bad}")
    if cfg.mode == "weights" and not sum(cfg.weights.values()) > 0:
        raise ConfigError("mode 'weights' needs `weights` with at least one positive value")
    if cfg.mode != "weights" and cfg.weights:
        raise ConfigError(f"`weights` is only used with mode 'weights' (mode is {cfg.mode!r})")


def _validate_budget(cfg: BalanceConfig) -> None:
    if isinstance(cfg.budget, str):
        if cfg.budget != "exact_mix":
            raise ConfigError(f"budget must be a number, null or 'exact_mix', got {cfg.budget!r}")
    elif cfg.budget is not None and cfg.budget < 0:
        raise ConfigError(f"budget must be >= 0, got {cfg.budget}")
    if cfg.within is not None and cfg.budget not in (None, "exact_mix"):
        raise ConfigError("with `within`, budget must be null (each group's amount) or exact_mix")
    if cfg.within is not None and cfg.within == (cfg.column or LANG_COLUMN):
        raise ConfigError(f"`within` must differ from the balanced column ({cfg.within!r})")


@register("balance_v1")
class Balance(BalanceFit, GlobalStage[BalanceConfig]):
    """Temperature / weights / UniMax rebalancing of languages or any category column."""

    @property
    def cfg(self) -> BalanceConfig:
        """Short name for ``self.config`` (used throughout this module)."""
        return self.config

    @property
    def column(self) -> str:
        """The balanced column."""
        return self.cfg.column or self.ctx.lang_column

    @property
    def unit(self) -> str:
        """What is counted: ``docs``, ``bytes`` or ``tokens``."""
        if self.cfg.unit is not None:
            return self.cfg.unit
        return "chars" if self.cfg.mode == "unimax" else "bytes"

    def required_columns(self) -> Sequence[str]:
        extra = (self.cfg.within,) if self.cfg.within is not None else ()
        return (self.ctx.text_column, self.column, *extra)

    def may_copy(self) -> bool:
        return self.cfg.max_repeats > 1

    def observe(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        return obs.observe_batch(
            batch, self.ctx, column=self.column, within=self.cfg.within, unit=self.unit
        )

    # -- driver ------------------------------------------------------------------
    def _sizes(self, nbytes: np.ndarray, size: np.ndarray | None) -> tuple[np.ndarray, int]:
        """Each document's size in the unit, and how many token counts were approximated
        (bytes / 4, for documents without ``n_tokens``)."""
        if self.unit == "docs":
            return np.ones(nbytes.size, dtype=np.float64), 0
        if self.unit == "bytes" or size is None:
            return nbytes.astype(np.float64), 0
        missing = np.isnan(size)
        return np.where(missing, nbytes / _BYTES_PER_TOKEN, size), int(missing.sum())

    def fit(self, observations: Sequence[Path], workdir: Path) -> Iterator[pa.RecordBatch]:
        data = obs.read_observations(
            observations,
            grouped=self.cfg.within is not None,
            sized=self.unit in ("chars", "tokens"),
        )
        langs: list[str] = data["langs"]
        groups: list[str] = data["groups"]
        n_cat = len(langs)
        key = data["group_idx"] * n_cat + data["lang_idx"]
        order = selection_order(key, data["hash"], data["shard"], data["row"], data["repeat"])
        nbytes = data["bytes"][order]
        sizes, approximated = self._sizes(
            nbytes, None if data["size"] is None else data["size"][order]
        )
        bounds = np.searchsorted(key[order], np.arange(len(groups) * n_cat + 1))
        position = [data[c][order] for c in ("shard", "row", "repeat")]
        most = np.array([self._max_repeats(lang) for lang in langs], dtype=np.int64)
        limits = repeat_limits(position[0], position[1], position[2], most[data["lang_idx"][order]])

        copies = np.ones(order.size, dtype=np.int32)
        not_in_mix = np.zeros(order.size, dtype=bool)
        fitted: dict[str, tuple[dict[str, slice], Targets]] = {}
        for g, group in enumerate(groups):
            segs = {
                lang: slice(bounds[g * n_cat + i], bounds[g * n_cat + i + 1])
                for i, lang in enumerate(langs)
                if bounds[g * n_cat + i + 1] > bounds[g * n_cat + i]
            }
            amounts = {lang: float(sizes[seg].sum()) for lang, seg in segs.items()}
            capacity = {lang: float((limits[seg] * sizes[seg]).sum()) for lang, seg in segs.items()}
            targets = self._targets(amounts, capacity, group)
            for lang, seg in segs.items():
                if lang in targets.amount:
                    copies[seg] = copies_for_target(
                        sizes[seg],
                        targets.amount[lang],
                        self._max_repeats(lang),
                        hard=self._capped(lang, targets.amount[lang]),
                        limits=limits[seg],
                    )
                elif self._unlisted == "drop":
                    copies[seg] = 0
                    not_in_mix[seg] = True
            fitted[group] = (segs, targets)
        totals = copies_of_original(position[0], position[1], position[2], copies)
        summaries = {
            group: self._build_summary(
                {
                    lang: tally(copies[s], nbytes[s], sizes[s], totals[s])
                    for lang, s in segs.items()
                },
                targets,
            )
            for group, (segs, targets) in fitted.items()
        }
        downsampled = np.where(copies == 0, REASON_DOWNSAMPLED, None)  # type: ignore[call-overload]
        reason = np.where(not_in_mix, REASON_NOT_IN_MIX, downsampled)
        self._summary = self._overall(summaries, copies.size, int(copies.sum()), approximated)
        copies[copies == 0] = 1  # dropped rows carry a reason; copies must be >= 1

        internal = position
        for start in range(0, order.size, _OUT_BATCH):
            stop = min(start + _OUT_BATCH, order.size)
            cols = [pa.array(a[start:stop]) for a in internal]
            cols.append(pa.array(reason[start:stop].tolist(), pa.string()))
            cols.append(pa.array(copies[start:stop], pa.int32()))
            yield pa.RecordBatch.from_arrays(cols, [*INTERNAL_COLUMNS, REASON_COL, COPIES_COL])

    def _budget(self, balanced: dict[str, float], capacity: dict[str, float]) -> float | None:
        """The budget for one group: as configured, or the largest exact mix."""
        if self.cfg.budget != "exact_mix":
            return cast("float | None", self.cfg.budget)
        prior = prior_shares(
            balanced, mode=self.cfg.mode, alpha=self.cfg.alpha, weights=self.cfg.weights
        )
        room = [
            min(float(self.cfg.caps.get(k, np.inf)), capacity[k]) / prior[k]
            for k in balanced
            if prior[k] > 0
        ]
        return min(room) if room else 0.0

    def _targets(
        self, amounts: dict[str, float], capacity: dict[str, float], group: str
    ) -> Targets:
        balanced = {k: a for k, a in amounts.items() if self._in_mix(k)}
        try:
            targets = compute_targets(
                balanced,
                mode=self.cfg.mode,
                alpha=self.cfg.alpha,
                weights=self.cfg.weights,
                budget=self._budget(balanced, capacity),
                caps=self.cfg.caps,
                minimums=self.cfg.minimums,
                max_repeats=self.cfg.max_repeats,
                capacity=capacity,
            )
        except ValueError as e:
            where = f" ({self.cfg.within}={group})" if self.cfg.within is not None else ""
            raise ConfigError(f"{self.name}{where}: {e}") from e
        if self.unit == "docs":  # whole documents, exactly round(budget) in total
            upper = {k: min(float(self.cfg.caps.get(k, np.inf)), capacity[k]) for k in balanced}
            whole = round_preserving_sum(targets.amount, upper=upper)
            targets = dataclasses.replace(targets, amount=whole, tolerance=0.5)
        return targets

    @property
    def _unlisted(self) -> str:
        return self.cfg.unlisted or "drop"

    def _max_repeats(self, lang: str) -> int:
        """Copies one document of ``lang`` may get: 1 for the unknown category unless asked."""
        if lang == self._unknown and not self.cfg.upsample_und:
            return 1
        return self.cfg.max_repeats

    @property
    def _unknown(self) -> str:
        """The category of documents without a value: ``und`` (language) or ``null``."""
        return obs.unknown_category(self.column, self.ctx)

    def _capped(self, lang: str, target: float) -> bool:
        """Whether ``lang``'s target is its cap: then the cap is a hard limit."""
        cap = self.cfg.caps.get(lang)
        return cap is not None and target >= float(cap) * (1 - 1e-12)

    def _in_mix(self, lang: str) -> bool:
        return self.cfg.mode != "weights" or lang in self.cfg.weights

    def _build_summary(
        self, tallies: dict[str, dict[str, Any]], targets: Targets
    ) -> dict[str, Any]:
        """Per-category facts and notes of one group (the whole corpus without ``within``),
        from each category's :func:`tally`."""
        share = targets.share
        per_lang: dict[str, dict[str, Any]] = {}
        for lang, t in tallies.items():
            status = "balanced" if lang in targets.amount else f"not_in_mix_{self._unlisted}"
            per_lang[lang] = {
                "status": status,
                "docs_before": t["docs_before"],
                "bytes_before": t["bytes_before"],
                "amount_before": t["amount_before"],
                "prior_share": targets.prior.get(lang),
                "target_share": share.get(lang),
                "target_amount": targets.amount.get(lang),
                **{k: t[k] for k in AFTER},
            }
        _add_shares(per_lang)
        notes = []
        before = {k: v["amount_before"] for k, v in per_lang.items() if k in targets.amount}
        if targets.amount and all(
            abs(targets.amount[k] - before[k]) <= 1e-9 * max(before[k], 1.0) for k in before
        ):
            notes.append(
                "targets equal the input amounts: nothing was rebalanced (with max_repeats=1 "
                "the budget must be below the corpus size for the mix to change; "
                "budget: exact_mix does that)"
            )
        notes += self._silent_notes(per_lang, targets)
        most = max((v["max_copies"] for v in per_lang.values()), default=0)
        if most > self.cfg.max_repeats:
            notes.append(
                f"an earlier up-sampling stage already gave some documents more than "
                f"max_repeats={self.cfg.max_repeats} copies (up to {most} of one input "
                "document); they were not multiplied further"
            )
        unknown = self._unknown
        if unknown in targets.amount and self.cfg.max_repeats > 1 and not self.cfg.upsample_und:
            notes.append(
                f"{unknown!r} ({per_lang[unknown]['docs_before']} documents without a known "
                f"{self.column}) is not up-sampled (at most 1 copy); upsample_und: true allows it"
            )
        if not targets.budget_reached:
            notes.append(
                f"budget {targets.budget:g} not reached: only {sum(targets.amount.values()):g} "
                "is available within caps and max_repeats"
            )
        return {
            "budget": targets.budget,
            "budget_reached": targets.budget_reached,
            "docs_before": int(sum(v["docs_before"] for v in per_lang.values())),
            "docs_after": int(sum(v["docs_after"] for v in per_lang.values())),
            "categories": per_lang,
            "notes": notes,
        }

    def _silent_notes(self, per_lang: dict[str, dict[str, Any]], targets: Targets) -> list[str]:
        """What the targets quietly changed from what the recipe asked for."""
        notes = []
        for lang, asked in sorted(targets.lowered.items()):
            notes.append(
                f"minimum for {lang!r} ({asked:g} {self.unit}) cannot be met: only "
                f"{targets.amount[lang]:g} exist within caps and max_repeats; lowered to that"
            )
        absent_min = sorted(set(self.cfg.minimums) - set(per_lang))
        if absent_min:
            notes.append(f"minimums for categories with no documents ignored: {absent_min}")
        absent = sorted(k for k, w in self.cfg.weights.items() if w > 0 and k not in per_lang)
        if absent:
            shares = ", ".join(f"{k}={v:.3f}" for k, v in sorted(targets.prior.items()))
            notes.append(
                f"weights for categories with no documents dropped: {absent}; the others "
                f"renormalised to {shares}"
            )
        kept = {k: v for k, v in per_lang.items() if v["status"] == "not_in_mix_keep"}
        if kept:
            extra = sum(v["amount_before"] for v in kept.values())
            notes.append(
                f"the budget ({targets.budget:g} {self.unit}) covers only the listed "
                f"categories; {len(kept)} unlisted ones kept as they are ({sorted(kept)}) "
                f"add {extra:g} {self.unit}, {sum(targets.amount.values()) + extra:g} in all"
            )
        return notes

    def _overall(
        self,
        groups: dict[str, dict[str, Any]],
        docs_before: int,
        docs_after: int,
        approximated: int,
    ) -> dict[str, Any]:
        """The fit summary: the single group's facts, or one entry per group with ``within``.

        Balancing the language column keeps the key ``languages`` (what the report reads).
        """
        out = self._overall_facts(groups, docs_before, docs_after)
        if approximated:
            out["notes"].append(
                f"tokens approximated as UTF-8 bytes / 4 for {approximated} of {docs_before} "
                f"documents (no {obs.N_TOKENS!r} column): put tokens_v1 before this stage "
                "for exact counts"
            )
        return out

    def _overall_facts(
        self, groups: dict[str, dict[str, Any]], docs_before: int, docs_after: int
    ) -> dict[str, Any]:
        head: dict[str, Any] = {
            "mode": self.cfg.mode,
            "unit": self.unit,
            "alpha": self.cfg.alpha if self.cfg.mode == "temperature" else None,
            "max_repeats": self.cfg.max_repeats,
        }
        if self.column != self.ctx.lang_column or self.cfg.within is not None:
            head["column"] = self.column
        if self.cfg.within is not None:
            notes = [f"{self.cfg.within}={g}: {n}" for g, s in groups.items() for n in s["notes"]]
            return {
                **head,
                "within": self.cfg.within,
                "docs_before": docs_before,
                "docs_after": docs_after,
                "groups": groups,
                "notes": notes,
            }
        only = next(iter(groups.values()), None)
        if only is None:
            only = self._build_summary({}, compute_targets({}))
        key = "languages" if self.column == self.ctx.lang_column else "categories"
        return {
            **head,
            "budget": only["budget"],
            "budget_reached": only["budget_reached"],
            "docs_before": docs_before,
            "docs_after": docs_after,
            key: only["categories"],
            "notes": only["notes"],
        }


def _add_shares(per_lang: dict[str, dict[str, Any]]) -> None:
    """``share_before``/``share_after``: each category's share of the amount in the stage's
    unit, so that they compare with ``target_share`` (document shares would not: in
    bytes a 15-point gap appeared that was not there)."""
    before = sum(v["amount_before"] for v in per_lang.values())
    after = sum(v["amount_after"] for v in per_lang.values())
    for v in per_lang.values():
        v["share_before"] = v["amount_before"] / before if before > 0 else 0.0
        v["share_after"] = v["amount_after"] / after if after > 0 else 0.0


__all__ = ["REASONS", "Balance", "BalanceConfig"]
