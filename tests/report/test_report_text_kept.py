"""report.json marks each sampled document whose text was not kept: a removed document
written without text (``keep_removed: ids``) that is not in the report's sample store
has ``text: null`` and ``text_kept: false``, never a null text that reads as the
document's own; the page says so."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from dataprep.engine.driver import run_pipeline
from dataprep.recipe.config import parse_recipe
from dataprep.report.build import build_report, write_reports

SCHEMA = Path(__file__).parents[2] / "dataprep" / "report" / "report.schema.json"


def _run(tmp_path: Path, keep_removed: str) -> Path:
    docs = [{"id": f"d{i:02d}", "text": "short" if i % 3 else f"a longer text number {i}"}
            for i in range(30)]  # fmt: skip
    docs.append({"id": "empty", "text": ""})
    pq.write_table(pa.Table.from_pylist(docs), tmp_path / "in.parquet")
    recipe = parse_recipe({"output": {"keep_removed": keep_removed},
                           "stages": [{"stage": "toy_min_words_v0", "min_words": 3}]})  # fmt: skip
    out = tmp_path / keep_removed
    run_pipeline(recipe, [str(tmp_path / "in.parquet")], out, workers=1, progress=False)
    return out


def _docs(report: dict) -> list[dict]:
    s = report["samples"]
    return [d for g in s["removed"] + s["flagged"] for d in g["docs"]] + s["kept"]


@pytest.mark.parametrize("keep_removed", ["ids", "full"])
def test_sampled_texts_are_kept_with_either_mode(tmp_path: Path, keep_removed: str) -> None:
    report = build_report(_run(tmp_path, keep_removed))
    jsonschema.validate(report, json.loads(SCHEMA.read_text()))
    docs = _docs(report)
    assert {d["stage"] for d in docs} == {None, "input", "toy_min_words_v0"}
    assert all(d["text_kept"] for d in docs)
    assert all(d["text"] == "short" for d in docs if d["stage"] == "toy_min_words_v0")


def test_removed_texts_missing_from_the_sample_store_are_marked(tmp_path: Path) -> None:
    out = _run(tmp_path, "ids")
    (out / "report_samples.json").unlink()  # e.g. a folder copied without it
    write_reports(out)
    report = json.loads((out / "report.json").read_text())
    jsonschema.validate(report, json.loads(SCHEMA.read_text()))
    removed = [d for d in _docs(report) if d["stage"] is not None]
    assert removed and all(d["text"] is None and not d["text_kept"] for d in removed)
    assert all(d["text_kept"] and d["text"] for d in _docs(report) if d["stage"] is None)
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "text not kept: written with output.keep_removed: ids" in page
    assert "(null text)" not in page
