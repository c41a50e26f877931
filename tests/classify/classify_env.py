"""Shared pieces of the classifier tests (a unique module name; not a conftest).

``TRAIN``: skip marker for tests that train (they need ``fasttext-wheel``). Set
``DATAPREP_REQUIRE_TRAIN=1`` (as CI does) to make a missing training backend fail
instead of skip, so a broken install cannot pass unnoticed.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import pytest

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


def can_train() -> bool:
    try:
        import fasttext
    except ImportError:
        return False
    return callable(getattr(fasttext, "train_supervised", None))


_REQUIRED = os.environ.get("DATAPREP_REQUIRE_TRAIN") == "1"
if _REQUIRED and not can_train():
    raise RuntimeError(
        "DATAPREP_REQUIRE_TRAIN=1 but the installed `fasttext` cannot train: run "
        "`pip install --force-reinstall --no-deps fasttext-wheel`"
    )

TRAIN = pytest.mark.skipif(
    not can_train(),
    reason="training needs fasttext-wheel (this `fasttext` is predict-only): "
    "pip install --force-reinstall --no-deps fasttext-wheel",
)


def simulate(*args: Any, **kwargs: Any) -> Any:
    """tests/balance/balance_harness.py's simulated runner for a global stage."""
    from balance_harness import simulate as run

    return run(*args, **kwargs)
