"""Per-document copies from a target: exact small cases and properties."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from dataprep.balance.select import copies_for_target


def test_downsample_docs_keeps_smallest_hashes() -> None:
    assert copies_for_target(np.ones(10), 3, 1).tolist() == [1, 1, 1] + [0] * 7


def test_docs_target_rounds_to_nearest() -> None:
    assert copies_for_target(np.ones(10), 3.4, 1).sum() == 3
    assert copies_for_target(np.ones(10), 3.6, 1).sum() == 4


def test_upsample_docs() -> None:
    # 25 from 10 docs: two full epochs and five more.
    assert copies_for_target(np.ones(10), 25, 3).tolist() == [3] * 5 + [2] * 5


def test_bytes_midpoint_rule() -> None:
    # Midpoints 2, 5, 9, 16: a 7-byte target keeps the first two documents (6 bytes).
    assert copies_for_target(np.array([4.0, 2, 6, 8]), 7, 1).tolist() == [1, 1, 0, 0]


def test_zero_size_documents_and_zero_target() -> None:
    assert copies_for_target(np.array([0.0, 5, 0]), 5, 2).tolist() == [1, 1, 1]
    assert copies_for_target(np.array([0.0, 5, 0]), 0, 2).tolist() == [0, 0, 0]
    assert copies_for_target(np.zeros(0), 5, 1).tolist() == []


sizes_st = st.lists(st.integers(1, 10_000), min_size=1, max_size=200)


@settings(max_examples=300, deadline=None)
@given(sizes_st, st.floats(0, 6), st.integers(1, 5))
def test_copies_properties(sizes: list[int], frac: float, max_repeats: int) -> None:
    s = np.array(sizes, dtype=np.float64)
    target = frac * s.sum()
    c = copies_for_target(s, target, max_repeats)
    assert c.min() >= 0
    assert c.max() <= max_repeats
    assert np.all(np.diff(c) <= 0)  # smaller hash first: never fewer copies than a later doc
    achieved = float((c * s).sum())
    reachable = min(target, max_repeats * s.sum())
    assert abs(achieved - reachable) <= s.max() / 2 + 1e-6


def test_hard_target_is_never_passed() -> None:
    # Ends 100, 200, ..., a 1,080 cap: the midpoint rule takes 11 documents (1,100);
    # a hard limit takes 10 (1,000), the most that fits.
    sizes = np.full(20, 100.0)
    assert copies_for_target(sizes, 1080, 1).sum() == 11
    assert copies_for_target(sizes, 1080, 1, hard=True).sum() == 10
    assert copies_for_target(sizes, 1000, 1, hard=True).sum() == 10
    # Up-sampling: 2.5 epochs under a hard 2,550 limit are 25 copies, never 26.
    assert copies_for_target(np.full(10, 100.0), 2550, 3, hard=True).sum() == 25


@settings(max_examples=300, deadline=None)
@given(sizes_st, st.floats(0, 6), st.integers(1, 5))
def test_hard_copies_stay_within_target_and_one_document(
    sizes: list[int], frac: float, max_repeats: int
) -> None:
    s = np.array(sizes, dtype=np.float64)
    target = frac * s.sum()
    c = copies_for_target(s, target, max_repeats, hard=True)
    achieved = float((c * s).sum())
    assert achieved <= target * (1 + 1e-9)
    assert achieved >= min(target, max_repeats * s.sum()) - s.max() - 1e-6
