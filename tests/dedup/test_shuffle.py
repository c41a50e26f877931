"""Shuffle files: one batch per partition per round plus an index batch; a reader of
partition p gets p's rows in the order written and reads only p's batches' bytes."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.ipc as ipc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dataprep.errors import InputError
from dataprep.io import shuffle
from dataprep.io.shuffle import ShuffleWriter, read_partition


def _write(path: Path, parts: int, calls: list[list[int]], flush_rows: int, start: int) -> int:
    """One writer; row ``k`` of the file has value ``start + k``. Returns the next value."""
    writer = ShuffleWriter(path, parts, flush_rows=flush_rows)
    for call in calls:
        n = len(call)
        values = np.arange(start, start + n, dtype=np.int64)
        batch = pa.record_batch({"v": values, "s": pa.array([str(x) for x in values.tolist()])})
        writer.write(np.array(call, dtype=np.uint64), batch)
        start += n
    writer.close()
    writer.commit()
    return start


calls_st = st.lists(st.lists(st.integers(0, 5), max_size=12), max_size=5)


@settings(max_examples=60, deadline=None)
@given(
    parts=st.integers(1, 6),
    files=st.lists(calls_st, min_size=1, max_size=4),
    flush_rows=st.integers(1, 16),
)
def test_rows_of_a_partition_in_the_order_written(
    parts: int, files: list[list[list[int]]], flush_rows: int
) -> None:
    files = [[[p % parts for p in call] for call in calls] for calls in files]
    with tempfile.TemporaryDirectory() as tmp:
        paths = [Path(tmp) / f"w{i}.arrow" for i in range(len(files))]
        start = 0
        expected: dict[int, list[tuple[int, list[int]]]] = {p: [] for p in range(parts)}
        for i, (path, calls) in enumerate(zip(paths, files, strict=True)):
            first, start = start, _write(path, parts, calls, flush_rows, start)
            rows = [p for call in calls for p in call]
            assert path.exists() == bool(rows)  # no row, no file
            for p in range(parts):
                mine = [first + k for k, q in enumerate(rows) if q == p]
                if mine:
                    expected[p].append((i, mine))
        for p in range(parts):
            got = read_partition(paths, p)
            assert [(i, t.column("v").to_pylist()) for i, t in got] == expected[p]
            for _, t in got:
                assert t.schema.names == ["v", "s"]
                assert t.column("s").to_pylist() == [str(x) for x in t.column("v").to_pylist()]
            assert [t.schema.names for _, t in read_partition(paths, p, ["s"])] == [
                ["s"] for _ in expected[p]
            ]


def test_one_batch_per_partition_per_round_and_an_index(tmp_path: Path) -> None:
    path = tmp_path / "x.arrow"
    # rounds of 4 rows: [2, 0, 2, 0] | [1, 1, 1, 2] | [3]
    _write(path, 5, [[2, 0, 2, 0], [1, 1, 1, 2], [3]], flush_rows=4, start=0)
    # an Arrow IPC stream (the index and trailer follow its end-of-stream marker)
    batches = list(ipc.open_stream(path.read_bytes()))
    assert [b.num_rows for b in batches] == [2, 2, 3, 1, 1]
    assert path.read_bytes().endswith(shuffle.MAGIC)
    with pa.OSFile(str(path)) as source:
        ranges = shuffle.partition_ranges(source, 2)
        assert ranges.shape == (3, 2)
        assert [int(e - s) > 0 for s, e in ranges] == [True, True, False]
        assert not (shuffle.partition_ranges(source, 4)[:, 1] > 0).any()
    assert read_partition([path], 4) == []  # an empty partition
    assert [t.column("v").to_pylist() for _, t in read_partition([path], 2)] == [[0, 2, 7]]


def test_missing_files_are_empty(tmp_path: Path) -> None:
    paths = [tmp_path / "a.arrow", tmp_path / "b.arrow", tmp_path / "c.arrow"]
    _write(paths[1], 2, [[1, 0, 1]], flush_rows=100, start=0)
    got = read_partition(paths, 1)
    assert [(i, t.column("v").to_pylist()) for i, t in got] == [(1, [0, 2])]
    assert read_partition([tmp_path / "none.arrow"], 0) == []


class _CountingFile(io.FileIO):
    """A file that records the byte range of every read."""

    def __init__(self, path: Path, log: list[tuple[int, int]]) -> None:
        super().__init__(str(path), "rb")
        self.log = log

    def read(self, size: int | None = -1) -> bytes:
        pos = self.tell()
        data = super().read(size)
        self.log.append((pos, pos + len(data)))
        return data


def test_a_reader_reads_only_its_partitions_batches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "x.arrow"
    rng = np.random.default_rng(0)
    # partition 0 holds ~97% of the rows; two rounds
    part = np.where(rng.random(200_000) < 0.97, 0, rng.integers(1, 4, 200_000))
    _write(path, 4, [part[:100_000].tolist(), part[100_000:].tolist()], 100_000, 0)
    size = path.stat().st_size
    log: list[tuple[int, int]] = []
    monkeypatch.setattr(shuffle, "_open", lambda p: pa.PythonFile(_CountingFile(p, log)))
    touched = np.zeros((4, size), dtype=bool)  # the bytes each partition's reader read
    for p in range(4):
        log.clear()
        got = read_partition([path], p)
        assert sum(t.num_rows for _, t in got) == int((part == p).sum())
        for lo, hi in log:
            touched[p, lo:hi] = True
    common = touched.all(axis=0)  # the footer and the index batch
    assert common.sum() < 2_000
    own = touched & ~common
    assert (own.sum(axis=0) <= 1).all()  # no byte of one partition read by another's reader
    # the small partitions read about their share of the file, not the big one's pages
    for p in (1, 2, 3):
        share = (part == p).mean()
        assert touched[p].sum() < share * size * 1.2 + 4_000, (p, touched[p].sum(), size)


def test_an_older_or_damaged_file_is_a_loud_error(tmp_path: Path) -> None:
    old = tmp_path / "old.arrow"  # the layout before issue 17: an IPC file sorted by _part
    batch = pa.record_batch(
        {"v": pa.array([1, 2], pa.int64()), "_part": pa.array([0, 1], pa.uint32())}
    )
    with ipc.new_file(str(old), batch.schema) as w:
        w.write_batch(batch)
    with pytest.raises(InputError, match=r"old\.arrow \(partition 0\).*not a shuffle file"):
        read_partition([old], 0)
    path = tmp_path / "x.arrow"
    _write(path, 3, [[0, 1, 2, 1]], flush_rows=100, start=0)
    with pytest.raises(InputError, match=r"partition 3 of a file of 3"):
        read_partition([path], 3)
    data = path.read_bytes()
    cut = tmp_path / "cut.arrow"  # a batch's bytes missing: its range runs into the index
    cut.write_bytes(data[:40] + data[200:])
    with pytest.raises(InputError, match=r"cut\.arrow \(partition \d\)"):
        for p in range(3):
            read_partition([cut], p)
    cut.write_bytes(data[:-30] + data[-24:])  # the index shortened
    with pytest.raises(InputError, match="corrupt"):
        for p in range(3):
            read_partition([cut], p)


def test_abort_leaves_nothing(tmp_path: Path) -> None:
    path = tmp_path / "x.arrow"
    writer = ShuffleWriter(path, 2, flush_rows=1)
    writer.write(np.array([0], dtype=np.uint64), pa.record_batch({"v": pa.array([1])}))
    writer.abort()
    assert list(tmp_path.iterdir()) == []
