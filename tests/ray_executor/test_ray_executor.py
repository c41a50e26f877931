"""The ray executor gives the same output, byte for byte, as the local one.

Slow: starting Ray takes 2-10 s on these machines, and these tests start it twice
(once inside the executor, once for the module's shared 2-CPU instance).
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pyarrow.parquet as pq
import pytest

from corpus_helpers import make_docs, write_shard
from dataprep.engine.driver import run_pipeline
from dataprep.engine.progress import RunProgress
from dataprep.engine.shard_pass import ShardResult
from dataprep.errors import InfrastructureError, InputError
from dataprep.recipe.config import parse_recipe


def _ray_installed() -> bool:
    # a bare "ray" folder imports as a namespace package "ray" when its parent is on
    # sys.path: only a spec with a file (Ray's __init__.py) is the real thing.
    spec = importlib.util.find_spec("ray")
    return spec is not None and spec.origin is not None


pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not _ray_installed(), reason="Ray is not installed: pip install 'dataprep[ray]'"
    ),
]

STACK = [
    {"stage": "toy_upper_v0"},
    {"stage": "toy_min_words_v0", "min_words": 2},
    {"stage": "toy_exact_dedup_v0"},
    {"stage": "toy_min_words_v0", "name": "min4", "min_words": 4},
    {"stage": "toy_repeat_v0", "copies": 2},
]


def toy_recipe(**run: Any) -> Any:
    return parse_recipe({"name": "t", "run": {"batch_size": 5, **run}, "stages": STACK})


def tree_digest(root: Path) -> dict[str, str]:
    """sha256 of every file under ``root`` (relative path -> digest)."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


class ProgressRecorder(RunProgress):
    """The runner's progress line, totalling documents per pass."""

    totals: ClassVar[list[int]] = []

    def start_pass(self, index: int, label: str, total: int | None) -> None:
        super().start_pass(index, label, total)
        self.totals.append(0)

    def update(self, docs: int, nbytes: int) -> None:
        super().update(docs, nbytes)
        self.totals[-1] += docs


