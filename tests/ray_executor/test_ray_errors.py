"""The ray executor's user errors: fast, no Ray instance is started (Ray may be absent)."""

from __future__ import annotations

import importlib.util
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from cli_helpers import one_line_error

from corpus_helpers import write_shard
from dataprep.cli import main
from dataprep.engine.driver import run_pipeline
from dataprep.errors import ConfigError, InputError
from dataprep.recipe.config import parse_recipe

ROOT = Path(__file__).resolve().parents[2]
RECIPE = """\
name: toy
run: {batch_size: 4}
stages:
  - stage: toy_min_words_v0
    min_words: 2
"""


def test_executor_ray_without_ray_is_one_line_config_error(
    corpus: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # None in sys.modules makes `import ray` raise ModuleNotFoundError (name "ray"),
    # exactly what an environment without Ray gives.
    monkeypatch.setitem(sys.modules, "ray", None)
    recipe = tmp_path / "toy.yaml"
    recipe.write_text(RECIPE)
    out = tmp_path / "out"
    argv = ["run", str(recipe), "-i", str(corpus), "-o", str(out), "--no-progress"]
    assert main([*argv, "--executor", "ray"]) == ConfigError.exit_code
    line = one_line_error(capsys)
    assert "needs Ray" in line and "pip install 'dataprep[ray]'" in line
    assert not out.exists()


def test_ray_namespace_package_is_not_taken_for_ray(tmp_path: Path) -> None:
    """A bare ``ray/`` folder on sys.path (the old ``tests/ray`` folder was one) is not Ray.

    Run in a subprocess whose sys.path holds only that folder once dataprep is
    imported, so an installed Ray cannot be found and this process stays clean.
    """
    (tmp_path / "ray").mkdir()
    code = (
        "import sys\n"
        "from dataprep.errors import ConfigError\n"
        "from dataprep.engine.executors.ray import import_ray\n"
        f"sys.path[:] = [{str(tmp_path)!r}]\n"
        "try:\n"
        "    import_ray()\n"
        "except ConfigError as e:\n"
        "    print(e)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert "needs Ray" in out.stdout


def test_missing_text_column_same_error_as_local(tmp_path: Path) -> None:
    """Caught by the driver's preflight, before any Ray instance starts."""
    write_shard(tmp_path / "in" / "a.parquet", [{"body": "x"}])
    recipe = parse_recipe({"name": "t", "stages": [{"stage": "toy_min_words_v0"}]})
    errors = {}
    for kind in ("local", "ray"):
        out = tmp_path / f"out-{kind}"
        with pytest.raises(InputError) as info:
            run_pipeline(recipe, [str(tmp_path / "in")], out, progress=False, executor=kind)
        errors[kind] = (type(info.value), str(info.value))
        assert not out.exists()
    assert errors["ray"] == errors["local"]
    assert "no text column 'text'" in errors["ray"][1]


def test_importing_the_executor_does_not_import_ray() -> None:
    code = (
        "import sys, dataprep.engine.executors.ray, dataprep.engine.executors.ray_actor; "
        "print('ray' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"


@pytest.mark.skipif(
    getattr(importlib.util.find_spec("ray"), "origin", None) is None, reason="Ray is not installed"
)
def test_unreachable_cluster_address_is_a_quick_config_error() -> None:
    """``ray.init`` alone would retry for minutes; no Ray instance is started."""
    from dataprep.engine.executors.ray import RayExecutor

    with socket.socket() as s:  # a port nothing listens on once closed
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(
        ConfigError, match=f"cannot connect to the Ray cluster at '127.0.0.1:{port}'"
    ):
        RayExecutor(2, address=f"127.0.0.1:{port}").__enter__()


def test_a_lost_progress_actor_is_exit_6_with_resume_not_an_internal_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The progress actor may live on any node; losing its node ends the run as losing a
    shard's actor does (InfrastructureError: exit 6, "--resume"), not as a bug."""
    ray = pytest.importorskip("ray")
    from ray.exceptions import ActorUnavailableError

    from dataprep.engine.executors.ray import RayExecutor
    from dataprep.errors import InfrastructureError

    class Sink:
        class take:  # stands for the actor method handle
            @staticmethod
            def remote() -> object:
                return object()

    def lost(_ref: object) -> None:
        raise ActorUnavailableError("The actor is temporarily unavailable: RpcError", None)

    monkeypatch.setattr(ray, "get", lost)
    ex = RayExecutor.__new__(RayExecutor)
    ex._sink = Sink()
    ex._temp_dir = None
    with pytest.raises(InfrastructureError, match=r"progress died.*--resume") as e:
        ex._drain(lambda docs, nbytes: None)
    assert e.value.exit_code == 6
