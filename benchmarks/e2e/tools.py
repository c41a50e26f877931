"""Running each tool as a measured child process, and the peer's venv."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import yaml
from measure import Measured, run_measured

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
RECIPE = HERE / "web-en-equiv.yaml"
DT_PACKAGES = [
    "datatrove==0.10.1",
    "spacy",
    "regex",
    "tokenizers",
    "xxhash<4",  # datatrove passes str to xxhash
    "fasttext-numpy2-wheel",  # what LanguageFilter asks for; fasttext-wheel fails on numpy 2
    "fasteners",
    "pyarrow",  # ParquetReader / ParquetWriter
]
PLOT_VENV = Path("/tmp/e2e-plot-venv")
# dataprep runs from its own venv too: `pip install -e <repo>` with no extras, what a
# user installs (no pandas, which pyarrow would import in every process: ~0.3 s each)
DATAPREP_VENV = Path("/tmp/e2e-dataprep-venv")


def lid_model() -> Path:
    """The ``lid.176.ftz`` shipped with dataprep (its default model)."""
    return ROOT / "dataprep" / "langid" / "models" / "lid.176.ftz"


def ensure_venv(venv: Path, packages: list[str], probe: str) -> Path:
    """Create ``venv`` with ``packages`` unless ``python -c probe`` already works there."""
    py = venv / "bin" / "python"
    if py.exists() and subprocess.run([str(py), "-c", probe], capture_output=True).returncode == 0:
        return py
    if not py.exists():
        subprocess.run(["python3", "-m", "venv", str(venv)], check=True)
    print(f"installing {' '.join(packages)} into {venv} ...", flush=True)
    subprocess.run([str(py), "-m", "pip", "install", "-q", *packages], check=True)
    return py


@functools.cache
def dataprep_python() -> Path:
    return ensure_venv(DATAPREP_VENV, ["-e", str(ROOT)], "import dataprep.cli, fasttext")


def datatrove_python(venv: Path) -> Path:
    probe = "import datatrove, spacy, fasttext, fasteners, pyarrow, xxhash"
    return ensure_venv(venv, DT_PACKAGES, probe)


def recipe_with(stages: int | None, folder: Path, base: Path = RECIPE) -> Path:
    """``base`` cut to its first ``stages`` stages (all when None), written under ``folder``."""
    if stages is None:
        return base
    data = yaml.safe_load(base.read_text(encoding="utf-8"))
    data["stages"] = data["stages"][:stages]
    data["name"] = f"{data['name']}-first{stages}"
    path = folder / f"{base.stem}-first{stages}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def run_dataprep(
    recipe: Path, inputs: list[Path], out: Path, cores: int
) -> tuple[Measured, dict[str, Any]]:
    import json

    shutil.rmtree(out, ignore_errors=True)
    cmd = [str(dataprep_python()), "-m", "dataprep", "run", str(recipe), "-o", str(out)]
    cmd += [a for p in inputs for a in ("-i", str(p))]
    cmd += ["-j", str(cores), "--no-progress", "--quiet"]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    m = run_measured(cmd, log=out.with_suffix(".log"), env=env)
    stats = json.loads((out / "stats.json").read_text(encoding="utf-8"))
    return m, stats


def run_datatrove(
    py: Path, inputs: Path, work: Path, cores: int, tasks: int
) -> tuple[Measured, dict[str, Any]]:
    import json

    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    cmd = [str(py), str(HERE / "dt_pipeline.py"), "--input", str(inputs), "--work", str(work)]
    cmd += ["--tasks", str(tasks), "--workers", str(cores), "--model", str(lid_model())]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    m = run_measured(cmd, log=work.with_suffix(".log"), env=env)
    return m, json.loads((work / "result.json").read_text(encoding="utf-8"))
