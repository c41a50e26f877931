"""report.json: valid against its schema, consistent with stats.json and the parts,
deterministic, and bounded in what it reads."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from report_stages import FULL_STAGES, make_docs_without_ids, run

from dataprep.errors import InputError
from dataprep.report import REPORT_VERSION, signals
from dataprep.report.build import build_report, write_reports
from dataprep.report.overlap import how_to_measure

SCHEMA_PATH = Path(__file__).parents[2] / "dataprep" / "report" / "report.schema.json"


def load(out: Path) -> dict[str, Any]:
    return json.loads((out / "report.json").read_text())


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_the_runner_writes_a_report_that_follows_the_schema(
    full_output: Path, validator: jsonschema.Draft202012Validator
) -> None:
    report = load(full_output)
    validator.validate(report)
    assert report["report_version"] == REPORT_VERSION
    assert (full_output / "report.html").is_file()
    assert list(report) == [
        "report_version",
        "stats_version",
        "run",
        "totals",
        "stages",
        "languages",
        "language_mix",
        "dedup",
        "global_stages",
        "signals",
        "unmatched_thresholds",
        "overlaps",
        "rewrites",
        "tokens",
        "samples",
    ]


def test_stage_numbers_match_stats_json(full_output: Path) -> None:
    report = load(full_output)
    stats = json.loads((full_output / "stats.json").read_text())
    assert [s["name"] for s in report["stages"]] == list(stats["stages"])
    for row in report["stages"]:
        st = stats["stages"][row["name"]]
        assert row["docs_in"] == row["docs_kept"] + row["docs_removed"], row["name"]
        for key in ("docs_in", "docs_out", "docs_removed", "bytes_in", "bytes_out"):
            assert row[key] == st[key], (row["name"], key)
        assert row["removed_by_reason"] == st["removed_by_reason"]
        assert row["flagged_by_reason"] == st["flagged_by_reason"]
        removed = full_output / "removed" / row["name"]
        on_disk = pq.read_table(removed).num_rows if removed.exists() else 0
        assert on_disk == row["docs_removed"]
    assert report["totals"]["docs_read"] == stats["docs_read"] == 150
    assert report["totals"]["docs_out"] == stats["docs_out"]
    info = {s["name"]: s for s in report["stages"]}
    assert info["strict"]["annotate"] and info["dedup"]["kind"] == "global"


def test_run_metadata(full_output: Path) -> None:
    run_ = load(full_output)["run"]
    assert run_["recipe"] == "report-test" and len(run_["recipe_sha256"]) == 64
    assert [f["name"] for f in run_["input_files"]] == ["a.parquet", "b.parquet"]
    assert run_["seed"] == 0 and run_["versions"]["dataprep_version"]
    assert run_["timing"]["finished"] and run_["timing"]["workers"] == 1
    assert run_["timing"]["seconds"] >= 0


def test_histograms_count_every_document_that_reached_the_stage(full_output: Path) -> None:
    report = load(full_output)
    stages = {s["name"]: s for s in report["stages"]}
    hists = {h["column"]: h for h in report["signals"]}
    assert set(hists) == {
        "lang_score",
        "strict__chars",
        "strict__alpha",
        "quality__chars",
        "quality__alpha",
    }
    for h in hists.values():
        st = stages[h["stage"]]
        assert len(h["edges"]) == len(h["passed"]) + 1 == len(h["removed"]) + 1
        assert sum(h["passed"]) + sum(h["removed"]) == h["count"] == st["docs_in"]
        gone = st["docs_removed"] or sum(st["flagged_by_reason"].values())
        assert sum(h["removed"]) == gone, h["column"]
        assert h["min"] <= h["mean"] <= h["max"]
    chars = hists["quality__chars"]
    assert chars["integer"] and chars["threshold"] == {"quality__chars": [20, 2000]}
    assert load(full_output)["unmatched_thresholds"] == []
    lines = {(line["label"], line["value"]): line["on_chart"] for line in chars["threshold_lines"]}
    assert lines == {("min", 20.0): True, ("max", 2000.0): False}
    alpha = hists["quality__alpha"]
    assert [(t["label"], t["value"]) for t in alpha["threshold_lines"]] == [
        ("de", 0.65),
        ("en", 0.7),
    ]
    assert hists["lang_score"]["threshold_lines"][0]["value"] == pytest.approx(0.05)


def test_histograms_are_the_same_when_the_second_pass_reads_the_files_again(
    full_output: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The second pass reuses the first pass's batches unless they exceed CACHE_BYTES."""
    from dataprep.output.reader import open_output

    out = open_output(full_output)
    cached = signals.all_histograms(out)
    monkeypatch.setattr(signals, "CACHE_BYTES", 0)
    reread = signals.all_histograms(out)

    def without_mean(hists: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{k: v for k, v in h.items() if k != "mean"} for h in hists]

    assert without_mean(reread[0]) == without_mean(cached[0]) and reread[1] == cached[1]
    for a, b in zip(reread[0], cached[0], strict=True):  # sums grouped differently
        assert a["mean"] == pytest.approx(b["mean"], rel=1e-12)
    one = signals.stage_histograms(out, "quality")[0]
    assert without_mean(one) == without_mean([h for h in cached[0] if h["stage"] == "quality"])


