"""kill -9 of a run writing to S3, then ``--resume``: the bytes of an uninterrupted local run.

The approach of ``tests/engine/test_reliability.py``: the real CLI in a subprocess
(real signals, real worker processes), killed after a chosen number of completion
records, here counted in the local staging folder (``--work-dir``). Every object
visible in the bucket at the moment of the kill must be whole.
"""

from __future__ import annotations

import io
import signal
import subprocess
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from cli_helpers import cli, finish
from helpers import output_bytes
from s3_store import S3

from corpus_helpers import RECIPE, big_corpus

SHARDS = 8


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
    corpus = big_corpus(tmp_path / "in", shards=SHARDS)
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
    code, err = finish(cli([*args, "--resume"]), 300)
    assert code == 0, err
    assert output_bytes(s3.download("clean", tmp_path / "got")) == output_bytes(ref)
    assert not work.exists()
