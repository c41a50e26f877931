"""``dataprep export`` of a run written with ``output.signals: separate``: signal
columns are selected from the ``signals/`` side table, joined to ``data/`` by the
output reader (which checks that both sides hold the same documents in order)."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest
from cli_helpers import one_line_error

from dataprep.cli import main
from dataprep.engine.driver import run_pipeline
from dataprep.export.options import ExportOptions
from dataprep.export.run import export_run
from dataprep.recipe.config import parse_recipe
from dataprep.sample_data import sample_path

SIGNAL = "gopher_quality_v1__word_count"


@pytest.fixture(scope="module")
def separate_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    recipe = parse_recipe(
        {
            "output": {"signals": "separate"},
            "stages": [{"stage": "fasttext_langid_v1"}, {"stage": "gopher_quality_v1"}],
        }
    )
    out = tmp_path_factory.mktemp("sep") / "out"
    run_pipeline(recipe, [str(sample_path())], out, workers=1, progress=False)
    return out


def _joined(run: Path) -> dict[str, dict]:
    rows: dict[str, dict] = {}
    for part in sorted((run / "data").glob("part-*.parquet")):
        side = pq.read_table(run / "signals" / part.name)
        data = pq.read_table(part)
        assert side.column("id").equals(data.column("id"))
        for d, s in zip(data.to_pylist(), side.to_pylist(), strict=True):
            rows[d["id"]] = {**d, **s}
    return rows


def test_signal_columns_are_exported_from_the_side_table(
    separate_run: Path, tmp_path: Path
) -> None:
    assert SIGNAL not in pq.read_schema(next((separate_run / "data").glob("*.parquet"))).names
    opts = ExportOptions(format="parquet", shuffle_seed=1, columns=("id", "lang", SIGNAL))
    manifest = export_run(separate_run, tmp_path / "ex", opts, workers=2)
    table = pq.read_table(tmp_path / "ex")
    assert table.column_names == ["id", "lang", SIGNAL]
    expected = _joined(separate_run)
    assert table.num_rows == len(expected) == manifest["docs"] > 0
    got = {r["id"]: r for r in table.to_pylist()}
    assert all(got[i][SIGNAL] == expected[i][SIGNAL] is not None for i in expected)
    assert all(got[i]["lang"] == expected[i]["lang"] for i in expected)


def test_all_columns_include_the_signals(separate_run: Path, tmp_path: Path) -> None:
    export_run(separate_run, tmp_path / "ex", ExportOptions(format="parquet", shuffle_seed=None))
    table = pq.read_table(tmp_path / "ex")
    assert SIGNAL in table.column_names and table.column(SIGNAL).null_count == 0


def test_a_side_table_that_does_not_match_its_part_is_one_line(
    separate_run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import shutil

    run = tmp_path / "run"
    shutil.copytree(separate_run, run)
    side = next((run / "signals").glob("part-*.parquet"))
    table = pq.read_table(side)
    pq.write_table(table.slice(1), side)
    assert main(["export", str(run), "-o", str(tmp_path / "ex"), "--columns", f"id,{SIGNAL}"]) == 3
    assert "does not match" in one_line_error(capsys)
