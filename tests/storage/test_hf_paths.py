"""``hf://datasets/ORG/NAME/...`` inputs through ``huggingface_hub``'s ``HfFileSystem``.

No network: the Hub is ``fake_hub.py``, a local fake of the Hub's HTTP API on
127.0.0.1 (repository info, tree listing, paths-info and ranged ``resolve``
downloads), named to ``HfFileSystem`` by its ``endpoint`` option in the recipe's
``storage`` section. No token is read (``token: false``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fake_hub import FakeHub, running_hub
from helpers import output_bytes

from dataprep.engine.driver import run_pipeline
from dataprep.io import storage
from dataprep.io.discover import scan_inputs
from dataprep.recipe.config import load_recipe
from dataprep.sample_data import sample_path

pytest.importorskip("huggingface_hub", reason="the cloud extra is not installed")

REPO = "dp-org/web-sample"
ROOT = f"hf://datasets/{REPO}"


@pytest.fixture
def hub() -> Iterator[FakeHub]:
    files = {f"data/{p.name}": p.read_bytes() for p in sorted(sample_path().iterdir())}
    files["README.md"] = b"# a dataset card\n"
    with running_hub(REPO, files) as fake:
        storage.configure(storage.Settings(options={"hf": {"endpoint": fake.url, "token": False}}))
        try:
            yield fake
        finally:
            storage.configure(storage.Settings())


def test_hf_dataset_paths_parse_into_repo_and_path() -> None:
    path = storage.to_path(f"{ROOT}/data/shard-002.parquet")
    assert isinstance(path, storage.ObjectPath)
    assert (path.scheme, path.key, path.name) == (
        "hf",
        f"datasets/{REPO}/data/shard-002.parquet",
        "shard-002.parquet",
    )
    assert str(path.parent) == f"{ROOT}/data"


def test_an_hf_folder_and_glob_list_like_a_local_folder(hub: FakeHub) -> None:
    local = scan_inputs([str(sample_path())]).shards
    found = scan_inputs([f"{ROOT}/data"])
    assert [str(s.path) for s in found.shards] == [f"{ROOT}/data/{s.name}" for s in local]
    assert [s.format for s in found.shards] == [s.format for s in local]
    parquet = scan_inputs([f"{ROOT}/data/*.parquet"]).shards
    assert [s.path.name for s in parquet] == ["shard-002.parquet"]
    assert hub.unknown == []


def test_a_recipe_reads_an_hf_dataset_to_the_bytes_of_a_local_run(
    hub: FakeHub, tmp_path: Path
) -> None:
    recipe = tmp_path / "r.yaml"
    recipe.write_text(
        f"extends: dedup\nstorage:\n  options: {{hf: {{endpoint: '{hub.url}', token: false}}}}\n"
    )
    got, ref = tmp_path / "got", tmp_path / "ref"
    run_pipeline(load_recipe(str(recipe)), [f"{ROOT}/data"], got, workers=1, progress=False)
    run_pipeline(load_recipe("dedup"), [str(sample_path())], ref, workers=1, progress=False)
    assert output_bytes(got) == output_bytes(ref)
    assert any("/resolve/" in r for r in hub.requests) and hub.unknown == []
