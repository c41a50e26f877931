"""A finished run with n_tokens on the sample corpus, and its kept documents in run order."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq

from dataprep.engine.driver import run_pipeline
from dataprep.recipe.config import parse_recipe
from dataprep.sample_data import sample_path


def tokens_run(tok: Path, out: Path) -> Path:
    recipe = parse_recipe(
        {
            "name": "export-test",
            "stages": [
                {"stage": "fasttext_langid_v1"},
                {"stage": "tokens_v1", "tokenizer": str(tok)},
                {"stage": "gopher_quality_v1"},
            ],
        }
    )
    run_pipeline(recipe, [str(sample_path())], out, workers=1, progress=False)
    return out


def kept_in_run_order(run: Path) -> list[dict]:
    parts = sorted((run / "data").glob("part-*.parquet"))
    return [row for p in parts for row in pq.read_table(p).to_pylist()]
