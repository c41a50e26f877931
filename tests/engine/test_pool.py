"""Worker pools: started early by the CLI, reused by the executor, never left behind."""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

import pid_stage  # noqa: F401  (registers toy_pid_v0; this folder is on sys.path)
import pyarrow.parquet as pq
import pytest

from dataprep.cli import _early_pool
from dataprep.engine.driver import make_executor, run_pipeline
from dataprep.engine.executors.base import available_cores
from dataprep.engine.executors.pool import WorkerPool
from dataprep.errors import ConfigError
from dataprep.recipe.config import parse_recipe

TESTS = Path(__file__).resolve().parents[1]
AUTO = available_cores() if available_cores() > 1 else None


def args(**kw: Any) -> argparse.Namespace:
    base = {"executor": "local", "workers": None}
    return argparse.Namespace(**{**base, **kw})


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def run_recording_pids(corpus: Path, out: Path, workers: int, pool: WorkerPool) -> set[int]:
    """Run a recipe over the four-shard corpus; the pids of the processes that ran jobs."""
    seen = out.parent / f"{out.name}-pids"
    seen.mkdir()
    recipe = parse_recipe({"stages": [{"stage": "toy_pid_v0", "folder": str(seen)}]})
    run_pipeline(recipe, [str(corpus)], out, workers=workers, progress=False, pool=pool)
    return {int(p.name) for p in seen.iterdir()}


@pytest.mark.parametrize(
    ("cli", "recipe", "expected"),
    [
        ({"workers": 2}, {}, 2),
        ({"workers": 1}, {"run": {"workers": 4}}, None),  # inline: no processes
        ({}, {"run": {"workers": 2}}, 2),
        ({}, {}, AUTO),
        ({}, {"run": {"workers": "many"}}, None),  # left to the recipe check
        ({}, {"run": {"workers": -1}}, None),
        ({"workers": -1}, {}, None),  # left to the run: a one-line config error
        ({"executor": "ray", "workers": 2}, {}, None),
        ({}, ["not", "a", "mapping"], AUTO),
    ],
)
def test_early_pool_size(cli: dict[str, Any], recipe: Any, expected: int | None) -> None:
    pool = _early_pool(args(**cli), recipe)
    try:
        assert (pool.workers if pool is not None else None) == expected
    finally:
        if pool is not None:
            pool.close()


def test_a_started_pool_has_all_its_workers_running_the_jobs() -> None:
    with WorkerPool(2).start() as pool:
        pids = pool.pids
        assert len(set(pids)) == 2 and all(alive(p) for p in pids)  # all spawned now
        ran = {pool.submit(os.getpid).result(timeout=60) for _ in range(8)}
        assert ran <= set(pids) and os.getpid() not in ran
    assert not any(alive(p) for p in pids)


def test_closing_twice_and_after_interrupt_is_safe_and_leaves_no_process() -> None:
    pool = WorkerPool(2).start()
    pids = pool.pids
    pool.close(interrupted=True)
    pool.close(interrupted=True)
    pool.close()
    assert not any(alive(p) for p in pids)


def test_leaving_a_pool_on_an_error_stops_its_workers() -> None:
    with pytest.raises(KeyboardInterrupt), WorkerPool(2).start() as pool:
        pids = pool.pids
        pool.submit(time.sleep, 30)
        raise KeyboardInterrupt
    assert not any(alive(p) for p in pids)


@pytest.mark.parametrize(
    ("size", "workers", "claimed"), [(3, 2, True), (2, 2, True), (2, 3, False), (2, 1, False)]
)
def test_a_pool_serves_a_run_only_with_enough_workers_else_stops_at_once(
    size: int, workers: int, claimed: bool
) -> None:
    pool = WorkerPool(size).start()
    pids = pool.pids
    got = pool.claim(workers)
    assert (got is pool) == claimed
    # claimed: every worker still runs; refused: none is left
    assert all(alive(p) for p in pids) == claimed == any(alive(p) for p in pids)
    pool.close()


def test_the_run_uses_a_big_enough_early_pool_and_stops_it(corpus: Path, tmp_path: Path) -> None:
    pool = WorkerPool(3).start()
    early = set(pool.pids)
    ran = run_recording_pids(corpus, tmp_path / "out", 2, pool)
    assert ran and ran <= early
    assert not any(alive(p) for p in early)


