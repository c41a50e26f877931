"""Turn a language's target amount into a number of copies per document.

Documents of one language are laid end to end in *selection order* (ascending
``xxhash64(seed, id)``, ties broken by shard, row, repeat), so document ``i``
occupies ``[c_i, c_i + s_i)`` of the language's total ``A``, where ``s_i`` is its
size in the unit. Conceptually the target ``T`` is read off that line cyclically:
a document's copy ``k`` (``k = 0, 1, ...``) is emitted when its midpoint
``m_i = c_i + s_i / 2`` satisfies ``k · A + m_i < T``, i.e.

    copies_i = ceil((T - m_i) / A)  if T > m_i  else 0,  clipped to [0, max_repeats].

Down-sampling (``T < A``) therefore keeps the documents with the smallest hashes
until the target is met, without replacement; up-sampling (``T > A``) gives every
document ``floor(T / A)`` copies and one more to the smallest hashes. The midpoint
rule rounds to the nearest document (for unit ``docs``: ``round(T)`` documents).
Because the hash depends only on the seed and the document id, the choice does not
depend on worker count, shard split or batch size.

With ``hard=True`` (a language whose target is its cap) the end of a copy must
fit: copy ``k`` is emitted when ``k · A + c_i + s_i <= T``, so the output is the
longest prefix of the cyclic line that does not exceed ``T`` (a cap is never passed
by rounding; it may fall short by less than one document).

Zero-size documents (empty text with unit bytes/tokens) cost nothing: they get one
copy when ``T > 0`` and none otherwise.
"""

from __future__ import annotations

import numpy as np


def selection_order(
    lang_idx: np.ndarray, hashes: np.ndarray, shard: np.ndarray, row: np.ndarray, rep: np.ndarray
) -> np.ndarray:
    """Permutation sorting by language, then hash, then (shard, row, repeat)."""
    return np.lexsort((rep, row, shard, hashes, lang_idx))


def copies_for_target(
    sizes: np.ndarray,
    target: float,
    max_repeats: int,
    *,
    hard: bool = False,
    limits: np.ndarray | None = None,
) -> np.ndarray:
    """Copies (int32) per document of one language, ``sizes`` in selection order.

    ``hard``: never exceed ``target``. ``limits``: most copies per document (default
    ``max_repeats`` for all; see :func:`repeat_limits`). Epoch ``k`` of the cyclic line
    holds the documents whose limit exceeds ``k``; whole epochs are taken while they
    fit, then the next one is cut by the midpoint (or, ``hard``, end) rule. With equal
    limits this is the formula of the module docstring.
    """
    sizes = np.asarray(sizes, dtype=np.float64)
    if sizes.size == 0:
        return np.zeros(0, dtype=np.int32)
    lim = np.full(sizes.size, max_repeats, dtype=np.int64)
    if limits is not None:
        lim = np.minimum(np.asarray(limits, dtype=np.int64), max_repeats)
    if float(sizes.sum()) <= 0.0 or target <= 0.0:
        return np.full(sizes.size, 1 if target > 0.0 else 0, dtype=np.int32)
    by_limit = np.bincount(lim, weights=sizes, minlength=int(lim.max()) + 1)
    full, rest, slack = epoch_plan(by_limit, target, hard=hard)
    copies = np.minimum(lim, full)
    if rest is not None:
        inside = lim > full
        end = np.cumsum(np.where(inside, sizes, 0.0))
        take = end <= rest + slack if hard else end - sizes / 2.0 < rest
        copies = copies + (inside & take)
    out: np.ndarray = copies.astype(np.int32)
    out[sizes <= 0.0] = 1
    return out


def epoch_plan(
    by_limit: np.ndarray, target: float, *, hard: bool = False
) -> tuple[int, float | None, float]:
    """``(full, rest, slack)`` of :func:`copies_for_target` from ``by_limit`` (the amount
    of the documents per copy limit): every document gets ``min(limit, full)`` copies;
    when ``rest`` is not None, the documents whose limit exceeds ``full`` get one more
    while the running amount of those documents, in selection order, is within ``rest``
    (midpoint rule; ``hard``: the end within ``rest + slack``)."""
    # epoch_total[k]: amount of epoch k (documents with limit > k).
    epoch_total = np.cumsum(by_limit[::-1])[::-1][1:]
    ends = np.cumsum(epoch_total)
    slack = target * 1e-12 if hard else 0.0
    full = int(np.searchsorted(ends, target + slack, side="right" if hard else "left"))
    if not hard and full < ends.size and ends[full] <= target:
        full += 1  # an epoch that ends exactly at the target is whole
    if full >= epoch_total.size:
        return full, None, slack
    return full, target - (float(ends[full - 1]) if full else 0.0), slack


def repeat_limits(
    shard: np.ndarray, row: np.ndarray, repeat: np.ndarray, max_repeats: np.ndarray
) -> np.ndarray:
    """Most copies each observed document may get so that no *input* document ends up
    with more than its ``max_repeats`` copies in all.

    Copies made by an earlier up-sampling stage share ``(shard, row)``: the ``n`` copies
    of one input document split ``max_repeats`` among them (``divmod``, the remainder
    to the lowest copy numbers), each keeping at least 1 (copies already made are never
    forced out, only not multiplied).
    """
    n = shard.size
    if not bool((repeat != 0).any()):  # no earlier copies: every document is alone
        return np.asarray(max_repeats, dtype=np.int64)
    order = np.lexsort((repeat, row, shard))
    s, r = shard[order], row[order]
    new = np.ones(n, dtype=bool)
    if n:
        new[1:] = (s[1:] != s[:-1]) | (r[1:] != r[:-1])
    starts = np.flatnonzero(new)
    group = np.cumsum(new) - 1
    sizes = np.diff(np.append(starts, n))
    rank = np.arange(n) - starts[group]
    present = sizes[group]
    q, rem = np.divmod(max_repeats[order].astype(np.int64), present)
    limits = np.maximum(q + (rank < rem), 1)
    out = np.empty(n, dtype=np.int64)
    out[order] = limits
    return out


def copies_of_original(
    shard: np.ndarray, row: np.ndarray, repeat: np.ndarray, copies: np.ndarray
) -> np.ndarray:
    """Per observed document: the copies of its input document in the output, counting
    the copies an earlier stage made (all rows sharing ``(shard, row)``)."""
    if not bool((repeat != 0).any()):  # no earlier copies: each row is its own document
        return copies.astype(np.int64)
    key = (shard.astype(np.int64) << 32) | row.astype(np.int64)
    _, inverse = np.unique(key, return_inverse=True)
    totals = np.bincount(inverse, weights=copies.astype(np.float64))
    out: np.ndarray = totals[inverse].astype(np.int64)
    return out
