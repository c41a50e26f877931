"""URLs and the remote output's lock, without running a recipe."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from s3_store import S3

from dataprep.errors import InputError, OutputError
from dataprep.io import storage
from dataprep.io.remote_output import LOCK_NAME, RemoteFolder, RemoteLock, staging_folder
from dataprep.output.folder import classify_names


@pytest.mark.parametrize(
    ("text", "url", "key", "name"),
    [
        ("s3://bucket/crawl/", "s3://bucket/crawl", "bucket/crawl", "crawl"),
        ("s3://bucket//crawl/./a.jsonl.gz", "s3://bucket/crawl/a.jsonl.gz", None, "a.jsonl.gz"),
        ("gs://b/x/y.parquet", "gs://b/x/y.parquet", "b/x/y.parquet", "y.parquet"),
        ("hf://datasets/o/n/data", "hf://datasets/o/n/data", "datasets/o/n/data", "data"),
    ],
)
def test_urls_parse_into_scheme_key_and_name(
    text: str, url: str, key: str | None, name: str
) -> None:
    path = storage.to_path(text)
    assert isinstance(path, storage.ObjectPath)
    assert (str(path), path.name) == (url, name)
    if key is not None:
        assert path.key == key


def test_local_paths_stay_paths() -> None:
    assert storage.to_path("corpus/a.jsonl") == Path("corpus/a.jsonl")
    assert storage.to_path("file:///data/a.jsonl") == Path("/data/a.jsonl")
    assert not storage.is_remote("C:/data") and storage.is_remote("s3://b/k")


def test_a_url_without_a_bucket_is_an_input_error() -> None:
    with pytest.raises(InputError, match="give a bucket"):
        storage.to_path("s3://")


def test_remote_names_are_classified_like_local_files() -> None:
    ours, unknown = classify_names(
        [
            "run.json",
            "stats.json",
            "data/part-00000-0000.parquet",
            "removed/gopher_v1/part-00001-0002-0000.parquet",
            "data/notes.txt",
            "mine.csv",
        ]
    )
    assert unknown == ["data/notes.txt", "mine.csv"]
    assert len(ours) == 4


def test_the_staging_folder_is_named_after_the_output_url(tmp_path: Path) -> None:
    a = storage.ObjectPath.parse("s3://b/clean")
    assert staging_folder(a, None) == staging_folder(a, None)
    assert staging_folder(a, None) != staging_folder(storage.ObjectPath.parse("s3://c/clean"), None)
    assert staging_folder(a, tmp_path / "w") == (tmp_path / "w").resolve()


def test_the_lock_object_is_exclusive_and_a_dead_local_owner_is_taken_over(s3: S3) -> None:
    folder = RemoteFolder(storage.ObjectPath.parse(s3.url("out")))
    lock = RemoteLock(folder).acquire()
    with pytest.raises(OutputError, match="in use by another dataprep run"):
        RemoteLock(folder).acquire()
    lock.release()
    assert folder.read(LOCK_NAME) is None
    # A lock left by a process that no longer exists on this machine is stale.
    import socket

    dead = {"pid": 2**22 + 12345, "host": socket.gethostname()}
    folder.write(LOCK_NAME, json.dumps(dead).encode())
    RemoteLock(folder).acquire().release()
    # One held from another machine is reported with its host, never taken.
    folder.write(LOCK_NAME, json.dumps({"pid": 1, "host": "elsewhere"}).encode())
    with pytest.raises(OutputError, match=r"PID 1 on elsewhere.*delete s3://"):
        RemoteLock(folder).acquire()


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ("{max_attempts: 0}", "max_attempts must be at least 1"),
        ("{retry_mode: fast}", "retry_mode must be legacy, standard or adaptive"),
        ("{max_concurrency: 0}", "max_concurrency must be at least 1"),
        ("{part_bytes: 1024}", "part_bytes must be between 5 MiB and 5 GiB"),
        ("{retries: 3}", "retries"),
    ],
)
def test_bad_storage_settings_are_config_errors(section: str, message: str) -> None:
    import yaml

    from dataprep.errors import ConfigError
    from dataprep.recipe.config import parse_recipe

    data = yaml.safe_load(f"name: x\nstorage: {section}\nstages: [exact_dedup_v1]\n")
    with pytest.raises(ConfigError, match=message):
        parse_recipe(data)


def test_unfinished_multipart_uploads_under_the_output_are_aborted_by_the_next_run(
    s3: S3, tmp_path: Path
) -> None:
    """A kill -9 during a multipart upload leaves its parts (invisible, billed)."""
    from dataprep.engine.driver import run_pipeline
    from dataprep.recipe.config import load_recipe
    from dataprep.sample_data import sample_path

    fs = s3.fs()
    for key in ("clean/data/part-00000-0000.parquet", "elsewhere/big.bin"):
        up = fs.call_s3("create_multipart_upload", Bucket=s3.bucket, Key=key)
        fs.call_s3(
            "upload_part",
            Bucket=s3.bucket,
            Key=key,
            UploadId=up["UploadId"],
            PartNumber=1,
            Body=b"x" * (5 << 20),
        )

    def unfinished() -> list[str]:
        page = fs.call_s3("list_multipart_uploads", Bucket=s3.bucket)
        return sorted(u["Key"] for u in page.get("Uploads") or [])

    assert len(unfinished()) == 2
    url = s3.upload(sample_path() / "shard-003.jsonl", "crawl/shard-003.jsonl")
    run_pipeline(load_recipe("dedup"), [url], s3.url("clean"), workers=1, progress=False)
    assert unfinished() == ["elsewhere/big.bin"]
