"""The shipped recipes on the bundled sample corpus: they run, every stage has work
to do, and the output (and the report, but for its times) is byte-identical with one
and two worker processes."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from dataprep.engine.driver import run_pipeline
from dataprep.recipe.config import load_recipe
from dataprep.sample_data import sample_path


def _digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name not in ("run.json", "run.log", "report.json", "report.html")
    }


def test_multilingual_is_deterministic_and_every_stage_acts(tmp_path: Path) -> None:
    recipe = load_recipe("multilingual")
    run_pipeline(recipe, [str(sample_path())], tmp_path / "w1", workers=1, progress=False)
    run_pipeline(recipe, [str(sample_path())], tmp_path / "w2", workers=2, progress=False)
    assert _digest(tmp_path / "w1") == _digest(tmp_path / "w2")
    # The report too, apart from its times: with two workers its costly parts
    # (histograms per stage, samples) are built on the workers, in parallel.
    reports = [json.loads((tmp_path / w / "report.json").read_text()) for w in ("w1", "w2")]
    for r in reports:
        del r["run"]["timing"]
    assert reports[0] == reports[1]
    assert reports[0]["signals"] and reports[0]["samples"]["kept"]
    stats = json.loads((tmp_path / "w1" / "stats.json").read_text())
    for name, s in stats["stages"].items():
        if name != "input":
            assert s["docs_removed"] + s["docs_added"] > 0, f"{name} did nothing on the sample"
    balance = stats["global_stages"]["balance_v1"]["languages"]
    assert len(balance) >= 12
    kept = pq.read_table(tmp_path / "w1" / "data", columns=["lang", "dup_cluster", "repeat"])
    assert {"zh", "ja", "th", "en", "de"} <= set(kept.column("lang").to_pylist())


@pytest.mark.parametrize("name", ["web-en", "dedup", "langid"])
def test_other_shipped_recipes_run_on_the_sample(tmp_path: Path, name: str) -> None:
    res = run_pipeline(
        load_recipe(name), [str(sample_path())], tmp_path / "o", workers=1, progress=False
    )
    assert res.stats["input"].docs_in == 417
    if name == "langid":
        assert res.stats["fasttext_langid_v1"].docs_removed == 0
        langs = pq.read_table(tmp_path / "o" / "data", columns=["lang"]).column("lang")
        assert len(set(langs.to_pylist())) >= 16
    if name == "web-en":
        langs = set(
            pq.read_table(tmp_path / "o" / "data", columns=["lang"]).column("lang").to_pylist()
        )
        assert langs == {"en"}
        # the four filters run as one stage and every filter's reason is a column
        lid = res.stats["fasttext_langid_v1"]
        assert res.stats["quality"].docs_in == lid.docs_in - lid.docs_removed
        cols = pq.read_schema(next((tmp_path / "o" / "data").glob("*.parquet"))).names
        for f in ("gopher_repetition", "gopher_quality", "c4", "fineweb"):
            assert f"quality__{f}__reason" in cols
