"""Worker pools: started early by the CLI, reused by the executor, never left behind."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from dataprep.cli import _early_pool
from dataprep.engine.executors.local import LocalExecutor
from dataprep.engine.executors.pool import WorkerPool, default_workers

TESTS = Path(__file__).resolve().parents[1]


def args(**kw: Any) -> argparse.Namespace:
    base = {"executor": "local", "workers": None}
    return argparse.Namespace(**{**base, **kw})


@pytest.mark.parametrize(
    ("cli", "recipe", "expected"),
    [
        ({"workers": 2}, {}, 2),
        ({"workers": 1}, {"run": {"workers": 4}}, None),  # inline: no processes
        ({}, {"run": {"workers": 2}}, 2),
        ({}, {}, default_workers() if default_workers() > 1 else None),
        ({}, {"run": {"workers": "many"}}, None),  # left to the recipe check
        ({}, {"run": {"workers": -1}}, None),
        ({"executor": "ray", "workers": 2}, {}, None),
        ({}, ["not", "a", "mapping"], default_workers() if default_workers() > 1 else None),
    ],
)
def test_early_pool_size(cli: dict[str, Any], recipe: Any, expected: int | None) -> None:
    pool = _early_pool(args(**cli), recipe)
    try:
        assert (pool.workers if pool is not None else None) == expected
    finally:
        if pool is not None:
            pool.close()


def test_executor_uses_a_big_enough_pool_and_replaces_a_small_one() -> None:
    big = WorkerPool(3).start()
    with LocalExecutor(2, pool=big) as ex:
        assert ex._pool is big
    assert big._closed
    small = WorkerPool(2).start()
    with LocalExecutor(3, pool=small) as ex:
        assert ex._pool is not small and ex._pool is not None and ex._pool.workers == 3
    assert small._closed
    inline = WorkerPool(2).start()
    with LocalExecutor(1, pool=inline) as ex:
        assert ex._pool is None
    assert inline._closed


def test_closing_twice_and_after_interrupt_is_safe() -> None:
    pool = WorkerPool(2).start()
    assert len(pool.executor._processes) == 2  # type: ignore[attr-defined]  # all spawned now
    pool.close(interrupted=True)
    pool.close(interrupted=True)
    pool.close()


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
