"""``output.keep_removed``: what ``removed/STAGE/`` holds of a removed document.

``ids`` (default): every column but the text (id, ``stage``, ``reason``, signals);
``full``: the text too; ``none``: no ``removed/`` folder; the old booleans mean
``full`` (true) and ``none`` (false). The accounting never depends on the mode
(read = kept + removed, quarantined among the removed), and the report and
``inspect`` show the same removed texts with ``ids`` as with ``full`` (taken from
the report's sample store).
"""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from dataprep.cli import main
from dataprep.engine.driver import run_pipeline
from dataprep.recipe.config import parse_recipe
from dataprep.sample_data import sample_path

STAGES = [{"stage": "exact_dedup_v1"}, {"stage": "gopher_quality_v1"}]


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One run per mode over the sample corpus plus a file with two bad JSONL lines."""
    root = tmp_path_factory.mktemp("keep_removed")
    bad = root / "in" / "bad.jsonl"
    bad.parent.mkdir()
    lines = ['{"id": "b1", "text": "fine words here"}', "{not json", '["a list"]', ""]
    bad.write_text("\n".join(lines))
    out = {}
    for mode in ("ids", "full", "none"):
        recipe = parse_recipe({"input": {"on_error": "quarantine"},
                               "output": {"keep_removed": mode}, "stages": STAGES})  # fmt: skip
        out[mode] = root / mode
        run_pipeline(recipe, [str(sample_path()), str(bad)], out[mode], workers=1, progress=False)
    return out


def _stats(run: Path) -> dict:
    """stats.json without the recipe's hash (the recipes differ in keep_removed)."""
    stats = json.loads((run / "stats.json").read_text())
    del stats["recipe_sha256"]
    return dict(stats)


@pytest.mark.parametrize("mode", ["ids", "full", "none"])
def test_accounting_is_the_same_in_every_mode(runs: dict[str, Path], mode: str) -> None:
    stats = _stats(runs[mode])
    assert stats == _stats(runs["full"])
    assert sum(e["docs"] for e in stats["quarantine"]) == 2
    removed = sum(s["docs_removed"] for s in stats["stages"].values())
    # read = kept + removed, the quarantined records among the input stage's removed
    assert stats["docs_read"] == stats["docs_out"] + removed


@pytest.mark.parametrize(("mode", "has_text"), [("ids", False), ("full", True)])
def test_removed_files_hold_ids_reasons_and_signals_and_the_text_only_in_full(
    runs: dict[str, Path], mode: str, has_text: bool
) -> None:
    stats = _stats(runs[mode])["stages"]
    for stage in ("exact_dedup_v1", "gopher_quality_v1"):
        table = pq.read_table(runs[mode] / "removed" / stage)
        assert table.num_rows == stats[stage]["docs_removed"] > 0
        assert {"id", "stage", "reason"} <= set(table.column_names)
        assert ("text" in table.column_names) is has_text
    gopher = pq.read_schema(sorted((runs[mode] / "removed" / "gopher_quality_v1").iterdir())[0])
    assert "gopher_quality_v1__word_count" in gopher.names


def test_none_writes_no_removed_folder(runs: dict[str, Path]) -> None:
    assert not (runs["none"] / "removed").exists()


def _removed_samples(run: Path) -> list:
    return json.loads((run / "report.json").read_text())["samples"]["removed"]


def test_the_report_shows_the_same_removed_texts_with_ids_as_with_full(
    runs: dict[str, Path],
) -> None:
    full = _removed_samples(runs["full"])
    assert full and all(d["text"] for g in full for d in g["docs"])
    assert _removed_samples(runs["ids"]) == full
    assert _removed_samples(runs["none"]) == []


def test_inspect_prints_removed_texts_with_ids_as_with_full(
    runs: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    shown = {}
    for mode in ("ids", "full"):
        capsys.readouterr()
        assert main(["inspect", str(runs[mode]), "--stage", "gopher_quality_v1", "-n", "3"]) == 0
        shown[mode] = capsys.readouterr().out
    assert shown["ids"] == shown["full"] and "id=" in shown["ids"]
    assert main(["inspect", str(runs["none"]), "--stage", "gopher_quality_v1"]) == 0
    assert "keep_removed none" in capsys.readouterr().err


def test_inspect_beyond_the_stored_texts_says_the_text_was_not_kept(
    runs: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    by_reason = _stats(runs["ids"])["stages"]["exact_dedup_v1"]["removed_by_reason"]
    assert by_reason["exact_duplicate"] > 10
    args = ["inspect", "--stage", "exact_dedup_v1", "-n", "12"]
    for mode, missing in (("ids", 2), ("full", 0)):
        capsys.readouterr()
        assert main([args[0], str(runs[mode]), *args[1:]]) == 0
        assert capsys.readouterr().out.count("(text not kept") == missing


@pytest.mark.parametrize(("old", "mode"), [(True, "full"), (False, "none")])
def test_the_old_booleans_still_work(old: bool, mode: str) -> None:
    assert parse_recipe({"output": {"keep_removed": old}}).output.keep_removed == mode
