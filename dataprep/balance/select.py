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
    sizes: np.ndarray, target: float, max_repeats: int, *, hard: bool = False
) -> np.ndarray:
    """Copies (int32) per document of one language, ``sizes`` in selection order.

    ``hard``: never exceed ``target`` (see the module docstring)."""
    sizes = np.asarray(sizes, dtype=np.float64)
    total = float(sizes.sum())
    if sizes.size == 0:
        return np.zeros(0, dtype=np.int32)
    if total <= 0.0 or target <= 0.0:
        return np.full(sizes.size, 1 if target > 0.0 else 0, dtype=np.int32)
    end = np.cumsum(sizes)
    if hard:
        # A tiny relative slack so that a cap equal to a sum of sizes is met exactly.
        room = target * (1 + 1e-12) - end
        copies = np.where(room >= 0, np.floor(room / total) + 1, 0.0)
    else:
        mid = end - sizes / 2.0
        copies = np.where(target > mid, np.ceil((target - mid) / total), 0.0)
    copies = np.clip(copies, 0, max_repeats).astype(np.int32)
    copies[sizes <= 0.0] = 1
    return copies
