"""The vectorized pair verification equals the per-pair exact Jaccard, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

from dataprep.dedup.jaccard import exact_jaccard, pair_jaccard, segment_index


def _store(sets: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    offsets = np.zeros(len(sets) + 1, dtype=np.int64)
    np.cumsum([len(s) for s in sets], out=offsets[1:])
    values = np.concatenate(sets) if sets else np.empty(0, np.uint64)
    return offsets, values.astype(np.uint64)


def _sets(seed: int, n: int) -> list[np.ndarray]:
    """Sorted unique uint64 sets: empty ones, copies, near copies, disjoint ones, and
    values at both ends of the uint64 range."""
    rng = np.random.default_rng(seed)
    out: list[np.ndarray] = []
    for i in range(n):
        kind = i % 5
        if kind == 0:
            s = np.empty(0, dtype=np.uint64)
        elif kind in (1, 2) and out:
            prev = out[-1]
            extra = rng.integers(0, 2**64 - 1, int(rng.integers(0, 20)), dtype=np.uint64)
            s = np.concatenate((prev[rng.random(len(prev)) < 0.8], extra))
        else:
            s = rng.integers(0, 2**64 - 1, int(rng.integers(1, 60)), dtype=np.uint64)
            s[: min(2, len(s))] = [0, 2**64 - 1][: min(2, len(s))]
        out.append(np.unique(s))
    return out


@pytest.mark.parametrize(
    ("chunk", "small", "group"),
    [
        (1, 1 << 30, 4),  # every pair batched, one pair per chunk
        (7, 1 << 30, 4),
        (100, 60, 4),  # short pairs batched, long ones grouped by anchor
        (1 << 23, 0, 4),  # every pair grouped by anchor (one pair by one below 4)
        (1 << 23, 0, 1),  # every anchor searched as a group, even of one pair
        (7, 0, 1),  # a group's partners searched a few elements at a time
        (1 << 23, 0, 1 << 30),  # every pair one by one
    ],
)
@pytest.mark.parametrize("seed", range(3))
def test_pair_jaccard_equals_exact_jaccard_pair_by_pair(
    seed: int, chunk: int, small: int, group: int
) -> None:
    """``small``: pairs up to that many hashes batched; longer ones searched grouped by
    an anchor document in at least ``group`` of them, the others one by one."""
    sets = _sets(seed, 40)
    offsets, values = _store(sets)
    rng = np.random.default_rng(seed + 10)
    u = rng.integers(0, len(sets), 300)
    v = np.where(rng.random(300) < 0.5, np.minimum(u + 1, len(sets) - 1), rng.integers(0, 40, 300))
    u[:3], v[:3] = [0, 5, 7], [0, 5, 7]  # a document with itself (empty and not)
    got = pair_jaccard(
        offsets, values, u, v, chunk_elements=chunk, small_pair=small, group_pairs=group
    )
    want = [exact_jaccard(sets[a], sets[b]) for a, b in zip(u.tolist(), v.tolist(), strict=True)]
    assert got.tolist() == want


def test_no_pairs_and_segment_index() -> None:
    offsets, values = _store(_sets(0, 5))
    assert pair_jaccard(offsets, values, np.empty(0, np.int64), np.empty(0, np.int64)).size == 0
    where, lengths = segment_index(np.array([0, 2, 2, 5]), np.array([2, 0]))
    assert where.tolist() == [2, 3, 4, 0, 1] and lengths.tolist() == [3, 2]
