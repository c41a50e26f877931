"""A stage from a separately installed package is found by name (entry points).

``dataprep-example-plugin`` (next to this file) declares ``example_shout_v1`` in the
``dataprep.stages`` entry-point group. The test installs it, as a user would, into a
throwaway venv that sees this environment's packages (dataprep included, however it
was installed: editable in CI's ``.venv-ci``), then runs the CLI with that venv's
Python. This environment never sees the plugin.
"""

from __future__ import annotations

import json
import shutil
import site
import subprocess
import venv
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from dataprep.recipe import registry

PLUGIN = Path(__file__).resolve().parent / "dataprep-example-plugin"


def _builds_wheels_offline() -> bool:
    """Whether this environment can build the plugin without fetching setuptools:
    setuptools >= 70.1 has ``bdist_wheel``; older ones need the ``wheel`` package."""
    import importlib.util

    return importlib.util.find_spec("setuptools") is not None and (
        importlib.util.find_spec("setuptools.command.bdist_wheel") is not None
        or importlib.util.find_spec("wheel") is not None
    )


def _venv_with_plugin(root: Path) -> Path:
    """A venv in ``root`` whose Python sees our site-packages and has the plugin."""
    env_dir = root / "venv"
    venv.EnvBuilder(system_site_packages=True, with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    child_site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    # addsitedir (not a bare path) also runs our .pth files, e.g. an editable install's.
    parents = [p for p in site.getsitepackages() if Path(p).is_dir()]
    lines = "".join(f"import site; site.addsitedir({p!r})\n" for p in parents)
    (Path(child_site) / "_parent_env.pth").write_text(lines)
    source = root / "plugin-src"  # pip builds in the source tree: keep ours clean
    shutil.copytree(PLUGIN, source)
    # Offline when we can build wheels; else pip fetches setuptools for an isolated
    # build from the configured index (CI has one).
    offline = ["--no-build-isolation", "--no-index"] if _builds_wheels_offline() else []
    done = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--no-deps", *offline, str(source)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, f"installing the example plugin failed:\n{done.stderr}"
    return python


def _dataprep(python: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(python), "-m", "dataprep", *args], capture_output=True, text=True, timeout=300
    )


@pytest.mark.slow
def test_an_installed_plugin_stage_runs_from_the_cli_by_its_registered_name(
    tmp_path: Path,
) -> None:
    python = _venv_with_plugin(tmp_path)
    inp = tmp_path / "in"
    inp.mkdir()
    docs = [{"id": "a", "text": "hello world"}, {"id": "b", "text": "hi"}]
    (inp / "docs.jsonl").write_text("".join(json.dumps(d) + "\n" for d in docs))
    recipe = tmp_path / "recipe.yaml"
    recipe.write_text("stages:\n  - stage: example_shout_v1\n    min_chars: 3\n")
    out = tmp_path / "out"

    done = _dataprep(python, "run", str(recipe), "-i", str(inp), "-o", str(out))

    assert done.returncode == 0, done.stderr
    kept = pq.read_table(out / "data").to_pylist()
    assert [(d["id"], d["text"]) for d in kept] == [("a", "HELLO WORLD")]
    stats = json.loads((out / "stats.json").read_text())
    assert stats["stages"]["example_shout_v1"]["docs_removed"] == 1

    listing = _dataprep(python, "stages")
    assert listing.returncode == 0, listing.stderr
    line = next(x for x in listing.stdout.splitlines() if x.startswith("example_shout_v1"))
    assert line.split()[1:3] == ["batch", "dataprep-example-plugin"]
    assert not registry.has("example_shout_v1")  # only the throwaway venv has it
