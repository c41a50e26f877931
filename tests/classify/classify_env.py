"""Shared pieces of the classifier tests (a unique module name; not a conftest)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DATA = HERE.parent / "data" / "classify"
TINY_MODEL = DATA / "quality-tiny.ftz"
POSITIVE, NEGATIVE, CORPUS = (
    DATA / "train" / "positive",
    DATA / "train" / "negative",
    DATA / "corpus",
)
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "balance"))


def simulate(*args: Any, **kwargs: Any) -> Any:
    """tests/balance/balance_harness.py's simulated runner for a global stage."""
    from balance_harness import simulate as run

    return run(*args, **kwargs)
