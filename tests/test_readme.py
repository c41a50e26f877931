"""The README's promises: its Python examples run and its commands exist."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from dataprep.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
PY_BLOCKS = re.findall(r"```python\n(.*?)```", README, flags=re.S)


def test_readme_has_exactly_two_setup_commands() -> None:
    bash_blocks = re.findall(r"```bash\n(.*?)```", README, flags=re.S)
    quick = [b for b in bash_blocks if "python3 -m venv" in b]
    assert len(quick) == 2
    assert "dataprep run multilingual" in quick[0]
    assert "pytest" in quick[1]


@pytest.mark.parametrize("index", range(len(PY_BLOCKS)))
def test_python_examples_run(index: int, tmp_path: Path) -> None:
    for module in re.findall(r"^import (datasets|polars)\b", PY_BLOCKS[index], flags=re.M):
        pytest.importorskip(module, reason=f"{module} is in the dev extra: pip install -e '.[dev]'")
    script = tmp_path / "example.py"
    script.write_text(PY_BLOCKS[index], encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    expected = re.findall(r"print\(.*?\)\s*#\s*(.+)", PY_BLOCKS[index])
    for value in expected:
        assert value.strip() in proc.stdout


def test_every_documented_command_exists() -> None:
    documented = set(re.findall(r"`dataprep (\w[\w-]*)", README))
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    assert documented <= set(sub.choices), documented - set(sub.choices)


def test_yaml_recipe_examples_validate() -> None:
    import yaml

    from dataprep.recipe.config import parse_recipe

    blocks = re.findall(r"```yaml\n(.*?)```", README, flags=re.S)
    assert blocks
    for block in blocks:
        assert parse_recipe(yaml.safe_load(block)).stages


def test_inspect_example_names_a_real_stage(tmp_path: Path) -> None:
    """The quick start's inspect command works on the default recipe's output."""
    from dataprep.recipe.config import load_recipe

    stages = {s.name for s in load_recipe("multilingual").stages}
    for name in re.findall(r"dataprep inspect out --stage (\S+)", README):
        assert name in stages


def test_test_folders_do_not_shadow_importable_packages() -> None:
    """tests/ is on sys.path: a test folder named like a package (``filters``, ``ray``)
    imports as an empty namespace package under the plain ``pytest`` command."""
    from importlib.metadata import packages_distributions

    taken = {"dataprep", "filters", "pipelines", *packages_distributions()}
    folders = {f.name for f in (ROOT / "tests").iterdir() if f.is_dir()}
    assert not folders & taken
