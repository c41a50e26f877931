"""What balance_v1's up-sampling writes to data/, through the real engine: distinct ids
for copies, the original id kept, input columns never overwritten, one schema."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from corpus_helpers import write_shard
from dataprep.engine.driver import run_pipeline
from dataprep.recipe.config import parse_recipe


def run(tmp_path: Path, shards: dict[str, list[dict[str, Any]]], *stages: dict[str, Any]) -> Path:
    for name, docs in shards.items():
        write_shard(tmp_path / "in" / name, docs)
    recipe = parse_recipe({"name": "t", "stages": list(stages)})
    out = tmp_path / "out"
    run_pipeline(recipe, [str(tmp_path / "in")], out, workers=1, progress=False)
    return out


UPSAMPLE = {"stage": "balance_v1", "mode": "unimax", "unit": "docs", "max_repeats": 3}


def corpus(with_ids: bool = True) -> dict[str, list[dict[str, Any]]]:
    def doc(lang: str, i: int) -> dict[str, Any]:
        d = {"lang": lang, "text": f"{lang} text {i}"}
        return {"id": f"{lang}-{i}", **d} if with_ids else d

    return {
        "en.jsonl": [doc("en", i) for i in range(30)],
        "sw.jsonl": [doc("sw", i) for i in range(4)],
    }


def test_copies_get_distinct_ids_and_keep_the_original(tmp_path: Path) -> None:
    out = run(tmp_path, corpus(), {**UPSAMPLE, "budget": 24})
    rows = pq.read_table(out / "data").to_pylist()
    sw = sorted((r["id"], r["original_id"], r["repeat"]) for r in rows if r["lang"] == "sw")
    assert sw[:3] == [("sw-0", "sw-0", 0), ("sw-0#1", "sw-0", 1), ("sw-0#2", "sw-0", 2)]
    assert len({r["id"] for r in rows}) == len(rows) == 24
    assert all(r["original_id"] == r["id"] for r in rows if r["repeat"] == 0)


def test_made_up_ids_of_copies_are_unique_too(tmp_path: Path) -> None:
    out = run(tmp_path, corpus(with_ids=False), {**UPSAMPLE, "budget": 24})
    rows = pq.read_table(out / "data").to_pylist()
    assert len({r["id"] for r in rows}) == len(rows)
    assert {r["id"] for r in rows if r["original_id"] == "sw.jsonl:0"} == {
        "sw.jsonl:0",
        "sw.jsonl:0#1",
        "sw.jsonl:0#2",
    }


def test_an_input_repeat_column_is_kept(tmp_path: Path) -> None:
    shards = corpus()
    for docs in shards.values():
        for d in docs:
            d["repeat"] = "weekly"
            d["original_id"] = 7
    out = run(tmp_path, shards, {**UPSAMPLE, "budget": 24})
    rows = pq.read_table(out / "data").to_pylist()
    assert {r["input_repeat"] for r in rows} == {"weekly"}
    assert {r["input_original_id"] for r in rows} == {7}
    assert sorted({r["repeat"] for r in rows}) == [0, 1, 2]


def test_every_part_file_has_the_copy_columns(tmp_path: Path) -> None:
    # en is only down-sampled, sw is up-sampled: both files' parts have one schema.
    out = run(tmp_path, corpus(), {**UPSAMPLE, "budget": 24})
    schemas = [pq.read_schema(p) for p in sorted((out / "data").glob("*.parquet"))]
    assert len(schemas) == 2
    assert all(s.equals(schemas[0]) for s in schemas)
    assert {"repeat", "original_id"} <= set(schemas[0].names)


def test_two_chained_balance_stages_stay_within_max_repeats(tmp_path: Path) -> None:
    out = run(
        tmp_path,
        corpus(),
        {**UPSAMPLE, "budget": 24},
        {**UPSAMPLE, "name": "again", "budget": 40},
    )
    rows = pq.read_table(out / "data").to_pylist()
    per_original: dict[str, int] = {}
    for r in rows:
        per_original[r["original_id"]] = per_original.get(r["original_id"], 0) + 1
    assert max(per_original.values()) == 3  # 9 before
    assert len({r["id"] for r in rows}) == len(rows)


def test_a_stage_that_declares_no_copies_cannot_make_any() -> None:
    import numpy as np
    import pyarrow as pa
    import pytest

    from dataprep.engine.decisions import replicate
    from dataprep.output.columns import REPEAT_COL

    batch = pa.record_batch({"id": ["a"], REPEAT_COL: pa.array([0], pa.int32())})
    assert replicate(batch, np.array([2]), stage="s").num_rows == 2
    with pytest.raises(RuntimeError, match="may_copy"):
        replicate(batch, np.array([2]), stage="s", allowed=False)


def test_the_report_compares_shares_in_the_balancing_unit(tmp_path: Path) -> None:
    # 90 short English documents, 10 long German ones: half the bytes are German.
    shards = {
        "en.jsonl": [{"id": f"en-{i}", "lang": "en", "text": "e" * 10} for i in range(90)],
        "de.jsonl": [{"id": f"de-{i}", "lang": "de", "text": "d" * 90} for i in range(10)],
    }
    out = run(tmp_path, shards, {"stage": "balance_v1", "unit": "bytes", "budget": 1000})
    import json

    mix = json.loads((out / "report.json").read_text())["language_mix"]
    rows = {r["lang"]: r for r in mix["languages"]}
    assert mix["share_unit"] == "bytes"
    assert rows["de"]["share_before"] == pytest.approx(0.5)  # not 0.1, its document share
    stats = json.loads((out / "stats.json").read_text())["global_stages"]["balance_v1"]
    assert rows["de"]["share_after"] == stats["languages"]["de"]["share_after"]
    # Comparing two runs stays in documents, whatever unit each run balanced in.
    from dataprep.report.compare import build_compare

    (de,) = [r for r in build_compare(out, out)["languages"] if r["lang"] == "de"]
    assert de["a"]["share_out"] == de["a"]["docs_out"] / sum(r["docs_after"] for r in rows.values())
