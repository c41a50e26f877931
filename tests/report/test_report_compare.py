"""``dataprep report --compare RUN_A RUN_B``: compare.json follows its schema, the kept
differences (per stage, per reason, per language) match the two stats.json files, the
cost section holds each run's seconds and tokens per stage, the page is self-contained
and renders."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from report_stages import FULL_STAGES, run

from dataprep.cli import main
from dataprep.engine.driver import run_pipeline
from dataprep.output.reader import open_output
from dataprep.recipe.config import parse_recipe, read_recipe
from dataprep.report import COMPARE_VERSION, browser
from dataprep.report.compare import align, build_compare
from dataprep.report.compare_html import render_compare
from dataprep.report.cost import stage_seconds

SCHEMA_PATH = Path(__file__).parents[2] / "dataprep" / "report" / "compare.schema.json"
ARTIFACTS = Path(__file__).parents[2] / "test-artifacts"


def web_en(min_words: int, tokenizer: Path) -> dict[str, Any]:
    """The shipped web-en recipe with gopher_quality's min_words changed, counting
    tokens after language ID."""
    data, _ = read_recipe("web-en")
    data = copy.deepcopy(data)
    tokens = {"stage": "tokens_v1", "name": "tokens", "tokenizer": str(tokenizer)}
    data["stages"].insert(1, tokens)
    quality = next(s for s in data["stages"] if s.get("name") == "quality")
    quality.setdefault("options", {})["gopher_quality_v1"] = {"min_words": min_words}
    return data


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory: pytest.TempPathFactory, tokenizer: Path) -> tuple[Path, Path]:
    from dataprep.sample_data import sample_path

    root = tmp_path_factory.mktemp("compare")
    outs = []
    for label, min_words in (("loose", 50), ("strict", 150)):
        out = root / f"web-en-{label}"
        recipe = parse_recipe(web_en(min_words, tokenizer))
        run_pipeline(recipe, [str(sample_path())], out, workers=1, progress=False)
        record_seconds(out, 1.0 if label == "loose" else 1.5)
        outs.append(out)
    return outs[0], outs[1]


def record_seconds(out: Path, scale: float) -> None:
    """Give run.json per-stage seconds (``timing.stages``/``timing.fits``, the layout the
    report reads; the engine does not record them yet, only the run's total ``seconds``)."""
    record = json.loads((out / "run.json").read_text())
    names = list(stats(out))
    record["timing"] = {
        "stages": {
            n: {"cpu_seconds": scale * (i + 1), "wall_seconds": scale * (i + 1.25)}
            for i, n in enumerate(names)
        },
        "fits": {"minhash_dedup_v1": scale * 0.5},
    }
    (out / "run.json").write_text(json.dumps(record))


@pytest.fixture(scope="module")
def compared(two_runs: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    page = tmp_path_factory.mktemp("compare-page") / "loose-vs-strict.html"
    assert main(["report", "--compare", str(two_runs[0]), str(two_runs[1]), "-o", str(page)]) == 0
    return page


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def stats(out: Path) -> dict[str, Any]:
    return dict(json.loads((out / "stats.json").read_text())["stages"])


def test_compare_json_follows_its_schema(
    compared: Path, validator: jsonschema.Draft202012Validator
) -> None:
    data = json.loads((compared.parent / "compare.json").read_text())
    validator.validate(data)
    assert data["compare_version"] == COMPARE_VERSION
    assert not data["same_recipe"]


def test_kept_differences_match_the_two_stats_files(
    two_runs: tuple[Path, Path], compared: Path
) -> None:
    data = json.loads((compared.parent / "compare.json").read_text())
    a, b = (stats(o) for o in two_runs)
    assert [s["name"] for s in data["stages"]] == list(a) == list(b)
    diffs = {s["name"]: s["docs_kept_diff"] for s in data["stages"]}
    assert diffs == {name: b[name]["docs_kept"] - a[name]["docs_kept"] for name in a}
    # Only the changed stage and what follows it can differ; the threshold went up.
    assert diffs["input"] == diffs["fasttext_langid_v1"] == 0
    assert diffs["quality"] < 0
    quality = next(s for s in data["stages"] if s["name"] == "quality")
    assert quality["settings_changed"] == [
        {"key": "options.options.gopher_quality_v1.min_words", "a": 50, "b": 150}
    ]
    assert all(s["settings_changed"] == [] for s in data["stages"] if s["name"] != "quality")
    reasons = {(r["stage"], r["reason"]): r for r in data["reasons"]}
    low = reasons[("quality", "gopher_quality:word_count_low")]
    assert (low["a"], low["b"]) == (
        a["quality"]["removed_by_reason"].get("gopher_quality:word_count_low", 0),
        b["quality"]["removed_by_reason"]["gopher_quality:word_count_low"],
    )
    assert low["diff"] == low["b"] - low["a"] > 0
    en = next(r for r in data["languages"] if r["lang"] == "en")
    assert en["a"]["docs_out"] == a["minhash_dedup_v1"]["docs_out"]
    assert en["b"]["docs_out"] == b["minhash_dedup_v1"]["docs_out"]


def test_language_changes_match_the_two_mixes(compared: Path) -> None:
    data = json.loads((compared.parent / "compare.json").read_text())
    assert data["languages"]
    for row in data["languages"]:
        assert row["docs_out_diff"] == row["b"]["docs_out"] - row["a"]["docs_out"]
    assert next(r for r in data["languages"] if r["lang"] == "en")["docs_out_diff"] < 0


def test_cost_holds_each_runs_seconds_and_tokens_per_stage(
    two_runs: tuple[Path, Path], compared: Path
) -> None:
    data = json.loads((compared.parent / "compare.json").read_text())
    runs = [open_output(o) for o in two_runs]
    assert data["cost"]["recorded"] == ["a", "b"]
    assert [r["seconds"] for r in data["runs"]] == [o.run["seconds"] for o in runs]
    dedup = next(r for r in data["cost"]["stages"] if r["name"] == "minhash_dedup_v1")
    assert (dedup["a"]["fit_seconds"], dedup["b"]["fit_seconds"]) == (0.5, 0.75)
    seconds = [{r.pop("name"): r for r in stage_seconds(o)} for o in runs]
    for row in data["cost"]["stages"]:
        assert row["a"] == seconds[0][row["name"]] and row["b"] == seconds[1][row["name"]]
    assert [r["name"] for r in data["cost"]["stages"]] == [s["name"] for s in data["stages"]]
    a, b = (stats(o) for o in two_runs)
    rows = {r["name"]: r for r in data["tokens"]["stages"]}
    assert list(rows) == [n for n in a if "tokens_in" in a[n]] and "quality" in rows
    for name, row in rows.items():
        assert row["a"] == {
            "tokens_in": a[name]["tokens_in"],
            "tokens_kept": a[name]["tokens_kept"],
        }
        assert row["b"]["tokens_kept"] == b[name]["tokens_kept"]
        assert row["tokens_kept_diff"] == b[name]["tokens_kept"] - a[name]["tokens_kept"]
    assert rows["tokens"]["tokens_kept_diff"] == 0 and rows["quality"]["tokens_kept_diff"] < 0


def test_tokens_are_compared_only_when_both_runs_counted_them(
    two_runs: tuple[Path, Path], full_output: Path, validator: jsonschema.Draft202012Validator
) -> None:
    data = build_compare(two_runs[0], full_output)
    validator.validate(data)
    assert data["tokens"] is None and data["cost"] is not None
    assert "a tokens_v1 stage in both recipes" in render_compare(data)


def test_a_run_without_recorded_time_has_a_dash_there(
    two_runs: tuple[Path, Path], tmp_path: Path, validator: jsonschema.Draft202012Validator
) -> None:
    import shutil

    old = tmp_path / "old"
    shutil.copytree(two_runs[0], old)
    record = json.loads((old / "run.json").read_text())
    record.pop("timing", None)
    (old / "run.json").write_text(json.dumps(record))
    assert not any("seconds" in k for st in stats(old).values() for k in st)
    data = build_compare(old, two_runs[1])
    validator.validate(data)
    assert data["cost"]["recorded"] == ["b"]
    assert all(r["a"] is None and r["b"] is not None for r in data["cost"]["stages"])
    assert "Only run B recorded time." in render_compare(data)


def test_compare_page_names_both_runs_and_needs_no_network(
    two_runs: tuple[Path, Path], compared: Path
) -> None:
    text = compared.read_text()
    for out in two_runs:
        assert str(out) in text and out.name in text
    assert not re.search(r"(src|href)=\"(https?:)?//", text)
    assert "<link" not in text and "@import" not in text and "url(" not in text
    assert "Content-Security-Policy" in text and text.count("<script>") == 1
    for anchor in ("funnel", "reasons", "languages", "cost"):
        assert f'id="{anchor}"' in text
    assert "min_words" in text and text.count('<svg class="chart') == 4
    assert 'id="cost"' in text and "Tokens per stage" in text


def test_runs_with_different_stages_are_aligned_by_name(
    report_corpus: Path, full_output: Path, tmp_path: Path
) -> None:
    stages = [s for s in FULL_STAGES if s["name"] != "strict"]
    stages.insert(2, {"stage": "report_quality_v0", "name": "extra", "min_chars": 200})
    other = run(stages, report_corpus, tmp_path / "other")
    data = build_compare(full_output, other)
    names = [s["name"] for s in data["stages"]]
    assert names == ["input", "langid", "strict", "quality", "extra", "dedup", "balance"]
    rows = {s["name"]: s for s in data["stages"]}
    assert rows["strict"]["in_runs"] == ["a"] and rows["strict"]["b"] is None
    assert rows["extra"]["in_runs"] == ["b"] and rows["extra"]["a"] is None
    assert rows["strict"]["docs_kept_diff"] is None and rows["extra"]["docs_kept_diff"] is None
    assert rows["strict"]["a"]["docs_flagged"] > 0
    assert rows["langid"]["docs_kept_diff"] == 0
    extra = [r for r in data["reasons"] if r["stage"] == "extra"]
    assert extra and all(r["a"] is None and r["diff"] is None for r in extra)
    html = render_compare(data)
    assert "(only in A)" in html and "(only in B)" in html


@pytest.mark.parametrize(
    ("first", "second", "merged"),
    [
        (["i", "x", "y"], ["i", "x", "y"], ["i", "x", "y"]),
        (["i", "x", "y"], ["i", "z", "y"], ["i", "z", "x", "y"]),
        (["i", "x"], ["z", "i", "w"], ["z", "i", "w", "x"]),
        (["i", "x"], ["i"], ["i", "x"]),
    ],
)
def test_align_keeps_both_orders(first: list[str], second: list[str], merged: list[str]) -> None:
    assert align(first, second) == merged


def test_compare_arguments_are_checked(
    full_output: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report"]) == 2  # configuration errors
    assert main(["report", str(full_output), "--compare", "a", "b"]) == 2
    assert main(["report", str(full_output), "-o", str(tmp_path / "x.html")]) == 2
    both = [str(full_output), str(full_output)]
    assert main(["report", "--compare", *both, "-o", str(tmp_path / "x.txt")]) == 2
    assert main(["report", "--compare", str(full_output), str(tmp_path)]) == 3  # not an output
    assert list(tmp_path.iterdir()) == []
    errors = capsys.readouterr().err.splitlines()
    assert len(errors) == 5 and all(e.startswith("dataprep: error:") for e in errors)


@pytest.mark.skipif(
    browser.find_chromium() is None,
    reason="no chromium binary (install Debian's 'chromium' package to run the browser test)",
)
def test_compare_page_renders_without_errors(compared: Path) -> None:
    result = browser.load(compared, width=1200)
    assert result.console_errors == []
    assert re.search(r'<html\b[^>]*\sdata-rendered="4"', result.dom)
    assert re.search(r'<section[^>]*id="cost"', result.dom)
    assert "seconds per stage, A and B" in result.dom and "Tokens per stage" in result.dom
    narrow = browser.load(compared, width=380, height=800)
    assert narrow.console_errors == []
    assert re.search(r'<html\b[^>]*\sdata-overflow="0"', narrow.dom)
    png = browser.screenshot(compared, ARTIFACTS / "compare.png")
    assert png.stat().st_size > 10_000
