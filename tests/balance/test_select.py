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


def test_limits_per_document() -> None:
    # Epoch 0 holds all four documents, epoch 1 only those whose limit is 2 or more.
    limits = np.array([1, 2, 3, 1])
    assert copies_for_target(np.ones(4), 6, 3, limits=limits).tolist() == [1, 2, 2, 1]
    assert copies_for_target(np.ones(4), 100, 3, limits=limits).tolist() == [1, 2, 3, 1]


def test_repeat_limits_split_max_repeats_among_existing_copies() -> None:
    from dataprep.balance.select import repeat_limits

    shard = np.zeros(6, dtype=np.int32)
    row = np.array([7, 7, 7, 8, 9, 9])
    repeat = np.array([2, 0, 1, 0, 1, 0])
    limits = repeat_limits(shard, row, repeat, np.full(6, 5))
    # Row 7: three copies share 5 (2, 2, 1 by copy number); row 8 has all 5; row 9: 3, 2.
    assert limits.tolist() == [1, 2, 2, 5, 2, 3]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(st.integers(1, 1000), st.integers(1, 4)), min_size=1, max_size=100),
    st.floats(0, 5),
    st.booleans(),
)
def test_copies_never_pass_limits_and_fill_the_capacity(
    docs: list[tuple[int, int]], frac: float, hard: bool
) -> None:
    s = np.array([d[0] for d in docs], dtype=np.float64)
    limits = np.array([d[1] for d in docs])
    capacity = float((s * limits).sum())
    target = frac * s.sum()
    c = copies_for_target(s, target, 4, hard=hard, limits=limits)
    assert np.all(c <= limits)
    achieved = float((c * s).sum())
    reachable = min(target, capacity)
    slack = s.max() if hard else s.max() / 2
    assert abs(achieved - reachable) <= slack + 1e-6
    if hard:
        assert achieved <= target * (1 + 1e-9)
