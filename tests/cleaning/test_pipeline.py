"""The cleaning stages in real pipelines: the shipped llama3-web recipe on the sample
corpus, and global-stage decisions independent of the worker count and shard order."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from dataprep.engine.driver import run_pipeline
from dataprep.recipe.config import load_recipe, parse_recipe
from dataprep.sample_data import SAMPLE_DIR

RECIPE = Path(__file__).parents[2] / "pipelines" / "llama3-web.yaml"
GLOBAL_STACK = [
    {"stage": "url_dedup_v1"},
    {"stage": "line_dedup_v1", "max_occurrences": 2, "bucket_docs": 150},
    {"stage": "line_dedup_apply_v1"},
    {"stage": "ngram_coverage_v1"},
    {"stage": "token_kl_v1", "drop_top_fraction": 0.05, "num_buckets": 65536},
    {"stage": "pii_redact_v1"},
]


def kept(out: Path) -> list[tuple[str, str]]:
    rows = pq.read_table(out / "data", columns=["id", "text"]).to_pylist()
    return sorted((r["id"], r["text"]) for r in rows)


def test_llama3_web_recipe_runs_on_the_sample_corpus(tmp_path: Path) -> None:
    res = run_pipeline(load_recipe(str(RECIPE)), [str(SAMPLE_DIR)], tmp_path / "o", progress=False)
    stats = json.loads((tmp_path / "o" / "stats.json").read_text())
    st = stats["stages"]
    assert st["url_dedup_v1"]["removed_by_reason"] == {"url_duplicate": 24}
    assert st["ngram_coverage_v1"]["bytes_rewritten_away"] > 0
    for name, s in st.items():
        assert s["docs_in"] == s["docs_kept"] + s["docs_removed"], name
    fits = res.fit_summaries
    assert {"url_dedup_v1", "minhash_dedup_v1", "line_dedup_v1", "token_kl_v1"} <= set(fits)
    # per language, documents containing a line: no line of the sample is in > 6 documents
    # of one language (with count: lines, the 8 copies of one spam line in one page were)
    assert fits["line_dedup_v1"]["per"] == "lang" and fits["line_dedup_v1"]["count"] == "documents"
    assert fits["line_dedup_v1"]["buckets"] > 10
    assert 150 < stats["docs_out"] < 300
    cols = pq.read_schema(next((tmp_path / "o" / "data").glob("*.parquet"))).names
    assert {"lang", "token_kl_v1__kl", "pii_redact_v1__emails"} <= set(cols)
    assert "line_dedup_v1__drop_lines" not in cols
    assert (tmp_path / "o" / "report.html").exists()


def test_global_stages_same_result_with_one_and_two_workers(tmp_path: Path) -> None:
    recipe = parse_recipe({"name": "t", "run": {"batch_size": 16}, "stages": GLOBAL_STACK})
    one = run_pipeline(recipe, [str(SAMPLE_DIR)], tmp_path / "w1", workers=1, progress=False)
    two = run_pipeline(recipe, [str(SAMPLE_DIR)], tmp_path / "w2", workers=2, progress=False)
    assert kept(tmp_path / "w1") == kept(tmp_path / "w2")
    assert one.fit_summaries == two.fit_summaries
    s1 = json.loads((tmp_path / "w1" / "stats.json").read_text())["stages"]
    s2 = json.loads((tmp_path / "w2" / "stats.json").read_text())["stages"]
    assert s1 == s2
    assert s1["token_kl_v1"]["removed_by_reason"].get("token_kl", 0) > 0
    assert s1["line_dedup_v1"]["docs_in"] == s1["url_dedup_v1"]["docs_kept"]


@pytest.mark.parametrize("batch_size", [7, 1000])
def test_global_stages_ignore_batching(tmp_path: Path, batch_size: int) -> None:
    base = parse_recipe({"name": "t", "run": {"batch_size": 64}, "stages": GLOBAL_STACK})
    other = parse_recipe({"name": "t", "run": {"batch_size": batch_size}, "stages": GLOBAL_STACK})
    run_pipeline(base, [str(SAMPLE_DIR)], tmp_path / "a", workers=1, progress=False)
    run_pipeline(other, [str(SAMPLE_DIR)], tmp_path / "b", workers=1, progress=False)
    assert kept(tmp_path / "a") == kept(tmp_path / "b")


def test_shard_order_only_matters_through_input_order(tmp_path: Path) -> None:
    """Renaming shards changes which copy is first; the set of decisions stays consistent:
    the same URLs are deduplicated and the same number of documents survive."""
    inp = tmp_path / "in"
    shutil.copytree(SAMPLE_DIR, inp)
    recipe = parse_recipe({"name": "t", "stages": GLOBAL_STACK[:3]})
    run_pipeline(recipe, [str(inp)], tmp_path / "a", workers=1, progress=False)
    for p in sorted(inp.iterdir()):
        p.rename(inp / f"z-{9 - int(p.name[6:9])}-{p.name}")
    run_pipeline(recipe, [str(inp)], tmp_path / "b", workers=1, progress=False)
    a = json.loads((tmp_path / "a" / "stats.json").read_text())["stages"]
    b = json.loads((tmp_path / "b" / "stats.json").read_text())["stages"]
    assert a["url_dedup_v1"]["docs_removed"] == b["url_dedup_v1"]["docs_removed"]
    assert a["line_dedup_v1"]["docs_kept"] == b["line_dedup_v1"]["docs_kept"]
