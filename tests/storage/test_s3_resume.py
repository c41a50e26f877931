"""kill -9 of a run writing to S3, then ``--resume``: the bytes of an uninterrupted local run.

The approach of ``tests/engine/test_reliability.py``: the real CLI in a subprocess
(real signals, real worker processes), killed after a chosen number of completion
records, here counted in the local staging folder (``--work-dir``). Every object
visible in the bucket at the moment of the kill must be whole.
"""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from helpers import output_bytes

from conftest import S3
from corpus_helpers import make_docs, write_shard

TESTS = Path(__file__).resolve().parents[1]
RECIPE = """\
name: s3-resume
run: {batch_size: 50}
output: {max_shard_bytes: 20000}
stages:
  - stage: toy_upper_v0
  - stage: toy_min_words_v0
    min_words: 2
  - stage: toy_exact_dedup_v0
"""
SHARDS = 8


def cli(args: list[str]) -> subprocess.Popen[bytes]:
    """The CLI in a subprocess with the toy stages importable (environment inherited)."""
    code = "import sys, toy_stages; from dataprep.cli import main; sys.exit(main(sys.argv[1:]))"
    env = {**os.environ, "PYTHONPATH": f"{TESTS}{os.pathsep}{TESTS.parent}"}
    return subprocess.Popen(
        [sys.executable, "-c", code, *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def finish(p: subprocess.Popen[bytes], timeout: float = 300) -> tuple[int, str]:
    _, err = p.communicate(timeout=timeout)
    return p.returncode, err.decode()


def records(work: Path) -> int:
    return len(list(work.glob("_work/pass-*/done/*.json")))


def kill_after(p: subprocess.Popen[bytes], work: Path, n: int) -> None:
    """SIGKILL ``p`` once ``n`` more units are done, proving it was still running."""
    deadline = time.monotonic() + 120
    while not (work / "_work").exists() and p.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    target = records(work) + n
    while records(work) < target and p.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    assert p.poll() is None, "the run ended before the kill: the test proved nothing"
    p.kill()
    finish(p, 30)
    assert p.returncode == -signal.SIGKILL


def assert_objects_whole(s3: S3, key: str) -> None:
    """Every object under a final name in the bucket is complete (readable)."""
    fs = s3.fs()
    for obj in fs.find(f"{s3.bucket}/{key}"):
        if obj.endswith(".parquet"):
            pq.read_table(io.BytesIO(fs.cat_file(obj)))


@pytest.mark.slow
def test_sigkill_then_resume_into_s3_gives_the_bytes_of_a_local_run(s3: S3, tmp_path: Path) -> None:
    corpus = tmp_path / "in"
    for i in range(SHARDS):
        write_shard(
            corpus / f"s{i:02d}.{['jsonl', 'parquet'][i % 2]}", make_docs(400, start=i * 400)
        )
    recipe = tmp_path / "r.yaml"
    recipe.write_text(RECIPE)
    common = ["run", str(recipe), "-j", "2", "--no-progress", "-q"]
    ref = tmp_path / "ref"
    code, err = finish(cli([*common, "-i", str(corpus), "-o", str(ref)]))
    assert code == 0, err

    url = s3.upload(corpus, "crawl")
    work = tmp_path / "scratch"
    args = [*common, "-i", url, "-o", s3.url("clean"), "--work-dir", str(work)]
    kill_after(cli(args), work, 3)  # in pass 0
    assert_objects_whole(s3, "clean")
    kill_after(cli([*args, "--resume"]), work, SHARDS - 3 + 2)  # in pass 1
    assert_objects_whole(s3, "clean")
    code, err = finish(cli([*args, "--resume"]))
    assert code == 0, err
    assert output_bytes(s3.download("clean", tmp_path / "got")) == output_bytes(ref)
    assert not work.exists()
