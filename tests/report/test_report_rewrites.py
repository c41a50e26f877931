"""Rewrite evidence: what C4, n-gram coverage, PII redaction and line dedup cut or
replaced, kept at run time (the original text is gone afterwards), as line diffs and
the distribution of the share of characters removed."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from report_stages import BOILERPLATE, EMAIL, EVIDENCE_STAGES, make_evidence_corpus

from dataprep.engine.driver import run_pipeline
from dataprep.recipe.config import parse_recipe
from dataprep.report.build import build_report
from dataprep.report.rewrites import line_diff


def rewrites(out: Path) -> dict[str, dict[str, Any]]:
    return {r["stage"]: r for r in build_report(out)["rewrites"]}


def column_total(out: Path, column: str) -> int:
    n = 0
    for p in sorted(out.glob("**/*.parquet")):
        t = pq.read_table(p)
        if column in t.column_names:
            n += sum(1 for v in t[column].to_pylist() if v)
    return n


def changed(sample: dict[str, Any]) -> tuple[list[str], list[str]]:
    gone = [x for op in sample["diff"]["ops"] if op[0] != "equal" for x in op[1]]
    new = [x for op in sample["diff"]["ops"] if op[0] != "equal" for x in op[2]]
    return gone, new


def test_every_rewriting_stage_is_reported_in_pipeline_order(evidence_output: Path) -> None:
    assert list(rewrites(evidence_output)) == ["c4", "ngrams", "pii", "lines_apply"]


def test_c4_removed_lines_are_shown_as_deleted(evidence_output: Path) -> None:
    c4 = rewrites(evidence_output)["c4"]
    assert c4["docs_seen"] == 131
    assert c4["docs_changed"] == column_total(evidence_output, "c4__lines_removed")
    assert len(c4["samples"]) == 5
    for s in c4["samples"]:
        gone, new = changed(s)
        assert new == [] and gone
        assert set(gone) <= {"Click here", "Please enable javascript to see the map of the valley."}
        assert s["chars_after"] < s["chars_before"]


def test_ngram_coverage_removes_the_logging_line(evidence_output: Path) -> None:
    ngrams = rewrites(evidence_output)["ngrams"]
    assert ngrams["docs_changed"] == column_total(evidence_output, "ngrams__lines_removed")
    logging = 0
    for s in ngrams["samples"]:
        gone, new = changed(s)
        assert new == [] and len(gone) == 1
        # the logging line, or the German pages' line of repeated digits
        assert gone[0].startswith(("error code 42 retry", "Tel. 12 34 56"))
        logging += gone[0].startswith("error code 42 retry")
    assert logging >= 3


def test_pii_replacements_show_the_line_before_and_after(evidence_output: Path) -> None:
    pii = rewrites(evidence_output)["pii"]
    assert pii["docs_changed"] == pii["docs_longer"] > 0  # placeholders are longer here
    for s in pii["samples"]:
        gone, new = changed(s)
        assert len(gone) == len(new) == 1
        assert EMAIL in gone[0] and EMAIL not in new[0] and "@example.org" in new[0]
    # no character was removed: every changed document is in the first bin
    assert pii["share_removed"]["counts"][0] == pii["docs_changed"]


def test_line_dedup_drops_the_boilerplate(evidence_output: Path) -> None:
    lines = rewrites(evidence_output)["lines_apply"]
    assert lines["docs_changed"] == column_total(evidence_output, "lines_apply__lines_removed")
    assert any(BOILERPLATE in changed(s)[0] for s in lines["samples"])


def test_share_removed_counts_every_changed_document(evidence_output: Path) -> None:
    for r in rewrites(evidence_output).values():
        share = r["share_removed"]
        assert sum(share["counts"]) == r["docs_changed"]
        assert share["edges"][0] == 0.0 and share["edges"][-1] == 1.0
        assert len(share["edges"]) == len(share["counts"]) + 1


def test_the_store_outlives_the_work_folder(evidence_output: Path) -> None:
    assert not (evidence_output / "_work").exists()
    assert (evidence_output / "report_samples.json").is_file()
    at_run_end = json.loads((evidence_output / "report.json").read_text())["rewrites"]
    assert at_run_end == build_report(evidence_output)["rewrites"]


def test_evidence_does_not_depend_on_units_or_workers(
    evidence_output: Path, tmp_path: Path
) -> None:
    """The same corpus in row groups of 8 cut into many units, on two workers."""
    corpus = make_evidence_corpus(tmp_path / "in")
    for p in corpus.glob("*.parquet"):
        pq.write_table(pq.read_table(p), p, row_group_size=8)
    recipe = parse_recipe(
        {
            "name": "report-test",
            "run": {"batch_size": 16, "unit_bytes": 2000},
            "stages": EVIDENCE_STAGES,
        }
    )
    out = tmp_path / "out"
    run_pipeline(recipe, [str(corpus)], out, workers=2, progress=False)
    assert len(list(out.glob("data/part-*-0001-*.parquet"))) > 0  # really cut into units
    assert rewrites(out) == rewrites(evidence_output)


def test_line_diff() -> None:
    before = "\n".join(f"line {i}" for i in range(10))
    after = before.replace("line 5\n", "").replace("line 7", "LINE SEVEN")
    diff = line_diff(before, after)
    assert [op[0] for op in diff["ops"]] == ["equal", "delete", "equal", "replace", "equal"]
    assert diff["ops"][0][1] == ["[… 4 unchanged lines …]", "line 4"]
    assert diff["ops"][1][1] == ["line 5"]
    assert diff["ops"][3][1:] == [["line 7"], ["LINE SEVEN"]]
    assert diff["ops"][4][1] == ["line 8", "line 9"]
    assert (diff["lines_removed"], diff["lines_added"], diff["truncated"]) == (2, 1, False)


def test_line_diff_is_bounded() -> None:
    before = "\n".join(f"{i} " + "x" * 300 for i in range(100))
    diff = line_diff(before, "")
    assert diff["truncated"] and diff["lines_removed"] == 100
    assert sum(len(x) for op in diff["ops"] for x in op[1] + op[2]) <= 3000


def test_up_sampled_copies_are_not_recorded() -> None:
    from dataprep.report.store import RewriteRecorder

    rec = RewriteRecorder(text_column="text", id_column="id")
    before = pa.record_batch(
        {"id": ["a", "a"], "text": ["x\ny", "x\ny"], "_dp_repeat": pa.array([0, 1], pa.int32())}
    )
    after = before.set_column(1, "text", pa.array(["x", "x"]))
    rec.record("s", before, after, pa.nulls(2, pa.string()))
    d = rec.stages["s"].to_dict()
    assert (d["docs_seen"], d["docs_changed"], len(d["samples"])) == (1, 1, 1)
    assert d["samples"][0]["before"] == "x\ny" and d["samples"][0]["after"] == "x"


def test_a_global_stages_rewrite_is_recorded(tmp_path: Path) -> None:
    """toy_shared_lines_v0 (tests/toy_stages.py) drops, in fit + rewrite, every line
    shared by two documents: the global-stage path of the recorder."""
    import sys

    sys.path.insert(0, str(Path(__file__).parents[1]))
    import toy_stages  # noqa: F401  (registers the toy stages)

    corpus = tmp_path / "in"
    corpus.mkdir()
    docs = [{"id": f"t{i}", "text": f"own line {i}\nshared footer"} for i in range(4)]
    docs.append({"id": "solo", "text": "only mine"})
    pq.write_table(pa.Table.from_pylist(docs), corpus / "t.parquet")
    recipe = parse_recipe(
        {"name": "toy", "stages": [{"stage": "toy_shared_lines_v0", "name": "shared"}]}
    )
    out = tmp_path / "out"
    run_pipeline(recipe, [str(corpus)], out, workers=1, progress=False)
    shared = rewrites(out)["shared"]
    assert (shared["docs_seen"], shared["docs_changed"]) == (5, 4)
    assert len(shared["samples"]) == 4
    for s in shared["samples"]:
        assert changed(s) == (["shared footer"], [])


def test_an_overwritten_run_has_no_stale_rewrites(evidence_output: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    shutil.copytree(evidence_output, out)
    corpus = make_evidence_corpus(tmp_path / "in", n=40)
    recipe = parse_recipe({"name": "again", "stages": [EVIDENCE_STAGES[0]]})
    run_pipeline(recipe, [str(corpus)], out, workers=1, progress=False, overwrite=True)
    assert not (out / "report_samples.json").exists()
    assert build_report(out)["rewrites"] == []
