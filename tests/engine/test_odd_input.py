"""Odd but valid input: schema drift between shards, one enormous document, paths."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from corpus_helpers import write_shard
from dataprep.engine.driver import run_pipeline
from dataprep.recipe.config import parse_recipe

RECIPE = {"stages": [{"stage": "toy_min_words_v0", "min_words": 1}]}


def test_a_column_missing_from_one_shard_is_null_there(tmp_path: Path) -> None:
    write_shard(tmp_path / "in" / "a.jsonl", [{"text": "one two", "url": "u1", "extra": 1}])
    write_shard(tmp_path / "in" / "b.jsonl", [{"text": "three four", "url": "u2"}])
    run_pipeline(
        parse_recipe(RECIPE), [str(tmp_path / "in")], tmp_path / "o", workers=1, progress=False
    )
    a = pq.read_table(tmp_path / "o" / "data" / "part-00000-0000.parquet")
    b = pq.read_table(tmp_path / "o" / "data" / "part-00001-0000.parquet")
    assert a.column("extra").to_pylist() == [1]
    assert b.column("extra").to_pylist() == [None] and b.column("url").to_pylist() == ["u2"]
    assert a.schema == b.schema


def test_ids_from_parent_relative_names_never_become_paths(tmp_path: Path) -> None:
    write_shard(tmp_path / "in" / "x" / "a.jsonl", [{"text": "one two"}])
    write_shard(tmp_path / "in" / "y" / "a.jsonl", [{"text": "three four"}])
    out = tmp_path / "o"
    run_pipeline(
        parse_recipe(RECIPE),
        [str(tmp_path / "in" / "x" / ".." / "y"), str(tmp_path / "in" / "x")],
        out,
        workers=1,
        progress=False,
    )
    ids = sorted(pq.read_table(out / "data").column("id").to_pylist())
    assert ids == ["x/a.jsonl:0", "y/a.jsonl:0"]
    written = {p.relative_to(out).parts[0] for p in out.rglob("*")}
    assert written <= {
        "data",
        "removed",
        "stats.json",
        "run.json",
        "run.log",
        "report.json",
        "report.html",
    }


def test_output_through_a_symlink_stays_inside_the_target(tmp_path: Path) -> None:
    write_shard(tmp_path / "in" / "a.jsonl", [{"text": "one two"}])
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    run_pipeline(
        parse_recipe(RECIPE),
        [str(tmp_path / "in")],
        tmp_path / "link" / "o",
        workers=1,
        progress=False,
    )
    assert (tmp_path / "real" / "o" / "stats.json").is_file()
    outside = [
        p
        for p in tmp_path.rglob("*")
        if p.is_file()
        and not str(p.resolve()).startswith(str(tmp_path / "real"))
        and "in" not in p.relative_to(tmp_path).parts[:1]
    ]
    assert outside == []


@pytest.mark.slow
def test_one_enormous_document(tmp_path: Path) -> None:
    big = "word " * 40_000_000  # 200 MB
    path = tmp_path / "in" / "big.jsonl"
    path.parent.mkdir()
    with open(path, "w") as f:
        f.write(json.dumps({"text": "small doc"}) + "\n")
        f.write(json.dumps({"text": big}) + "\n")
    del big
    recipe = parse_recipe({"stages": []})
    res = run_pipeline(recipe, [str(tmp_path / "in")], tmp_path / "o", workers=1, progress=False)
    assert res.stats["input"].docs_kept == 2
    lengths = pq.read_table(tmp_path / "o" / "data", columns=["text"]).column("text")
    assert sorted(len(t.as_py()) for t in lengths) == [9, 200_000_000]
