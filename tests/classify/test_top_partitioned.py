"""``classifier_top_v1``'s partitioned fit decides exactly what its single-process ``fit`` does.

The engine fits the stage as executor tasks (``classify/top_fit.py``): group counts per
work unit, radix selection of each group's cutoff (and of the summary's quantiles),
of the last kept document among those tied at the cutoff, and a decision file per
unit. Here corpora with many repeated texts (so many tied scores, across units),
blank documents (unscored) and groups run through the engine with 1 and 2 workers and
different unit sizes; the decision files are compared row for row with the stage's
own ``fit`` on the same observation files, and the fit summary with its summary.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from classify_env import CORPUS, TINY_MODEL

from global_harness import (
    assert_partitioned_equals_reference,
    assert_same_files_as_the_single_process_fit,
    write_halves,
)


def top_corpus(folder: Path, seed: int, n: int = 500) -> Path:
    """Texts of the classifier test corpus, a third of them repeated from a handful
    (tied scores), some blank (unscored), with their ``domain`` and a null group."""
    with gzip.open(CORPUS / "part-0.jsonl.gz", "rt") as f:
        rows = [json.loads(line) for line in f][:300]
    rng = np.random.default_rng(seed)
    texts, domains = [], []
    for i in range(n):
        r = rows[int(rng.integers(5))] if i % 3 == 0 else rows[int(rng.integers(len(rows)))]
        texts.append("   " if i % 29 == 0 else r["text"])
        domains.append(None if i % 31 == 0 else r["domain"])
    table = pa.table({"id": [f"d{i}" for i in range(n)], "text": texts, "domain": domains})
    return write_halves(table, folder, row_group_size=40)


@pytest.mark.parametrize(
    ("options", "workers", "unit_bytes"),
    [
        ({"fraction": 0.1}, 2, 1),
        ({"fraction": 0.3, "within": "domain", "unscored": "drop"}, 1, 1),
        ({"fraction": 0.25, "within": "domain"}, 2, 5000),
        ({"fraction": 1.0, "unscored": "drop"}, 1, 5000),
        ({"fraction": 0.001}, 2, 1),
    ],
)
def test_partitioned_top_fraction_equals_the_single_process_fit(
    tmp_path: Path, options: dict[str, Any], workers: int, unit_bytes: int
) -> None:
    src = top_corpus(tmp_path / "in", seed=len(options))
    cfg = {"stage": "classifier_top_v1", "model_path": str(TINY_MODEL), **options}
    summary = assert_partitioned_equals_reference(tmp_path, src, cfg, workers, unit_bytes)
    assert summary["unscored_docs"] > 0
    assert set(summary["score_quantiles"]) == {"p1", "p10", "p50", "p90", "p99"}
    for group in summary["groups"].values():
        assert group["kept_by_score"] == group["expected_kept"]


def test_ties_at_the_cutoff_are_broken_by_input_order(tmp_path: Path) -> None:
    """Every document has one of two texts: the cutoff falls among hundreds of equal
    scores spread over many units, and the earliest of them are kept."""
    with gzip.open(CORPUS / "part-0.jsonl.gz", "rt") as f:
        rows = [json.loads(line) for line in f][:2]
    texts = [rows[i % 7 == 0]["text"] for i in range(400)]
    table = pa.table({"id": [f"d{i}" for i in range(400)], "text": texts})
    src = write_halves(table, tmp_path / "in", row_group_size=30)
    for fraction in (0.05, 0.5, 0.9):
        cfg = {"stage": "classifier_top_v1", "model_path": str(TINY_MODEL), "fraction": fraction}
        summary = assert_partitioned_equals_reference(tmp_path / str(fraction), src, cfg, 2, 1)
        assert summary["groups"]["all"]["kept_by_score"] == round(400 * fraction)


def test_partitioned_top_fraction_is_the_same_for_any_worker_count_and_unit_size(
    tmp_path: Path,
) -> None:
    src = top_corpus(tmp_path / "in", seed=9)
    cfg = {"stage": "classifier_top_v1", "model_path": str(TINY_MODEL), "within": "domain"}
    runs = [
        assert_partitioned_equals_reference(tmp_path / f"r{w}-{u}", src, cfg, w, u)
        for w, u in ((1, 1), (2, 5000))
    ]
    assert runs[0] == runs[1]


@pytest.mark.parametrize("within", [None, "domain"])
def test_partitioned_top_fraction_writes_the_same_files_as_the_single_process_fit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, within: str | None
) -> None:
    src = top_corpus(tmp_path / "in", seed=4)
    cfg = {"stage": "classifier_top_v1", "model_path": str(TINY_MODEL), "within": within}
    assert_same_files_as_the_single_process_fit(tmp_path, src, cfg, monkeypatch)


@pytest.mark.parametrize("within", [None, "domain"])
def test_a_resume_after_the_fit_reports_the_same_cutoffs(
    tmp_path: Path, within: str | None
) -> None:
    """A worker dies in the pass after the fit; ``--resume`` reads the finished fit back
    instead of fitting again, and stats.json still holds its cutoffs (they used to come
    out empty: the cutoffs lived only in the stage object that had fitted)."""
    import pyarrow.parquet as pq

    import toy_stages  # noqa: F401  (registers toy_die_v0)
    from dataprep.engine.driver import run_pipeline
    from dataprep.errors import InfrastructureError
    from dataprep.recipe.config import parse_recipe

    src = top_corpus(tmp_path / "in", seed=5)
    marker = tmp_path / "armed"
    top = {"stage": "classifier_top_v1", "model_path": str(TINY_MODEL), "within": within}
    probe = parse_recipe({"stages": [top]}, source="test")
    run_pipeline(probe, [str(src)], tmp_path / "probe", progress=False)
    last_kept = pq.read_table(tmp_path / "probe" / "data").column("id").to_pylist()[-1]
    die = {"stage": "toy_die_v0", "marker": str(marker), "doc_id": last_kept}
    recipe = parse_recipe({"run": {"unit_bytes": 1}, "stages": [top, die]}, source="test")

    def stats(out: Path, **kw: Any) -> dict[str, Any]:
        run_pipeline(recipe, [str(src)], out, workers=2, progress=False, **kw)
        return dict(json.loads((out / "stats.json").read_text()))

    clean = stats(tmp_path / "clean")
    marker.touch()
    with pytest.raises(InfrastructureError):
        stats(tmp_path / "out")
    assert (tmp_path / "out" / "_work").exists()
    marker.unlink()
    resumed = stats(tmp_path / "out", resume=True)
    cutoffs = clean["stage_info"]["classifier_top_v1"]["thresholds"]
    assert cutoffs, "the clean run reports its cutoffs"
    assert resumed["stage_info"]["classifier_top_v1"]["thresholds"] == cutoffs
    assert resumed == clean
