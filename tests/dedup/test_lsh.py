"""Bands x rows choice, band keys and bucket edges."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dataprep.dedup.lsh import (
    band_keys,
    bands_for_recall,
    bucket_edges,
    bucket_pairs,
    collision_probability,
    optimal_bands,
    unique_edges,
)
from dataprep.dedup.stages import MinHashDedup
from dataprep.errors import ConfigError


def test_balanced_weights_reproduce_datasketch_choice() -> None:
    # datasketch MinHashLSH(threshold=0.8, num_perm=128) picks 9 x 13 (FACTS)
    assert optimal_bands(0.8, 128, 0.5) == (9, 13)


def test_default_catches_a_pair_at_the_threshold_with_probability_099() -> None:
    bands, rows = MinHashDedup.Config().band_params()
    assert (bands, rows) == (16, 6)
    assert collision_probability(0.8, bands, rows) >= 0.99
    assert MinHashDedup.Config(threshold=0.7).band_params() == bands_for_recall(0.7, 128, 0.99)
    b7, r7 = MinHashDedup.Config(threshold=0.7).band_params()
    assert collision_probability(0.7, b7, r7) >= 0.99


def test_weighted_choice_is_still_available() -> None:
    assert MinHashDedup.Config(min_recall=None).band_params() == (16, 8)
    with pytest.raises(ConfigError, match="min_recall"):
        MinHashDedup.Config(min_recall=1.5)


def test_explicit_bands_rows_and_validation() -> None:
    assert MinHashDedup.Config(bands=32, rows=4).band_params() == (32, 4)
    with pytest.raises(ConfigError):
        MinHashDedup.Config(bands=32, rows=5)
    with pytest.raises(ConfigError):
        MinHashDedup.Config(bands=8)
    with pytest.raises(ConfigError):
        MinHashDedup.Config(threshold=1.0)


def test_band_keys_equal_iff_band_equal() -> None:
    rng = np.random.default_rng(0)
    sigs = rng.integers(0, 2**32, (3, 16), dtype=np.uint32)
    sigs[1, :4] = sigs[0, :4]
    keys = band_keys(sigs, 4, 4)
    assert keys[0, 0] == keys[1, 0]
    assert (keys[0, 1:] != keys[1, 1:]).all() and (keys[2] != keys[0]).all()
    # the same values in different bands give different keys
    same = np.tile(sigs[:1, :4], (1, 4))
    k = band_keys(same, 4, 4)
    assert len(set(k[0].tolist())) == 4


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 5), st.integers(0, 40)), max_size=60, unique_by=lambda x: x)
)
def test_bucket_edges_connect_exactly_each_bucket(rows: list[tuple[int, int]]) -> None:
    keys = np.array([k for k, _ in rows], dtype=np.uint64)
    ids = np.array([g for _, g in rows], dtype=np.int64)
    u, v = bucket_edges(keys, ids)
    assert (u < v).all()
    assert len(u) <= 2 * len(rows)
    # order of rows does not matter
    perm = np.random.default_rng(1).permutation(len(rows))
    u2, v2 = bucket_edges(keys[perm], ids[perm])
    n = 41
    assert np.array_equal(*(np.sort(a.astype(np.int64) * n + b) for a, b in ((u, v), (u2, v2))))
    # every edge joins two ids that share a key
    by_id: dict[int, set[int]] = {}
    for k, g in rows:
        by_id.setdefault(g, set()).add(k)
    assert all(by_id[a] & by_id[b] for a, b in zip(u.tolist(), v.tolist(), strict=True))


def test_unique_edges() -> None:
    u, v = unique_edges(np.array([3, 1, 3]), np.array([4, 2, 4]), 10)
    assert u.tolist() == [1, 3] and v.tolist() == [2, 4]


def test_bucket_pairs_give_every_pair_of_small_buckets_oriented_by_rank() -> None:
    keys = np.array([7, 7, 7, 9, 9, 5], dtype=np.uint64)
    ids = np.array([0, 1, 2, 3, 4, 5])
    rank = np.array([2, 0, 1, 4, 3, 5])
    u, v = bucket_pairs(keys, ids, rank, cap=3)
    assert sorted(zip(u.tolist(), v.tolist(), strict=True)) == [(1, 0), (1, 2), (2, 0), (4, 3)]


def test_bucket_pairs_of_a_large_bucket_are_a_star_and_a_chain_from_the_best_ranked() -> None:
    ids = np.arange(6)
    keys = np.zeros(6, dtype=np.uint64)
    rank = np.array([5, 4, 3, 2, 1, 0])
    u, v = bucket_pairs(keys, ids, rank, cap=3)
    pairs = set(zip(u.tolist(), v.tolist(), strict=True))
    assert {(5, d) for d in range(5)} <= pairs
    assert {(d + 1, d) for d in range(5)} <= pairs
    assert len(pairs) <= 2 * 5
