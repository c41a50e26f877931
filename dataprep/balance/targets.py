"""Per-language targets for rebalancing a multilingual corpus (pure math, no I/O).

Every mode first gives each language a *prior share* ``p_l``:

* ``temperature``: ``p_l ∝ n_l ** alpha`` (mT5, Xue et al. 2021, "mT5: A Massively
  Multilingual Pre-trained Text-to-Text Transformer", alpha = 0.3). ``alpha = 1``
  keeps the input mix, ``alpha = 0`` is uniform.
* ``weights``: the user's target weights, normalized over the languages present.
* ``unimax``: uniform (Chung et al. 2023, "UniMax: Fairer and More Effective Language
  Sampling for Large-Scale Multilingual Pretraining").

Then the budget ``B`` is *water-filled*: ``T_l = clip(λ · p_l, lo_l, hi_l)`` with
the single ``λ`` for which ``Σ T_l = B``, where ``hi_l = min(cap_l, max_repeats ·
n_l)`` (a language cannot give more than ``max_repeats`` epochs of itself) and
``lo_l = min(minimum_l, hi_l)``. The budget a capped language cannot use goes to
the others in proportion to their prior. With uniform priors this is exactly
UniMax's allocation (small languages get at most ``max_repeats`` epochs, the rest
is shared equally); for temperature sampling it replaces mT5's unbounded
up-sampling by the same epoch limit. If even ``Σ hi_l < B`` the targets are
``hi_l`` and the budget is not reached (reported, not an error).

Amounts are in the stage's unit (documents, bytes or approximate tokens).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

MODES = ("temperature", "weights", "unimax")


@dataclass(frozen=True, kw_only=True)
class Targets:
    """Result of :func:`compute_targets`, per language."""

    prior: dict[str, float]
    """Prior share before bounds (sums to 1 over the balanced languages)."""
    amount: dict[str, float]
    """Target amount in the unit (``T_l``)."""
    budget: float
    """The budget that was asked for."""
    tolerance: float = 1e-9
    """How far ``Σ T`` may be from the budget and still count as reached (0.5 for docs)."""
    lowered: dict[str, float] = field(default_factory=dict)
    """Minimums that cannot be met, lowered to what exists within caps and repeats
    (language -> the minimum asked for; the lowered value is ``amount``'s bound)."""

    @property
    def share(self) -> dict[str, float]:
        """Target shares ``T_l / Σ T`` (sum to 1 unless every target is 0)."""
        total = sum(self.amount.values())
        return {k: (v / total if total > 0 else 0.0) for k, v in self.amount.items()}

    @property
    def budget_reached(self) -> bool:
        gap = abs(math.fsum(self.amount.values()) - self.budget)
        return gap <= max(self.tolerance, 1e-9 * self.budget)


def prior_shares(
    amounts: Mapping[str, float],
    *,
    mode: str,
    alpha: float = 0.3,
    weights: Mapping[str, float] | None = None,
) -> dict[str, float]:
    """Prior share per language of ``amounts`` (languages with amount 0 get 0)."""
    if mode == "temperature":
        raw = {k: (a**alpha if a > 0 else 0.0) for k, a in amounts.items()}
    elif mode == "unimax":
        raw = {k: (1.0 if a > 0 else 0.0) for k, a in amounts.items()}
    elif mode == "weights":
        w = weights or {}
        raw = {k: (float(w.get(k, 0.0)) if a > 0 else 0.0) for k, a in amounts.items()}
    else:
        raise ValueError(f"unknown mode {mode!r} (valid: {', '.join(MODES)})")
    total = sum(raw.values())
    return {k: (v / total if total > 0 else 0.0) for k, v in raw.items()}


def water_fill(
    prior: Mapping[str, float],
    budget: float,
    lower: Mapping[str, float],
    upper: Mapping[str, float],
) -> dict[str, float]:
    """``T_l = clip(λ p_l, lower_l, upper_l)`` with ``Σ T_l = budget`` when feasible.

    Exact: ``Σ T(λ)`` is piecewise linear and non-decreasing in ``λ``, so ``λ`` is
    found by interpolating between the sorted breakpoints ``lower_l/p_l``,
    ``upper_l/p_l``. Returns ``upper`` if the budget exceeds ``Σ upper`` and
    ``lower`` if ``Σ lower`` exceeds the budget.
    """
    keys = list(prior)

    def total(lam: float) -> float:
        return sum(min(max(lam * prior[k], lower[k]), upper[k]) for k in keys)

    if sum(upper[k] for k in keys) <= budget:
        return {k: float(upper[k]) for k in keys}
    if sum(lower[k] for k in keys) >= budget:
        return {k: float(lower[k]) for k in keys}
    points = sorted(
        {0.0}
        | {lower[k] / prior[k] for k in keys if prior[k] > 0}
        | {upper[k] / prior[k] for k in keys if prior[k] > 0}
    )
    lam = points[-1]
    prev_lam, prev_total = points[0], total(points[0])
    for point in points[1:]:
        t = total(point)
        if t >= budget:
            span = t - prev_total
            frac = (budget - prev_total) / span if span > 0 else 1.0
            lam = prev_lam + frac * (point - prev_lam)
            break
        prev_lam, prev_total = point, t
    return {k: min(max(lam * prior[k], lower[k]), upper[k]) for k in keys}


def compute_targets(
    amounts: Mapping[str, float],
    *,
    mode: str = "temperature",
    alpha: float = 0.3,
    weights: Mapping[str, float] | None = None,
    budget: float | None = None,
    caps: Mapping[str, float] | None = None,
    minimums: Mapping[str, float] | None = None,
    max_repeats: int = 1,
    capacity: Mapping[str, float] | None = None,
) -> Targets:
    """Targets for the languages in ``amounts`` (see the module docstring).

    ``budget`` defaults to ``Σ amounts`` (keep the same total). ``capacity`` replaces
    ``max_repeats · n_l`` for some languages (``und`` is not up-sampled unless asked;
    documents already copied by an earlier stage may get fewer copies). Raises
    ValueError when the minimums alone exceed the budget.
    """
    caps = caps or {}
    minimums = minimums or {}
    capacity = capacity or {}
    prior = prior_shares(amounts, mode=mode, alpha=alpha, weights=weights)
    b = float(sum(amounts.values()) if budget is None else budget)
    upper = {
        k: min(float(caps.get(k, math.inf)), float(capacity.get(k, max_repeats * float(a))))
        for k, a in amounts.items()
    }
    lower = {k: min(float(minimums.get(k, 0.0)), upper[k]) for k in amounts}
    if sum(lower.values()) > b * (1 + 1e-12):
        raise ValueError(f"per-language minimums add up to {sum(lower.values()):g} > budget {b:g}")
    lowered = {k: float(m) for k, m in minimums.items() if k in amounts and m > upper[k]}
    amount = water_fill(prior, b, lower, upper)
    return Targets(prior=prior, amount=amount, budget=b, lowered=lowered)


def round_preserving_sum(
    amount: Mapping[str, float], upper: Mapping[str, float] | None = None
) -> dict[str, float]:
    """Whole-number targets with the same rounded total (largest remainder method).

    Used for unit ``docs`` so that the output has exactly ``round(Σ T)`` documents;
    ties go to the alphabetically first language, so the result is deterministic.
    A language is never rounded up past its ``upper`` bound (a cap is a hard limit):
    the document goes to the language with the next largest remainder.
    """
    upper = upper or {}
    total = round(math.fsum(amount.values()))
    floors = {k: float(math.floor(v + 1e-9)) for k, v in amount.items()}
    short = int(total - sum(floors.values()))
    room = [k for k in amount if floors[k] + 1.0 <= upper.get(k, math.inf) + 1e-9]
    by_remainder = sorted(room, key=lambda k: (-(amount[k] - floors[k]), k))
    for k in by_remainder[: max(short, 0)]:
        floors[k] += 1.0
    return floors
