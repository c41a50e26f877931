"""N-gram repetition measures over hashed tokens (numpy, imported lazily).

Each token is hashed once; the hash of an n-gram is built from the (n-1)-gram
hashes with one vectorized multiply-add, so no n-gram string is ever joined.
Definitions match datatrove's ``find_top_duplicate`` and ``find_all_duplicate``
(Gopher repetition, Rae et al. 2021 Table A1):

* top n-gram: characters of the most frequent n-gram (joined with spaces) times
  its count; ties go to the n-gram seen first (``Counter.most_common``);
* duplicated n-grams: scan left to right keeping a set of seen n-grams; at an
  n-gram already seen, count its characters (joined without spaces) and jump n
  tokens ahead without adding the skipped n-grams; otherwise add it and step 1.

Hash collisions (64-bit) are possible in principle and ignored.
"""

from __future__ import annotations

from bisect import bisect_right
from typing import Any

_MULT = 0x9E3779B97F4A7C15  # odd 64-bit constant (golden ratio), polynomial base


def _first_occurrence(g: Any) -> Any:
    """For each position, the index of the first position holding the same hash."""
    import numpy as np

    order = np.argsort(g, kind="stable")
    gs = g[order]
    new = np.empty(len(g), dtype=bool)
    new[:1] = True
    np.not_equal(gs[1:], gs[:-1], out=new[1:])
    group_first = order[new]
    first_sorted = group_first[np.cumsum(new) - 1]
    first = np.empty_like(first_sorted)
    first[order] = first_sorted
    return first


def _top_count(g: Any) -> tuple[int, int]:
    """(count, first index) of the most common hash; ties: earliest first index."""
    import numpy as np

    order = np.argsort(g, kind="stable")
    gs = g[order]
    starts = np.flatnonzero(np.concatenate(([True], gs[1:] != gs[:-1])))
    counts = np.diff(np.append(starts, len(g)))
    best = counts.max()
    first_idx = order[starts[counts == best]].min()
    return int(best), int(first_idx)


def _greedy_dup_chars(g: Any, first: Any, cum: list[int], n: int) -> int:
    """Characters of duplicated n-grams under datatrove's greedy skip scan."""
    import numpy as np

    cands = np.flatnonzero(first != np.arange(len(g))).tolist()
    if not cands:
        return 0
    gl = g.tolist()
    fl = first.tolist()
    added: set[int] = set()
    win_start: list[int] = []
    win_end: list[int] = []
    skip_until = 0
    total = 0
    for c in cands:
        if c < skip_until:
            continue
        v = gl[c]
        f = fl[c]
        k = bisect_right(win_start, f) - 1
        first_visited = k < 0 or f >= win_end[k]
        if first_visited or v in added:
            total += cum[c + n] - cum[c]
            win_start.append(c + 1)
            win_end.append(c + n)
            skip_until = c + n
        else:
            added.add(v)
    return total


def repetition_chars(
    tokens: list[str], top_ns: tuple[int, ...], dup_ns: tuple[int, ...]
) -> tuple[dict[int, int], dict[int, int]]:
    """(top n-gram chars per n, duplicated n-gram chars per n) for ``tokens``."""
    import numpy as np

    top: dict[int, int] = dict.fromkeys(top_ns, 0)
    dup: dict[int, int] = dict.fromkeys(dup_ns, 0)
    n_tok = len(tokens)
    if n_tok == 0:
        return top, dup
    h = np.fromiter(map(hash, tokens), dtype=np.int64, count=n_tok).view(np.uint64)
    lens = np.fromiter(map(len, tokens), dtype=np.int64, count=n_tok)
    cum = [0, *np.cumsum(lens).tolist()]
    mult = np.uint64(_MULT)
    g = h
    all_unique = False  # once no n-gram repeats, no longer n-gram can repeat either
    for n in range(2, max((*top_ns, *dup_ns, 1)) + 1):
        if n_tok < n:
            break
        if all_unique:
            if n in top:
                top[n] = cum[n] + n - 1  # count 1: the first n-gram wins the tie
            continue
        g = g[:-1] * mult + h[n - 1 :]
        if n in top:
            count, idx = _top_count(g)
            top[n] = (cum[idx + n] - cum[idx] + n - 1) * count
            all_unique = count == 1
        if n in dup and not all_unique:
            first = _first_occurrence(g)
            dup[n] = _greedy_dup_chars(g, first, cum, n)
            all_unique = dup[n] == 0 and bool(np.all(first == np.arange(len(g))))
    return top, dup
