"""Duplicate evidence: removed duplicates beside the document kept for them, their
Jaccard (the stage's, exact and estimated), a word diff, an example cluster per size."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from report_stages import DUPLICATE

from dataprep.engine.driver import run_pipeline
from dataprep.recipe.config import parse_recipe
from dataprep.report.build import build_report
from dataprep.report.duplicates import (
    estimated_jaccard,
    exact_jaccard,
    shingles,
    word_diff,
)


def dedup_row(report: dict[str, Any], stage: str) -> dict[str, Any]:
    return next(d for d in report["dedup"] if d["stage"] == stage)


def kept_ids(out: Path) -> set[str]:
    return {
        i
        for p in sorted((out / "data").glob("*.parquet"))
        for i in pq.read_table(p)["id"].to_pylist()
    }


def test_near_duplicates_are_shown_beside_the_kept_document(evidence_output: Path) -> None:
    near = dedup_row(build_report(evidence_output), "near")
    assert near["partner_by"] == "dup_of" and near["note"] is None
    assert len(near["pairs"]) == 5
    kept = kept_ids(evidence_output)
    for pair in near["pairs"]:
        # the corpus makes near{k} by changing one word of an original page
        assert pair["removed"]["id"].startswith("near")
        assert pair["kept"]["id"] == pair["dup_of"] and pair["dup_of"] in kept
        # the report's exact Jaccard is the stage's (same word 5-grams, float32 there)
        assert pair["exact_jaccard"] == pytest.approx(pair["stage_jaccard"], abs=1e-6)
        assert pair["estimated_jaccard"] == pytest.approx(pair["exact_jaccard"], abs=0.15)
        assert pair["exact_jaccard"] >= 0.7  # the stage's threshold
        changed = [op for op in pair["diff"]["ops"] if op[0] != "equal"]
        assert changed[0][0] == "replace" and changed[0][1] == "CHANGED"
        assert "CHANGED" not in changed[0][2] and pair["diff"]["changed_words"] == 1


def test_exact_duplicates_are_paired_through_their_cluster_label(full_output: Path) -> None:
    dedup = dedup_row(build_report(full_output), "dedup")
    assert dedup["partner_by"] == "dup_cluster"
    assert "no dup_of column" in dedup["note"]
    assert dedup["pairs"]
    for pair in dedup["pairs"]:
        assert pair["removed"]["text"] == DUPLICATE == pair["kept"]["text"]
        assert pair["removed"]["id"] != pair["kept"]["id"]
        assert pair["stage_jaccard"] is None  # exact dedup records no Jaccard
        assert pair["exact_jaccard"] == pair["estimated_jaccard"] == 1.0
        assert pair["diff"]["changed_words"] == 0


def test_without_dup_of_and_a_later_dedup_stage_the_report_says_why(
    evidence_output: Path,
) -> None:
    exact = dedup_row(build_report(evidence_output), "exact")
    assert exact["partner_by"] is None
    assert "overwritten" in exact["note"] and "near" in exact["note"]
    assert all(p["kept"] is None and p["removed"]["id"].startswith("copy") for p in exact["pairs"])


def test_every_size_bucket_has_an_example_cluster(evidence_output: Path) -> None:
    exact = dedup_row(build_report(evidence_output), "exact")
    by_size = {h["size"]: h["example"] for h in exact["cluster_size_histogram"]}
    assert set(by_size) == {"2", "4"}  # copies of e0007 x3 (+ itself), of e0019 x1
    assert by_size["4"]["size"] == 4
    assert [d["id"] for d in by_size["4"]["removed"]] == ["copy0", "copy1", "copy2"]
    assert [d["id"] for d in by_size["2"]["removed"]] == ["copy3"]
    near = dedup_row(build_report(evidence_output), "near")
    example = near["cluster_size_histogram"][0]["example"]
    assert example["kept"] is not None and len(example["removed"]) == 1


def test_jaccard_of_texts() -> None:
    a = shingles("one two three four five six seven")
    assert len(a) == 3
    assert exact_jaccard(a, a) == estimated_jaccard(a, a) == 1.0
    b = shingles("eight nine ten eleven twelve thirteen")
    assert exact_jaccard(a, b) == 0.0 and estimated_jaccard(a, b) < 0.05
    assert exact_jaccard(set(), set()) == estimated_jaccard(set(), set()) == 0.0


def test_word_diff_marks_changes_and_shortens_equal_runs() -> None:
    base = [f"w{i}" for i in range(100)]
    other = [*base[:50], "NEW", *base[51:]]
    diff = word_diff(" ".join(base), " ".join(other))
    tags = [op[0] for op in diff["ops"]]
    assert tags == ["equal", "replace", "equal"]
    assert diff["ops"][1][1:] == ["w50", "NEW"]
    assert "[… 42 equal words …]" in diff["ops"][0][1]  # 50 words: 8 of context kept
    assert diff["ops"][0][1].endswith("w49") and diff["changed_words"] == 1
    assert not diff["truncated"]


def test_word_diff_is_bounded() -> None:
    long_a = " ".join(f"a{i}" for i in range(5000))
    long_b = " ".join(f"b{i}" for i in range(5000))
    diff = word_diff(long_a, long_b)
    assert diff["truncated"]
    assert sum(len(op[1]) + len(op[2]) for op in diff["ops"]) <= 2500


def test_the_page_shows_pairs_and_the_diff(evidence_output: Path) -> None:
    page = (evidence_output / "report.html").read_text(encoding="utf-8")
    assert "sampled duplicates beside the kept document" in page
    assert "<del>CHANGED</del>" in page
    assert "example cluster of 4" in page


def test_integer_ids_find_their_kept_partner(tmp_path: Path) -> None:
    import pyarrow as pa
    from report_stages import run

    words = [f"w{i}" for i in range(60)]
    docs = []
    for i in range(6):
        text = " ".join(f"{w}{i}" for w in words)
        docs.append({"id": i, "text": text})
        docs.append({"id": 100 + i, "text": text.replace(f"w30{i}", "CHANGED")})
    (tmp_path / "in").mkdir()
    pq.write_table(pa.Table.from_pylist(docs), tmp_path / "in" / "ints.parquet")
    out = run([{"stage": "minhash_dedup_v1", "name": "near"}], tmp_path / "in", tmp_path / "out")
    near = dedup_row(build_report(out), "near")
    assert len(near["pairs"]) == 5
    for pair in near["pairs"]:
        assert int(pair["removed"]["id"]) >= 100
        assert pair["kept"]["id"] == pair["dup_of"] == str(int(pair["removed"]["id"]) - 100)


def test_kept_partners_removed_later_without_text_are_named_in_a_note(tmp_path: Path) -> None:
    """keep_removed: ids keeps the text of 10 removed documents per stage and reason: the
    kept partners of duplicates that a later filter removed are mostly not among them."""
    docs = [{"id": f"p{i:02d}-{c}", "text": f"pair {i}"} for i in range(30) for c in "ab"]
    pq.write_table(pa.Table.from_pylist(docs), tmp_path / "in.parquet")
    recipe = parse_recipe({"stages": [{"stage": "exact_dedup_v1", "name": "dedup"},
                                      {"stage": "toy_min_words_v0", "min_words": 3}]})  # fmt: skip
    out = tmp_path / "out"
    run_pipeline(recipe, [str(tmp_path / "in.parquet")], out, workers=1, progress=False)
    dedup = dedup_row(build_report(out), "dedup")
    textless = [p for p in dedup["pairs"] if p["kept"] is not None and not p["kept"]["text"]]
    assert textless
    assert f"{len(textless)} of the sampled" in dedup["note"]
    assert "keep_removed: ids" in dedup["note"]
