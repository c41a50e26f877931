"""Exact Jaccard of many document pairs at once.

A store holds every document's sorted, unique shingle hashes back to back
(``values[offsets[d]:offsets[d + 1]]``). :func:`pair_jaccard` verifies a batch of
candidate pairs. Pairs of short documents (at most :data:`SMALL_PAIR` hashes
together) are verified without a Python step per pair:

1. the shingle hashes of the documents in the batch are replaced by their ranks
   among those hashes (``np.unique``), which preserves each set's order and fits
   in 32 bits;
2. every element of both sides is packed as ``pair << 32 | rank``: each side is
   then one sorted run (pairs ascending, each set sorted), and the two runs are
   merged with one stable sort;
3. a shingle in both sets of pair ``k`` is two equal adjacent keys, so the
   intersection sizes are a ``bincount`` of the equal neighbours' pair numbers.

Longer pairs are verified by binary search of one set in the other (as
:func:`exact_jaccard`): the batch formulation's ranking and sorting cost more than
they save there (``benchmarks/bench_scale.py --verify`` on the shared 2-core
machine: 20,000 pairs of 30-hash sets 0.05 s batched vs 0.17 s one by one; of
700-hash sets 5.4 s batched vs 0.65 s one by one). A document in near-duplicate
clusters is in many candidate pairs (on the short multilingual corpus, 1.57
million long pairs among 75,000 documents), so the long pairs are grouped by an
*anchor*, the end in more of them: the sets of all an anchor's partners are
searched in the anchor's set with one ``searchsorted``, and each pair's
intersection is a difference of a running count of hits. Anchors in fewer than
:data:`GROUP_PAIRS` pairs are done pair by pair (one numpy call each is cheaper
than a group's set-up there).

The result equals :func:`exact_jaccard` pair by pair (same float64 division), 0
when both sets are empty. Memory: ~40 B per gathered element of a chunk; pairs
are taken in chunks of at most ``chunk_elements`` elements.
"""

from __future__ import annotations

import numpy as np

#: Shingle hashes gathered per chunk of pairs (both sides): ~320 MB of temporaries.
CHUNK_ELEMENTS = 1 << 23
#: Pairs with at most this many hashes (both sets) are verified in batches (the
#: crossover, estimated from ``bench_scale.py --verify``'s two sizes, is ~150).
SMALL_PAIR = 128
#: Long pairs sharing an anchor document are searched together from this many up.
GROUP_PAIRS = 4
_PAIR_SHIFT = np.uint64(32)
_MAX_RANKS = 1 << 32


def exact_jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Jaccard of two sorted arrays of unique values (0 when both are empty)."""
    if len(a) > len(b):
        a, b = b, a
    if len(a) == 0:
        return 0.0
    idx = np.searchsorted(b, a)
    idx[idx == len(b)] = 0
    inter = int(np.count_nonzero(b[idx] == a))
    return inter / (len(a) + len(b) - inter)


def segment_index(offsets: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(positions, lengths)``: the positions of segments ``ids`` of an offsets
    array, back to back, and each segment's length."""
    starts = offsets[ids]
    lengths = offsets[ids + 1] - starts
    ends = np.cumsum(lengths)
    total = int(ends[-1]) if len(ends) else 0
    return np.repeat(starts - (ends - lengths), lengths) + np.arange(total), lengths


def pair_jaccard(
    offsets: np.ndarray,
    values: np.ndarray,
    u: np.ndarray,
    v: np.ndarray,
    *,
    chunk_elements: int = CHUNK_ELEMENTS,
    small_pair: int = SMALL_PAIR,
    group_pairs: int = GROUP_PAIRS,
) -> np.ndarray:
    """Exact Jaccard (float64) of the sets of documents ``u[i]`` and ``v[i]``."""
    u = np.asarray(u, dtype=np.int64)
    v = np.asarray(v, dtype=np.int64)
    out = np.empty(len(u), dtype=np.float64)
    sizes = (offsets[u + 1] - offsets[u]) + (offsets[v + 1] - offsets[v])
    small = sizes <= small_pair
    out[~small] = _anchored(offsets, values, u[~small], v[~small], chunk_elements, group_pairs)
    out[small] = _batched(offsets, values, u[small], v[small], sizes[small], chunk_elements)
    return out


