"""Locality-sensitive hashing over MinHash signatures: bands, candidates, verification.

A signature of ``num_perm`` values is cut into ``bands`` bands of ``rows``
values; two documents become a *candidate pair* when they agree on a whole
band, which happens with probability ``1 - (1 - J**rows) ** bands`` (Leskovec,
Rajaraman & Ullman, *Mining of Massive Datasets*, ch. 3.4).

Choosing bands x rows: like datasketch's ``_optimal_param`` we minimize
``w_fp * FP + (1 - w_fp) * FN`` where FP is the area under that S-curve below
the threshold and FN the area above it missed, over all ``b * r <= num_perm``
(integrated numerically with numpy, no scipy). datasketch's default weights
(0.5, 0.5) give 9 x 13 at threshold 0.8, which FACTS measured to catch only
~69% of pairs of true Jaccard 0.8-0.9. Because every candidate pair is then
*verified* (estimated Jaccard from the full signature >= threshold), a false
positive of the banding costs only a comparison, while a false negative is
lost for good, so our default false-negative weight is 0.95, which gives
16 x 8 at 0.8/128: candidate probability 0.947 at J=0.8, 0.994 at 0.85 and
0.9999 at 0.9. Verification then accepts a pair of true J=0.85 with
probability ~0.94 (binomial, 128 permutations) and of J=0.9 with ~0.9996;
the accuracy test (``tests/dedup/test_accuracy.py``) measures the result.

Since candidates are now verified *exactly* (``near.py``), the stage's default
is :func:`bands_for_recall`: among all ``b * r <= num_perm``, the fewest
spurious candidates (area under the S-curve below the threshold) such that a
pair of true Jaccard ``s = threshold`` becomes a candidate with probability
``>= min_recall`` (0.99). At 0.8 / 128 permutations that is 16 bands x 6 rows
(96 permutations used): ``1 - (1 - 0.8**6)**16 = 0.9923`` at J=0.8, 0.9995
at 0.85, 0.99999 at 0.9; 0.87 at J=0.7 and 0.22 at J=0.5 (candidates that only cost an exact
check). 16 x 8 gave 0.947 at 0.8; no ``r >= 7`` reaches 0.99 within 128.

Band keys are 64-bit hashes of (band index, band values); a bucket of ``k``
documents sharing a key yields ``2 (k - 1)`` edges (each member to the bucket's
first document, and each member to its predecessor in input order), never
``k**2 / 2`` pairs, so one huge cluster of boilerplate stays linear.
"""

from __future__ import annotations

import functools

import numpy as np

from .shingles import fmix64

_MASK64 = (1 << 64) - 1


def collision_probability(similarity: np.ndarray | float, bands: int, rows: int) -> np.ndarray:
    """Probability that a pair of Jaccard ``similarity`` shares at least one band."""
    s = np.asarray(similarity, dtype=np.float64)
    return 1.0 - (1.0 - s**rows) ** bands


