"""Fault injection: kills, SIGTERM, disk full, hash seeds, quarantine of bad input.

Each test drives the real CLI in a subprocess (so signals and worker processes are
real) over a corpus big enough that a run takes a few seconds.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import random
import signal
import subprocess
import time
import uuid
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from cli_helpers import cli, finish

from corpus_helpers import RECIPE, big_corpus, make_docs, write_shard
from dataprep.engine.driver import run_pipeline
from dataprep.errors import OutputError
from dataprep.io import writers
from dataprep.output.folder import LOCK_NAME
from dataprep.recipe.config import parse_recipe


def digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
        and p.name not in ("run.json", "run.log")
        and not p.name.startswith("report.")
    }


def assert_visible_files_complete(out: Path) -> None:
    """Every file under a final name is whole: parquet readable, JSON parseable."""
    for p in out.rglob("*"):
        if not p.is_file() or p.name.startswith(".") or "_work" in p.parts:
            continue
        if p.suffix == ".parquet":
            pq.read_table(p)
        elif p.suffix == ".json":
            json.loads(p.read_text())


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    tmp = tmp_path_factory.mktemp("rel")
    corpus = big_corpus(tmp / "in")
    recipe = tmp / "r.yaml"
    recipe.write_text(RECIPE)
    ref = tmp / "ref"
    p = cli(
        ["run", str(recipe), "-i", str(corpus), "-o", str(ref), "-j", "2", "--no-progress", "-q"]
    )
    code, err = finish(p)
    assert code == 0, err
    return corpus, recipe, ref


SHARD_PASSES = 12 * 2
"""Shard-pass completion records of a whole run: 12 shards, two passes (one global stage)."""
MARGIN = 4
"""Records still to come when a kill lands: two rounds of the two workers' shard passes,
so the run cannot finish between the last look and the kill."""


def _records(out: Path) -> int:
    return len(list(out.glob("_work/pass-*/done/*.json")))


def _underway(p: subprocess.Popen[bytes], out: Path) -> bool:
    """The run ``p`` holds the output's lock and has prepared ``_work/``: its passes run."""
    try:
        owner = json.loads((out / LOCK_NAME).read_text())
    except (OSError, ValueError):
        return False  # not locked yet, or by the run killed before (being rewritten)
    return owner.get("pid") == p.pid and (out / "_work").exists()


def _kill_mid_run(
    p: subprocess.Popen[bytes], out: Path, wait_for_records: int, then_sleep: float
) -> None:
    """SIGKILL ``p`` ``then_sleep`` seconds after it is underway and ``wait_for_records``
    more shard passes are done, and prove the kill landed before the run ended."""
    deadline = time.monotonic() + 60
    while not _underway(p, out) and p.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    target = _records(out) + wait_for_records
    while _records(out) < target and p.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    time.sleep(then_sleep)
    assert p.poll() is None, "the run ended before the kill: the test proved nothing"
    p.kill()
    finish(p, 30)
    assert p.returncode == -signal.SIGKILL
    assert not json.loads((out / "run.json").read_text()).get("finished")


