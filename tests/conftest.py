"""Shared fixtures: a small corpus in four formats; the toy stages are registered."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# Shared, noisy machines: a slow example is not a failure (timings live in benchmarks/).
settings.register_profile("dataprep", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("dataprep")

sys.path.insert(0, str(Path(__file__).parent))

import toy_stages  # noqa: E402, F401  (registers toy_* stages)
from corpus_helpers import make_docs, write_shard  # noqa: E402


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """Four shards in four formats (60 documents)."""
    root = tmp_path / "in"
    write_shard(root / "a.jsonl.gz", make_docs(15, start=0))
    write_shard(root / "b.parquet", make_docs(15, start=15))
    write_shard(root / "c.jsonl.zst", make_docs(15, start=30))
    write_shard(root / "sub" / "d.arrow", make_docs(15, start=45))
    return root


@pytest.fixture
def high_level_predict(monkeypatch: pytest.MonkeyPatch) -> None:
    """fastText's own ``model.predict()`` usable as a reference under numpy 2.

    fasttext-wheel's ``predict()`` ends with ``np.array(probs, copy=False)``, which numpy
    >= 2 refuses (FACTS.md); the probabilities it returns come from the same
    ``f.predict`` call either way. The tests compare dataprep's low-level path with it,
    so the module's ``np`` is given an ``array`` that allows the copy.
    """
    import types

    import numpy as np
    from fasttext import FastText as ft

    def array(obj: object, *args: object, copy: object = None, **kwargs: object) -> object:
        return np.asarray(obj, *args, **kwargs)  # type: ignore[call-overload]

    shim = types.SimpleNamespace(**{k: getattr(np, k) for k in dir(np) if not k.startswith("__")})
    shim.array = array
    monkeypatch.setattr(ft, "np", shim)
