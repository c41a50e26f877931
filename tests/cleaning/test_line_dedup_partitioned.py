"""The partitioned fit of ``line_dedup_v1`` decides exactly what the single-process fit does.

The engine fits ``line_dedup_v1`` as executor tasks (``cleaning/line_partitioned.py``).
Each case runs a corpus through the engine (work units, 1 or 2 workers) and compares
the per-unit decision files with the stage's own ``fit`` on the same observation
files, row for row, and its summary; then runs the same recipe with the fit forced
onto the driver (one worker, one unit per file) and compares the output rows, the
stats and the fit summary. The corpus has boilerplate lines in several languages
and a null language, lines repeated inside a document, lines that differ only in
their digits, blank lines, empty and null texts, and buckets that cross units.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.ipc as ipc
import pyarrow.parquet as pq
import pytest

from dataprep.cleaning.line_dedup import LineDedup
from dataprep.cleaning.line_partitioned import NULL_LANG, bucket_plan, lang_key, lang_keys
from dataprep.engine.driver import RunResult, run_pipeline
from dataprep.output.columns import INTERNAL_COLUMNS
from dataprep.output.layout import Layout
from dataprep.recipe.config import parse_recipe
from dataprep.stages.base import GlobalStage
from dataprep.stages.build import make_stages

LANGS = ["en", "fr", "de", None]


def _corpus(folder: Path, seed: int, n: int = 700) -> Path:
    rng = np.random.default_rng(seed)
    boiler = [f"Boilerplate line {k} of the site" for k in range(30)]
    texts: list[str | None] = []
    for i in range(n):
        r = rng.random()
        if r < 0.03:
            texts.append("" if r < 0.02 else None)  # dropped before the stage
            continue
        if r < 0.05:
            texts.append(" \n\n\t")  # only blank lines
            continue
        unique = r > 0.1  # else only lines of other documents: may be emptied
        lines = [f"unique text {i} " + "x" * int(rng.integers(0, 40))] if unique else []
        for _ in range(int(rng.integers(0, 6))):
            k = int(min(rng.zipf(1.6), len(boiler))) - 1
            lines.append(boiler[k])
        if rng.random() < 0.2:
            lines.append(f"Call {rng.integers(100, 999)} today")  # digits normalize to 0
        if rng.random() < 0.1:
            lines += ["la la la chorus"] * int(rng.integers(2, 5))  # repeated in one doc
        if rng.random() < 0.2:
            lines.insert(int(rng.integers(0, len(lines) + 1)), "   ")
        lines = lines or [boiler[0]]
        order = rng.permutation(len(lines))
        texts.append("\n".join(lines[j] for j in order))
    langs = [LANGS[int(k)] for k in rng.choice(4, size=n, p=[0.5, 0.3, 0.15, 0.05])]
    table = pa.table({"id": [f"d{i}" for i in range(n)], "text": texts, "lang": langs})
    folder.mkdir(parents=True)
    third = n // 3
    pq.write_table(table.slice(0, third), folder / "a.parquet", row_group_size=50)
    pq.write_table(table.slice(third), folder / "b.parquet", row_group_size=50)
    return folder


def _recipe(stage: dict[str, Any], unit_bytes: int | None) -> Any:
    run = {"batch_size": 32, **({} if unit_bytes is None else {"unit_bytes": unit_bytes})}
    apply = {"stage": "line_dedup_apply_v1"}
    return parse_recipe({"run": run, "stages": [{"stage": "line_dedup_v1", **stage}, apply]})


def _rows(out: Path) -> list[dict[str, Any]]:
    tables = [pq.read_table(p) for p in sorted(out.rglob("*.parquet"))]
    rows = [r for t in tables for r in t.to_pylist()]
    return sorted(rows, key=lambda r: str(r["id"]))


def _stats(out: Path) -> dict[str, Any]:
    """stats.json without its times."""
    doc = json.loads((out / "stats.json").read_text())

    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if "second" not in k and k != "run"}
        return value

    return dict(strip(doc))


def _check_decisions(result: RunResult, out: Path, recipe: Any, ref_dir: Path) -> dict[str, Any]:
    layout = Layout(out)
    stage = next(s for s in make_stages(recipe) if isinstance(s, GlobalStage))
    assert stage.partitioned
    obs = sorted(layout.pass_observe(0).glob("part-*.arrow"))
    reference = pa.Table.from_batches(list(stage.fit(obs, ref_dir)))
    reference = reference.sort_by([(c, "ascending") for c in INTERNAL_COLUMNS])
    files = sorted(layout.pass_decisions(0).glob("0*.arrow"))
    tables = [ipc.open_file(pa.memory_map(str(p))).read_all() for p in files]
    got = pa.concat_tables(tables).sort_by([(c, "ascending") for c in INTERNAL_COLUMNS])
    assert got.schema == reference.schema
    assert got.to_pylist() == reference.to_pylist()
    summary: dict[str, Any] = json.loads(json.dumps(stage.fit_summary()))
    assert result.fit_summaries[stage.name] == summary
    return summary


CASES = [
    # (stage options, workers, unit_bytes)
    ({}, 2, 1),
    ({"per": "lang", "bucket_docs": 37, "max_occurrences": 3}, 2, 1),
    ({"per": "lang", "bucket_docs": 37, "count": "lines"}, 1, 4096),
    ({"bucket_docs": 50, "count": "lines", "min_chars_after": 30}, 1, 1),
    ({"per": "lang", "max_occurrences": 2, "min_chars_after": 10}, 2, 2048),
]


@pytest.mark.parametrize(("options", "workers", "unit_bytes"), CASES)
def test_partitioned_line_dedup_equals_the_single_process_fit(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    options: dict[str, Any],
    workers: int,
    unit_bytes: int,
) -> None:
    src = _corpus(tmp_path / "in", seed=len(json.dumps(options)))
    recipe = _recipe(options, unit_bytes)
    out = tmp_path / "out"
    logged: list[str] = []
    result = run_pipeline(
        recipe, [str(src)], out, workers=workers, progress=False, keep_work=True, log=logged.append
    )
    assert any("fit step count" in line for line in logged), logged
    if unit_bytes == 1:
        assert len(list(Layout(out).pass_decisions(0).glob("00000-*.arrow"))) > 1
    summary = _check_decisions(result, out, recipe, tmp_path / "ref")
    assert summary["lines_dropped"] > 50 and summary["docs_with_dropped_lines"] > 20
    assert summary["docs_emptied"] > 0
    if options.get("per") == "lang" and options.get("bucket_docs"):
        assert summary["buckets"] > 8, "buckets must cross units"

    monkeypatch.setattr(LineDedup, "partitioned", property(lambda self: False))
    single = tmp_path / "single"
    ref = run_pipeline(_recipe(options, None), [str(src)], single, workers=1, progress=False)
    assert ref.fit_summaries == result.fit_summaries
    assert _rows(out) == _rows(single)
    assert _stats(out) == _stats(single)


def test_per_lang_without_languages_says_so_when_partitioned(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    texts = ["same line\nx"] * 9 + ["other"]
    pq.write_table(pa.table({"id": [str(i) for i in range(10)], "text": texts}), src / "a.parquet")
    recipe = _recipe({"per": "lang", "bucket_docs": 4, "max_occurrences": 2}, 1)
    out = tmp_path / "out"
    result = run_pipeline(recipe, [str(src)], out, workers=1, progress=False, keep_work=True)
    summary = _check_decisions(result, out, recipe, tmp_path / "ref")
    assert "language ID" in summary["notes"][0] and summary["buckets"] == 3


def test_bucket_starts_are_found_per_language_across_units() -> None:
    units: list[dict[str, Any]] = [
        {"langs": [["en", 3], ["fr", 1], [None, 2]]},
        {},  # a unit that observed nothing
        {"langs": [["en", 2], [None, 1]]},
    ]
    totals, starts = bucket_plan(units, 2)
    assert totals == {"en": 5, "fr": 1, None: 3}
    # en ranks 2 (unit 0, its 3rd en document) and 4 (unit 2, its 2nd); null rank 2
    assert starts == {0: [("en", 2)], 2: [("en", 1), (None, 0)]}
    _, exact = bucket_plan([{"langs": [["en", 2]]}, {"langs": [["en", 2]]}], 2)
    assert exact == {1: [("en", 0)]}, "a bucket starting with a unit"


def test_language_keys_hash_each_name_and_keep_null_apart() -> None:
    keys = lang_keys(pa.chunked_array([["en", None], ["fr", "en", ""]]))
    assert keys[0] == keys[3] == lang_key("en") and keys[1] == NULL_LANG
    assert len({int(k) for k in keys}) == 4
