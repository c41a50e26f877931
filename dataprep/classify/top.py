"""Keep exactly the top fraction of documents by score (pure numpy, no I/O).

Within each group (one group unless ranking within e.g. languages), the scored
documents are ranked by score, highest first; ties are broken by input order
(``_dp_shard``, ``_dp_row``, ``_dp_repeat`` ascending), so the earlier document
wins. The first ``n_keep = floor(fraction * n + 1/2)`` are kept, where ``n`` is
the group's number of scored documents and ``fraction`` is taken as the exact
decimal written in the recipe (0.1 of 25 documents keeps 3, of 30 keeps 3).
Unscored documents (NaN) take no part in the ranking.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np


def keep_count(fraction: float, n: int) -> int:
    """``floor(fraction * n + 1/2)`` with ``fraction`` read as its decimal literal."""
    return math.floor(Fraction(str(fraction)) * n + Fraction(1, 2))


def top_fraction(
    scores: np.ndarray,
    fraction: float,
    *,
    shard: np.ndarray,
    row: np.ndarray,
    repeat: np.ndarray,
    groups: np.ndarray | None = None,
) -> tuple[np.ndarray, dict[int, float | None]]:
    """(kept mask over all documents, lowest kept score per group index)."""
    scores = np.asarray(scores, dtype=np.float64)
    n = scores.size
    group = np.zeros(n, dtype=np.int64) if groups is None else np.asarray(groups, np.int64)
    scored = np.flatnonzero(~np.isnan(scores))
    order = scored[
        np.lexsort((repeat[scored], row[scored], shard[scored], -scores[scored], group[scored]))
    ]
    keep = np.zeros(n, dtype=bool)
    cutoffs: dict[int, float | None] = {}
    ranked_groups = group[order]
    bounds = np.flatnonzero(np.diff(ranked_groups)) + 1
    for seg in np.split(np.arange(order.size), bounds) if order.size else []:
        members = order[seg]
        k = keep_count(fraction, members.size)
        keep[members[:k]] = True
        cutoffs[int(ranked_groups[seg[0]])] = float(scores[members[k - 1]]) if k else None
    return keep, cutoffs
