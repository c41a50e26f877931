"""Part writers: bounded parts, nothing visible under a final name before commit."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from dataprep.io.writers import PairedPartWriter, PartWriter


def _batch(n: int, width: int = 100) -> pa.RecordBatch:
    return pa.RecordBatch.from_pylist([{"text": "x" * width, "i": i} for i in range(n)])


def test_parts_roll_over_at_max_bytes_and_keep_every_row(tmp_path: Path) -> None:
    w = PartWriter(tmp_path, "part-00000", max_bytes=5_000)
    for _ in range(10):
        w.write(_batch(20))
    w.close()
    assert list(tmp_path.glob("part-*")) == []  # nothing final before commit
    paths = w.commit()
    assert len(paths) > 1
    assert sum(pq.read_metadata(p).num_rows for p in paths) == 200
    assert [p.name for p in paths] == [f"part-00000-{k:04d}.parquet" for k in range(len(paths))]
    assert not list(tmp_path.glob(".*.tmp"))


def test_abort_leaves_nothing(tmp_path: Path) -> None:
    w = PartWriter(tmp_path, "part-00001", max_bytes=1 << 30)
    w.write(_batch(5))
    w.close()
    w.abort()
    assert list(tmp_path.iterdir()) == []


def test_schema_change_starts_a_new_part(tmp_path: Path) -> None:
    w = PartWriter(tmp_path, "p", max_bytes=1 << 30)
    w.write(_batch(3))
    w.write(pa.RecordBatch.from_pylist([{"text": "y", "other": 1.5}]))
    w.close()
    paths = w.commit()
    assert len(paths) == 2
    assert pq.read_table(paths[1]).column_names == ["text", "other"]


def test_same_rows_give_same_bytes(tmp_path: Path) -> None:
    outs = []
    for name in ("a", "b"):
        w = PartWriter(tmp_path / name, "p", max_bytes=1 << 30)
        w.write(_batch(50))
        w.close()
        outs.append(w.commit()[0].read_bytes())
    assert outs[0] == outs[1]


def test_paired_parts_match_one_to_one_when_the_main_writer_rolls_over(tmp_path: Path) -> None:
    """data/ and its signals/ side table: same part names, same rows in each part,
    whether a part ends by size (the main writer's) or by a schema change (either's)."""
    main = PartWriter(tmp_path / "data", "part-00000", max_bytes=5_000)
    side = PartWriter(tmp_path / "signals", "part-00000", max_bytes=5_000)
    paired = PairedPartWriter(main, side)
    for k in range(12):
        batch = _batch(20)
        signal = pa.array([float(k)] * 20, pa.float64() if k < 9 else pa.float32())
        paired.write(batch, pa.RecordBatch.from_arrays([batch.column("i"), signal], ["i", "s"]))
    for w in paired.writers:
        w.close()
    got = [w.commit() for w in paired.writers]
    assert len(got[0]) > 2
    assert [p.name for p in got[0]] == [p.name for p in got[1]]
    for d, s in zip(*got, strict=True):
        assert pq.read_table(d, columns=["i"]).equals(pq.read_table(s, columns=["i"]))
    assert {pq.read_schema(s).field("s").type for s in got[1]} == {pa.float64(), pa.float32()}