def test_the_run_replaces_a_too_small_early_pool(corpus: Path, tmp_path: Path) -> None:
    pool = WorkerPool(2).start()
    early = set(pool.pids)
    ran = run_recording_pids(corpus, tmp_path / "out", 3, pool)
    assert ran and not ran & early and os.getpid() not in ran
    assert not any(alive(p) for p in early | ran)


def test_one_worker_runs_inline_and_stops_the_early_pool(corpus: Path, tmp_path: Path) -> None:
    pool = WorkerPool(2).start()
    early = set(pool.pids)
    assert run_recording_pids(corpus, tmp_path / "out", 1, pool) == {os.getpid()}
    assert not any(alive(p) for p in early)


def test_the_ray_executor_stops_an_early_pool_at_once() -> None:
    pool = WorkerPool(2).start()
    early = pool.pids
    with contextlib.suppress(ConfigError):  # Ray not installed: the pool is stopped all the same
        make_executor("ray", 2, [], None, pool)
    assert not any(alive(p) for p in early)


def test_a_killed_worker_is_named_with_its_signal() -> None:
    with WorkerPool(2).start() as pool:
        victim = pool.pids[0]
        os.kill(victim, signal.SIGKILL)
        with pytest.raises(BrokenProcessPool):
            pool.submit(time.sleep, 5).result(timeout=60)
        assert pool.death() == (
            f"worker process {victim} died (killed by signal 9 (SIGKILL), out of memory?)"
        )


def _processes_with_marker(marker: str) -> list[int]:
    found = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit() and int(d.name) != os.getpid():
            try:
                if marker.encode() in (d / "environ").read_bytes():
                    found.append(int(d.name))
            except OSError:
                continue
    return found


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc")
def test_a_recipe_error_after_the_early_start_leaves_no_worker_behind(tmp_path: Path) -> None:
    recipe = tmp_path / "bad.yaml"
    recipe.write_text("stages:\n  - stage: gopher_qualty_v1\n", encoding="utf-8")
    marker = f"DP_TEST_MARK={uuid.uuid4()}"
    key, value = marker.split("=")
    env = {**os.environ, "PYTHONPATH": f"{TESTS.parent}", key: value}
    cmd = [sys.executable, "-m", "dataprep", "run", str(recipe), "-o", str(tmp_path / "o")]
    p = subprocess.run([*cmd, "-j", "2"], env=env, capture_output=True, text=True, timeout=120)
    assert p.returncode == 2
    assert "did you mean 'gopher_quality_v1'" in p.stderr
    assert len(p.stderr.strip().splitlines()) == 1
    time.sleep(0.5)
    assert _processes_with_marker(marker) == []
    assert not (tmp_path / "o").exists()


def test_a_killed_worker_is_one_line_exit_6_and_resume_completes_the_run(
    corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from dataprep.cli import main

    marker = tmp_path / "kill-a-worker"
    marker.touch()
    recipe = tmp_path / "die.yaml"
    recipe.write_text(
        "run: {batch_size: 4}\n"
        f"stages:\n  - stage: toy_die_v0\n    marker: '{marker}'\n"
        "  - stage: toy_min_words_v0\n    min_words: 2\n"
    )

    def run(out: Path, *extra: str) -> int:
        argv = ["run", str(recipe), "-i", str(corpus), "-o", str(out), "-j", "2"]
        return main([*argv, "--no-progress", "-q", *extra])

    out = tmp_path / "out"
    assert run(out) == 6
    err = capsys.readouterr().err.strip().splitlines()
    assert not any("Traceback" in line for line in err), err
    lines = [line for line in err if line.startswith("dataprep: error:")]
    assert len(lines) == 1, err
    assert "worker process" in lines[0] and "signal 9" in lines[0] and "--resume" in lines[0]
    marker.unlink()
    assert run(out, "--resume") == 0
    assert run(tmp_path / "fresh") == 0
    for folder in ("data", "removed"):
        resumed = sorted(p.relative_to(out) for p in (out / folder).rglob("*") if p.is_file())
        fresh = sorted(
            p.relative_to(tmp_path / "fresh")
            for p in (tmp_path / "fresh" / folder).rglob("*")
            if p.is_file()
        )
        assert resumed == fresh
        for rel in resumed:
            assert pq.read_table(out / rel).equals(pq.read_table(tmp_path / "fresh" / rel))
