"""``dataprep export --format parquet|jsonl.zst``: one schema across inputs whose columns
drift (missing -> nulls, a type conflict -> one line naming both files), loadable by
``datasets`` and ``polars``; column selection; the seeded shuffle; size-targeted shards."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import zstandard
from cli_helpers import one_line_error
from export_harness import kept_in_run_order

from corpus_helpers import write_shard
from dataprep.cli import main
from dataprep.engine.driver import run_pipeline
from dataprep.export.options import ExportOptions
from dataprep.export.run import export_run
from dataprep.recipe.config import parse_recipe


def _docs(n: int, start: int, **extra: object) -> list[dict]:
    return [{"id": f"d{i}", "text": f"document number {i} " * (1 + i % 5), **extra}
            for i in range(start, start + n)]  # fmt: skip


def _drifting_run(tmp_path: Path) -> Path:
    inp = tmp_path / "in"
    write_shard(inp / "a.jsonl", _docs(20, 0, url="https://a.example"))
    write_shard(inp / "b.parquet", _docs(20, 20, score=2))
    write_shard(inp / "c.jsonl", _docs(20, 40, url="https://c.example", score=3))
    out = tmp_path / "run"
    run_pipeline(parse_recipe({"stages": []}), [str(inp)], out, workers=1, progress=False)
    return out


def test_drifting_inputs_export_to_one_schema_that_datasets_and_polars_load(
    tmp_path: Path,
) -> None:
    datasets = pytest.importorskip("datasets", reason="datasets not installed (dev extra)")
    import polars as pl

    run = _drifting_run(tmp_path)
    # The run's own parts already agree (engine/unify.py); a run written before that
    # did not, which the export fixes too: make one part lose a column again.
    schemas = {tuple(pq.read_schema(p).names) for p in (run / "data").glob("*.parquet")}
    assert schemas == {("id", "text", "url", "score")}
    first = run / "data" / "part-00000-0000.parquet"
    pq.write_table(pq.read_table(first).drop_columns(["score"]), first)
    manifest = export_run(run, tmp_path / "ex", ExportOptions(format="parquet", shard_bytes=800))
    files = sorted(str(p) for p in (tmp_path / "ex").glob("part-*.parquet"))
    assert len(files) == len(manifest["shards"]) > 2
    for f in files:
        schema = pq.read_schema(f)
        assert schema.names == ["id", "text", "url", "score"]
        assert schema.field("text").type == pa.string()
    frame = pl.scan_parquet(str(tmp_path / "ex" / "*.parquet")).collect()
    assert frame.height == 60
    by_id = {r["id"]: r for r in frame.to_dicts()}
    assert by_id["d3"]["score"] is None and by_id["d3"]["url"] == "https://a.example"
    assert by_id["d23"]["url"] is None and by_id["d23"]["score"] == 2
    ds = datasets.load_dataset("parquet", data_files=files, split="train")
    assert ds.num_rows == 60 and ds.column_names == ["id", "text", "url", "score"]
    assert list(ds["id"]) == list(frame["id"])


def test_a_type_conflict_is_one_line_naming_both_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = _drifting_run(tmp_path)
    # A run written before runs had one schema: part 1 (from b.parquet) holds text scores.
    part = run / "data" / "part-00001-0000.parquet"
    table = pq.read_table(part)
    scores = table.column("score").cast(pa.string())
    pq.write_table(table.set_column(table.schema.get_field_index("score"), "score", scores), part)
    code = main(["export", str(run), "-o", str(tmp_path / "ex")])
    assert code == 3
    line = one_line_error(capsys)
    assert "column 'score'" in line
    assert "part-00000-0000.parquet (from a.jsonl)" in line
    assert "part-00001-0000.parquet (from b.parquet)" in line
    assert not (tmp_path / "ex").exists() or not any((tmp_path / "ex").iterdir())


def test_parquet_rows_follow_the_seeded_permutation_and_columns_are_selected(
    run: Path, tmp_path: Path
) -> None:
    opts = ExportOptions(format="parquet", shuffle_seed=3, columns=("id", "lang", "n_tokens"))
    manifest = export_run(run, tmp_path / "ex", opts)
    kept = kept_in_run_order(run)
    order = np.random.default_rng(3).permutation(len(kept))
    table = pq.read_table(tmp_path / "ex")
    assert table.column_names == ["id", "lang", "n_tokens"]
    assert table.column("id").to_pylist() == [kept[i]["id"] for i in order]
    assert manifest["tokens"] == sum(d["n_tokens"] for d in kept)
    assert [c["name"] for c in manifest["columns"]] == ["id", "lang", "n_tokens"]


def test_an_unknown_column_is_named(run: Path, tmp_path: Path, capsys) -> None:
    assert main(["export", str(run), "-o", str(tmp_path / "ex"), "--columns", "id,nope"]) == 3
    assert "nope" in one_line_error(capsys)


def test_jsonl_zst_holds_the_same_rows_as_parquet(run: Path, tmp_path: Path) -> None:
    export_run(run, tmp_path / "pq", ExportOptions(format="parquet", shard_bytes=50_000))
    export_run(run, tmp_path / "js", ExportOptions(format="jsonl.zst", shard_bytes=50_000))
    rows = []
    for path in sorted((tmp_path / "js").glob("part-*.jsonl.zst")):
        raw = zstandard.ZstdDecompressor().stream_reader(io.BytesIO(path.read_bytes())).read()
        rows += [json.loads(line) for line in raw.decode().splitlines()]
    assert rows == pq.read_table(tmp_path / "pq").to_pylist()


def test_an_export_never_writes_into_a_folder_it_does_not_own(
    run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "ex").mkdir()
    (tmp_path / "ex" / "notes.txt").write_text("mine")
    assert main(["export", str(run), "-o", str(tmp_path / "ex")]) == 4
    assert "not empty (notes.txt)" in one_line_error(capsys)
    assert sorted(p.name for p in (tmp_path / "ex").iterdir()) == ["notes.txt"]
