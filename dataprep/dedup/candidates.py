"""Candidate pairs of mid-sized LSH buckets, screened by MinHash signature agreement.

:func:`.lsh.bucket_pairs` gives every pair of a bucket of at most
``BUCKET_ALL_PAIRS`` (32) documents and a star plus a chain beyond. That links a
bucket, which is all connected components need, but greedy centers removes a
document only as the duplicate of a *kept* document it was compared with: pages
sharing a long header and footer fill buckets of 50-200 members, and a pair
whose shared bands all fall in such buckets was never compared
(``benchmarks/bench_dedup_hard.py``: 2 of 271 true duplicates at J >= 0.7).

So a bucket of ``BUCKET_ALL_PAIRS < k <= SCREEN_CAP`` members also gives every
other pair, *screened* (:func:`medium_bucket_pairs`): a pair goes on to the
exact Jaccard check only when its signatures agree on at least
:func:`agreement_floor` of their ``num_perm`` values: the binomial quantile that
drops a pair of true Jaccard ``t`` with probability ``SCREEN_MISS`` (1e-4; less
the more similar; 84 of 128 at 0.8, 70 at 0.7). A signature comparison
costs ~0.1 us of numpy per pair, an exact check ~10 us of Python (a boilerplate
page has ~100 shingles, verified one pair at a time by :mod:`.jaccard`).

Buckets over ``SCREEN_CAP`` keep the star and the chain: a site template shared
by 10,000 pages would otherwise give 50M pairs. Measured on 20,000 pages of one
header and footer around 3-30 words (``benchmarks/bench_dedup_buckets.py``, fit
CPU s at 0.7 / 0.8, recall against brute-force centers at 0.8):

* star and chain only: 2.24 / 2.09 s, recall 0.9823; the two pages of
  ``bench_dedup_hard.py`` missed;
* this (screened pairs up to 128): 2.83 / 2.42 s, recall 0.9835; both found;
* up to 256: +0.0009 recall at 0.8 for +25% fit time (measured before the
  shingle-memmap fix of ``near.ShingleStore``, as the next two);
* in larger buckets also each member against the 4 / 8 / 16 best-ranked (screened
  "hubs"): +0.0005 / +0.0009 / +0.0019 recall for +24% / +43% / +100%;
* every pair up to 128 and a window of the 127 ranked before each member,
  unscreened (the reverted attempt): 6.6M exact checks, 4.5 s -> 77 s.

Pairs are de-duplicated across bands before any check (:func:`first_of_pairs`).
What remains lost (1.7% of the true removals at 0.8 there) are pages whose every
shared band with a kept page they duplicate is in a bucket of over 128, here
buckets of 1,700-11,000 pages.

Worst case, per document and band: ``SCREEN_CAP - 1`` signature comparisons and
as many exact checks (when every screened pair passes), so at most
``bands * (SCREEN_CAP - 1)`` of each per document, whatever the bucket sizes;
``2 (k - 1)`` unscreened pairs per bucket beyond. Only ``clustering: centers``
uses them: screened pairs never change a connected component (the star already
joins the bucket).
"""

from __future__ import annotations

import functools
import math

import numpy as np

#: Buckets up to this size give every pair, those over ``BUCKET_ALL_PAIRS`` screened.
SCREEN_CAP = 128
#: Probability that the screen drops a pair of true Jaccard equal to the threshold.
SCREEN_MISS = 1e-4
#: Pairs whose signatures are compared at once (2 x 64K x 128 x 4 B = 64 MB gathered).
SCREEN_CHUNK = 1 << 16


def screen_cap(clustering: str) -> int:
    """The ``high`` of :func:`medium_bucket_pairs` for a clustering: ``SCREEN_CAP``
    for greedy centers, else 0 (no screened pairs)."""
    return SCREEN_CAP if clustering == "centers" else 0


def medium_bucket_pairs(
    keys: np.ndarray, ids: np.ndarray, rank: np.ndarray, low: int, high: int
) -> tuple[np.ndarray, np.ndarray]:
    """Every pair ``(u, v)``, ``rank[u] < rank[v]``, of the buckets (documents sharing
    a key) of ``low < size <= high`` members; depends only on the (key, id) rows and
    on ``rank``."""
    empty = np.empty(0, dtype=np.int64)
    if len(keys) <= low or high <= low:
        return empty, empty
    order = np.lexsort((rank[ids], keys))
    k, g = keys[order], ids[order].astype(np.int64)
    starts = np.flatnonzero(np.concatenate(([True], k[1:] != k[:-1])))
    sizes = np.diff(np.append(starts, len(k)))
    mid = (sizes > low) & (sizes <= high)
    us, vs = [empty], [empty]
    for size in np.unique(sizes[mid]).tolist():
        st = starts[mid & (sizes == size)]
        i, j = np.triu_indices(size, 1)
        us.append(g[(st[:, None] + i).reshape(-1)])
        vs.append(g[(st[:, None] + j).reshape(-1)])
    u, v = np.concatenate(us), np.concatenate(vs)
    keep = u != v
    return u[keep], v[keep]


@functools.lru_cache(maxsize=64)
def agreement_floor(threshold: float, num_perm: int) -> int:
    """Fewest equal signature values a screened pair needs: the largest ``k`` with
    ``P(Binomial(num_perm, threshold) < k) <= SCREEN_MISS``, so a pair of true Jaccard
    ``threshold`` (each value equal with that probability) fails with at most that."""
    if not 0.0 < threshold < 1.0:
        return 0
    lt, l1t = math.log(threshold), math.log1p(-threshold)
    below = 0.0
    for k in range(num_perm + 1):
        log_pmf = (
            math.lgamma(num_perm + 1)
            - math.lgamma(k + 1)
            - math.lgamma(num_perm - k + 1)
            + k * lt
            + (num_perm - k) * l1t
        )
        below += math.exp(log_pmf)
        if below > SCREEN_MISS:
            return k
    return num_perm


def signature_agreement(sig: np.ndarray, iu: np.ndarray, iv: np.ndarray) -> np.ndarray:
    """Equal values of the signatures ``sig[iu[i]]`` and ``sig[iv[i]]`` (rows of a
    ``(docs, num_perm)`` matrix), in chunks of ``SCREEN_CHUNK`` pairs."""
    out = np.empty(len(iu), dtype=np.int64)
    for lo in range(0, len(iu), SCREEN_CHUNK):
        a, b = sig[iu[lo : lo + SCREEN_CHUNK]], sig[iv[lo : lo + SCREEN_CHUNK]]
        out[lo : lo + SCREEN_CHUNK] = np.count_nonzero(a == b, axis=1)
    return out


def first_of_pairs(
    u: np.ndarray, v: np.ndarray, screened: np.ndarray, n: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct pairs, sorted by ``(u, v)``, each screened only when every copy was
    (a pair that is also a star, chain or small-bucket pair is checked as such)."""
    packed = u.astype(np.int64) * max(n, 1) + v
    order = np.lexsort((screened, packed))
    packed, flag = packed[order], screened[order]
    first = np.ones(len(packed), dtype=bool)
    first[1:] = packed[1:] != packed[:-1]
    packed = packed[first]
    return packed // max(n, 1), packed % max(n, 1), flag[first].astype(bool)


__all__ = [
    "SCREEN_CAP",
    "SCREEN_MISS",
    "agreement_floor",
    "first_of_pairs",
    "medium_bucket_pairs",
    "screen_cap",
    "signature_agreement",
]