def run_both(
    recipe: Any, inputs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> dict[str, tuple[Path, list[int]]]:
    """Run ``recipe`` with each executor (2 workers); output folder and progress totals."""
    monkeypatch.setattr("dataprep.engine.driver.RunProgress", ProgressRecorder)
    runs = {}
    for kind in ("local", "ray"):
        ProgressRecorder.totals = []
        out = tmp_path / f"out-{kind}"
        run_pipeline(recipe, [str(inputs)], out, workers=2, executor=kind, progress=True)
        runs[kind] = (out, list(ProgressRecorder.totals))
    return runs


def assert_same_output(local: Path, ray_out: Path) -> None:
    for sub in ("data", "removed"):
        assert tree_digest(ray_out / sub) == tree_digest(local / sub), sub
    assert (ray_out / "stats.json").read_bytes() == (local / "stats.json").read_bytes()


def removal_reasons(out: Path) -> dict[str, dict[str, int]]:
    stats = json.loads((out / "stats.json").read_text())
    return {name: st["removed_by_reason"] for name, st in stats["stages"].items()}


def test_toy_recipe_same_output_as_local_and_ray_is_shut_down(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """First test of the module: the executor starts its own Ray instance and stops it."""
    import ray

    started_here = not ray.is_initialized()
    runs = run_both(toy_recipe(), corpus, tmp_path, monkeypatch)
    (local, local_progress), (ray_out, ray_progress) = runs["local"], runs["ray"]
    if started_here:
        assert not ray.is_initialized()
    kept = pq.read_table(local / "data").column("id").to_pylist()
    assert kept and pq.read_table(ray_out / "data").column("id").to_pylist() == kept
    assert removal_reasons(ray_out) == removal_reasons(local)
    assert removal_reasons(local)["toy_exact_dedup_v0"]  # the dedup did remove some
    assert_same_output(local, ray_out)
    # Every document read in each pass was reported, once, whatever the executor.
    assert ray_progress == local_progress
    assert local_progress[0] == 60
    # Seconds per stage come back from the Ray actors as from local workers (run.json).
    timing = {k: json.loads((o / "run.json").read_text())["timing"] for k, (o, _) in runs.items()}
    assert set(timing["ray"]["stages"]) == set(timing["local"]["stages"]) > {"input"}
    assert set(timing["ray"]["fits"]) == set(timing["local"]["fits"]) >= {"toy_exact_dedup_v0"}


@pytest.fixture(scope="module")
def ray_instance(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """One local 2-CPU Ray instance for the rest of the module (the executor reuses it)."""
    import ray

    if ray.is_initialized():
        yield
        return
    ray.init(
        address="local",
        num_cpus=2,
        include_dashboard=False,
        log_to_driver=False,
        object_store_memory=128 * 1024 * 1024,
        _temp_dir=str(tmp_path_factory.mktemp("ray")),
    )
    try:
        yield
    finally:
        ray.shutdown()


@pytest.mark.usefixtures("ray_instance")
def test_many_shards_one_actor_per_cpu_same_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """More shards than actors: each actor runs several jobs; results stay in order."""
    for i in range(7):
        write_shard(tmp_path / "in" / f"s{i}.parquet", make_docs(40, start=i * 40))
    runs = run_both(toy_recipe(batch_size=16), tmp_path / "in", tmp_path, monkeypatch)
    assert_same_output(runs["local"][0], runs["ray"][0])
    assert runs["ray"][1] == runs["local"][1]


@pytest.mark.usefixtures("ray_instance")
def test_the_driver_merges_the_records_the_actors_returned(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Completion records come back from the actors; no done file is read back."""

    def unexpected_read(cls: type[ShardResult], text: str | bytes) -> ShardResult:
        raise AssertionError("a done file was read back")

    monkeypatch.setattr(ShardResult, "from_json", classmethod(unexpected_read))
    runs = run_both(toy_recipe(), corpus, tmp_path, monkeypatch)
    assert_same_output(runs["local"][0], runs["ray"][0])


@pytest.mark.usefixtures("ray_instance")
def test_error_inside_an_actor_keeps_its_type_and_message(tmp_path: Path) -> None:
    """A bad record mid-file is found by the worker, not by preflight."""
    path = tmp_path / "in" / "a.jsonl"
    path.parent.mkdir()
    good = b'{"text": "some words here"}\n'
    path.write_bytes(good * 50 + b'{"text": "bad \xc3\x28 byte"}\n' + good * 50)
    recipe = toy_recipe(batch_size=8)
    errors = {}
    for kind in ("local", "ray"):
        out = tmp_path / f"out-{kind}"
        with pytest.raises(InputError) as info:
            run_pipeline(recipe, [str(path.parent)], out, workers=2, executor=kind, progress=False)
        errors[kind] = (type(info.value), str(info.value))
        assert not out.exists()
    assert errors["ray"] == errors["local"]
    assert "a.jsonl:51: invalid UTF-8" in errors["ray"][1]
    assert "\n" not in errors["ray"][1]


def _multilingual() -> tuple[Any, Path] | str:
    """The shipped recipe and the sample corpus, or why they are not usable."""
    try:
        from dataprep.recipe.config import load_recipe
        from dataprep.sample_data import sample_path

        recipe = load_recipe("multilingual")
        path = Path(sample_path())
    except Exception as e:
        return f"the multilingual recipe or the sample corpus does not load: {e}"
    if not path.exists() or not any(path.iterdir()):
        return f"the sample corpus {path} is missing"
    return recipe, path


def _column_by_id(folder: Path, column: str) -> dict[Any, Any]:
    rows: dict[Any, Any] = {}
    for p in sorted(folder.rglob("*.parquet")):
        t = pq.read_table(p)
        if column in t.column_names:
            ids = t.column("id").to_pylist()
            reps = t.column("repeat").to_pylist() if "repeat" in t.column_names else [0] * len(ids)
            rows.update(zip(zip(ids, reps, strict=True), t.column(column).to_pylist(), strict=True))
    return rows


@pytest.mark.usefixtures("ray_instance")
def test_multilingual_recipe_on_the_sample_same_as_local(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    found = _multilingual()
    if isinstance(found, str):
        pytest.skip(found)
    recipe, sample = found
    runs = run_both(recipe, sample, tmp_path, monkeypatch)
    local, ray_out = runs["local"][0], runs["ray"][0]
    kept = pq.read_table(local / "data").column("id").to_pylist()
    assert kept and pq.read_table(ray_out / "data").column("id").to_pylist() == kept
    assert removal_reasons(ray_out) == removal_reasons(local)
    for column in ("reason", "dup_cluster"):
        for folder in ("data", "removed"):
            assert _column_by_id(ray_out / folder, column) == _column_by_id(
                local / folder, column
            ), (folder, column)
    assert_same_output(local, ray_out)


@pytest.mark.usefixtures("ray_instance")
def test_lost_actor_is_reported_and_resume_finishes_the_run(tmp_path: Path) -> None:
    """An actor killed mid-shard: a clear error; ``--resume`` then gives the clean output."""
    import ray_crash_stage  # noqa: F401  (registers toy_crash_v0; this folder is on sys.path)

    for i in range(4):
        docs = make_docs(30, start=i * 30)
        if i == 2:
            docs[10]["text"] = "CRASH here and now"
        write_shard(tmp_path / "in" / f"s{i}.parquet", docs)
    marker = tmp_path / "crash-now"
    marker.write_text("")
    stages = [{"stage": "toy_crash_v0", "marker": str(marker)}, *STACK]
    recipe = parse_recipe({"name": "t", "run": {"batch_size": 5}, "stages": stages})
    inputs, out = [str(tmp_path / "in")], tmp_path / "out-ray"
    with pytest.raises(InfrastructureError, match=r"running s2\.parquet \(pass 1\) died.*--resume"):
        run_pipeline(recipe, inputs, out, workers=2, executor="ray", progress=False)
    assert not (out / "stats.json").exists()
    marker.unlink()
    run_pipeline(recipe, inputs, out, workers=2, executor="ray", resume=True, progress=False)
    local = tmp_path / "out-local"
    run_pipeline(recipe, inputs, local, workers=2, executor="local", progress=False)
    assert_same_output(local, out)
