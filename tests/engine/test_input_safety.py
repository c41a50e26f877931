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

import pyarrow.parquet as pq
import pytest

from corpus_helpers import write_shard
from dataprep.config import load_recipe, shipped_recipes
from dataprep.io.discover import discover, fingerprint, format_skipped, scan_inputs
from dataprep.io.readers import iter_raw_batches
from dataprep.runner import run_pipeline
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