def test_overlaps_are_measured_only_after_an_annotate_stage(full_output: Path) -> None:
    ov = load(full_output)["overlaps"]
    names = ov["stages"]
    assert names == ["langid", "strict", "quality", "dedup", "balance"]
    i, j = names.index("strict"), names.index("quality")
    removed = pq.read_table(full_output / "removed" / "quality", columns=["strict__reason"])
    both = removed.num_rows - removed.column(0).null_count
    assert ov["counts"][i][j] == ov["counts"][j][i] == both > 0
    # langid removes before anyone else sees its documents: not measurable.
    assert ov["counts"][0][1] is None and ov["counts"][2][3] is None
    stats = json.loads((full_output / "stats.json").read_text())["stages"]
    assert ov["counts"][i][i] == sum(stats["strict"]["flagged_by_reason"].values())
    assert ov["counts"][j][j] == stats["quality"]["docs_removed"]


def test_language_mix_and_dedup_come_from_the_global_stages(full_output: Path) -> None:
    report = load(full_output)
    mix = report["language_mix"]
    assert mix["balance_stage"] == "balance" and mix["unit"] == "docs"
    rows = {r["lang"]: r for r in mix["languages"]}
    assert set(rows) == {"en", "de", "fr"}
    kept = pq.read_table(full_output / "data", columns=["lang"]).column("lang")
    for lang, r in rows.items():
        assert r["docs_after"] == pc.sum(pc.equal(kept, lang)).as_py()
        assert r["target_share"] is not None
    assert sum(r["share_before"] for r in rows.values()) == pytest.approx(1)
    assert rows["fr"]["share_after"] > rows["fr"]["share_before"]  # temperature up-samples
    (dedup,) = report["dedup"]
    assert dedup["stage"] == "dedup" and dedup["duplicates_removed"] > 0
    assert sum(h["clusters"] for h in dedup["cluster_size_histogram"]) == dedup["clusters"]
    langs = {r["lang"]: r["by_stage"] for r in report["languages"]}
    assert langs["en"]["quality"]["docs_in"] >= langs["en"]["quality"]["removed"] > 0


def test_samples_cover_each_reason_and_are_truncated(full_output: Path) -> None:
    report = load(full_output)
    samples = report["samples"]
    groups = {(g["stage"], g["reason"]) for g in samples["removed"]}
    expected = {(s["name"], r) for s in report["stages"] for r in s["removed_by_reason"]}
    assert groups == expected
    assert {(g["stage"], g["reason"]) for g in samples["flagged"]} == {
        ("strict", r) for r in report["stages"][2]["flagged_by_reason"]
    }
    assert 0 < len(samples["kept"]) <= 5
    for g in samples["removed"]:
        assert 1 <= len(g["docs"]) <= 3
        for d in g["docs"]:
            assert (d["stage"], d["reason"]) == (g["stage"], g["reason"])
            assert d["text"] is None or len(d["text"]) <= samples["max_chars"]
    ids = [d["id"] for d in samples["kept"]]
    assert len(set(ids)) == len(ids)


