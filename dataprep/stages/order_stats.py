"""Exact order statistics of per-document values spread over many tasks (radix select).

A partitioned fit that needs, say, the median KL of a language cannot gather every
document's value on the driver. Instead each value becomes an order-preserving
64-bit key (:func:`float_keys`) and the key of the wanted rank is found 8 bits at a
time: in each of :data:`ROUNDS` rounds every task counts its keys per next byte
under the prefix found so far (:func:`radix_counts`, at most 256 counters per
query), and the driver adds the tasks' counters and picks the byte holding the
rank (:func:`select`). Eight rounds give the exact key; the driver holds 256
counters per query, never a value per document.

With ``weights`` the rank is a cumulative weight ("the first element whose running
total reaches X"), which is what a selection by amount needs.

:func:`quantile` turns order statistics into ``np.quantile``'s linear
interpolation, bit for bit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from dataprep.stages.fit import FitRunner

ROUNDS = 8
#: Most tasks of one round: each covers a range of the items (units or partitions)
#: and adds up their counters, so the driver adds at most this many results per query.
MAX_TASKS = 128
_BYTE = 8
_SIGN = np.uint64(1 << 63)


def float_keys(values: np.ndarray) -> np.ndarray:
    """uint64 keys ordered as the (non-NaN) float64 ``values``."""
    bits = np.ascontiguousarray(values, dtype=np.float64).view(np.uint64)
    return np.where(bits & _SIGN, ~bits, bits | _SIGN)


def key_floats(keys: np.ndarray | Sequence[int]) -> np.ndarray:
    """The inverse of :func:`float_keys`."""
    keys = np.asarray(keys, dtype=np.uint64)
    bits = np.where(keys & _SIGN, keys & ~_SIGN, ~keys)
    return bits.view(np.float64)


def radix_counts(
    keys: np.ndarray,
    groups: np.ndarray,
    queries: Sequence[Sequence[int]],
    weights: np.ndarray | None = None,
) -> list[list[list[Any]]]:
    """Per query ``[group, prefix, bits]`` (group -1: every key), the counts of the keys
    of that group starting with ``prefix`` (its top ``bits`` bits) per next byte, as
    sparse ``[[byte, count], ...]``; with ``weights`` ``[[byte, weight, count], ...]``."""
    out: list[list[list[Any]]] = []
    for group, prefix, bits in queries:
        sel = np.ones(len(keys), dtype=bool) if group < 0 else groups == group
        k, w = keys[sel], None if weights is None else weights[sel]
        if bits:
            mine = (k >> np.uint64(64 - bits)) == np.uint64(prefix)
            k, w = k[mine], None if w is None else w[mine]
        byte = ((k >> np.uint64(64 - bits - _BYTE)) & np.uint64(0xFF)).astype(np.int64)
        counts = np.bincount(byte, minlength=256)
        if w is None:
            out.append([[int(b), int(counts[b])] for b in np.flatnonzero(counts)])
        else:
            sums = np.bincount(byte, weights=w, minlength=256)
            out.append([[int(b), float(sums[b]), int(counts[b])] for b in np.flatnonzero(counts)])
    return out


def select(
    runner: FitRunner,
    step: str,
    items: int,
    queries: Sequence[tuple[int, float] | tuple[int, float, float, bool]],
    params: dict[str, Any] | None = None,
    *,
    rounds: int = ROUNDS,
) -> list[tuple[int, float, float, int]]:
    """For each ``(group, rank[, base, strict])``: the key of the first element (in key
    order) at which ``base`` (default 0) plus the running count (or weight) becomes
    ``> rank`` (``strict``, the default) or ``>= rank``; ``base`` plus the count
    (weight) of the elements before that key; the weight and the number of elements
    with that key. The tasks of ``step-R`` (R the round) run :func:`radix_task` over
    ranges of the ``items`` (at most :data:`MAX_TASKS` tasks). With ``rounds`` < 8 only
    the keys' top ``8 * rounds`` bits are selected (keys known to hold no more, shifted
    up: :func:`top_keys`), and the key returned is those bits."""
    tasks = min(items, MAX_TASKS)
    state = [[q[0], 0, 0, float(q[1]), float(q[2]) if len(q) > 2 else 0.0, 0.0, 0] for q in queries]
    strictness = [bool(q[3]) if len(q) > 3 else True for q in queries]
    for r in range(rounds):
        asked = [s[:3] for s in state]
        sent = {**(params or {}), "select": asked, "items": items, "tasks": tasks}
        results = runner.map(f"{step}-{r}", tasks, sent)
        for q, s in enumerate(state):
            totals: dict[int, list[float]] = {}
            for res in results:
                for b, w, *c in res["select"][q]:
                    got = totals.setdefault(b, [0, 0])
                    got[0] += w
                    got[1] += c[0] if c else w
            running, chosen = s[4], 255
            for b in sorted(totals):
                nxt = running + totals[b][0]
                if (nxt > s[3]) if strictness[q] else (nxt >= s[3]):
                    chosen = b
                    break
                running = nxt
            at = totals.get(chosen, [0.0, 0])
            s[1], s[2], s[4] = (int(s[1]) << _BYTE) | chosen, int(s[2]) + _BYTE, running
            s[5], s[6] = at[0], int(at[1])
    return [(int(s[1]), float(s[4]), float(s[5]), int(s[6])) for s in state]


def top_keys(values: np.ndarray, rounds: int) -> np.ndarray:
    """Non-negative integers below ``2 ** (8 * rounds)`` as keys for ``select(rounds=...)``."""
    return np.asarray(values, dtype=np.uint64) << np.uint64(64 - _BYTE * rounds)


def rounds_for(count: int) -> int:
    """Rounds that select among the integers ``0..count - 1`` (at least one)."""
    return max(1, -(-max(count - 1, 1).bit_length() // _BYTE))


def radix_task(
    index: int,
    params: dict[str, Any],
    load: Callable[[int], tuple[np.ndarray, np.ndarray, np.ndarray | None]],
) -> dict[str, Any]:
    """Task ``index`` of a :func:`select` round: :func:`radix_counts` of each of its
    items (``load(item)`` gives keys, groups and weights or None), added up."""
    items, tasks = params["items"], params["tasks"]
    asked = params["select"]
    totals: list[dict[int, list[float]]] = [{} for _ in asked]
    for item in range(index * items // tasks, (index + 1) * items // tasks):
        keys, groups, weights = load(item)
        for q, found in enumerate(radix_counts(keys, groups, asked, weights)):
            for b, w, *c in found:
                got = totals[q].setdefault(b, [0, 0])
                got[0] += w
                got[1] += c[0] if c else w
    return {"select": [[[b, w, int(c)] for b, (w, c) in sorted(t.items())] for t in totals]}


def quantile(n: int, q: np.ndarray | float, kth: Callable[[np.ndarray], np.ndarray]) -> Any:
    """``np.quantile(values, q)`` (linear) of ``n`` values, given ``kth(ranks)``: the
    values at those 0-based ranks of the sorted values (same arithmetic as numpy's)."""
    scalar = np.ndim(q) == 0
    qs = np.atleast_1d(np.asarray(q, dtype=np.float64))
    virtual = (n - 1) * qs
    previous = np.floor(virtual)
    above = virtual >= n - 1
    previous[above] = -1
    gamma = virtual - previous
    prev_idx = np.where(above, n - 1, previous).astype(np.int64)
    next_idx = np.where(above, n - 1, previous + 1).astype(np.int64)
    both = kth(np.concatenate([prev_idx, next_idx]))
    a, b = both[: len(qs)], both[len(qs) :]
    diff = b - a
    out = a + diff * gamma
    np.subtract(b, diff * (1 - gamma), out=out, where=gamma >= 0.5)
    return out[0] if scalar else out


def quantile_ranks(n: int, q: np.ndarray | float) -> np.ndarray:
    """The 0-based ranks :func:`quantile` reads for ``n`` values."""
    asked: list[np.ndarray] = []

    def record(ranks: np.ndarray) -> np.ndarray:
        asked.append(ranks)
        return np.zeros(len(ranks))

    quantile(n, q, record)
    return np.unique(asked[0])


def sorted_kth(lengths: np.ndarray, counts: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    """``kth`` for :func:`quantile` over a histogram: distinct sorted ``lengths`` with
    their ``counts`` (the expanded sorted array is never built)."""
    ends = np.cumsum(counts)

    def kth(ranks: np.ndarray) -> np.ndarray:
        out: np.ndarray = lengths[np.searchsorted(ends, ranks, side="right")].astype(np.float64)
        return out

    return kth


__all__ = [
    "float_keys",
    "key_floats",
    "quantile",
    "quantile_ranks",
    "radix_counts",
    "radix_task",
    "select",
    "rounds_for",
    "sorted_kth",
    "top_keys",
]
