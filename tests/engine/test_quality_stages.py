"""Filters as pipeline stages: same decisions as the filter alone, signals as columns."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq

from corpus_helpers import write_shard
from dataprep.engine.driver import run_pipeline
from dataprep.recipe.config import parse_recipe
from dataprep.recipe.registry import stage_names
from filters import C4, FILTERS, GopherQuality

GOOD = (
    "The library opened its doors to the public in the spring, and people have come to read "
    "and to study ever since. It holds books, maps and letters that tell the story of the town. "
) * 4
DOCS = [
    {"id": "good", "text": GOOD, "url": "https://news.example.org/a"},
    {"id": "short", "text": "Buy now.", "url": "https://shop.example.com/b"},
    {"id": "code", "text": GOOD + "\nfunction f() { return 1; }", "url": "https://x.example/c"},
    {"id": "casino", "text": GOOD + " Play casino games.", "url": "https://casino.example/d"},
]


def test_every_filter_is_a_registered_stage() -> None:
    assert set(FILTERS) <= set(stage_names())


def test_stage_decisions_and_signal_columns_match_the_filter(tmp_path: Path) -> None:
    write_shard(tmp_path / "in" / "a.jsonl", DOCS)
    recipe = parse_recipe({"stages": [{"stage": "gopher_quality_v1", "annotate": True}]})
    run_pipeline(recipe, [str(tmp_path / "in")], tmp_path / "o", workers=1, progress=False)
    rows = {r["id"]: r for r in pq.read_table(tmp_path / "o" / "data").to_pylist()}
    f = GopherQuality()
    for doc in DOCS:
        row = rows[doc["id"]]
        assert row["gopher_quality_v1__reason"] == f.reason(doc["text"])
        for name, value in f.signals(doc["text"]).items():
            assert row[f"gopher_quality_v1__{name}"] == value


def test_rewriting_filter_replaces_text_and_blocklist_reads_urls(tmp_path: Path) -> None:
    words = tmp_path / "words.txt"
    words.write_text("casino\n")
    write_shard(tmp_path / "in" / "a.jsonl", DOCS)
    recipe = parse_recipe(
        {
            "stages": [
                {"stage": "c4_v1", "min_sentences": 1},
                {
                    "stage": "blocklist_v1",
                    "word_files": {"*": str(words)},
                    "domains": ["x.example"],
                },
            ]
        }
    )
    res = run_pipeline(recipe, [str(tmp_path / "in")], tmp_path / "o", workers=1, progress=False)
    kept = {r["id"]: r["text"] for r in pq.read_table(tmp_path / "o" / "data").to_pylist()}
    assert kept["good"] == C4(min_sentences=1).rewrite(GOOD)[0]
    assert res.stats["blocklist_v1"].removed_by_reason == {"blocklist:words": 1, "blocklist:url": 1}
    assert res.stats["c4_v1"].chars_rewritten > 0  # the code line was cut from "code"