def test_identical_runs_give_identical_reports_except_timing(
    report_corpus: Path, full_output: Path, tmp_path: Path
) -> None:
    other = run(FULL_STAGES, report_corpus, tmp_path / "again", workers=2)
    a, b = load(full_output), load(other)
    assert a["run"].pop("timing")["workers"] == 1
    assert b["run"].pop("timing")["workers"] == 2
    assert a == b
    # Rebuilding from the same folder is byte-identical.
    before = (other / "report.json").read_bytes()
    write_reports(other)
    assert (other / "report.json").read_bytes() == before


def test_engine_toy_stack_with_up_sampling_and_no_ids(tmp_path: Path) -> None:
    """No id in the input, no language, copies from up-sampling: the report still balances."""
    corpus = make_docs_without_ids(tmp_path / "in")
    stages = [
        {"stage": "toy_min_words_v0", "min_words": 2},
        {"stage": "toy_repeat_v0", "copies": 2},
        {"stage": "toy_min_words_v0", "name": "after", "min_words": 3},
    ]
    out = run(stages, corpus, tmp_path / "out")
    report = load(out)
    assert report["language_mix"] is None and report["dedup"] == []
    hists = {h["column"]: h for h in report["signals"]}
    stats = json.loads((out / "stats.json").read_text())["stages"]
    # Before up-sampling, copies are not counted; after it, they are documents.
    assert hists["toy_min_words_v0__words"]["count"] == stats["toy_min_words_v0"]["docs_in"]
    assert hists["after__words"]["count"] == stats["after"]["docs_in"]
    kept_ids = [d["id"] for d in report["samples"]["kept"]]
    assert kept_ids and len(set(kept_ids)) == len(kept_ids)  # copies are never sampled


def test_reservoir_bounds_memory_and_edges_stay_fixed(
    full_output: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(signals, "RESERVOIR", 7)
    acc = signals._Column(integer=False)
    for start in range(0, 1000, 100):
        import numpy as np

        acc.add(np.arange(start, start + 100, dtype=np.float64), 0)
    assert acc.reservoir is not None and acc.reservoir.size == 7
    assert (acc.count, acc.lo, acc.hi) == (1000, 0.0, 999.0)
    report = build_report(full_output)
    for h in report["signals"]:
        assert sum(h["passed"]) + sum(h["removed"]) == h["count"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0.5, [("", 0.5)]),
        ([10, None], [("min", 10.0)]),
        ([None, 3], [("max", 3.0)]),
        ({"en": 0.7, "de": [1, 2]}, [("de min", 1.0), ("de max", 2.0), ("en", 0.7)]),
        (True, []),
        (None, []),
        ("high", []),
        (float("nan"), []),
    ],
)
def test_threshold_shapes(value: Any, expected: list[tuple[str, float]]) -> None:
    assert [(t["label"], t["value"]) for t in signals.threshold_lines(value)] == expected


def test_thresholds_are_matched_to_signal_columns() -> None:
    cols = ["s__words", "s__dup_frac", "lang_score"]
    thresholds = {
        "s__words": [1, 9],
        "s__max_dup_frac": 0.3,
        "s__min_dup_frac": 0.1,
        "lang_score": 0.5,
        "s__min_stop_words": 2,
    }
    matched, unmatched = signals.match_thresholds("s", thresholds, cols)
    assert matched == {
        "s__words": {"s__words": [1, 9]},
        "s__dup_frac": {"s__max_dup_frac": 0.3, "s__min_dup_frac": 0.1},
        "lang_score": {"lang_score": 0.5},
    }
    assert unmatched == {"s__min_stop_words": 2}
    labels = [(t["label"], t["value"]) for t in signals._lines("s", matched["s__dup_frac"])]
    assert labels == [("max", 0.3), ("min", 0.1)]


