"""KL divergence of each document's token distribution from the corpus's, over buckets.

Tokens are hashed into ``B`` buckets. With corpus bucket counts ``C_b`` (``N`` tokens in
all) and a document's counts ``c_b`` (``n`` tokens), additive (Lidstone) smoothing with
pseudo-count ``alpha`` per bucket gives the corpus distribution

    Q_b = (C_b + alpha) / (N + alpha * B) = (1 - lam) * C_b / N + lam / B,
    lam = alpha * B / (N + alpha * B).

The document is smoothed with the *same* weight ``lam`` (its pseudo-count per bucket is
``alpha * n / N``): ``P_b = (1 - lam) * c_b / n + lam / B``, so a document whose counts
are proportional to the corpus's gets exactly ``P = Q`` and KL 0, and ``P_b > 0``
everywhere. Then

    KL(P || Q) = sum_b P_b * ln(P_b / Q_b)   (nats)

is computed in O(distinct buckets of the document): every bucket the document does not
use has ``P_b = p0 = lam / B``, and those terms sum to
``p0 * (Z * ln p0 - (S - sum_{b in doc} ln Q_b))`` with ``Z`` the number of such buckets
and ``S = sum_b ln Q_b`` (buckets the corpus never uses have ``Q_b = lam / B``, so ``S``
needs only the used ones). With ``alpha = 0`` there is no smoothing (every document
bucket has ``C_b >= c_b > 0``, so KL stays finite). Tiny negative results of rounding
are clipped to 0.

The corpus may be split into groups (languages): each group has its own ``N``, ``lam``
and ``S``, and a document is compared with its group. Counts are kept sparse, keyed by
``group * B + bucket``: 16 bytes per (group, used bucket) in RAM (key, log Q).

``S`` is the correctly rounded sum of the ``log Q_b`` (:func:`exact_sum`), so a
partitioned fit that sums each partition's buckets on its own and adds the exact
partial sums (:func:`exact_sum_int`) gets the same bits as one process.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from itertools import pairwise

import numpy as np

_COMPACT_ROWS = 1 << 22
#: An exact sum of float64 values is an integer multiple of 2**-1074 (the smallest
#: subnormal): :func:`exact_sum_int` returns that integer.
_SCALE_BITS = 1074
_MANTISSA_BITS = 53


def exact_sum_int(values: np.ndarray) -> int:
    """The exact sum of finite float64 ``values``, times ``2**1074`` (a Python int)."""
    v = np.asarray(values, dtype=np.float64)
    if not v.size:
        return 0
    mantissa, exponent = np.frexp(v)  # v = m * 2**e, 0.5 <= |m| < 1
    m = (mantissa * float(1 << _MANTISSA_BITS)).astype(np.int64)  # exact: 53 bits
    total = 0
    for e in np.unique(exponent).tolist():
        sel = m[exponent == e]
        hi, lo = sel >> np.int64(32), sel & np.int64(0xFFFFFFFF)  # sums fit in int64
        part = (int(hi.sum()) << 32) + int(lo.sum())
        shift = e - _MANTISSA_BITS + _SCALE_BITS
        total += part << shift if shift >= 0 else part >> -shift  # exact: low bits are 0
    return total


def float_of_exact(total: int) -> float:
    """The float64 nearest to ``total * 2**-1074`` (correctly rounded)."""
    return float(Fraction(total, 1 << _SCALE_BITS))


def exact_sum(values: np.ndarray) -> float:
    """The correctly rounded sum of ``values`` (as ``math.fsum``), whatever their order."""
    return float_of_exact(exact_sum_int(values))


class SparseCounts:
    """Sums of counts per int64 key, compacted as they come (sorted unique keys)."""

    def __init__(self) -> None:
        self.keys = np.empty(0, np.int64)
        self.counts = np.empty(0, np.float64)  # exact integers below 2**53
        self._pending: list[tuple[np.ndarray, np.ndarray]] = []
        self._rows = 0

    def add(self, keys: np.ndarray, counts: np.ndarray) -> None:
        self._pending.append((keys, counts))
        self._rows += len(keys)
        if self._rows >= _COMPACT_ROWS:
            self.compact()

    def compact(self) -> None:
        if not self._pending:
            return
        keys = np.concatenate([self.keys, *(k for k, _ in self._pending)])
        counts = np.concatenate([self.counts, *(c for _, c in self._pending)])
        self.keys, inverse = np.unique(keys, return_inverse=True)
        self.counts = np.bincount(inverse, weights=counts, minlength=len(self.keys)).astype(
            np.float64
        )
        self._pending, self._rows = [], 0


class CorpusDistribution:
    """Smoothed per-group corpus distributions over ``num_buckets`` hash buckets."""

    def __init__(self, counts: SparseCounts, num_buckets: int, n_groups: int, alpha: float):
        counts.compact()
        b = num_buckets
        self.num_buckets = b
        present = counts.counts > 0
        self.keys = counts.keys[present]
        values = counts.counts[present]
        self.values = values
        self.alpha = alpha
        group = self.keys // b
        total = np.bincount(group, weights=values, minlength=n_groups)
        used = np.bincount(group, minlength=n_groups)
        denom = total + alpha * b
        self.lam = np.where(denom > 0, alpha * b / np.maximum(denom, 1e-300), 0.0)
        self.total = total
        lam_k = self.lam[group]
        q = (1.0 - lam_k) * values / np.maximum(total[group], 1.0) + lam_k / b
        self.log_q = np.log(q)
        unused = np.zeros(n_groups, dtype=np.float64)
        smooth = self.lam > 0
        unused[smooth] = (b - used[smooth]) * np.log(self.lam[smooth] / b)
        bounds = np.searchsorted(group, np.arange(n_groups + 1))
        sums = [exact_sum(self.log_q[a:b]) for a, b in pairwise(bounds)]
        self.sum_log_q = np.asarray(sums, dtype=np.float64) + unused

    def stats(self) -> GroupStats:
        """The per-group numbers the KL needs besides each bucket's count and log Q."""
        return GroupStats(self.num_buckets, self.alpha, self.lam, self.total, self.sum_log_q)

    def kl(
        self, doc: np.ndarray, keys: np.ndarray, counts: np.ndarray, doc_group: np.ndarray
    ) -> np.ndarray:
        """KL per document from flattened (doc index, group*B+bucket, count) triples.

        ``doc_group`` gives each document's group. A document's keys must be distinct
        and present in the corpus counts. Documents with no token get NaN.
        """
        log_q = self.log_q[np.searchsorted(self.keys, keys)]
        return kl_of(self.stats(), doc, counts, log_q, doc_group)

    def loo_kl(
        self, doc: np.ndarray, keys: np.ndarray, counts: np.ndarray, doc_group: np.ndarray
    ) -> np.ndarray:
        """Leave-one-out KL per document: KL(P || Q without the document), with P the
        document's unsmoothed token frequencies and Q smoothed by ``alpha`` (at least 1e-9)
        over the rest of its group. A token no other document uses has Q = alpha/(...) and
        weighs heavily: the document is no longer part of the distribution it is judged by,
        which matters for small corpora and languages. Same arguments as :meth:`kl`."""
        corpus = self.values[np.searchsorted(self.keys, keys)]
        return loo_kl_of(self.stats(), doc, counts, corpus, doc_group)


