"""tokens_v1: the tokenizer's exact counts in ``n_tokens``, and tokens in/kept per stage
and per language in stats.json (schema-valid), from the stage on."""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

import jsonschema
import pyarrow.parquet as pq
import pytest
from cli_helpers import one_line_error
from tiny_tokenizer import encode, train_tiny_tokenizer

from dataprep.cli import main
from dataprep.engine.driver import run_pipeline
from dataprep.errors import ConfigError
from dataprep.output.stats_format import SCHEMA_PATH
from dataprep.recipe.config import parse_recipe
from dataprep.sample_data import sample_path


@pytest.fixture(scope="module")
def tok(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return train_tiny_tokenizer(tmp_path_factory.mktemp("tok") / "tokenizer.json")


def recipe(tok: Path) -> object:
    return parse_recipe(
        {
            "name": "tok",
            "stages": [
                {"stage": "fasttext_langid_v1"},
                {"stage": "tokens_v1", "tokenizer": str(tok)},
                {"stage": "gopher_quality_v1"},
            ],
        }
    )


@pytest.fixture(scope="module")
def run(tok: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("run") / "out"
    run_pipeline(recipe(tok), [str(sample_path())], out, workers=1, progress=False)
    return out


def test_n_tokens_is_the_tokenizers_own_count_for_every_document(tok: Path, run: Path) -> None:
    rows = pq.read_table(run / "data", columns=["text", "n_tokens"]).to_pylist()
    assert len(rows) > 100
    for row in rows:
        assert row["n_tokens"] == len(encode(tok, row["text"])) > 0


def test_stats_count_tokens_in_and_kept_per_stage_and_language(run: Path) -> None:
    stats = json.loads((run / "stats.json").read_text())
    jsonschema.validate(stats, json.loads(SCHEMA_PATH.read_text()))
    stages = stats["stages"]
    # Before tokens_v1 nothing carries n_tokens: no token keys there.
    assert "tokens_in" not in stages["input"]
    assert "tokens_in" not in stages["fasttext_langid_v1"]
    tok_st, gq = stages["tokens_v1"], stages["gopher_quality_v1"]
    assert tok_st["tokens_in"] == tok_st["tokens_kept"] == gq["tokens_in"]
    kept = pq.read_table(run / "data", columns=["lang", "n_tokens"]).to_pylist()
    assert gq["tokens_kept"] == sum(r["n_tokens"] for r in kept)
    assert gq["docs_removed"] > 0 and gq["tokens_kept"] < gq["tokens_in"]
    by_lang: Counter[str] = Counter()
    for r in kept:
        by_lang[r["lang"]] += r["n_tokens"]
    assert {k: v for k, v in gq["tokens_kept_by_lang"].items() if v} == dict(by_lang)
    assert sum(gq["tokens_in_by_lang"].values()) == gq["tokens_in"]
    assert gq["tokens_in_by_lang"] == tok_st["tokens_kept_by_lang"]
    assert len(by_lang) >= 12


def test_token_stats_do_not_depend_on_the_worker_count(
    tok: Path, run: Path, tmp_path: Path
) -> None:
    run_pipeline(recipe(tok), [str(sample_path())], tmp_path / "w2", workers=2, progress=False)
    assert (tmp_path / "w2" / "stats.json").read_bytes() == (run / "stats.json").read_bytes()


def test_a_missing_tokenizer_file_is_a_config_error_before_any_work(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"tokenizer file .*nope\.json does not exist"):
        run_pipeline(recipe(tmp_path / "nope.json"), [str(sample_path())], tmp_path / "o",
                     workers=1, progress=False)  # fmt: skip
    assert not (tmp_path / "o").exists()


def test_without_the_tokenizers_package_one_line_names_the_extra(
    tok: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "tokenizers", None)  # as if not installed
    path = tmp_path / "r.yaml"
    path.write_text(f"stages:\n  - stage: tokens_v1\n    tokenizer: {tok}\n")
    code = main(["run", str(path), "-o", str(tmp_path / "o"), "--no-progress"])
    assert code == 2
    line = one_line_error(capsys)
    assert "'tokenizers' package" in line and "dataprep[tokens]" in line


def test_exactly_one_of_tokenizer_and_tiktoken(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="exactly one of tokenizer"):
        run_pipeline(
            parse_recipe({"stages": [{"stage": "tokens_v1"}]}), [str(sample_path())], tmp_path / "o"
        )