@functools.lru_cache(maxsize=64)
def optimal_bands(threshold: float, num_perm: int, false_negative_weight: float) -> tuple[int, int]:
    """``(bands, rows)`` minimizing the weighted false positive / negative areas."""
    if not 0.0 < threshold < 1.0:
        raise ValueError(f"threshold must be in (0, 1), got {threshold}")
    grid = np.linspace(0.0, 1.0, 2001)
    below, above = grid[grid <= threshold], grid[grid >= threshold]
    best, best_err = (1, num_perm), np.inf
    for b in range(1, num_perm + 1):
        for r in range(1, num_perm // b + 1):
            fp = np.trapezoid(collision_probability(below, b, r), below)
            fn = np.trapezoid(1.0 - collision_probability(above, b, r), above)
            err = (1.0 - false_negative_weight) * fp + false_negative_weight * fn
            if err < best_err - 1e-15:
                best, best_err = (b, r), err
    return best


@functools.lru_cache(maxsize=64)
def bands_for_recall(threshold: float, num_perm: int, min_recall: float) -> tuple[int, int]:
    """``(bands, rows)`` with candidate probability ``>= min_recall`` at ``threshold``
    and the least area under the S-curve below it (the most recall if none reaches it)."""
    if not 0.0 < threshold < 1.0:
        raise ValueError(f"threshold must be in (0, 1), got {threshold}")
    below = np.linspace(0.0, threshold, 1001)
    best, best_key = (1, 1), (1, np.inf, 0.0)
    for b in range(1, num_perm + 1):
        for r in range(1, num_perm // b + 1):
            p = float(collision_probability(threshold, b, r))
            fp = float(np.trapezoid(collision_probability(below, b, r), below))
            key = (0, fp, -p) if p >= min_recall else (1, -p, fp)
            if key < best_key:
                best, best_key = (b, r), key
    return best


def bucket_pairs(
    keys: np.ndarray, ids: np.ndarray, rank: np.ndarray, cap: int
) -> tuple[np.ndarray, np.ndarray]:
    """Candidate pairs ``(u, v)`` with ``rank[u] < rank[v]`` between documents sharing a key.

    A bucket of at most ``cap`` documents gives every pair, so each member meets
    every better-ranked one (whichever of them ends up kept); a larger bucket
    (boilerplate, exact copies) gives a star from its best-ranked member and a
    chain in rank order, ``2 (k - 1)`` pairs. The result depends only on the set
    of (key, id) rows and on ``rank``. Enough for connected components, not for
    greedy centers, to which :mod:`.candidates` adds every pair of buckets up to
    ``SCREEN_CAP`` documents, screened by signature agreement; a true pair whose
    shared bands all fall in larger buckets (pages sharing a long header) may
    still never meet (``benchmarks/README.md``, ``bench_dedup_buckets.py``).
    """
    empty = np.empty(0, dtype=np.int64)
    if len(keys) < 2:
        return empty, empty
    order = np.lexsort((rank[ids], keys))
    k, g = keys[order], ids[order].astype(np.int64)
    new = np.concatenate(([True], k[1:] != k[:-1]))
    starts = np.flatnonzero(new)
    sizes = np.diff(np.append(starts, len(k)))
    us, vs = [empty], [empty]
    small = (sizes >= 2) & (sizes <= cap)
    for size in np.unique(sizes[small]).tolist():
        st = starts[small & (sizes == size)]
        i, j = np.triu_indices(size, 1)
        us.append(g[(st[:, None] + i).reshape(-1)])
        vs.append(g[(st[:, None] + j).reshape(-1)])
    bucket = np.cumsum(new) - 1
    member = np.flatnonzero(~new & (sizes[bucket] > cap))
    if len(member):
        us += [g[starts[bucket[member]]], g[member - 1]]
        vs += [g[member], g[member]]
    u, v = np.concatenate(us), np.concatenate(vs)
    keep = u != v
    return u[keep], v[keep]


def band_keys(signatures: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """``(n, bands)`` uint64 keys; equal keys mean equal band values (up to 2**-64)."""
    n = signatures.shape[0]
    keys = np.empty((n, bands), dtype=np.uint64)
    sig = signatures[:, : bands * rows].astype(np.uint64).reshape(n, bands, rows)
    for band in range(bands):
        h = np.full(n, (band * 0x9E3779B97F4A7C15) & _MASK64, dtype=np.uint64)
        for r in range(rows):
            h = fmix64(h ^ sig[:, band, r])
        keys[:, band] = h
    return keys


def bucket_edges(keys: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Edges ``(u, v)`` with ``u < v`` between documents that share a key.

    ``keys`` and ``ids`` are parallel int arrays of one partition; the result
    depends only on the set of (key, id) rows, not on their order.
    """
    if len(keys) < 2:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty
    order = np.lexsort((ids, keys))
    k, g = keys[order], ids[order].astype(np.int64)
    same = k[1:] == k[:-1]
    # index of each row's bucket start, propagated forward
    start_idx = np.where(np.concatenate(([True], ~same)), np.arange(len(k)), 0)
    np.maximum.accumulate(start_idx, out=start_idx)
    member = np.flatnonzero(same) + 1  # rows that are not the first of their bucket
    u = np.concatenate((g[start_idx[member]], g[member - 1]))
    v = np.concatenate((g[member], g[member]))
    keep = u < v  # drops chain edges that repeat star edges, and self-pairs of equal ids
    return u[keep], v[keep]


def unique_edges(u: np.ndarray, v: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Sorted, de-duplicated edge list over ids in ``[0, n)`` (``n**2 < 2**63``)."""
    if len(u) == 0:
        return u, v
    packed = np.unique(u.astype(np.int64) * n + v)
    return packed // n, packed % n
