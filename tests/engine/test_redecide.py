"""Re-deciding a filter from stored signals equals re-running it with new thresholds."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from corpus_helpers import write_shard
from dataprep.cli import main
from dataprep.engine.driver import run_pipeline
from dataprep.errors import ConfigError
from dataprep.output.redecide import parse_overrides, redecide
from dataprep.recipe.config import parse_recipe

SENTENCE = "The cat sat on the mat and looked at the birds with interest. "


@pytest.fixture
def docs_dir(tmp_path: Path) -> Path:
    docs = [{"id": f"d{i}", "text": SENTENCE * n} for i, n in enumerate(range(1, 15))]
    write_shard(tmp_path / "in" / "a.jsonl", docs)
    return tmp_path / "in"


def _run(docs_dir: Path, out: Path, annotate: bool, **options: object) -> None:
    recipe = parse_recipe(
        {"stages": [{"stage": "gopher_quality_v1", "annotate": annotate, **options}]}
    )
    run_pipeline(recipe, [str(docs_dir)], out, workers=1, progress=False)


def test_redecide_matches_a_fresh_run_with_the_new_threshold(
    docs_dir: Path, tmp_path: Path
) -> None:
    _run(docs_dir, tmp_path / "ann", annotate=True)
    result = redecide(
        tmp_path / "ann", "gopher_quality_v1", {"min_words": 100}, output=tmp_path / "re"
    )
    _run(docs_dir, tmp_path / "fresh", annotate=False, min_words=100)
    fresh = json.loads((tmp_path / "fresh" / "stats.json").read_text())
    stage = fresh["stages"]["gopher_quality_v1"]
    assert dict(result.new) == stage["removed_by_reason"]
    assert result.docs == stage["docs_in"]
    kept_re = sorted(pq.read_table(tmp_path / "re" / "data").column("id").to_pylist())
    kept_fresh = sorted(pq.read_table(tmp_path / "fresh" / "data").column("id").to_pylist())
    assert kept_re == kept_fresh
    assert result.newly_removed > 0


def test_redecide_cli_and_bad_option(
    docs_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _run(docs_dir, tmp_path / "ann", annotate=True)
    assert (
        main(
            [
                "redecide",
                str(tmp_path / "ann"),
                "--stage",
                "gopher_quality_v1",
                "--set",
                "min_words=20",
            ]
        )
        == 0
    )
    assert "gopher_quality:word_count_low" in capsys.readouterr().out
    assert (
        main(
            [
                "redecide",
                str(tmp_path / "ann"),
                "--stage",
                "gopher_quality_v1",
                "--set",
                "min_wrds=20",
            ]
        )
        == 2
    )
    assert "did you mean 'min_words'" in capsys.readouterr().err


def test_overrides_are_yaml_scalars() -> None:
    assert parse_overrides(["a=1", "b=0.5", "c=null", "d=[x, y]"]) == {
        "a": 1,
        "b": 0.5,
        "c": None,
        "d": ["x", "y"],
    }
    with pytest.raises(ConfigError):
        parse_overrides(["novalue"])


def test_redecide_keeps_an_input_column_named_reason_readable(tmp_path: Path) -> None:
    import polars as pl

    docs = [
        {"id": f"d{i}", "text": SENTENCE * n, "reason": f"crawl-{i}"}
        for i, n in enumerate(range(1, 15))
    ]
    write_shard(tmp_path / "in" / "a.jsonl", docs)
    _run(tmp_path / "in", tmp_path / "ann", annotate=True)
    redecide(tmp_path / "ann", "gopher_quality_v1", {"min_words": 100}, output=tmp_path / "re")
    removed = pl.read_parquet(tmp_path / "re" / "removed" / "gopher_quality_v1")
    assert removed.height > 0
    assert removed["input_reason"].str.starts_with("crawl-").all()
    assert not removed["reason"].str.starts_with("crawl-").any()


def test_redecide_says_what_a_run_without_annotate_cannot_re_decide(
    docs_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _run(docs_dir, tmp_path / "plain", annotate=False, min_words=100)
    stats = json.loads((tmp_path / "plain" / "stats.json").read_text())
    removed = stats["stages"]["gopher_quality_v1"]["docs_removed"]
    assert removed > 0
    argv = ["redecide", str(tmp_path / "plain"), "--stage", "gopher_quality_v1"]
    assert main([*argv, "--set", "min_words=30"]) == 0
    out = " ".join(capsys.readouterr().out.split())  # notes are wrapped
    kept = stats["stages"]["gopher_quality_v1"]["docs_kept"]
    assert f"re-decided: the {kept} documents in data/" in out
    assert f"not re-decided: the {removed} documents gopher_quality_v1 removed" in out
    assert "cannot keep any of those" in out
    assert "--set stages.gopher_quality_v1.annotate=true" in out
    # The way out it suggests works: that run re-decides every document.
    _run(docs_dir, tmp_path / "ann", annotate=True, min_words=100)
    assert main(["redecide", str(tmp_path / "ann"), "--stage", "gopher_quality_v1",
                 "--set", "min_words=30"]) == 0  # fmt: skip
    out = " ".join(capsys.readouterr().out.split())
    assert "ran with annotate: true" in out and "not re-decided:" not in out
    newly_kept = int(out.split("newly removed / newly kept ")[1].split()[1])
    assert 0 < newly_kept <= removed  # documents the plain run could not bring back
