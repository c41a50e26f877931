"""stats.json follows its published JSON Schema, and the one reader refuses others."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from corpus_helpers import make_docs, write_shard
from dataprep.engine.driver import run_pipeline
from dataprep.errors import InputError
from dataprep.output.reader import open_output
from dataprep.output.stats_format import SCHEMA_PATH, STATS_VERSION
from dataprep.recipe.config import load_recipe, parse_recipe
from dataprep.sample_data import sample_path


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["properties"]["version"]["const"] == STATS_VERSION
    return jsonschema.Draft202012Validator(schema)


def test_stats_of_a_shipped_recipe_follow_the_schema(
    tmp_path: Path, validator: jsonschema.Draft202012Validator
) -> None:
    out = tmp_path / "o"
    run_pipeline(load_recipe("multilingual"), [str(sample_path())], out, progress=False)
    validator.validate(json.loads((out / "stats.json").read_text()))


def test_stats_with_quarantined_and_skipped_input_follow_the_schema(
    tmp_path: Path, validator: jsonschema.Draft202012Validator
) -> None:
    lines = [json.dumps(d) for d in make_docs(30)]
    lines[3] = "{broken"
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.jsonl").write_text("\n".join(lines) + "\n")
    write_shard(tmp_path / "in" / "b.parquet", make_docs(10, start=30))
    (tmp_path / "in" / "b.parquet.crc").write_text("not a shard")
    recipe = parse_recipe(
        {
            "input": {"on_error": "quarantine"},
            "stages": [
                {"stage": "toy_min_words_v0", "min_words": 2},
                {"stage": "toy_exact_dedup_v0"},
            ],
        }
    )
    out = tmp_path / "o"
    run_pipeline(recipe, [str(tmp_path / "in")], out, workers=1, progress=False)
    stats = json.loads((out / "stats.json").read_text())
    validator.validate(stats)
    assert stats["quarantine"] and stats["skipped_inputs"]


def test_a_stats_json_of_another_format_version_is_refused_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "stats.json").write_text(json.dumps({"version": 99, "stages": {}}))
    with pytest.raises(InputError, match="format version 99"):
        open_output(tmp_path)
