"""A document's position as numbers: how copies are numbered, and the lookup key.

A document is identified by ``(_dp_shard, _dp_row, _dp_repeat)``
(:mod:`dataprep.output.columns`). Two encodings turn parts of it into integers,
and both must keep *document order* (lexicographic ``(row, repeat)``) and never
let two documents share a number; otherwise a global stage's decisions, sorted by
position, are joined to the wrong documents or not found at all.

**Copy numbers** (:func:`child_repeat`). An up-sampling stage emits ``copies``
copies of a document; copy ``within`` of a document whose number is ``parent``
gets ``parent * COPY_BASE + within``. The base is decimal so that people can read
the public ``repeat`` column (``3005`` = copy 5 of copy 3), and it is the value
every output so far was written with, so it cannot change without changing bytes.
The numbering is unique and order-preserving exactly when ``within < COPY_BASE``
(with ``within = 1000``, copy 1000 of copy 0 would collide with copy 0 of copy 1),
so one stage may emit at most :data:`MAX_COPIES` copies of a document. The column
is int32, so at most three up-sampling stages of 1000 copies can be nested
(``999_999_999 < 2**31``); a fourth raises instead of wrapping around.

**Position key** (:func:`position_key`). Inside one shard, ``(row, repeat)`` is
packed into one int64, ``row << REPEAT_BITS | repeat``, for ``np.searchsorted``.
``REPEAT_BITS = 31`` holds every non-negative int32 copy number, so keys sort in
document order for any copy number :func:`child_repeat` can produce. (The old key
``row * 65536 + repeat`` did not: two nested stages of 67 copies number a copy
66066, whose key sorted after the next row's.) That leaves ``63 - 31 = 32`` bits
for the row: a file may have up to 2**32 rows, far beyond any Parquet or JSONL
shard a worker can hold.
"""

from __future__ import annotations

import numpy as np

from dataprep.errors import ConfigError, InputError
from dataprep.output.columns import MAX_COPIES

COPY_BASE = MAX_COPIES
"""Copy numbers are decimal digits: copy ``w`` of copy ``p`` is ``p * COPY_BASE + w``
(one stage emits at most :data:`MAX_COPIES` copies, numbered ``0 .. COPY_BASE - 1``)."""
MAX_REPEAT = 2**31 - 1
"""Largest copy number: ``_dp_repeat`` and ``repeat`` are int32 columns."""
REPEAT_BITS = 31
"""Low bits of the position key holding the copy number (every int32 >= 0 fits)."""
MAX_ROWS = 2 ** (63 - REPEAT_BITS)
"""Rows one input file may have: the row takes the key's remaining 32 bits."""


def child_repeat(parent: np.ndarray, within: np.ndarray, *, stage: str) -> np.ndarray:
    """Copy numbers of copies ``within`` (0-based) of documents numbered ``parent``.

    Raises instead of colliding (``within >= COPY_BASE``) or wrapping the int32
    column (too many nested up-sampling stages); ``stage`` names the culprit.
    """
    within = np.asarray(within, dtype=np.int64)
    parent = np.asarray(parent, dtype=np.int64)
    if within.size and int(within.max()) >= COPY_BASE:
        raise RuntimeError(
            f"stage {stage!r} asked for {int(within.max()) + 1} copies of one document; "
            f"copy numbers allow at most {MAX_COPIES} (dataprep.engine.positions.MAX_COPIES)"
        )
    rep = parent * COPY_BASE + within
    if rep.size and int(rep.max()) > MAX_REPEAT:
        raise ConfigError(
            f"stage {stage!r}: copy number {int(rep.max())} exceeds {MAX_REPEAT} (int32); "
            "too many up-sampling stages in a row: remove one or lower its copies"
        )
    out: np.ndarray = rep.astype(np.int32)
    return out


def position_key(rows: np.ndarray, repeats: np.ndarray) -> np.ndarray:
    """One int64 per document of a shard that sorts like ``(row, repeat)``."""
    rows = np.asarray(rows, dtype=np.int64)
    repeats = np.asarray(repeats, dtype=np.int64)
    if rows.size and int(rows.max()) >= MAX_ROWS:
        raise InputError(
            f"an input file has row {int(rows.max())}, past the {MAX_ROWS} rows a file may "
            "have (dataprep.engine.positions.MAX_ROWS): split it"
        )
    if rows.size and int(rows.min()) < 0:
        raise RuntimeError(f"negative row number {int(rows.min())} in a document position")
    if repeats.size and (int(repeats.min()) < 0 or int(repeats.max()) > MAX_REPEAT):
        raise RuntimeError(f"copy number out of the position key's range 0..{MAX_REPEAT}")
    keys: np.ndarray = (rows << REPEAT_BITS) | repeats
    return keys
