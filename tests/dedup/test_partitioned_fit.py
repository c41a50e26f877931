"""The partitioned dedup fits decide exactly what the single-process ``fit`` decides.

The engine fits ``exact_dedup_v1`` and ``minhash_dedup_v1`` partition by partition
as executor tasks (``dedup/partitioned.py``, ``dedup/near_partitioned.py``). Here a
corpus of near-duplicate families runs through the engine with work units and two
workers; the per-unit decision files it wrote are compared, row for row, with what
the stage's own ``fit`` (the reference, one process) decides from the same
observation files, for every keep policy, and the fit summary with its summary.
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
from corpus_gen import make_corpus, site_pages

from dataprep.engine.driver import run_pipeline
from dataprep.output.columns import INTERNAL_COLUMNS
from dataprep.output.layout import Layout
from dataprep.recipe.config import parse_recipe
from dataprep.stages.base import GlobalStage
from dataprep.stages.build import make_stages


def _corpus(folder: Path, seed: int) -> Path:
    corpus = make_corpus(families=90, seed=seed, min_words=20, max_words=80)
    rng = np.random.default_rng(seed)
    n = len(corpus.texts)
    score = rng.integers(0, 5, n).astype(float)  # many ties
    score[rng.random(n) < 0.1] = np.nan
    table = pa.table(
        {
            "id": [f"d{i}" for i in range(n)],
            "text": corpus.texts,
            "score": pa.array(score, mask=np.isnan(score) & (rng.random(n) < 0.5)),
        }
    )
    folder.mkdir(parents=True)
    half = n // 2
    pq.write_table(table.slice(0, half), folder / "a.parquet", row_group_size=40)
    pq.write_table(table.slice(half), folder / "b.parquet", row_group_size=40)
    return folder


def _read_all(paths: list[Path]) -> pa.Table:
    tables = [ipc.open_file(pa.memory_map(str(p))).read_all() for p in paths]
    return pa.concat_tables(tables).sort_by([(c, "ascending") for c in INTERNAL_COLUMNS])


#: ``clustering: components`` alone, and the datatrove-compatible mode
COMPONENTS = {"clustering": "components"}
DATATROVE = {"clustering": "components", "verify": False, "bands": 14, "rows": 8}


@pytest.mark.parametrize(
    ("keep", "budget", "mode"),
    [
        ("first", None, {}),
        ("longest", None, {}),
        ("column:score", None, {}),
        ("first", 0, {}),
        ("longest", 0, {}),
        ("first", None, COMPONENTS),
        ("column:score", 0, COMPONENTS),
        ("longest", None, DATATROVE),
        ("first", 0, DATATROVE),
    ],
)
def test_partitioned_decisions_equal_the_single_process_fit(
    tmp_path: Path, keep: str, budget: int | None, mode: dict[str, Any]
) -> None:
    """``budget`` 0: the MinHash fit finds its components with executor tasks; ``mode``:
    the MinHash stage's clustering options (none: greedy centers)."""
    src = _corpus(tmp_path / "in", seed=len(keep))
    minhash = {
        "stage": "minhash_dedup_v1",
        "keep": keep,
        "threshold": 0.7,
        **mode,
        **({} if budget is None else {"driver_budget_bytes": budget}),
    }
    stages = [{"stage": "exact_dedup_v1", "keep": keep}, minhash]
    summaries = _assert_fits_equal(tmp_path, src, stages, distributed=budget == 0)
    removed = sum(s["duplicates_removed"] for s in summaries)
    assert removed > 20, "the corpus must have duplicates of both kinds"


@pytest.mark.parametrize(("keep", "budget"), [("first", None), ("longest", 0)])
def test_partitioned_fit_equals_the_single_process_fit_on_mid_sized_buckets(
    tmp_path: Path, keep: str, budget: int | None
) -> None:
    """Pages of one site: most bands in buckets of 33-128 pages, whose pairs are
    screened by signature agreement before the exact check (``dedup/candidates.py``)."""
    texts = site_pages(1, 150)
    folder = tmp_path / "in"
    folder.mkdir()
    table = pa.table({"id": [f"p{i}" for i in range(len(texts))], "text": texts})
    pq.write_table(table.slice(0, 70), folder / "a.parquet", row_group_size=25)
    pq.write_table(table.slice(70), folder / "b.parquet", row_group_size=25)
    minhash = {
        "stage": "minhash_dedup_v1",
        "keep": keep,
        "threshold": 0.7,
        **({} if budget is None else {"driver_budget_bytes": budget}),
    }
    (summary,) = _assert_fits_equal(tmp_path, folder, [minhash], distributed=budget == 0)
    assert summary["duplicates_removed"] > 40
    assert summary["candidate_pairs"] > summary["checked_pairs"] > 0, "some pairs screened out"


