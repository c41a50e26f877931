"""Up-sampling stages in a row: every copy keeps a distinct position, in document
order, so a later global stage finds a decision for each of them."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq

from corpus_helpers import write_shard
from dataprep.engine.driver import run_pipeline
from dataprep.recipe.config import parse_recipe


def test_two_upsampling_stages_of_67_copies_then_a_global_stage(tmp_path: Path) -> None:
    # 67 x 67 copies number the last copy 66 * 1000 + 66 = 66066, past the 65536
    # per-row slot of the old position key: the next row's keys sorted before it.
    write_shard(
        tmp_path / "in" / "a.jsonl", [{"id": "a", "text": "one"}, {"id": "b", "text": "two"}]
    )
    recipe = parse_recipe(
        {
            "name": "nested",
            "stages": [
                {"stage": "toy_repeat_v0", "copies": 67},
                {"stage": "toy_repeat_v0", "name": "again", "copies": 67},
                {"stage": "toy_exact_dedup_v0"},
            ],
        }
    )
    out = tmp_path / "o"
    run_pipeline(recipe, [str(tmp_path / "in")], out, workers=1, progress=False)
    stats = json.loads((out / "stats.json").read_text())["stages"]
    assert stats["again"]["docs_out"] == 2 * 67 * 67
    assert stats["toy_exact_dedup_v0"]["docs_out"] == 2
    rows = pq.read_table(out / "data").to_pylist()
    assert [(r["id"], r["repeat"]) for r in rows] == [("a", 0), ("b", 0)]
