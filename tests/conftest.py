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
