from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tokens"))

from export_harness import tokens_run
from tiny_tokenizer import train_tiny_tokenizer


@pytest.fixture(scope="session")
def tok(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return train_tiny_tokenizer(tmp_path_factory.mktemp("tok") / "tokenizer.json")


@pytest.fixture(scope="session")
def run(tok: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tokens_run(tok, tmp_path_factory.mktemp("run") / "out")
