"""What CLI tests share: the one-line error check, and the CLI in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent


def one_line_error(capsys: pytest.CaptureFixture[str]) -> str:
    """The single ``dataprep: error:`` line printed since the last read (asserted alone)."""
    err = capsys.readouterr().err.strip().splitlines()
    errors = [line for line in err if line.startswith("dataprep: error:")]
    assert len(errors) == 1, err
    assert not any("Traceback" in line for line in err)
    return errors[0]


def cli(args: list[str], *, env_extra: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    """Start the CLI in a subprocess (real signals and workers) with the toy stages importable."""
    code = "import sys, toy_stages; from dataprep.cli import main; sys.exit(main(sys.argv[1:]))"
    env = {**os.environ, "PYTHONPATH": f"{TESTS}{os.pathsep}{TESTS.parent}", **(env_extra or {})}
    return subprocess.Popen(
        [sys.executable, "-c", code, *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def finish(p: subprocess.Popen[bytes], timeout: float = 120) -> tuple[int, str]:
    """Wait for the process; its exit code and standard error."""
    _, err = p.communicate(timeout=timeout)
    return p.returncode, err.decode()
