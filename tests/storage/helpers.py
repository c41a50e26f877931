"""What the storage tests compare: the bytes of an output folder's data and records."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from dataprep.engine.driver import run_pipeline
from dataprep.io import storage
from dataprep.recipe.config import load_recipe
from dataprep.sample_data import sample_path


def output_bytes(root: Path) -> dict[str, str]:
    """sha256 of every part file and of stats.json, by path relative to ``root``."""
    files = [*root.glob("data/*.parquet"), *root.glob("signals/*.parquet")]
    files += [*root.glob("removed/*/*.parquet"), root / "stats.json"]
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(files)
    }


def local_run(recipe: str, tmp_path: Path) -> Path:
    """The shipped recipe over the sample corpus on local disk (the reference bytes)."""
    out = tmp_path / f"local-{recipe}"
    run_pipeline(load_recipe(recipe), [str(sample_path())], out, workers=2, progress=False)
    return out


@contextmanager
def storage_settings(endpoint: str, **settings: Any) -> Iterator[None]:
    """This process's filesystems talk to ``endpoint`` with ``settings`` (then reset)."""
    options = {"s3": {"endpoint_url": endpoint}}
    storage.configure(storage.Settings(options=options, **settings))
    try:
        yield
    finally:
        storage.configure(storage.Settings())
