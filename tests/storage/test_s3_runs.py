"""Recipes read from and write to a real S3 server (moto, on 127.0.0.1) and give
byte for byte the output of the same run on a local disk."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import local_run, output_bytes
from s3_store import KEY_ID, S3

from corpus_helpers import write_shard
from dataprep.cli import main
from dataprep.engine.driver import run_pipeline
from dataprep.errors import OutputError
from dataprep.io import storage
from dataprep.io.discover import scan_inputs
from dataprep.recipe.config import load_recipe
from dataprep.sample_data import sample_path


def test_a_bucket_folder_and_a_glob_are_listed_like_local_folders(s3: S3, tmp_path: Path) -> None:
    url = s3.upload(sample_path(), "crawl")
    s3.fs().pipe_file(f"{s3.bucket}/crawl/_tmp/x.parquet", b"junk")
    s3.fs().pipe_file(f"{s3.bucket}/crawl/notes.txt", b"hello")
    local = scan_inputs([str(sample_path())]).shards
    found = scan_inputs([url + "/"])
    assert [s.name for s in found.shards] == [s.name for s in local]
    assert [str(s.path) for s in found.shards] == [f"{url}/{s.name}" for s in local]
    assert {(str(k.path).rsplit("/", 1)[1], k.reason.split(" (")[0]) for k in found.skipped} == {
        ("x.parquet", "hidden or temporary folder"),
        ("notes.txt", "unsupported file type"),
    }
    parquet = scan_inputs([f"{url}/*.parquet"]).shards
    assert [s.name for s in parquet] == [s.name for s in local if s.format == "parquet"]


def test_dedup_recipe_s3_to_s3_gives_the_bytes_of_a_local_run(s3: S3, tmp_path: Path) -> None:
    url = s3.upload(sample_path(), "crawl")
    args = ["-i", url, "-o", s3.url("clean"), "-j", "2", "-q", "--no-progress"]
    code = main(["run", "dedup", *args])
    assert code == 0
    got = s3.download("clean", tmp_path / "got")
    assert output_bytes(got) == output_bytes(local_run("dedup", tmp_path))
    assert (got / "report.html").is_file() and (got / "run.json").is_file()
    # The lock is gone; the staging folder is deleted after a finished run.
    assert ".dataprep.lock" not in {p.name for p in got.iterdir()}
    staging = storage.ObjectPath.parse(s3.url("clean"))
    from dataprep.io.remote_output import staging_folder

    assert not staging_folder(staging, None).exists()


def test_drifting_inputs_with_separate_signals_to_s3_give_the_bytes_of_a_local_run(
    s3: S3, tmp_path: Path
) -> None:
    """Parts rewritten to the output's one schema after their unit was published are
    published again; signals/ is published beside data/."""
    inp = tmp_path / "in"
    write_shard(inp / "a.jsonl", [{"id": f"a{i}", "text": f"alpha {i} " * 9} for i in range(9)])
    write_shard(inp / "b.jsonl", [{"id": f"b{i}", "text": f"beta {i} " * 9, "url": "u"}
                                  for i in range(9)])  # fmt: skip
    args = ["-i", str(inp), "-j", "1", "-q", "--no-progress", "--set", "output.signals=separate"]
    assert main(["run", "dedup", *args, "-o", s3.url("clean")]) == 0
    assert main(["run", "dedup", *args, "-o", str(tmp_path / "local")]) == 0
    got = output_bytes(s3.download("clean", tmp_path / "got"))
    assert got == output_bytes(tmp_path / "local")
    assert any(k.startswith("signals/") for k in got)


@pytest.mark.slow
def test_multilingual_recipe_s3_to_s3_gives_the_bytes_of_a_local_run(
    s3: S3, tmp_path: Path
) -> None:
    url = s3.upload(sample_path(), "crawl")
    work = tmp_path / "scratch"
    args = ["run", "multilingual", "-i", url, "-o", s3.url("clean"), "--work-dir", str(work)]
    assert main([*args, "-j", "2", "-q", "--no-progress"]) == 0
    got = s3.download("clean", tmp_path / "got")
    assert output_bytes(got) == output_bytes(local_run("multilingual", tmp_path))
    assert not work.exists()


def test_a_non_empty_bucket_folder_is_refused_and_overwrite_keeps_unknown_objects(
    s3: S3, tmp_path: Path
) -> None:
    url = s3.upload(sample_path() / "shard-003.jsonl", "crawl/one.jsonl")
    s3.fs().pipe_file(f"{s3.bucket}/clean/mine.txt", b"a user's file")
    with pytest.raises(OutputError, match="not empty"):
        run_pipeline(load_recipe("dedup"), [url], s3.url("clean"), workers=1, progress=False)
    with pytest.raises(OutputError, match="did not write"):
        run_pipeline(
            load_recipe("dedup"), [url], s3.url("clean"), workers=1, progress=False, overwrite=True
        )
    assert s3.fs().cat_file(f"{s3.bucket}/clean/mine.txt") == b"a user's file"


def test_an_input_inside_the_output_is_refused(s3: S3) -> None:
    url = s3.upload(sample_path() / "shard-003.jsonl", "clean/in/one.jsonl")
    with pytest.raises(OutputError, match="inside the output"):
        run_pipeline(load_recipe("dedup"), [url], s3.url("clean"), workers=1, progress=False)


def test_a_missing_cloud_package_is_a_one_line_error_naming_the_extra(s3: S3) -> None:
    """With ``s3fs`` not importable (as in a base install), ``s3://`` fails at once."""
    code = (
        "import sys; sys.modules['s3fs'] = None; from dataprep.cli import main; "
        f"sys.exit(main(['run', 'dedup', '-i', '{s3.url('crawl')}', '-o', 'unused']))"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert p.returncode == 2, p.stderr
    assert p.stderr.strip().splitlines() == [
        f"dataprep: error: {s3.url('crawl')}: reading s3:// needs s3fs: "
        "pip install 'dataprep[cloud]'"
    ]


def test_the_key_id_in_the_environment_is_used(s3: S3) -> None:
    """Credentials come from the standard chain (here AWS_ACCESS_KEY_ID/SECRET)."""
    assert storage.filesystem(storage.ObjectPath.parse(s3.url())).ls(s3.bucket) == []
    assert KEY_ID.startswith("AKIA")


def test_missing_credentials_are_a_one_line_error_naming_the_chain(s3: S3) -> None:
    """No key in the environment, no profile, no instance role: exit 2, one line."""
    url = s3.upload(sample_path() / "shard-003.jsonl", "crawl/shard-003.jsonl")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_ACCESS_KEY_ID")}
    env.pop("AWS_SECRET_ACCESS_KEY", None)
    env["AWS_EC2_METADATA_DISABLED"] = "true"
    argv = ["run", "dedup", "-i", url, "-o", "unused"]
    code = f"import sys; from dataprep.cli import main; sys.exit(main({argv!r}))"
    p = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env
    )
    assert p.returncode == 2, p.stderr
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"dataprep: error: {url}: no credentials")
    assert "AWS_PROFILE" in lines[0]