def _anchored(
    offsets: np.ndarray,
    values: np.ndarray,
    u: np.ndarray,
    v: np.ndarray,
    chunk_elements: int,
    group_pairs: int,
) -> np.ndarray:
    """Jaccard of long pairs, grouped by the end that is in more of them."""
    n = len(u)
    out = np.empty(n, dtype=np.float64)
    if n == 0:
        return out
    docs, inv = np.unique(np.concatenate((u, v)), return_inverse=True)
    pairs_of = np.bincount(inv.reshape(-1), minlength=len(docs))
    swap = pairs_of[inv[n:]] > pairs_of[inv[:n]]
    anchor, other = np.where(swap, v, u), np.where(swap, u, v)
    order = np.argsort(anchor, kind="stable")
    anchor, other = anchor[order], other[order]
    starts = np.flatnonzero(np.concatenate(([True], anchor[1:] != anchor[:-1])))
    ends = np.append(starts[1:], n)
    other_sizes = offsets[other + 1] - offsets[other]
    for first, end in zip(starts.tolist(), ends.tolist(), strict=True):
        a = int(anchor[first])
        mine = values[offsets[a] : offsets[a + 1]]
        if end - first < group_pairs:
            for k in range(first, end):
                b = int(other[k])
                out[order[k]] = exact_jaccard(mine, values[offsets[b] : offsets[b + 1]])
            continue
        # the partners' elements are searched at most ``chunk_elements`` at a time
        used = np.cumsum(other_sizes[first:end])
        lo = first
        while lo < end:
            base = int(used[lo - first - 1]) if lo > first else 0
            step = int(np.searchsorted(used, base + chunk_elements, side="right")) + first - lo
            hi = lo + max(1, step)
            out[order[lo:hi]] = _search_partners(offsets, values, mine, other[lo:hi])
            lo = hi
    return out


def _search_partners(
    offsets: np.ndarray, values: np.ndarray, mine: np.ndarray, partners: np.ndarray
) -> np.ndarray:
    """Jaccard of the set ``mine`` with each partner's set: one binary search of all
    the partners' elements in ``mine``."""
    starts, stops = offsets[partners], offsets[partners + 1]
    pieces = zip(starts.tolist(), stops.tolist(), strict=True)
    found = np.concatenate([values[a:b] for a, b in pieces])
    lengths = stops - starts
    if len(mine):
        at = np.searchsorted(mine, found)
        np.minimum(at, len(mine) - 1, out=at)
        hits = np.concatenate(([0], np.cumsum(mine[at] == found)))
    else:
        hits = np.zeros(len(found) + 1, dtype=np.int64)
    bounds = np.concatenate(([0], np.cumsum(lengths)))
    inter = hits[bounds[1:]] - hits[bounds[:-1]]
    union = len(mine) + lengths - inter
    return np.where(union > 0, inter / np.maximum(union, 1), 0.0)


def _batched(
    offsets: np.ndarray,
    values: np.ndarray,
    u: np.ndarray,
    v: np.ndarray,
    sizes: np.ndarray,
    chunk_elements: int,
) -> np.ndarray:
    out = np.empty(len(u), dtype=np.float64)
    ends = np.cumsum(sizes)
    lo = 0
    while lo < len(u):
        base = int(ends[lo - 1]) if lo else 0
        hi = max(lo + 1, int(np.searchsorted(ends, base + chunk_elements, side="right")))
        hi = min(hi, lo + _MAX_RANKS - 1)
        out[lo:hi] = _chunk(offsets, values, u[lo:hi], v[lo:hi])
        lo = hi
    return out


def _chunk(offsets: np.ndarray, values: np.ndarray, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    docs = np.unique(np.concatenate((u, v)))
    where, lengths = segment_index(offsets, docs)
    _, ranks = np.unique(values[where], return_inverse=True)
    ranks = ranks.reshape(-1).astype(np.uint64)
    local = np.zeros(len(docs) + 1, dtype=np.int64)
    np.cumsum(lengths, out=local[1:])
    pair = np.arange(len(u), dtype=np.uint64) << _PAIR_SHIFT
    keys = []
    for side in (u, v):
        at, n = segment_index(local, np.searchsorted(docs, side))
        keys.append(np.repeat(pair, n) | ranks[at])
    size_u = offsets[u + 1] - offsets[u]
    size_v = offsets[v + 1] - offsets[v]
    merged = np.concatenate(keys)
    merged.sort(kind="stable")
    both = merged[1:][merged[1:] == merged[:-1]] >> _PAIR_SHIFT
    inter = np.bincount(both.astype(np.int64), minlength=len(u))
    union = size_u + size_v - inter
    return np.where(union > 0, inter / np.maximum(union, 1), 0.0)


__all__ = [
    "CHUNK_ELEMENTS",
    "GROUP_PAIRS",
    "SMALL_PAIR",
    "exact_jaccard",
    "pair_jaccard",
    "segment_index",
]
