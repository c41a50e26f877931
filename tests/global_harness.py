"""The runner's observe step for one global stage, for unit tests of global stages.

As ``dataprep.engine.shard_pass`` does: ``observe`` per batch, the internal id columns
(``_dp_shard``, ``_dp_row``, ``_dp_repeat``) appended, one Arrow IPC file per shard.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa

from dataprep.output.columns import REPEAT_COL, ROW_COL, SHARD_COL
from dataprep.stages.base import GlobalStage


def write_observations(
    stage: GlobalStage, shards: Sequence[pa.Table], folder: Path, *, batch_rows: int
) -> list[Path]:
    """Observation files of every non-empty shard, in shard order."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for shard_index, table in enumerate(shards):
        path = folder / f"obs-{shard_index:05d}.arrow"
        writer = None
        row = 0
        for batch in table.to_batches(max_chunksize=batch_rows):
            obs = stage.observe(batch)
            assert obs.num_rows == batch.num_rows
            n = obs.num_rows
            obs = obs.append_column(SHARD_COL, pa.array([shard_index] * n, pa.int32()))
            obs = obs.append_column(ROW_COL, pa.array(range(row, row + n), pa.int64()))
            obs = obs.append_column(REPEAT_COL, pa.array([0] * n, pa.int32()))
            row += n
            writer = writer or pa.ipc.new_file(path, obs.schema)
            writer.write_batch(obs)
        if writer is not None:
            writer.close()
            paths.append(path)
    return paths


def write_halves(table: pa.Table, folder: Path, *, row_group_size: int) -> Path:
    """``table`` as two Parquet files (``a``, ``b``) in ``folder``: a small corpus of
    many work units (one per row group with ``unit_bytes: 1``)."""
    import pyarrow.parquet as pq

    folder.mkdir(parents=True)
    half = table.num_rows // 2
    pq.write_table(table.slice(0, half), folder / "a.parquet", row_group_size=row_group_size)
    pq.write_table(table.slice(half), folder / "b.parquet", row_group_size=row_group_size)
    return folder


def by_position(table: pa.Table) -> pa.Table:
    """Decision rows sorted by document position."""
    return table.sort_by([(c, "ascending") for c in (SHARD_COL, ROW_COL, REPEAT_COL)])


def partitioned_and_reference(
    stage: GlobalStage, out: Path, pass_index: int, workdir: Path
) -> tuple[pa.Table, pa.Table]:
    """The decisions a partitioned fit wrote per unit in pass ``pass_index`` of a run
    in ``out`` (kept with ``keep_work``), and those of the stage's single-process
    ``fit`` on the same observation files; both sorted by position."""
    import pyarrow.ipc as ipc

    from dataprep.output.layout import Layout

    layout = Layout(out)
    obs = sorted(layout.pass_observe(pass_index).glob("part-*.arrow"))
    reference = by_position(pa.Table.from_batches(list(stage.fit(obs, workdir))))
    files = sorted(layout.pass_decisions(pass_index).glob("0*.arrow"))
    assert len(files) > 2, "decided per unit"
    got = pa.concat_tables(ipc.open_file(pa.memory_map(str(f))).read_all() for f in files)
    return by_position(got), reference


def assert_partitioned_equals_reference(
    tmp_path: Path, src: Path, stage_cfg: dict[str, Any], workers: int, unit_bytes: int
) -> dict[str, Any]:
    """Run ``stage_cfg`` alone through the engine (its partitioned fit) on ``src`` and
    check that its decisions and fit summary equal those of its single-process ``fit``
    on the same observation files; the summary."""
    import json

    from dataprep.engine.driver import run_pipeline
    from dataprep.recipe.config import parse_recipe
    from dataprep.stages.build import make_stages

    recipe = parse_recipe(
        {"run": {"unit_bytes": unit_bytes, "batch_size": 32}, "stages": [stage_cfg]}
    )
    out = tmp_path / "out"
    result = run_pipeline(recipe, [str(src)], out, workers=workers, progress=False, keep_work=True)
    stage = make_stages(recipe)[0]
    assert isinstance(stage, GlobalStage) and stage.partitioned
    stage.setup()
    got, reference = partitioned_and_reference(stage, out, 0, tmp_path / "ref")
    assert got.schema == reference.schema
    assert got.to_pylist() == reference.to_pylist()
    summary: dict[str, Any] = json.loads(json.dumps(stage.fit_summary()))
    assert result.fit_summaries[stage.name] == summary
    assert list(result.fit_summaries[stage.name]) == list(summary), "same key order"
    return summary


def assert_same_files_as_the_single_process_fit(
    tmp_path: Path, src: Path, stage_cfg: dict[str, Any], monkeypatch: Any
) -> None:
    """Run ``stage_cfg`` alone with 2 workers and one work unit per row group, fitted
    partitioned and then (the ``partitioned`` property turned off) on the driver:
    every output file, ``stats.json`` included, has the same bytes."""
    import hashlib

    from dataprep.engine.driver import run_pipeline
    from dataprep.recipe.config import parse_recipe
    from dataprep.stages.build import make_stages

    recipe = parse_recipe({"run": {"unit_bytes": 1, "batch_size": 32}, "stages": [stage_cfg]})

    def files(out: Path) -> dict[str, str]:
        run_pipeline(recipe, [str(src)], out, workers=2, progress=False)
        return {
            str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(out.rglob("*"))
            if p.is_file()
            and p.name not in ("run.json", "run.log")
            and not p.name.startswith("report.")
        }

    partitioned = files(tmp_path / "partitioned")
    monkeypatch.setattr(type(make_stages(recipe)[0]), "partitioned", property(lambda s: False))
    single = files(tmp_path / "single")
    assert "stats.json" in single and any(k.startswith("data/") for k in single)
    assert partitioned == single