@pytest.mark.parametrize(
    ("lo", "hi", "integer", "expected"),
    [
        (1, 4, True, [1, 2, 3, 4, 5]),
        (5, 5, True, [5, 6]),
        (0.0, 1.0, False, None),
        (2.5, 2.5, False, [2.0, 3.0]),
    ],
)
def test_bin_edges(lo: float, hi: float, integer: bool, expected: list[float] | None) -> None:
    edges = signals.bin_edges(lo, hi, integer).tolist()
    if expected is None:
        assert len(edges) == signals.MAX_BINS + 1 and edges[0] == lo and edges[-1] == hi
    else:
        assert edges == expected
    assert len(edges) - 1 <= signals.MAX_BINS + 1


def test_large_integer_ranges_use_wide_bins() -> None:
    edges = signals.bin_edges(0, 10_000, True)
    assert len(edges) - 1 <= signals.MAX_BINS and edges[0] == 0 and edges[-1] >= 10_000


@pytest.mark.parametrize("bad", ["missing", "empty", "not-json"])
def test_a_folder_that_is_not_an_output_is_an_input_error(tmp_path: Path, bad: str) -> None:
    root = tmp_path / "x"
    if bad != "missing":
        root.mkdir()
    if bad == "not-json":
        (root / "stats.json").write_text("{not json")
    with pytest.raises(InputError, match=r"stats\.json"):
        build_report(root)


def test_an_annotate_only_stage_reports_flagged_not_removed(full_output: Path) -> None:
    report = load(full_output)
    stats = json.loads((full_output / "stats.json").read_text())["stages"]
    rows = {r["name"]: r for r in report["stages"]}
    flagged = sum(stats["strict"]["flagged_by_reason"].values())
    assert rows["strict"]["annotate"] and rows["strict"]["docs_removed"] == 0
    assert rows["strict"]["docs_flagged"] == flagged > 0
    assert all(r["docs_flagged"] == 0 for n, r in rows.items() if n != "strict")


def test_overlaps_name_the_stages_that_need_annotate(full_output: Path) -> None:
    ov = load(full_output)["overlaps"]
    # Cell (A, B) with A first needs A to annotate; strict does, the last stage need not.
    assert ov["unmeasured"] == ["langid", "quality", "dedup"]
    assert "set annotate: true on langid, quality, dedup" in ov["how_to_measure"]
    for i, a in enumerate(ov["stages"]):
        for j in range(i + 1, len(ov["stages"])):
            assert (ov["counts"][i][j] is None) == (a in ov["unmeasured"])


@pytest.mark.parametrize(
    ("annotate", "missing"),
    [
        ([True, False], []),
        ([False, False], ["a"]),
        ([True, False, True], ["b"]),
        ([False, True, False], ["a"]),
    ],
)
def test_how_to_measure_needs_annotate_on_every_earlier_stage(
    annotate: list[bool], missing: list[str]
) -> None:
    names = ["a", "b", "c"][: len(annotate)]
    unmeasured, how = how_to_measure(names, annotate)
    assert unmeasured == missing
    assert (how is None) == (not missing)


def test_the_evidence_report_follows_the_schema(
    evidence_output: Path, validator: jsonschema.Draft202012Validator
) -> None:
    """The run holding every case fills every new section: duplicates, rewrites,
    per-language histograms, kept samples by language, tokens."""
    report = load(evidence_output)
    validator.validate(report)
    assert report["rewrites"] and report["tokens"] and report["samples"]["kept_by_lang"]
    assert any(d["pairs"] for d in report["dedup"])
    assert any(h["by_lang"] for h in report["signals"])
