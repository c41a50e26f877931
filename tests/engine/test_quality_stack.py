"""quality_stack_v1 decides exactly like the same filters as separate stages."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from corpus_helpers import write_shard
from dataprep.engine.driver import run_pipeline
from dataprep.errors import ConfigError
from dataprep.recipe.config import parse_recipe
from dataprep.sample_data import sample_path

FILTERS = ["gopher_repetition_v1", "gopher_quality_v1", "c4_v1", "fineweb_v1"]


def test_stack_equals_separate_stages_on_the_sample_corpus(tmp_path: Path) -> None:
    sep = parse_recipe({"stages": ["fasttext_langid_v1", *FILTERS]})
    stack = parse_recipe(
        {
            "stages": [
                "fasttext_langid_v1",
                {
                    "stage": "quality_stack_v1",
                    "filters": FILTERS,
                    "options": {"gopher_quality_v1": {"min_words": 50}},
                },
            ]
        }
    )
    a = run_pipeline(sep, [str(sample_path())], tmp_path / "sep", workers=1, progress=False)
    b = run_pipeline(stack, [str(sample_path())], tmp_path / "stack", workers=1, progress=False)
    # Separate stages stop at the first failing filter; the stack evaluates all and
    # removes for the first reason, so removals by reason are identical.
    separate_reasons = sum(
        (a.stats[f].removed_by_reason for f in FILTERS),
        start=type(a.stats[FILTERS[0]].removed_by_reason)(),
    )
    assert b.stats["quality_stack_v1"].removed_by_reason == separate_reasons
    kept_a = pq.read_table(tmp_path / "sep" / "data")
    kept_b = pq.read_table(tmp_path / "stack" / "data")
    assert sorted(kept_a.column("id").to_pylist()) == sorted(kept_b.column("id").to_pylist())
    texts_a = dict(
        zip(kept_a.column("id").to_pylist(), kept_a.column("text").to_pylist(), strict=True)
    )
    texts_b = dict(
        zip(kept_b.column("id").to_pylist(), kept_b.column("text").to_pylist(), strict=True)
    )
    assert texts_a == texts_b  # C4's rewrite is the same
    cols = kept_b.column_names
    assert "quality_stack_v1__gopher_quality__word_count" in cols
    assert "quality_stack_v1__fineweb__reason" in cols


@pytest.mark.parametrize(
    ("stage", "message"),
    [
        ({"filters": ["gopher_qualty_v1"]}, "did you mean 'gopher_quality_v1'"),
        ({"filters": ["c4_v1"], "options": {"fineweb_v1": {}}}, "not in 'filters'"),
        ({"options": {"gopher_quality_v1": {"min_wrds": 3}}}, "did you mean 'min_words'"),
    ],
)
def test_bad_stack_options_are_config_errors(tmp_path: Path, stage: dict, message: str) -> None:
    write_shard(tmp_path / "in" / "a.jsonl", [{"text": "x"}])
    with pytest.raises(ConfigError, match=message):
        recipe = parse_recipe({"stages": [{"stage": "quality_stack_v1", **stage}]})
        run_pipeline(recipe, [str(tmp_path / "in")], tmp_path / "o", workers=1, progress=False)
