"""Exact top-fraction selection: share, ties by input order, groups, unscored."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dataprep.classify.top import keep_count, top_fraction


def run(scores: list[float], fraction: float, groups: list[int] | None = None) -> list[bool]:
    n = len(scores)
    keep, _ = top_fraction(
        np.array(scores, dtype=np.float64),
        fraction,
        shard=np.zeros(n, np.int32),
        row=np.arange(n),
        repeat=np.zeros(n, np.int32),
        groups=None if groups is None else np.array(groups),
    )
    return keep.tolist()


@pytest.mark.parametrize(
    ("fraction", "n", "expected"),
    [
        (0.1, 30, 3),
        (0.1, 25, 3),
        (0.1, 24, 2),
        (0.1, 4, 0),
        (0.5, 3, 2),
        (1.0, 7, 7),
        (0.35, 10, 4),
    ],
)
def test_keep_count_rounds_half_up_on_the_decimal_fraction(
    fraction: float, n: int, expected: int
) -> None:
    assert keep_count(fraction, n) == expected


def test_highest_scores_are_kept_and_ties_go_to_the_earlier_document() -> None:
    assert run([0.1, 0.9, 0.5, 0.9, 0.2], 0.2) == [False, True, False, False, False]
    assert run([0.5] * 10, 0.3) == [True] * 3 + [False] * 7


def test_unscored_documents_are_not_ranked() -> None:
    keep = run([float("nan"), 0.2, 0.8, float("nan")], 0.5)
    assert keep == [False, False, True, False]


def test_groups_rank_separately_and_cutoffs_are_per_group() -> None:
    scores = [0.9, 0.1, 0.8, 0.2, 0.7, 0.3]
    groups = [0, 1, 0, 1, 0, 1]
    assert run(scores, 1 / 3, groups) == [True, False, False, False, False, True]
    _, cutoffs = top_fraction(
        np.array(scores),
        0.5,
        shard=np.zeros(6, np.int32),
        row=np.arange(6),
        repeat=np.zeros(6, np.int32),
        groups=np.array(groups),
    )
    assert cutoffs == {0: pytest.approx(0.8), 1: pytest.approx(0.2)}


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from([0.0, 0.25, 0.5, 0.75, 1.0]), min_size=0, max_size=60),
    st.sampled_from([0.01, 0.1, 0.25, 0.5, 0.9, 1.0]),
)
def test_keeps_exactly_the_share_and_nothing_below_a_kept_score(
    scores: list[float], fraction: float
) -> None:
    keep = run(scores, fraction)
    assert sum(keep) == keep_count(fraction, len(scores))
    kept = [s for s, k in zip(scores, keep, strict=True) if k]
    dropped = [s for s, k in zip(scores, keep, strict=True) if not k]
    if kept and dropped:
        assert min(kept) >= max(dropped)
        # among equal scores at the cutoff, earlier documents were kept
        cut = min(kept)
        tied = [k for s, k in zip(scores, keep, strict=True) if s == cut]
        assert tied == sorted(tied, reverse=True)
