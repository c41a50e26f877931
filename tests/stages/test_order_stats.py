"""Order statistics for partitioned fits: numpy's quantile rebuilt from ranks, radix
selection over many tasks, exact sums that do not depend on how values are split."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dataprep.cleaning.kl import exact_sum, exact_sum_int, float_of_exact
from dataprep.stages.fit import FitEnv, FitRunner
from dataprep.stages.order_stats import (
    float_keys,
    key_floats,
    quantile,
    radix_task,
    rounds_for,
    select,
    sorted_kth,
    top_keys,
)


@pytest.mark.parametrize("seed", range(4))
def test_quantile_from_ranks_is_numpys_bit_for_bit(seed: int) -> None:
    rng = np.random.default_rng(seed)
    for t in range(300):
        n = int(rng.integers(1, 300))
        if t % 2:
            v = np.sort(rng.integers(0, int(rng.integers(1, 50)), n).astype(np.float64))
        else:
            v = np.sort(rng.normal(size=n))
        n_bins = max(1, n // int(rng.integers(2, 60)))
        qs = np.arange(1, n_bins) / n_bins
        for q in (qs, 0.99, np.array([0.5, 0.9, 0.99])):
            want = np.asarray(np.quantile(v, q))
            assert np.array_equal(want, np.asarray(quantile(n, q, lambda r, v=v: v[r])))
        lengths, counts = np.unique(v, return_counts=True)
        assert np.array_equal(np.quantile(v, qs), quantile(n, qs, sorted_kth(lengths, counts)))


def test_float_keys_keep_the_order_and_invert() -> None:
    x = np.concatenate(
        [np.random.default_rng(0).normal(size=500) * 1e5, [0.0, np.inf, -np.inf, 5e-324, -1.5]]
    )
    k = float_keys(x)
    assert np.all(np.diff(x[np.argsort(k)]) >= 0)
    assert np.array_equal(key_floats(k).view(np.uint64), x.view(np.uint64))


@settings(max_examples=40)
@given(
    values=st.lists(st.floats(-1e300, 1e300, allow_nan=False), max_size=60),
    cut=st.integers(0, 60),
)
def test_exact_sum_is_fsum_whatever_the_split(values: list[float], cut: int) -> None:
    v = np.asarray(values, dtype=np.float64)
    try:
        want = math.fsum(values)
    except OverflowError:
        return
    assert exact_sum(v) == want
    assert float_of_exact(exact_sum_int(v[:cut]) + exact_sum_int(v[cut:])) == want


class _InlineRunner(FitRunner):
    """Runs ``radix_counts`` over in-memory shares, as the executor would over units."""

    def __init__(self, shares: list[tuple[np.ndarray, np.ndarray, np.ndarray | None]]) -> None:
        self.shares = shares
        self.steps: list[str] = []

    def map(
        self, step: str, count: int, params: Mapping[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        self.steps.append(step)
        assert params is not None
        return [radix_task(i, dict(params), self.shares.__getitem__) for i in range(count)]

    def once(self, step: str, fn: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        return fn()

    env = FitEnv(Path("."), (), (), (0,), (), 1)


@pytest.mark.parametrize("seed", range(3))
def test_radix_select_finds_every_rank_across_shares(seed: int) -> None:
    rng = np.random.default_rng(seed)
    values = np.round(rng.normal(size=400), 1)  # many ties
    groups = rng.integers(0, 3, 400)
    cuts = np.sort(rng.integers(0, 400, 3))
    shares = [
        (float_keys(v), g, None)
        for v, g in zip(np.split(values, cuts), np.split(groups, cuts), strict=True)
    ]
    runner = _InlineRunner(shares)
    queries = [(-1, 0), (-1, 399), (-1, 200), (1, 5), (2, int((groups == 2).sum()) - 1)]
    found = select(runner, "s", len(shares), queries)
    for (g, rank), (key, before, weight, count) in zip(queries, found, strict=True):
        mine = values if g < 0 else values[groups == g]
        assert key_floats([key])[0] == np.sort(mine)[rank]
        keys = float_keys(mine)  # (np.sort may flip the sign of a zero: count unsorted)
        assert before == int((keys < np.uint64(key)).sum())
        assert weight == count == int((keys == np.uint64(key)).sum())
    assert runner.steps == [f"s-{r}" for r in range(8)]


def test_weighted_select_finds_where_the_running_total_crosses() -> None:
    rng = np.random.default_rng(5)
    keys = rng.integers(0, 1 << 62, 300).astype(np.uint64)
    weights = rng.integers(0, 5, 300).astype(np.float64)
    order = np.argsort(keys)
    ends = np.cumsum(weights[order])
    shares = [(keys[i::3], np.zeros(100, np.int64), weights[i::3]) for i in range(3)]
    for target in (0.5, 17.0, float(ends[-1]) - 1):
        for strict in (True, False):
            [(key, before, weight, count)] = select(
                _InlineRunner(shares), "w", 3, [(-1, target, 0.0, strict)]
            )
            first = int(np.argmax(ends > target if strict else ends >= target))
            assert key == int(keys[order][first])
            assert before == (float(ends[first - 1]) if first else 0.0)
            assert (weight, count) == (float(weights[order][first]), 1)


def test_a_round_with_fewer_tasks_than_items_adds_up_their_ranges(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rng = np.random.default_rng(9)
    values = rng.normal(size=500)
    shares = [(float_keys(v), np.zeros(len(v), np.int64), None) for v in np.split(values, 5)]
    want = select(_InlineRunner(shares), "a", 5, [(-1, 0), (-1, 250), (-1, 499)])
    monkeypatch.setattr("dataprep.stages.order_stats.MAX_TASKS", 2)
    runner = _InlineRunner(shares)
    assert select(runner, "b", 5, [(-1, 0), (-1, 250), (-1, 499)]) == want
    assert [k for k, *_ in want] == float_keys(np.sort(values)[[0, 250, 499]]).tolist()


@pytest.mark.parametrize("count", [1, 2, 256, 257, 70_000])
def test_select_in_fewer_rounds_over_small_integers(count: int) -> None:
    """Integers below ``count`` (gids) need ``rounds_for(count)`` rounds, and the key
    found is the integer itself."""
    rng = np.random.default_rng(count)
    values = rng.integers(0, count, 300)
    rounds = rounds_for(count)
    assert 2 ** (8 * rounds) >= count and (rounds == 1 or 2 ** (8 * rounds - 8) < count)
    shares = [(top_keys(v, rounds), np.zeros(len(v), np.int64), None) for v in np.split(values, 3)]
    runner = _InlineRunner(shares)
    found = select(runner, "g", 3, [(-1, 0), (-1, 150), (-1, 299)], rounds=rounds)
    assert [k for k, *_ in found] == np.sort(values)[[0, 150, 299]].tolist()
    assert runner.steps == [f"g-{r}" for r in range(rounds)]
