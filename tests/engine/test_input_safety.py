"""Input safety: no readable document is lost, no bad unit is silently dropped.

Every test counts documents independently of stats.json (the lines or rows it
wrote) and checks ``read = kept + removed + quarantined`` against the output.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.feather as feather
import pyarrow.parquet as pq
import pytest

from corpus_helpers import write_shard
from dataprep.cli import main
from dataprep.engine.driver import run_pipeline
from dataprep.io.discover import discover, fingerprint, format_skipped, scan_inputs
from dataprep.io.readers import iter_raw_batches
from dataprep.recipe.config import load_recipe, parse_recipe, shipped_recipes
from dataprep.sample_data import sample_path

ROOT = Path(__file__).resolve().parents[2]
CLASSIFY_DATA = ROOT / "tests" / "data" / "classify"
DOMAINS = ("general", "math", "code", "multilingual")


def _sample_docs(n: int) -> list[dict]:
    """The first ``n`` documents of the bundled sample corpus, with a domain column."""
    (shard, *_) = discover([str(sample_path())])
    batch = next(iter_raw_batches(shard, batch_size=n))
    docs = batch.to_pylist()
    for i, d in enumerate(docs):
        d["domain"] = DOMAINS[i % len(DOMAINS)]
    return docs


def _with_bad_lines(path: Path, bad: dict[int, bytes]) -> None:
    """Replace line i (0-based) of a JSONL file by bad[i]."""
    lines = path.read_bytes().splitlines(keepends=True)
    for i, content in bad.items():
        lines[i] = content + b"\n"
    path.write_bytes(b"".join(lines))


def _stats(out: Path) -> dict:
    return json.loads((out / "stats.json").read_text())


def _quarantine_recipe(name: str):  # type: ignore[no-untyped-def]
    recipe = load_recipe(name)
    return dataclasses.replace(
        recipe, input=dataclasses.replace(recipe.input, on_error="quarantine")
    )


@pytest.mark.parametrize("name", sorted(shipped_recipes()))
def test_quarantine_mode_works_with_every_shipped_recipe(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    (tmp_path / "models").mkdir()
    shutil.copy(CLASSIFY_DATA / "quality-tiny.ftz", tmp_path / "models" / "quality.bin")
    shutil.copy(CLASSIFY_DATA / "quality-tiny.ftz.json", tmp_path / "models" / "quality.bin.json")
    monkeypatch.chdir(tmp_path)  # quality-classifier's model path is relative to the cwd
    docs = _sample_docs(40)
    a = write_shard(tmp_path / "in" / "a.jsonl", docs[:20])
    _with_bad_lines(a, {3: b'{"text": "bad \xff byte"}', 7: b'{"text": trunc'})
    write_shard(tmp_path / "in" / "b.parquet", docs[20:])
    (tmp_path / "in" / "c.parquet").write_bytes(b"PAR1 garbage")
    out = tmp_path / "o"
    run_pipeline(_quarantine_recipe(name), [str(tmp_path / "in")], out, workers=1, progress=False)
    stats = _stats(out)
    inp = stats["stages"]["input"]
    assert inp["docs_in"] == 40
    assert inp["removed_by_reason"]["bad_record"] == 2
    assert [(e["file"], e.get("line")) for e in stats["quarantine"]] == [
        ("a.jsonl", 4),
        ("a.jsonl", 8),
        ("c.parquet", None),
    ]
    kept = pq.read_table(out / "data").num_rows if (out / "data").exists() else 0
    assert kept == stats["docs_out"]


# -- discovery ------------------------------------------------------------------------


def _hf_cache(root: Path) -> Path:
    """A Hugging Face hub cache: snapshot files are relative symlinks to blobs."""
    blobs = root / "blobs"
    snap = root / "snapshots" / "abc123"
    for i in range(2):
        blob = write_shard(root / "tmp" / f"{i}.parquet", [{"text": f"doc {i} one two"}])
        blobs.mkdir(parents=True, exist_ok=True)
        blob.rename(blobs / f"sha{i}")
        link = snap / "data" / f"train-0000{i}.parquet"
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(Path("..") / ".." / ".." / "blobs" / f"sha{i}")
    shutil.rmtree(root / "tmp")
    return snap


def test_a_hugging_face_cache_is_read_by_snapshot_names_not_blob_names(tmp_path: Path) -> None:
    snap = _hf_cache(tmp_path / "hub")
    shards = discover([str(snap)])
    assert [(s.name, s.format) for s in shards] == [
        ("train-00000.parquet", "parquet"),
        ("train-00001.parquet", "parquet"),
    ]
    assert all(s.path.is_symlink() for s in shards)
    recipe = load_recipe(str(ROOT / "pipelines" / "dedup.yaml"))
    run_pipeline(recipe, [str(snap / "data")], tmp_path / "o", workers=1, progress=False)
    ids = pq.read_table(tmp_path / "o" / "data").column("id").to_pylist()
    assert sorted(ids) == ["train-00000.parquet:0", "train-00001.parquet:0"]


def test_a_file_and_a_link_to_it_are_read_once_as_the_first_sorted_path(tmp_path: Path) -> None:
    real = write_shard(tmp_path / "in" / "b.jsonl", [{"text": "one two"}])
    (tmp_path / "in" / "a.jsonl").symlink_to(real)
    found = scan_inputs([str(tmp_path / "in")])
    assert [s.name for s in found.shards] == ["a.jsonl"]
    assert [(p.path.name, p.reason) for p in found.skipped] == [
        ("b.jsonl", f"same file as {tmp_path / 'in' / 'a.jsonl'}")
    ]


def test_discovery_reports_every_file_it_does_not_read_and_why(tmp_path: Path) -> None:
    root = tmp_path / "in"
    write_shard(root / "a.jsonl", [{"text": "one two"}])
    for name in ("notes.txt", "_tmp.jsonl", ".hidden.parquet", "_work/x.jsonl"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("{}\n")
    found = scan_inputs([str(root)])
    assert [s.name for s in found.shards] == ["a.jsonl"]
    reasons = {p.path.relative_to(root).as_posix(): p.reason for p in found.skipped}
    assert reasons == {
        ".hidden.parquet": "hidden or temporary name (starts with '.' or '_')",
        "_tmp.jsonl": "hidden or temporary name (starts with '.' or '_')",
        "_work": "hidden or temporary folder (starts with '.' or '_')",
        "notes.txt": "unsupported file type",
    }
    line = format_skipped(found.skipped)
    assert line.startswith("warning: 4 file(s) under the input not read: ")
    assert "\n" not in line and "and 1 more" in line
    assert format_skipped([]) == ""


def test_output_inside_the_input_folder_is_not_discovered_as_input(tmp_path: Path) -> None:
    root = tmp_path / "in"
    write_shard(root / "a.jsonl", [{"text": "one two"}])
    write_shard(root / "out" / "data" / "part-00000-0000.parquet", [{"text": "one two"}])
    found = scan_inputs([str(root)], exclude=[root / "sub" / ".." / "out"])
    assert [s.name for s in found.shards] == ["a.jsonl"]
    assert [p.path for p in found.skipped] == [root / "out"]
    # also when the output's files are named one by one (a glob)
    assert [s.name for s in discover([str(root / "**" / "*")], exclude=[root / "out"])] == [
        "a.jsonl"
    ]


@pytest.mark.parametrize("name", ["s.parquet", "s.jsonl", "s.jsonl.gz"])
def test_a_same_size_edit_with_the_mtime_restored_changes_the_fingerprint(
    tmp_path: Path, name: str
) -> None:
    path = write_shard(tmp_path / name, [{"text": f"doc {i:04d}"} for i in range(500)])
    (shard,) = discover([str(path)])
    before = fingerprint(shard)
    st = path.stat()
    if name.endswith(".parquet"):
        write_shard(path, [{"text": f"doc {i:04d}"} for i in range(1, 501)])
    else:
        data = bytearray(path.read_bytes())
        data[len(data) // 2] ^= 1
        path.write_bytes(bytes(data))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    after = fingerprint(shard)
    assert after["size"] == before["size"] and after["mtime_ns"] == before["mtime_ns"]
    assert set(after) == {"name", "size", "mtime_ns", "content"}
    assert after["content"] != before["content"]
    assert fingerprint(shard) == after  # deterministic


# -- the smallest bad unit is set aside, every readable document is counted ----------


def _run(tmp_path: Path, on_error: str = "quarantine", **run: object) -> Path:
    """Run a one-stage recipe over tmp_path/in into tmp_path/o; returns the output."""
    recipe = parse_recipe(
        {
            "input": {"on_error": on_error},
            "run": {"batch_size": 8, **run},
            "stages": [{"stage": "toy_min_words_v0", "min_words": 1}],
        }
    )
    out = tmp_path / "o"
    run_pipeline(recipe, [str(tmp_path / "in")], out, workers=1, progress=False)
    return out


def _rows(folder: Path) -> list[dict]:
    if not folder.exists():
        return []
    return pq.read_table(folder).to_pylist()


def _balance(out: Path, written: int) -> dict:
    """Check read = kept + removed + quarantined against the documents the test wrote."""
    stats = _stats(out)
    kept, removed = _rows(out / "data"), _rows(out / "removed")
    assert len(kept) == stats["docs_out"]
    quarantined = [e for e in stats["quarantine"] if e["docs"] is not None]
    counted_aside = sum(e["docs"] for e in quarantined)
    assert len(kept) + len(removed) + counted_aside == stats["docs_read"]
    unknown = [e for e in stats["quarantine"] if e["docs"] is None]
    if not unknown:
        assert stats["docs_read"] == written
    return stats


def _cli_error(tmp_path: Path, capsys: pytest.CaptureFixture[str], recipe: dict) -> str:
    """Run the CLI in fail mode; assert exit 3 with a one-line message, return it."""
    path = tmp_path / "recipe.yaml"
    path.write_text(json.dumps(recipe))
    code = main(
        [
            "run",
            str(path),
            "-i",
            str(tmp_path / "in"),
            "-o",
            str(tmp_path / "o"),
            "-q",
            "--no-progress",
        ]
    )
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 3, err
    assert len(err) == 1, err
    return err[0]


FAIL_RECIPE = {"stages": [{"stage": "toy_min_words_v0", "min_words": 1}]}


def test_a_truncated_gzip_keeps_and_counts_the_documents_before_the_break(
    tmp_path: Path,
) -> None:
    docs = [{"text": f"document {i} " + "word " * (i % 50)} for i in range(3000)]
    path = write_shard(tmp_path / "in" / "a.jsonl.gz", docs)
    path.write_bytes(path.read_bytes()[: int(path.stat().st_size * 0.6)])
    stats = _balance(_run(tmp_path), len(docs))
    (entry,) = stats["quarantine"]
    assert entry["reason"] == "truncated_stream" and entry["docs"] is None
    assert entry["offset"] > 0 and "cannot be counted" in entry["error"]
    kept = [r["id"] for r in _rows(tmp_path / "o" / "data")]
    n = stats["docs_read"]
    assert n >= 1500  # 60% of the stream: the documents before the break, minus a line
    assert kept == [f"a.jsonl.gz:{i}" for i in range(n)]
    assert entry["line"] == n + 1


def _corrupt_row_group(path: Path, group: int) -> None:
    col = pq.ParquetFile(path).metadata.row_group(group).column(0)
    start = col.dictionary_page_offset or col.data_page_offset
    data = bytearray(path.read_bytes())
    data[start : start + col.total_compressed_size] = b"\xff" * col.total_compressed_size
    path.write_bytes(bytes(data))


def test_one_corrupt_parquet_row_group_sets_aside_that_group_only(tmp_path: Path) -> None:
    path = tmp_path / "in" / "b.parquet"
    path.parent.mkdir()
    docs = [{"text": f"doc {i} some words"} for i in range(50)]
    pq.write_table(pa.Table.from_pylist(docs), path, row_group_size=10)
    _corrupt_row_group(path, 2)
    stats = _balance(_run(tmp_path), len(docs))
    assert stats["stages"]["input"]["removed_by_reason"] == {"bad_row_group": 10}
    assert [(e["row_group"], e["docs"]) for e in stats["quarantine"]] == [(2, 10)]
    kept = sorted(_rows(tmp_path / "o" / "data"), key=lambda r: int(r["id"].split(":")[1]))
    # ids are the file's own row positions: rows after the bad group keep theirs
    assert [r["id"] for r in kept] == [f"b.parquet:{i}" for i in range(50) if not 20 <= i < 30]
    assert all(r["text"] == f"doc {r['id'].split(':')[1]} some words" for r in kept)


def test_a_jsonl_field_whose_type_changes_mid_file_sets_aside_only_those_records(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    docs: list[dict] = [{"text": f"doc {i} words", "meta": i} for i in range(30)]
    docs[12]["meta"] = "twelve"
    docs[25]["meta"] = [25]
    write_shard(tmp_path / "in" / "a.jsonl", docs)
    stats = _balance(_run(tmp_path), len(docs))
    assert [(e["line"], e["docs"], e["reason"]) for e in stats["quarantine"]] == [
        (13, 1, "bad_record"),
        (26, 1, "bad_record"),
    ]
    kept = _rows(tmp_path / "o" / "data")
    assert [r["id"] for r in kept] == [f"a.jsonl:{i}" for i in range(30) if i not in (12, 25)]
    assert {type(r["meta"]) for r in kept} == {int}
    shutil.rmtree(tmp_path / "o")
    assert "a.jsonl:13" in _cli_error(tmp_path, capsys, {**FAIL_RECIPE, "run": {"batch_size": 8}})


@pytest.mark.parametrize("name", ["t.parquet", "t.arrow"])
def test_invalid_utf8_in_a_binary_text_column_sets_aside_only_that_row(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    texts = [f"doc {i} words".encode() for i in range(20)]
    texts[5] = b"bad \xff byte"
    table = pa.table({"text": pa.array(texts, pa.binary())})
    (tmp_path / "in").mkdir()
    if name.endswith(".parquet"):
        pq.write_table(table, tmp_path / "in" / name)
    else:
        feather.write_feather(table, tmp_path / "in" / name, compression="uncompressed")
    stats = _balance(_run(tmp_path), len(texts))
    assert stats["stages"]["input"]["removed_by_reason"] == {"bad_utf8": 1}
    assert [(e["row"], e["docs"]) for e in stats["quarantine"]] == [(5, 1)]
    kept = [r["id"] for r in _rows(tmp_path / "o" / "data")]
    assert kept == [f"{name}:{i}" for i in range(20) if i != 5]
    shutil.rmtree(tmp_path / "o")
    assert "row 5" in _cli_error(tmp_path, capsys, FAIL_RECIPE)


def test_a_bad_jsonl_line_does_not_shift_the_ids_of_the_records_after_it(
    tmp_path: Path,
) -> None:
    path = write_shard(tmp_path / "in" / "a.jsonl", [{"text": f"doc {i}"} for i in range(6)])
    _with_bad_lines(path, {2: b'{"text": broken'})
    _balance(_run(tmp_path), 6)
    kept = [r["id"] for r in _rows(tmp_path / "o" / "data")]
    assert kept == ["a.jsonl:0", "a.jsonl:1", "a.jsonl:3", "a.jsonl:4", "a.jsonl:5"]


# -- a record without text is a bad record, never skipped ------------------------------


def test_a_record_without_the_text_field_late_in_a_file_is_a_counted_bad_record(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    docs: list[dict] = [{"text": f"doc {i} words"} for i in range(2100)]
    docs[10] = {"text": None}  # present but null: a document, removed as null_text
    docs[2050] = {"body": "no text field"}
    write_shard(tmp_path / "in" / "a.jsonl", docs)
    stats = _balance(_run(tmp_path), len(docs))
    assert stats["stages"]["input"]["removed_by_reason"] == {"missing_text": 1, "null_text": 1}
    assert [(e["line"], e["reason"]) for e in stats["quarantine"]] == [(2051, "missing_text")]
    shutil.rmtree(tmp_path / "o")
    err = _cli_error(tmp_path, capsys, FAIL_RECIPE)
    assert "a.jsonl:2051" in err and "'text'" in err


def test_a_utf8_bom_at_the_start_of_a_jsonl_file_is_accepted(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    lines = "".join(json.dumps({"text": f"doc {i} words"}) + "\n" for i in range(3))
    (tmp_path / "in" / "a.jsonl").write_bytes(b"\xef\xbb\xbf" + lines.encode())
    stats = _balance(_run(tmp_path, on_error="fail"), 3)
    assert stats["docs_out"] == 3


# -- one-line errors instead of tracebacks --------------------------------------------


@pytest.mark.parametrize(
    ("column", "values", "message"),
    [
        ("text", [["a", "b"], ["c"]], "column 'text' holds list<"),
        ("text", [1, 2], "column 'text' holds int64 values, not text"),
        ("id", [["a"], ["b"]], "id column 'id' holds list<"),
        ("lang", [1, 2], "column 'lang' holds int64 values"),
    ],
    ids=["list-text", "int-text", "list-id", "int-lang"],
)
def test_a_column_of_the_wrong_type_is_a_one_line_input_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], column: str, values: list, message: str
) -> None:
    data: dict[str, list] = {"text": ["one two", "three four"], column: values}
    write_shard(
        tmp_path / "in" / "a.parquet",
        [dict(zip(data, row, strict=True)) for row in zip(*data.values(), strict=True)],
    )
    err = _cli_error(tmp_path, capsys, FAIL_RECIPE)
    assert "a.parquet" in err and message in err
    if column == "lang":
        assert "rename or drop the column" in err


def test_a_lone_surrogate_in_jsonl_text_is_a_bad_record(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_shard(tmp_path / "in" / "a.jsonl", [{"text": f"doc {i}"} for i in range(4)])
    _with_bad_lines(
        path, {1: b'{"text": "broken \\ud83d emoji"}', 2: b'{"text": "ok \\ud83d\\ude00"}'}
    )
    err = _cli_error(tmp_path, capsys, FAIL_RECIPE)
    assert "a.jsonl:2" in err and "surrogate" in err
    stats = _balance(_run(tmp_path), 4)
    assert [(e["line"], e["reason"]) for e in stats["quarantine"]] == [(2, "bad_record")]
    assert "ok \U0001f600" in [r["text"] for r in _rows(tmp_path / "o" / "data")]


def test_a_dangling_symlink_among_inputs_is_set_aside_in_quarantine_mode(
    tmp_path: Path,
) -> None:
    write_shard(tmp_path / "in" / "a.jsonl", [{"text": f"doc {i}"} for i in range(3)])
    (tmp_path / "in" / "b.jsonl").symlink_to(tmp_path / "nowhere.jsonl")
    stats = _balance(_run(tmp_path), 3)
    assert [(e["file"], e["line"], e["docs"], e["reason"]) for e in stats["quarantine"]] == [
        ("b.jsonl", None, None, "bad_file")
    ]
    assert stats["docs_out"] == 3


def test_a_whole_file_set_aside_is_counted_by_its_metadata_row_count(tmp_path: Path) -> None:
    write_shard(tmp_path / "in" / "a.jsonl", [{"text": f"doc {i}"} for i in range(3)])
    write_shard(tmp_path / "in" / "b.parquet", [{"text": i} for i in range(7)])
    stats = _balance(_run(tmp_path), 10)
    (entry,) = stats["quarantine"]
    assert (entry["file"], entry["docs"], entry["reason"]) == ("b.parquet", 7, "bad_file")
    assert "holds int64 values, not text" in entry["error"]
    assert stats["stages"]["input"]["removed_by_reason"] == {"bad_file": 7}
