"""MinHash signatures, vectorized over small batches of documents.

Scheme (Broder 1997, "On the resemblance and containment of documents"): for
each of ``num_perm`` permutations ``pi_k`` the signature keeps
``min(pi_k(s) for s in shingles)``; two documents agree on a position with
probability equal to their Jaccard similarity.

Permutations are datasketch 2.0's ``affine32`` scheme, so signatures are
**bit-identical to** ``datasketch.MinHash(num_perm, seed=seed, scheme="affine32",
hashfunc=lambda x: x)`` updated with :func:`fold32` of our shingle hashes
(tested in ``tests/dedup/test_minhash.py``): the 32-bit input is pre-mixed with
the MurmurHash3 32-bit finalizer, then ``pi_k(h) = a_k * h + b_k mod 2**32``
with odd ``a_k``; ``a`` and ``b`` are drawn from ``numpy.random.RandomState(seed)``
exactly as datasketch draws them. Values are uint32 (4 bytes per permutation).

Speed: :meth:`MinHasher.signatures_flat` takes a whole batch's shingles as one
flat array with offsets (:mod:`.shingle_batch`). The 32-bit mixing runs once over
the batch; then, for chunks of documents holding up to ~16k shingles, the
(permutations x shingles) matrix is built 16 permutations at a time into one reused
buffer (~1 MB, stays in cache) and reduced per document with
``np.minimum.reduceat``. Measured at ~25-30 µs per ~4.4 KB document and ~7 µs per
~0.9 KB one (``benchmarks/bench_dedup.py``; chunk and block sizes chosen there:
8-32 permutations x 4k-64k shingles were within 20% of each other).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

#: Signature value of a document with no shingle (never produced by a real shingle
#: with probability ~1 - n / 2**32; such documents are kept out of LSH anyway).
EMPTY = np.uint32(0xFFFFFFFF)
_PERM_BLOCK = 16
_CHUNK_SHINGLES = 16_384  # shingles per (permutation block x shingles) pass


def fold32(h: np.ndarray) -> np.ndarray:
    """Fold 64-bit shingle hashes to the 32-bit values fed to the permutations."""
    return ((h >> np.uint64(32)) ^ h).astype(np.uint32)


def _fmix32(h: np.ndarray) -> np.ndarray:
    """MurmurHash3 32-bit finalizer (in place), as datasketch's ``_fmix`` for width 32."""
    h ^= h >> np.uint32(16)
    h *= np.uint32(0x85EBCA6B)
    h ^= h >> np.uint32(13)
    h *= np.uint32(0xC2B2AE35)
    h ^= h >> np.uint32(16)
    return h


def permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``(a, b)`` uint32 arrays of the affine permutations for ``seed``."""
    if num_perm < 1:
        raise ValueError(f"num_perm must be >= 1, got {num_perm}")
    gen = np.random.RandomState(seed)  # datasketch's generator: keeps signatures identical
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return a, b


class MinHasher:
    """Computes signatures for lists of shingle-hash arrays."""

    def __init__(self, num_perm: int, seed: int) -> None:
        self.num_perm = num_perm
        self.a, self.b = permutations(num_perm, seed)

    def signatures(self, shingles: Sequence[np.ndarray]) -> np.ndarray:
        """``(len(shingles), num_perm)`` uint32; rows of empty inputs are all :data:`EMPTY`."""
        lengths = np.fromiter((len(s) for s in shingles), dtype=np.int64, count=len(shingles))
        offsets = np.zeros(len(shingles) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        values = np.concatenate(list(shingles)) if len(shingles) else np.empty(0, np.uint64)
        return self.signatures_flat(values.astype(np.uint64, copy=False), offsets)

    def signatures_flat(self, values: np.ndarray, offsets: np.ndarray) -> np.ndarray:
        """Signatures of flat shingle hashes: document ``i`` is ``values[offsets[i]:offsets[i+1]]``.

        ``(len(offsets) - 1, num_perm)`` uint32; rows of empty documents are all :data:`EMPTY`.
        """
        n_docs = len(offsets) - 1
        out = np.full((n_docs, self.num_perm), EMPTY, dtype=np.uint32)
        nonempty = np.flatnonzero(np.diff(offsets))
        if len(nonempty) == 0:
            return out
        mixed = _fmix32(fold32(values))
        starts = offsets[nonempty]
        ends = offsets[nonempty + 1]
        block = np.empty((_PERM_BLOCK, min(_CHUNK_SHINGLES, len(mixed))), dtype=np.uint32)
        lo = 0
        while lo < len(nonempty):
            # documents whose shingles fit in one chunk (at least one document)
            hi = max(int(np.searchsorted(ends, starts[lo] + _CHUNK_SHINGLES, "right")), lo + 1)
            seg = mixed[starts[lo] : ends[hi - 1]]
            if len(seg) > block.shape[1]:
                block = np.empty((_PERM_BLOCK, len(seg)), dtype=np.uint32)
            rel = starts[lo:hi] - starts[lo]
            rows = nonempty[lo:hi]
            for p in range(0, self.num_perm, _PERM_BLOCK):
                a = self.a[p : p + _PERM_BLOCK, None]
                buf = block[: len(a), : len(seg)]
                np.multiply(a, seg, out=buf)
                buf += self.b[p : p + _PERM_BLOCK, None]
                out[rows, p : p + _PERM_BLOCK] = np.minimum.reduceat(buf, rel, axis=1).T
            lo = hi
        return out


def estimate_jaccard(sig_a: np.ndarray, sig_b: np.ndarray) -> np.ndarray:
    """Estimated Jaccard similarity of paired signature rows (fraction of equal positions)."""
    return np.count_nonzero(sig_a == sig_b, axis=-1) / sig_a.shape[-1]
