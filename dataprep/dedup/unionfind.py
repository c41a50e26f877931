"""Deterministic connected components over document ids, vectorized with numpy.

Every component is named after its smallest member id, and ids are ranks in
input order, so the component id is the component's first document whatever
order the edges arrive in (the result is a function of the edge *set*).

Algorithm: hooking and pointer jumping in the style of Shiloach & Vishkin
(1982), "An O(log n) parallel connectivity algorithm": ``parent`` is kept fully
compressed (every entry is a root); for a batch of edges each pair of distinct
roots hooks the larger root under the smaller one (``np.minimum.at``, so roots
only ever decrease and no cycle can form), then ``parent = parent[parent]``
until stable. A batch takes a few rounds (each merges every pair of distinct
roots it touches, so long chains collapse geometrically), each O(edges + n).

Memory: ``parent`` is 8 bytes per document (int64), 17 while it is compressed
(the next array and a comparison mask), plus, per round, ~40 bytes per edge of
the current batch for temporaries; edges may be fed in batches
(one spill partition at a time), so only one batch is ever in memory.
"""

from __future__ import annotations

import numpy as np


class Components:
    """Incremental union of edge batches over ids ``0 .. n-1``."""

    def __init__(self, n: int) -> None:
        self.parent = np.arange(n, dtype=np.int64)

    def root(self, ids: np.ndarray) -> np.ndarray:
        """Current component id (smallest member so far) of each id."""
        return self.parent[ids]

    def union(self, u: np.ndarray, v: np.ndarray) -> None:
        """Merge the components of every pair ``(u[i], v[i])``."""
        u = np.asarray(u, dtype=np.int64)
        v = np.asarray(v, dtype=np.int64)
        while len(u):
            ru, rv = self.parent[u], self.parent[v]
            differ = ru != rv
            if not differ.any():
                break
            ru, rv = ru[differ], rv[differ]
            u, v = u[differ], v[differ]
            np.minimum.at(self.parent, np.maximum(ru, rv), np.minimum(ru, rv))
            del ru, rv, differ
            while True:  # pointer jumping until every entry is a root again
                grand = self.parent[self.parent]
                if np.array_equal(grand, self.parent):
                    break
                self.parent = grand  # the previous array is freed: two alive at most

    def labels(self) -> np.ndarray:
        """Component id of every document (int64, equal to its smallest member)."""
        return self.parent


def connected_components(n: int, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Component id (smallest member) of each of ``n`` ids given edges ``u[i] - v[i]``."""
    comp = Components(n)
    comp.union(u, v)
    return comp.labels()
