"""A real two-node Ray cluster on this machine (``ray.cluster_utils.Cluster``: a head
and a second node, each with its own raylet and object store, 1 CPU each).

The multilingual recipe run by the CLI against the cluster's address gives the same
bytes as the local executor, its partitioned fits included (their tasks run in the
actors on both nodes). Killing the second node while a fit runs ends the run with
exit 6 (infrastructure); after a node joins again, ``--resume`` completes the run
with the same bytes.

Slow: starting the cluster takes ~5-10 s here, each run ~10 s.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.slow

ray = pytest.importorskip("ray")
cluster_utils = pytest.importorskip("ray.cluster_utils")

ROOT = Path(__file__).resolve().parents[2]
NODE = {"num_cpus": 1, "object_store_memory": 80 * 1024 * 1024}


def _recipe(tmp: Path) -> Path:
    """The shipped multilingual recipe with small work units (more fit tasks per step)."""
    text = (ROOT / "pipelines" / "multilingual.yaml").read_text()
    path = tmp / "multilingual-units.yaml"
    path.write_text(text.replace("  batch_size: 1024\n", "  batch_size: 256\n  unit_bytes: 2048\n"))
    return path


def _digest(out: Path) -> dict[str, str]:
    files = [out / "stats.json", *sorted((out / "data").rglob("*")), *(out / "removed").rglob("*")]
    return {
        str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(files)
        if p.is_file()
    }


def _cli(*args: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    return subprocess.Popen(
        [sys.executable, "-m", "dataprep", "run", *args, "--no-progress", "-q"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    # The nodes are started from this process: they inherit PYTHONPATH, so the
    # actors import this checkout of dataprep.
    os.environ["PYTHONPATH"] = f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"
    c = cluster_utils.Cluster(initialize_head=True, head_node_args=dict(NODE))
    c.add_node(**NODE)
    c.wait_for_nodes()
    try:
        yield c
    finally:
        c.shutdown()


@pytest.fixture(scope="module")
def local_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    tmp = tmp_path_factory.mktemp("local")
    recipe = _recipe(tmp)
    p = _cli(str(recipe), "-o", str(tmp / "out"), "-j", "2")
    _, err = p.communicate(timeout=600)
    assert p.returncode == 0, err.decode()
    return recipe, _digest(tmp / "out")


def test_multilingual_on_two_nodes_same_bytes_as_local(
    cluster: Any, local_run: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    recipe, expected = local_run
    assert len(cluster.list_all_nodes()) == 2
    out = tmp_path / "out"
    p = _cli(
        str(recipe),
        "-o",
        str(out),
        "-j",
        "2",
        "--executor",
        "ray",
        "--ray-address",
        cluster.address,
    )
    _, err = p.communicate(timeout=600)
    assert p.returncode == 0, err.decode()
    assert _digest(out) == expected


def _wait_for_fit_task(out: Path, p: subprocess.Popen[bytes], timeout: float = 300) -> None:
    """Return as soon as some fit task has finished (the fit is underway)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(out.glob("_work/pass-*/fit/_tasks/*/*.json")):
            return
        assert p.poll() is None, p.communicate()[1].decode()
        time.sleep(0.005)
    raise AssertionError("no fit task finished in time")


def test_killing_a_node_mid_fit_exits_6_and_resume_completes(
    cluster: Any, local_run: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    recipe, expected = local_run
    out = tmp_path / "out"
    args = [
        str(recipe),
        "-o",
        str(out),
        "-j",
        "2",
        "--executor",
        "ray",
        "--ray-address",
        cluster.address,
    ]
    p = _cli(*args)
    _wait_for_fit_task(out, p)
    second = next(iter(cluster.worker_nodes))
    cluster.remove_node(second, allow_graceful=False)
    _, err = p.communicate(timeout=600)
    assert p.returncode == 6, err.decode()
    assert "--resume" in err.decode()
    # The node died after a fit task had finished and before the run did (a small fit
    # may complete, and clean its folder, before the kill lands: the kill is mid-run).
    assert not (out / "stats.json").exists()
    cluster.add_node(**NODE)
    cluster.wait_for_nodes()
    p = _cli(*args, "--resume")
    _, err = p.communicate(timeout=600)
    assert p.returncode == 0, err.decode()
    assert _digest(out) == expected
