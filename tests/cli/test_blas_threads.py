"""The command asks numpy's BLAS for one thread: its spinning threads cost a core."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

_PROBE = """
import contextlib, os, sys
from dataprep.cli import main
with contextlib.suppress(SystemExit):
    main(["--help"])
import numpy
print(len(os.listdir("/proc/self/task")), os.environ.get("OPENBLAS_NUM_THREADS"))
"""

pytestmark = pytest.mark.skipif(
    not os.path.isdir("/proc/self/task") or (os.cpu_count() or 1) < 2,
    reason="counts the process's threads in /proc on a machine with 2+ cores",
)


def _threads_after_main(env_value: str | None) -> tuple[int, str]:
    unset = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")
    env = {k: v for k, v in os.environ.items() if k not in unset}
    if env_value is not None:
        env["OPENBLAS_NUM_THREADS"] = env_value
    out = subprocess.run(
        [sys.executable, "-c", _PROBE], env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    return int(out[-2]), out[-1]


def test_numpy_imported_after_the_command_starts_has_no_blas_threads() -> None:
    threads, setting = _threads_after_main(None)
    assert setting == "1"
    assert threads == 1  # the main thread only; OpenBLAS would start one per core


def test_a_users_own_thread_count_is_kept() -> None:
    threads, setting = _threads_after_main("2")
    assert setting == "2"
    assert threads == 2
