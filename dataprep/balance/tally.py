"""What ``balance_v1`` reports per category, as counts that add up across work units."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

REASON_DOWNSAMPLED = "balance_downsampled"
REASON_NOT_IN_MIX = "balance_lang_not_in_mix"

BEFORE = ("docs_before", "bytes_before", "amount_before")
AFTER = (
    "docs_after",
    "unique_docs_after",
    "bytes_after",
    "amount_after",
    "repeats",
    "max_copies",
)


def tally(
    copies: np.ndarray, nbytes: np.ndarray, sizes: np.ndarray, totals: np.ndarray
) -> dict[str, Any]:
    """The summary's counts of some documents of one category (add them up with
    :func:`merge_tallies`; sums of whole numbers and quarters, exact in float64)."""
    c = copies.astype(np.int64)
    return {
        "docs_before": int(c.size),
        "bytes_before": int(nbytes.sum()),
        "amount_before": float(sizes.sum()),
        "docs_after": int(c.sum()),
        "unique_docs_after": int((c > 0).sum()),
        "bytes_after": int((c * nbytes).sum()),
        "amount_after": float((c * sizes).sum()),
        "repeats": int((c - 1).clip(min=0).sum()),
        "max_copies": int(totals.max()) if c.size else 0,
    }


def merge_tallies(parts: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The :func:`tally` of the union of disjoint sets of documents."""
    out = {k: sum(p[k] for p in parts) for k in (*BEFORE, *AFTER) if k != "max_copies"}
    out["amount_before"] = float(out["amount_before"])
    out["amount_after"] = float(out["amount_after"])
    out["max_copies"] = max((p["max_copies"] for p in parts), default=0)
    return out
