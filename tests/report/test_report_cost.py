"""Cost and size: seconds per stage (when the run recorded them) and tokens in/kept
per stage and language (when tokens_v1 counted them)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyarrow.parquet as pq

from dataprep.report.build import build_report, write_reports


def test_tokens_in_and_kept_per_stage_and_language(evidence_output: Path) -> None:
    report = build_report(evidence_output)
    tok = report["tokens"]
    names = [s["name"] for s in tok["stages"]]
    all_stages = [s["name"] for s in report["stages"]]
    assert names == all_stages[all_stages.index("tokens") :]  # from tokens_v1 on
    stats = json.loads((evidence_output / "stats.json").read_text())["stages"]
    for s in tok["stages"]:
        assert (s["tokens_in"], s["tokens_kept"]) == (
            stats[s["name"]]["tokens_in"],
            stats[s["name"]]["tokens_kept"],
        )
    # what the last stage keeps is what the output holds
    kept = sum(
        sum(pq.read_table(p, columns=["n_tokens"])["n_tokens"].to_pylist())
        for p in (evidence_output / "data").glob("*.parquet")
    )
    assert tok["stages"][-1]["tokens_kept"] == kept
    by_lang = {r["lang"]: r["by_stage"] for r in tok["by_lang"]}
    assert list(by_lang) == ["en", "de"]
    assert sum(r["quality"]["tokens_in"] for r in by_lang.values()) == stats["quality"]["tokens_in"]
    assert by_lang["de"]["quality"]["tokens_kept"] < by_lang["de"]["quality"]["tokens_in"]
    page = (evidence_output / "report.html").read_text(encoding="utf-8")
    assert 'id="cost"' in page and "Tokens by language: in / kept" in page


def test_a_run_records_its_seconds_and_the_report_shows_them(full_output: Path) -> None:
    report = build_report(full_output)
    timing = json.loads((full_output / "run.json").read_text())["timing"]
    rows = {r["name"]: r for r in report["run"]["timing"]["stages"]}
    assert set(rows) == set(timing["stages"]) and "input" in rows
    assert rows["dedup"]["fit_seconds"] == timing["fits"]["dedup"]
    page = (full_output / "report.html").read_text(encoding="utf-8")
    assert "seconds per stage (wall + fit)" in page


def test_without_tokens_or_times_the_section_says_so(full_output: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    shutil.copytree(full_output, out)
    run = json.loads((out / "run.json").read_text())
    del run["timing"]  # a run of an older version
    (out / "run.json").write_text(json.dumps(run))
    write_reports(out)
    report = json.loads((out / "report.json").read_text())
    assert report["tokens"] is None and report["run"]["timing"]["stages"] == []
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "recorded no per-stage time or token counts" in page


def test_seconds_per_stage_are_read_from_run_json_or_stats(
    full_output: Path, tmp_path: Path
) -> None:
    """run.json ``timing.stages``/``timing.fits`` (times are not deterministic, so not in
    stats.json), or per-stage keys in stats.json; missing ones stay null."""
    out = tmp_path / "out"
    shutil.copytree(full_output, out)
    run = json.loads((out / "run.json").read_text())
    run["timing"] = {
        "stages": {
            "input": {"cpu_seconds": 0.5, "wall_seconds": 0.75},
            "quality": {"cpu_seconds": 2.0, "wall_seconds": 2.25},
        },
        "fits": {"dedup": 0.125},
    }
    (out / "run.json").write_text(json.dumps(run))
    stats = json.loads((out / "stats.json").read_text())
    stats["stages"]["langid"]["wall_seconds"] = 1.5
    (out / "stats.json").write_text(json.dumps(stats))
    write_reports(out)
    report = json.loads((out / "report.json").read_text())
    rows = {r["name"]: r for r in report["run"]["timing"]["stages"]}
    assert list(rows) == [s["name"] for s in report["stages"]]
    assert rows["quality"] == {
        "name": "quality",
        "cpu_seconds": 2.0,
        "wall_seconds": 2.25,
        "fit_seconds": None,
    }
    assert rows["langid"]["wall_seconds"] == 1.5 and rows["langid"]["cpu_seconds"] is None
    assert rows["dedup"]["fit_seconds"] == 0.125
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "seconds per stage (wall + fit)" in page and "2.25" in page
    # the times stay in run.timing: the rest of the report is unchanged
    original = json.loads((full_output / "report.json").read_text())
    report["run"].pop("timing"), original["run"].pop("timing")
    assert report == original


def test_malformed_timing_is_ignored(full_output: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    shutil.copytree(full_output, out)
    run = json.loads((out / "run.json").read_text())
    run["timing"] = {"stages": {"quality": {"cpu_seconds": "fast", "wall_seconds": None}}}
    (out / "run.json").write_text(json.dumps(run))
    assert build_report(out)["run"]["timing"]["stages"] == []
