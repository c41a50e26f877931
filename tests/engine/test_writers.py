"""Part writers: bounded parts, nothing visible under a final name before commit."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from dataprep.io.writers import PartWriter


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
