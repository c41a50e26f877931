"""Target math: properties with hypothesis, exact values in small hand-computed cases."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dataprep.balance.targets import (
    compute_targets,
    prior_shares,
    round_preserving_sum,
    water_fill,
)

langs = st.sampled_from(["en", "de", "fr", "zh", "sw", "yo", "th", "und"])
amounts_st = st.dictionaries(langs, st.integers(1, 10**9).map(float), min_size=1, max_size=8)
FAST = settings(max_examples=200, deadline=None)


@FAST
@given(amounts_st, st.floats(0, 2), st.sampled_from(["temperature", "unimax"]))
def test_prior_shares_sum_to_one(amounts: dict[str, float], alpha: float, mode: str) -> None:
    prior = prior_shares(amounts, mode=mode, alpha=alpha)
    assert math.fsum(prior.values()) == pytest.approx(1.0)
    assert all(p > 0 for p in prior.values())


@FAST
@given(amounts_st, st.floats(0, 2), st.integers(1, 5), st.floats(0.01, 3))
def test_target_shares_sum_to_one_and_bounds_hold(
    amounts: dict[str, float], alpha: float, max_repeats: int, budget_frac: float
) -> None:
    budget = budget_frac * sum(amounts.values())
    t = compute_targets(amounts, alpha=alpha, budget=budget, max_repeats=max_repeats)
    assert math.fsum(t.share.values()) == pytest.approx(1.0)
    for lang, amount in t.amount.items():
        assert -1e-9 <= amount <= max_repeats * amounts[lang] * (1 + 1e-9)
    total = math.fsum(t.amount.values())
    assert total == pytest.approx(min(budget, max_repeats * sum(amounts.values())), rel=1e-9)


@FAST
@given(amounts_st, st.data())
def test_caps_and_minimums_respected(amounts: dict[str, float], data: st.DataObject) -> None:
    keys = sorted(amounts)
    caps = {k: data.draw(st.floats(0, 2 * amounts[k])) for k in keys if data.draw(st.booleans())}
    budget = sum(amounts.values()) * data.draw(st.floats(0.05, 1.0))
    room = budget / len(keys)
    mins = {k: data.draw(st.floats(0, room)) for k in keys if data.draw(st.booleans())}
    t = compute_targets(amounts, mode="unimax", budget=budget, caps=caps, minimums=mins)
    for k, v in t.amount.items():
        upper = min(caps.get(k, math.inf), amounts[k])
        assert v <= upper * (1 + 1e-9) + 1e-9
        assert v >= min(mins.get(k, 0.0), upper) * (1 - 1e-9) - 1e-9


@FAST
@given(amounts_st, st.integers(1, 4))
def test_alpha_one_reproduces_the_input_mix(amounts: dict[str, float], max_repeats: int) -> None:
    t = compute_targets(amounts, alpha=1.0, max_repeats=max_repeats)
    total = sum(amounts.values())
    for k, v in t.amount.items():
        assert v == pytest.approx(amounts[k], rel=1e-9)
        assert t.share[k] == pytest.approx(amounts[k] / total, rel=1e-9)


@FAST
@given(amounts_st)
def test_alpha_zero_is_uniform_when_nothing_binds(amounts: dict[str, float]) -> None:
    # Budget small enough that every language can give its equal share.
    budget = min(amounts.values()) * len(amounts)
    t = compute_targets(amounts, alpha=0.0, budget=budget)
    for share in t.share.values():
        assert share == pytest.approx(1 / len(amounts), rel=1e-9)


def reference_unimax(amounts: dict[str, float], budget: float, epochs: int) -> dict[str, float]:
    """Algorithm 1 of Chung et al. (2023), written independently of water_fill."""
    out, left = {}, budget
    order = sorted(amounts, key=lambda k: amounts[k])
    for i, k in enumerate(order):
        share = left / (len(order) - i)
        out[k] = min(share, amounts[k] * epochs)
        left -= out[k]
    return out


@FAST
@given(amounts_st, st.floats(0.01, 5), st.integers(1, 5))
def test_unimax_matches_the_papers_algorithm(
    amounts: dict[str, float], budget_frac: float, epochs: int
) -> None:
    budget = budget_frac * sum(amounts.values())
    t = compute_targets(amounts, mode="unimax", budget=budget, max_repeats=epochs)
    ref = reference_unimax(amounts, budget, epochs)
    for k in amounts:
        assert t.amount[k] == pytest.approx(ref[k], rel=1e-9, abs=1e-6)


def test_temperature_hand_computed() -> None:
    # sqrt(90) : sqrt(10) = 3 : 1, so 40 docs split 30 / 10.
    t = compute_targets({"en": 90.0, "de": 10.0}, alpha=0.5, budget=40)
    assert t.amount == pytest.approx({"en": 30.0, "de": 10.0})
    assert t.share == pytest.approx({"en": 0.75, "de": 0.25})


def test_capped_language_budget_goes_to_the_others() -> None:
    # Uniform 20 each; sw can give 2 docs x 3 epochs = 6, the other 14 split evenly.
    t = compute_targets({"en": 100, "de": 10, "sw": 2}, mode="unimax", budget=60, max_repeats=3)
    assert t.amount == pytest.approx({"en": 27.0, "de": 27.0, "sw": 6.0})


def test_weights_are_normalized_and_unlisted_get_zero() -> None:
    t = compute_targets(
        {"en": 100, "de": 100, "fr": 100}, mode="weights", weights={"en": 3, "de": 1}, budget=80
    )
    assert t.amount == pytest.approx({"en": 60.0, "de": 20.0, "fr": 0.0})


def test_budget_not_reachable_is_reported() -> None:
    t = compute_targets({"en": 10, "de": 10}, budget=100, max_repeats=2)
    assert t.amount == {"en": 20.0, "de": 20.0}
    assert not t.budget_reached


def test_minimums_beyond_budget_raise() -> None:
    with pytest.raises(ValueError, match="minimums"):
        compute_targets({"en": 100, "de": 100}, budget=50, minimums={"en": 40, "de": 40})


def test_water_fill_empty() -> None:
    assert water_fill({}, 0.0, {}, {}) == {}


@FAST
@given(st.dictionaries(langs, st.floats(0, 1000), min_size=1))
def test_round_preserving_sum(amount: dict[str, float]) -> None:
    whole = round_preserving_sum(amount)
    assert sum(whole.values()) == round(math.fsum(amount.values()))
    for k, v in whole.items():
        assert v == int(v)
        assert abs(v - amount[k]) < 1 + 1e-9


def test_round_preserving_sum_hand_computed() -> None:
    assert round_preserving_sum({"a": 1.5, "b": 1.5, "c": 2.0}) == {"a": 2.0, "b": 1.0, "c": 2.0}
    assert round_preserving_sum({"a": 0.3, "b": 0.3, "c": 0.4}) == {"a": 0.0, "b": 0.0, "c": 1.0}


def test_rounding_to_whole_documents_never_passes_an_upper_bound() -> None:
    amount = {"de": 10.6, "en": 20.4}
    assert round_preserving_sum(amount) == {"de": 11.0, "en": 20.0}
    assert round_preserving_sum(amount, upper={"de": 10.6}) == {"de": 10.0, "en": 21.0}
