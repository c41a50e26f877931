"""Greedy centers meets the pairs of mid-sized LSH buckets (``dedup/candidates.py``).

Pages of one site share an 80-word header and footer around a short body, so most
of their bands fall in buckets of 50-130 pages. A bucket of more than 32 pages used
to give only a star from its best-ranked page and a chain: a page whose shared
bands with every kept page it duplicates were all in such buckets was never
compared with one, and was kept (``benchmarks/bench_dedup_hard.py``: 2 of 271 true
duplicates at J >= 0.7; here 22 of 63).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.ipc as ipc
from corpus_gen import site_pages
from dedup_harness import fit_decisions, make_stage, observe_shards, shard_tables

from dataprep.dedup.candidates import (
    SCREEN_CAP,
    SCREEN_MISS,
    agreement_floor,
    first_of_pairs,
    medium_bucket_pairs,
)
from dataprep.dedup.lsh import band_keys
from dataprep.dedup.near import BUCKET_ALL_PAIRS, SHINGLE_COL, SIGNATURE_COL, signature_matrix

THRESHOLD = 0.7


def _column(paths: list[Path], name: str) -> pa.Array:
    return pa.concat_arrays(
        [ipc.open_file(p).read_all().column(name).combine_chunks() for p in paths]
    )


def _jaccard(a: frozenset[int], b: frozenset[int]) -> float:
    return len(a & b) / len(a | b)


def _brute_force_centers(sets: list[frozenset[int]], t: float) -> list[int]:
    """Keep-first center clustering over the exact Jaccard of every pair: each page's
    first kept page at J >= t, or -1."""
    center = [-1] * len(sets)
    kept: list[int] = []
    for v, s in enumerate(sets):
        center[v] = next((u for u in kept if _jaccard(s, sets[u]) >= t - 1e-12), -1)
        if center[v] < 0:
            kept.append(v)
    return center


def test_pages_whose_bands_meet_only_in_buckets_over_32_are_removed(tmp_path: Path) -> None:
    stage = make_stage("minhash_dedup_v1", threshold=THRESHOLD)
    texts = site_pages(1, 150)
    paths = observe_shards(stage, shard_tables(texts, 2), tmp_path / "obs")
    sets = [frozenset(s) for s in _column(paths, SHINGLE_COL).to_pylist()]
    center = _brute_force_centers(sets, THRESHOLD)

    # the case: true duplicates whose bands meet their center's only in buckets of 33-128
    _, sig = signature_matrix(_column(paths, SIGNATURE_COL), 128)
    bands, rows = stage.config.band_params()
    keys = band_keys(sig, bands, rows)
    size = [
        dict(zip(*np.unique(keys[:, b], return_counts=True), strict=True)) for b in range(bands)
    ]
    hidden = []
    for v, u in enumerate(center):
        shared = [size[b][keys[v, b]] for b in range(bands) if u >= 0 and keys[u, b] == keys[v, b]]
        if shared and min(shared) > BUCKET_ALL_PAIRS and max(shared) <= SCREEN_CAP:
            hidden.append(v)
    assert len(hidden) >= 5

    decisions = fit_decisions(stage, paths, tmp_path / "fit")
    removed = [r is not None for r in decisions.column("reason").to_pylist()]
    assert removed == [c >= 0 for c in center]
    jac = decisions.column("dup_jaccard").to_numpy(zero_copy_only=False)
    want = [_jaccard(sets[v], sets[u]) if u >= 0 else np.nan for v, u in enumerate(center)]
    np.testing.assert_allclose(jac, np.array(want, dtype=np.float32), rtol=1e-6)


def test_medium_bucket_pairs_are_every_pair_of_mid_sized_buckets_oriented_by_rank() -> None:
    keys = np.array([7] * 3 + [8] * 5 + [9] * 8, dtype=np.uint64)
    ids = np.arange(16)
    rank = np.arange(16)[::-1].copy()  # later id, better rank
    u, v = medium_bucket_pairs(keys, ids, rank, 3, 5)
    pairs = set(zip(u.tolist(), v.tolist(), strict=True))
    assert pairs == {(b, a) for a in range(3, 8) for b in range(a + 1, 8)}
    assert len(u) == len(pairs)


def test_a_pair_checked_unscreened_anywhere_is_not_screened() -> None:
    u = np.array([1, 1, 2, 1])
    v = np.array([3, 3, 5, 4])
    screened = np.array([True, False, True, True])
    du, dv, ds = first_of_pairs(u, v, screened, 10)
    assert list(zip(du.tolist(), dv.tolist(), ds.tolist(), strict=True)) == [
        (1, 3, False),
        (1, 4, True),
        (2, 5, True),
    ]


def test_the_screen_drops_a_pair_at_the_threshold_with_probability_1e4() -> None:
    """Each signature value of a pair of Jaccard t is equal with probability t."""
    for t in (0.5, 0.7, 0.8, 0.9, 0.95):
        floor = agreement_floor(t, 128)

        def below(k: int, t: float = t) -> float:
            return sum(math.comb(128, i) * t**i * (1 - t) ** (128 - i) for i in range(k))

        assert below(floor) <= SCREEN_MISS < below(floor + 1), t
    assert (agreement_floor(0.7, 128), agreement_floor(0.8, 128)) == (70, 84)
