"""Every ``dataprep`` command the README shows as an example runs, in the README's order.

Commands are taken from the README's code (fenced ``bash`` blocks and indented blocks):
lines starting with ``dataprep`` or ``.venv/bin/dataprep``. They run in-process in a
temporary folder where ``tests`` and ``dataprep`` point into this repository, so the
README's relative paths work. Training a classifier and running the recipe that uses it
run here too (the base install trains); Ray examples need a heavier set-up: they run in
the slow suite (``-m "slow or not slow"``).
"""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path

import pytest

from dataprep.cli import main

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def readme_commands() -> list[list[str]]:
    code = "\n".join(re.findall(r"```bash\n(.*?)```", README, flags=re.S))
    code += "\n" + "\n".join(re.findall(r"^    ( *\S.*)$", README, flags=re.M))
    commands = []
    for raw in code.replace("\\\n", " ").splitlines():
        line = raw.split(" # ")[0].strip()
        for part in line.split("&&"):
            words = shlex.split(part)
            if words and words[0] in ("dataprep", ".venv/bin/dataprep"):
                commands.append(words[1:])
    return commands


COMMANDS = readme_commands()
#: Examples that need a Ray cluster or a shared file system.
HEAVY = ("--executor",)


def test_the_readme_documents_commands_of_every_verb() -> None:
    verbs = {c[0] for c in COMMANDS}
    assert {"run", "stats", "inspect", "redecide", "report", "stages", "recipes"} <= verbs


def _expand(argv: list[str], cwd: Path) -> list[str]:
    """What the shell does to an unquoted glob."""
    out = []
    for a in argv:
        found = sorted(str(p.relative_to(cwd)) for p in cwd.glob(a)) if "*" in a else []
        out += found or [a]
    return out


def _run_all(tmp_path: Path, heavy: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("tests", "dataprep"):
        (tmp_path / name).symlink_to(ROOT / name)
    monkeypatch.chdir(tmp_path)
    for argv in COMMANDS:
        if any(h in argv for h in HEAVY) and not heavy:
            continue
        if "/shared/in" in argv:
            continue  # the cluster example's paths exist only on a cluster
        if any("://" in a for a in argv):
            continue  # buckets and the Hub need credentials (tests/storage runs such commands)
        argv = _expand(argv, tmp_path)
        if argv[0] == "run":
            argv = [*argv, "--no-progress", "-j", "1"]
        assert main(argv) == 0, argv


def test_every_readme_command_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _run_all(tmp_path, heavy=False, monkeypatch=monkeypatch)
    assert (tmp_path / "out" / "stats.json").is_file()
    assert (tmp_path / "compare.html").is_file()
    assert (tmp_path / "models" / "quality.bin.json").is_file()  # trained, not skipped
    assert (tmp_path / "out-quality" / "run.log").is_file()


@pytest.mark.slow
def test_every_readme_command_runs_including_ray(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RAY_ADDRESS", os.environ.get("RAY_ADDRESS", ""))
    _run_all(tmp_path, heavy=True, monkeypatch=monkeypatch)