def _kill_and_resume(setup: tuple[Path, Path, Path], tmp_path: Path, kills: int, seed: int) -> None:
    """Kill the run ``kills`` times at random points of its progress, then resume it.

    The points are counted in completed shard passes, not seconds: a run takes about
    a second of work here, so a random sleep would often land before the run started
    or after it ended, on a faster machine more so. Each kill waits for a random share
    of the records left, keeping ``MARGIN`` for the later kills' runs, then up to 30 ms
    more (a shard pass takes 50-100 ms here), so it lands anywhere within a pass.
    """
    corpus, recipe, ref = setup
    out = tmp_path / "out"
    rng = random.Random(seed)
    args = ["run", str(recipe), "-i", str(corpus), "-o", str(out), "-j", "2", "--no-progress", "-q"]
    for k in range(kills):
        p = cli(args + (["--resume"] if k else []))
        left = SHARD_PASSES - _records(out) - MARGIN
        _kill_mid_run(p, out, rng.randint(0, max(0, left // (kills - k))), rng.uniform(0, 0.03))
        assert_visible_files_complete(out)
    code, err = finish(cli([*args, "--resume"]))
    assert code == 0, err
    assert digest(out) == digest(ref)


def test_sigkill_then_resume_gives_identical_output(
    setup: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    _kill_and_resume(setup, tmp_path, kills=2, seed=1)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(4))
def test_many_sigkills_then_resume(
    setup: tuple[Path, Path, Path], tmp_path: Path, seed: int
) -> None:
    _kill_and_resume(setup, tmp_path, kills=5, seed=100 + seed)


def _processes_with_marker(marker: str) -> list[int]:
    found = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                if marker.encode() in (d / "environ").read_bytes():
                    found.append(int(d.name))
            except OSError:
                continue
    return found


def test_sigterm_stops_quickly_without_orphans_or_partial_files(
    setup: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    corpus, recipe, ref = setup
    out = tmp_path / "out"
    marker = f"DP_TEST_MARK={uuid.uuid4()}"
    key, value = marker.split("=")
    args = ["run", str(recipe), "-i", str(corpus), "-o", str(out), "-j", "2", "--no-progress", "-q"]
    p = cli(args, env_extra={key: value})
    deadline = time.monotonic() + 30
    while not (out / "_work").exists() and p.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)  # the run has prepared its output: its passes are starting
    time.sleep(0.3)
    p.send_signal(signal.SIGTERM)
    t0 = time.monotonic()
    code, err = finish(p, 30)
    assert time.monotonic() - t0 < 10
    if code == 0:
        pytest.skip("the run finished before SIGTERM arrived")
    assert code == 128 + signal.SIGTERM, err
    time.sleep(0.5)
    assert _processes_with_marker(marker) == []
    assert_visible_files_complete(out)
    assert not [q for q in out.rglob(".*.tmp")]
    assert finish(cli([*args, "--resume"]))[0] == 0
    assert digest(out) == digest(ref)


def test_output_is_identical_under_any_hash_seed(
    setup: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    corpus, recipe, ref = setup
    out = tmp_path / "out"
    p = cli(
        ["run", str(recipe), "-i", str(corpus), "-o", str(out), "-j", "1", "--no-progress", "-q"],
        env_extra={"PYTHONHASHSEED": "12345"},
    )
    assert finish(p)[0] == 0
    assert digest(out) == digest(ref)


def test_disk_full_leaves_no_visible_partial_output_and_resume_recovers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = big_corpus(tmp_path / "in", shards=4, docs=300)
    recipe = parse_recipe(
        {"run": {"batch_size": 50}, "stages": [{"stage": "toy_min_words_v0", "min_words": 2}]}
    )
    ref = tmp_path / "ref"
    run_pipeline(recipe, [str(corpus)], ref, workers=1, progress=False)
    real_flush = writers.PartWriter._flush
    calls = {"n": 0}

    def failing_flush(self: writers.PartWriter) -> None:
        calls["n"] += 1
        if calls["n"] == 5:
            raise OutputError(f"cannot write to {self.folder}: {os.strerror(errno.ENOSPC)}")
        real_flush(self)

    monkeypatch.setattr(writers.PartWriter, "_flush", failing_flush)
    out = tmp_path / "out"
    with pytest.raises(OutputError, match="No space left"):
        run_pipeline(recipe, [str(corpus)], out, workers=1, progress=False)
    assert_visible_files_complete(out)
    assert not list(out.rglob(".*.tmp"))
    assert not (out / "stats.json").exists()
    done = {p.name for p in out.glob("_work/pass-0/done/*.json")}
    data_shards = (
        {p.name[5:10] for p in (out / "data").glob("part-*")} if (out / "data").exists() else set()
    )
    assert data_shards == {n[:5] for n in done}, "only completed shards are visible"
    monkeypatch.setattr(writers.PartWriter, "_flush", real_flush)
    run_pipeline(recipe, [str(corpus)], out, workers=1, progress=False, resume=True)
    assert digest(out) == digest(ref)


def test_quarantine_sets_aside_bad_records_and_files_and_counts_balance(tmp_path: Path) -> None:
    root = tmp_path / "in"
    good = [{"text": f"words number {i} here"} for i in range(30)]
    write_shard(root / "a.jsonl", good)
    lines = (root / "a.jsonl").read_bytes().splitlines(keepends=True)
    lines[10] = b'{"text": "bad \xff byte"}\n'
    lines[20] = b'{"text": truncated\n'
    (root / "a.jsonl").write_bytes(b"".join(lines))
    write_shard(root / "b.parquet", good)
    (root / "c.parquet").write_bytes(b"PAR1 garbage")
    recipe = parse_recipe(
        {
            "input": {"on_error": "quarantine"},
            "stages": [{"stage": "toy_min_words_v0", "min_words": 2}],
        }
    )
    run_pipeline(recipe, [str(root)], tmp_path / "o", workers=1, progress=False)
    stats = json.loads((tmp_path / "o" / "stats.json").read_text())
    inp = stats["stages"]["input"]
    assert inp["docs_in"] == 60  # 30 + 30 lines read; the corrupt file's rows are unknown
    assert inp["removed_by_reason"] == {"bad_record": 2}
    assert stats["docs_out"] == 58
    entries = stats["quarantine"]
    assert [(e["file"], e["line"]) for e in entries] == [
        ("a.jsonl", 11),
        ("a.jsonl", 21),
        ("c.parquet", None),
    ]
    assert all(str(tmp_path) not in e["error"] for e in entries)


def test_input_change_refuses_resume(setup: tuple[Path, Path, Path], tmp_path: Path) -> None:
    _, recipe, _ = setup
    tmp_corpus = big_corpus(tmp_path / "in", shards=2, docs=20)
    out = tmp_path / "out"
    args = [
        "run",
        str(recipe),
        "-i",
        str(tmp_corpus),
        "-o",
        str(out),
        "-j",
        "1",
        "--no-progress",
        "-q",
    ]
    assert finish(cli(args))[0] == 0
    write_shard(tmp_corpus / "s00.jsonl", make_docs(21))
    code, err = finish(cli([*args, "--resume"]))
    assert code == 5
    assert "input files changed" in err
