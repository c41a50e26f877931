"""The toy recipe file the engine's CLI tests share (two stages, two passes, one fit)."""

from __future__ import annotations

from pathlib import Path

import pytest

TOY_RECIPE = """\
name: toy
run: {batch_size: 4}
stages:
  - stage: toy_min_words_v0
    min_words: 2
  - stage: toy_exact_dedup_v0
"""


@pytest.fixture
def recipe_file(tmp_path: Path) -> Path:
    p = tmp_path / "toy.yaml"
    p.write_text(TOY_RECIPE)
    return p
