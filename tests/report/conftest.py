"""Output folders made by real runs, shared by the report tests (built once per session)."""

from __future__ import annotations

import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[1] / "tokens"))

from report_stages import (
    EVIDENCE_STAGES,
    EVIL,
    FULL_STAGES,
    make_corpus,
    make_evidence_corpus,
    run,
)
from tiny_tokenizer import train_tiny_tokenizer


@pytest.fixture(scope="session")
def report_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_corpus(tmp_path_factory.mktemp("report-in"))


@pytest.fixture(scope="session")
def full_output(report_corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A run with language ID, an annotate-mode filter, a filter, dedup and balancing."""
    return run(FULL_STAGES, report_corpus, tmp_path_factory.mktemp("report-out") / "out")


@pytest.fixture(scope="session")
def evil_output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Hostile texts only, all kept (annotate mode), so every one is in the kept sample."""
    corpus = tmp_path_factory.mktemp("evil-in")
    docs = [{"id": f"evil-{i}", "text": t} for i, t in enumerate(EVIL)]
    pq.write_table(pa.Table.from_pylist(docs), corpus / "evil.parquet")
    stages = [{"stage": "report_quality_v0", "name": "q", "annotate": True}]
    return run(stages, corpus, tmp_path_factory.mktemp("evil-out") / "out")


@pytest.fixture(scope="session")
def tokenizer(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny BPE tokenizer trained on the sample texts (nothing downloaded)."""
    return train_tiny_tokenizer(tmp_path_factory.mktemp("tokenizer") / "tokenizer.json")


@pytest.fixture(scope="session")
def evidence_output(tmp_path_factory: pytest.TempPathFactory, tokenizer: Path) -> Path:
    """C4, PII, line dedup, an annotate-only filter, per-language thresholds, exact and
    near dedup over English and German pages (report_stages.EVIDENCE_STAGES)."""
    corpus = make_evidence_corpus(tmp_path_factory.mktemp("evidence-in"))
    tokens = {"stage": "tokens_v1", "name": "tokens", "tokenizer": str(tokenizer)}
    stages = [EVIDENCE_STAGES[0], tokens, *EVIDENCE_STAGES[1:]]
    return run(stages, corpus, tmp_path_factory.mktemp("evidence-out") / "out")