def _assert_fits_equal(
    tmp_path: Path, src: Path, stages: list[dict[str, Any]], *, distributed: bool
) -> list[dict[str, Any]]:
    """Run ``stages`` with work units and two workers; every global stage's decision
    files and fit summary equal its single-process ``fit``'s, which are returned."""
    recipe = parse_recipe({"run": {"unit_bytes": 1, "batch_size": 32}, "stages": stages})
    out = tmp_path / "out"
    logged: list[str] = []
    result = run_pipeline(
        recipe, [str(src)], out, workers=2, progress=False, keep_work=True, log=logged.append
    )
    assert any("fit step cc-large-0" in line for line in logged) == distributed, logged
    layout = Layout(out)
    assert len(list(layout.pass_decisions(0).glob("00000-*.arrow"))) > 1, "decided per unit"
    summaries = []
    for p, stage in enumerate(s for s in make_stages(recipe) if isinstance(s, GlobalStage)):
        assert stage.partitioned
        obs = sorted(layout.pass_observe(p).glob("part-*.arrow"))
        reference = pa.Table.from_batches(list(stage.fit(obs, tmp_path / f"ref{p}")))
        reference = reference.sort_by([(c, "ascending") for c in INTERNAL_COLUMNS])
        got = _read_all(sorted(layout.pass_decisions(p).glob("0*.arrow")))
        assert got.schema == reference.schema
        assert got.to_pylist() == reference.to_pylist()
        summary: dict[str, Any] = json.loads(json.dumps(stage.fit_summary()))
        assert result.fit_summaries[stage.name] == summary
        summaries.append(summary)
    return summaries


def _url_corpus(folder: Path, seed: int) -> Path:
    """Pages with repeated URLs (spelled differently), null and blank URLs, and dates
    in several forms, unparseable and null ones, many ties."""
    rng = np.random.default_rng(seed)
    n = 900
    hosts = [f"http://site{i}.example/page{j}" for i in range(40) for j in range(5)]
    urls: list[str | None] = []
    for _ in range(n):
        r = rng.random()
        url = hosts[int(rng.integers(0, len(hosts)))]
        urls.append(None if r < 0.05 else " " if r < 0.08 else url.upper() if r < 0.2 else url)
    days = rng.integers(1, 28, n)
    dates: list[str | None] = [f"2024-03-{d:02d}" for d in days.tolist()]
    for i in range(0, n, 17):
        dates[i] = None
    for i in range(5, n, 23):
        dates[i] = "sometime"
    table = pa.table(
        {
            "id": [f"u{i}" for i in range(n)],
            "text": [f"page {i} " + "word " * int(rng.integers(1, 30)) for i in range(n)],
            "url": urls,
            "crawl_date": dates,
        }
    )
    folder.mkdir(parents=True)
    pq.write_table(table.slice(0, n // 2), folder / "a.parquet", row_group_size=60)
    pq.write_table(table.slice(n // 2), folder / "b.parquet", row_group_size=60)
    return folder


@pytest.mark.parametrize("date_column", [None, "crawl_date"])
def test_partitioned_url_dedup_equals_the_single_process_fit(
    tmp_path: Path, date_column: str | None
) -> None:
    src = _url_corpus(tmp_path / "in", seed=3)
    stage_cfg = {"stage": "url_dedup_v1", "date_column": date_column, "ignore_scheme": True}
    recipe = parse_recipe({"run": {"unit_bytes": 1, "batch_size": 32}, "stages": [stage_cfg]})
    out = tmp_path / "out"
    result = run_pipeline(recipe, [str(src)], out, workers=2, progress=False, keep_work=True)
    layout = Layout(out)
    assert len(list(layout.pass_decisions(0).glob("00000-*.arrow"))) > 1, "decided per unit"
    stage = make_stages(recipe)[0]
    assert isinstance(stage, GlobalStage) and stage.partitioned
    obs = sorted(layout.pass_observe(0).glob("part-*.arrow"))
    reference = pa.Table.from_batches(list(stage.fit(obs, tmp_path / "ref")))
    reference = reference.sort_by([(c, "ascending") for c in INTERNAL_COLUMNS])
    got = _read_all(sorted(layout.pass_decisions(0).glob("0*.arrow")))
    assert got.schema == reference.schema
    assert got.to_pylist() == reference.to_pylist()
    summary: dict[str, Any] = json.loads(json.dumps(stage.fit_summary()))
    assert result.fit_summaries[stage.name] == summary
    assert 100 < summary["duplicates_removed"] < 850 and summary["missing_urls"] > 0
