"""Connected components equal a brute-force BFS; ids are the smallest member."""

from __future__ import annotations

from collections import deque

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from dataprep.dedup.unionfind import Components, connected_components


def _bfs_labels(n: int, edges: list[tuple[int, int]]) -> list[int]:
    adj: list[list[int]] = [[] for _ in range(n)]
    for a, b in edges:
        adj[a].append(b)
        adj[b].append(a)
    label = [-1] * n
    for start in range(n):  # ascending: the first reached is the smallest member
        if label[start] >= 0:
            continue
        label[start] = start
        queue = deque([start])
        while queue:
            x = queue.popleft()
            for y in adj[x]:
                if label[y] < 0:
                    label[y] = start
                    queue.append(y)
    return label


edges_strategy = st.integers(1, 60).flatmap(
    lambda n: st.tuples(
        st.just(n), st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=120)
    )
)


@settings(max_examples=200, deadline=None)
@given(edges_strategy)
def test_components_equal_bfs(case: tuple[int, list[tuple[int, int]]]) -> None:
    n, edges = case
    u = np.array([a for a, _ in edges], dtype=np.int64)
    v = np.array([b for _, b in edges], dtype=np.int64)
    assert connected_components(n, u, v).tolist() == _bfs_labels(n, edges)


@settings(max_examples=100, deadline=None)
@given(edges_strategy, st.randoms(use_true_random=False))
def test_incremental_batches_and_edge_order_do_not_matter(
    case: tuple[int, list[tuple[int, int]]], rnd: object
) -> None:
    n, edges = case
    shuffled = list(edges)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    comp = Components(n)
    for lo in range(0, len(shuffled), 7):
        chunk = shuffled[lo : lo + 7]
        comp.union(
            np.array([b for _, b in chunk], np.int64), np.array([a for a, _ in chunk], np.int64)
        )
    assert comp.labels().tolist() == _bfs_labels(n, edges)


def test_long_chain() -> None:
    n = 10_000
    perm = np.random.default_rng(0).permutation(n)
    labels = connected_components(n, perm[:-1], perm[1:])
    assert (labels == 0).all()
