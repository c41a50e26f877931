"""Readers: every format streams batches; bad files fail with the file named."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from corpus_helpers import make_docs, write_shard
from dataprep.errors import InputError
from dataprep.io.columns import prepare_batch
from dataprep.io.discover import discover
from dataprep.io.readers import iter_raw_batches

FORMATS = ["x.parquet", "x.arrow", "x.feather", "x.jsonl", "x.jsonl.gz", "x.jsonl.zst"]


@pytest.mark.parametrize("name", FORMATS)
@pytest.mark.parametrize("batch_size", [1, 4, 1000])
def test_every_format_round_trips_in_bounded_batches(
    tmp_path: Path, name: str, batch_size: int
) -> None:
    docs = make_docs(23)
    (shard,) = discover([str(write_shard(tmp_path / name, docs))])
    batches = list(iter_raw_batches(shard, batch_size=batch_size))
    assert all(b.num_rows <= batch_size for b in batches)
    rows = pa.Table.from_batches(batches).to_pylist()
    assert [r["text"] for r in rows] == [d["text"] for d in docs]
    assert [r["meta"] for r in rows] == [d["meta"] for d in docs]


def test_discover_sorts_paths_whatever_the_listing_order(corpus: Path) -> None:
    files = sorted(p for p in corpus.rglob("*") if p.is_file())
    a = discover([str(p) for p in files])
    b = discover([str(p) for p in reversed(files)])
    assert [s.path for s in a] == [s.path for s in b]
    assert [s.index for s in a] == [0, 1, 2, 3]
    assert [s.name for s in discover([str(corpus)])] == [
        "a.jsonl.gz",
        "b.parquet",
        "c.jsonl.zst",
        "sub/d.arrow",
    ]


def test_glob_input(corpus: Path) -> None:
    assert [s.name for s in discover([str(corpus / "*.parquet")])] == ["b.parquet"]


def test_missing_input_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        discover([str(tmp_path / "nope")])
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="no input shards"):
        discover([str(tmp_path / "empty")])


def test_ids_are_made_from_shard_name_and_row_when_absent(tmp_path: Path) -> None:
    docs = [{"text": f"t{i}"} for i in range(5)]
    (shard,) = discover([str(write_shard(tmp_path / "s.jsonl", docs))])
    raw = next(iter_raw_batches(shard, batch_size=3))
    raw2 = list(iter_raw_batches(shard, batch_size=3))[1]
    b1 = prepare_batch(raw, shard, 0, text_column="text", id_column="id")
    b2 = prepare_batch(raw2, shard, 3, text_column="text", id_column="id")
    assert b1.column("id").to_pylist() == ["s.jsonl:0", "s.jsonl:1", "s.jsonl:2"]
    assert b2.column("id").to_pylist() == ["s.jsonl:3", "s.jsonl:4"]
    assert b2.column("_dp_row").to_pylist() == [3, 4]


def test_missing_text_column_names_file_and_columns(tmp_path: Path) -> None:
    (shard,) = discover([str(write_shard(tmp_path / "s.parquet", [{"body": "x"}]))])
    raw = next(iter_raw_batches(shard, batch_size=3))
    with pytest.raises(InputError, match=r"s\.parquet: no text column 'text' \(columns: body\)"):
        prepare_batch(raw, shard, 0, text_column="text", id_column="id")


def test_invalid_utf8_in_jsonl_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_bytes(b'{"text": "ok"}\n{"text": "bad \xff byte"}\n{"text": "ok"}\n')
    (shard,) = discover([str(path)])
    with pytest.raises(InputError, match=r"bad\.jsonl:2: invalid UTF-8"):
        list(iter_raw_batches(shard, batch_size=10))


def test_quarantine_hook_skips_only_the_bad_record(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_bytes(b'{"text": "a"}\n{"text": "b\xff"}\n{broken\n{"text": "c"}\n')
    (shard,) = discover([str(path)])
    bad: list[int] = []
    rows = pa.Table.from_batches(
        list(iter_raw_batches(shard, batch_size=10, on_bad_record=lambda ln, msg: bad.append(ln)))
    )
    assert rows.column("text").to_pylist() == ["a", "c"]
    assert bad == [2, 3]


@pytest.mark.parametrize(
    "content",
    [b"", b"PAR1garbage", b"not a parquet file at all" * 10],
    ids=["zero-byte", "wrong-body", "wrong-magic"],
)
def test_corrupt_parquet_is_an_input_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "bad.parquet"
    path.write_bytes(content)
    (shard,) = discover([str(path)])
    with pytest.raises(InputError, match=r"bad\.parquet"):
        list(iter_raw_batches(shard, batch_size=10))


def test_truncated_gzip_is_an_input_error(tmp_path: Path) -> None:
    path = write_shard(tmp_path / "t.jsonl.gz", make_docs(200))
    path.write_bytes(path.read_bytes()[:-40])
    (shard,) = discover([str(path)])
    with pytest.raises(InputError, match=r"t\.jsonl\.gz"):
        list(iter_raw_batches(shard, batch_size=10))


@pytest.mark.parametrize("block", [7, 64, 1 << 20])
def test_lines_longer_than_the_read_block_are_joined(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, block: int
) -> None:
    from dataprep.io import jsonl

    monkeypatch.setattr(jsonl, "_READ_BLOCK", block)
    docs = [{"text": "x" * n} for n in (0, 1, 100, 5000, 3)]
    (shard,) = discover([str(write_shard(tmp_path / "l.jsonl", docs))])
    rows = pa.Table.from_batches(list(iter_raw_batches(shard, batch_size=2))).to_pylist()
    assert [len(r["text"]) for r in rows] == [0, 1, 100, 5000, 3]


def test_a_field_first_seen_late_in_a_jsonl_file_is_kept(tmp_path: Path) -> None:
    docs = [{"text": f"t{i}"} for i in range(5)] + [{"text": "late", "extra": 7}]
    (shard,) = discover([str(write_shard(tmp_path / "d.jsonl", docs))])
    batches = list(iter_raw_batches(shard, batch_size=2))
    assert [b.schema.names for b in batches] == [["text"], ["text"], ["text", "extra"]]
    assert batches[-1].column("extra").to_pylist() == [None, 7]


def test_a_field_missing_from_the_first_record_is_kept(tmp_path: Path) -> None:
    docs = [{"text": "a"}, {"text": "b", "url": "u"}, {"url": "v", "text": "c"}]
    (shard,) = discover([str(write_shard(tmp_path / "d.jsonl", docs))])
    (batch,) = list(iter_raw_batches(shard, batch_size=10))
    assert batch.to_pylist() == [
        {"text": "a", "url": None},
        {"text": "b", "url": "u"},
        {"text": "c", "url": "v"},
    ]