@dataclass(frozen=True)
class GroupStats:
    """Per-group numbers of a :class:`CorpusDistribution` (indexed by group code)."""

    num_buckets: int
    alpha: float
    lam: np.ndarray
    total: np.ndarray
    sum_log_q: np.ndarray


def kl_of(
    st: GroupStats, doc: np.ndarray, counts: np.ndarray, log_q: np.ndarray, doc_group: np.ndarray
) -> np.ndarray:
    """:meth:`CorpusDistribution.kl`, given each triple's corpus ``log Q`` (looked up)."""
    n_docs = len(doc_group)
    n_tok = np.bincount(doc, weights=counts, minlength=n_docs)
    k = np.bincount(doc, minlength=n_docs)
    big_b = st.num_buckets
    lam_d = st.lam[doc_group]
    lam = lam_d[doc]
    p = (1.0 - lam) * counts / np.maximum(n_tok[doc], 1.0) + lam / big_b
    out = np.bincount(doc, weights=p * (np.log(p) - log_q), minlength=n_docs)
    in_doc = np.bincount(doc, weights=log_q, minlength=n_docs)
    smooth = lam_d > 0
    p0 = lam_d[smooth] / big_b
    out[smooth] += p0 * (
        (big_b - k[smooth]) * np.log(p0) - (st.sum_log_q[doc_group[smooth]] - in_doc[smooth])
    )
    out = np.maximum(out, 0.0)
    out[n_tok == 0] = np.nan
    return out


def loo_kl_of(
    st: GroupStats, doc: np.ndarray, counts: np.ndarray, corpus: np.ndarray, doc_group: np.ndarray
) -> np.ndarray:
    """:meth:`CorpusDistribution.loo_kl`, given each triple's corpus count (looked up)."""
    n_docs = len(doc_group)
    n_tok = np.bincount(doc, weights=counts, minlength=n_docs)
    alpha = max(st.alpha, 1e-9)
    rest = corpus - counts
    n = n_tok[doc]
    denom = st.total[doc_group][doc] - n + alpha * st.num_buckets
    p = counts / np.maximum(n, 1.0)
    log_q = np.log(np.maximum(rest, 0.0) + alpha) - np.log(np.maximum(denom, 1e-300))
    out = np.bincount(doc, weights=p * (np.log(p) - log_q), minlength=n_docs)
    out = np.maximum(out, 0.0)
    out[n_tok == 0] = np.nan
    return out
