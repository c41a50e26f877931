"""The shipped recipes give the same output as when the digests were stored.

A refactoring of the engine must not change a byte of what users get. Parquet
files are compared by content (schema and rows), not by file bytes, so that a
newer pyarrow writing other metadata does not fail the test; stats.json by its
values. Floats are rounded to 9 significant digits. The digests in
``tests/data/output_digests.json`` were made before the engine moved into its own
package (issue "One engine package"). When a change is *meant* to alter the
output, regenerate them with ``DATAPREP_UPDATE_DIGESTS=1 pytest
tests/engine/test_output_digest.py`` and say why in the commit.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from dataprep.engine.driver import run_pipeline
from dataprep.recipe.config import load_recipe
from dataprep.sample_data import sample_path

DIGESTS = Path(__file__).resolve().parents[1] / "data" / "output_digests.json"
#: Every shipped recipe that runs on the sample corpus as shipped (quality-classifier
#: needs a model trained by the user first).
RECIPES = ["multilingual", "web-en", "dedup", "langid", "llama3-web"]


def content_digest(root: Path) -> dict[str, str]:
    """sha256 per output file: Parquet by schema and rows, stats.json by its values."""
    stats = _rounded(json.loads((root / "stats.json").read_text()))
    out = {"stats.json": hashlib.sha256(json.dumps(stats).encode()).hexdigest()}
    for path in sorted(root.rglob("*.parquet")):
        table = pq.read_table(path)
        h = hashlib.sha256(str(table.schema.remove_metadata()).encode())
        for row in table.to_pylist():
            h.update(json.dumps(_rounded(row), default=str, ensure_ascii=False).encode())
        out[path.relative_to(root).as_posix()] = h.hexdigest()
    return out


def _rounded(value: Any) -> Any:
    """Floats to 9 significant digits: a numpy release may change the last bits of a
    score (another SIMD kernel) without changing any decision."""
    if isinstance(value, float):
        return float(f"{value:.9g}")
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return value


@pytest.fixture(scope="module")
def stored() -> dict[str, dict[str, str]]:
    return dict(json.loads(DIGESTS.read_text())) if DIGESTS.exists() else {}


@pytest.mark.parametrize("name", RECIPES)
def test_shipped_recipe_output_matches_the_stored_digest(
    name: str, tmp_path: Path, stored: dict[str, dict[str, str]]
) -> None:
    out = tmp_path / name
    run_pipeline(load_recipe(name), [str(sample_path())], out, workers=1, progress=False)
    got = content_digest(out)
    if os.environ.get("DATAPREP_UPDATE_DIGESTS") == "1":
        stored[name] = got
        DIGESTS.write_text(json.dumps(stored, indent=1, sort_keys=True) + "\n")
        return
    assert name in stored, f"no stored digest for {name}: see this module's docstring"
    assert got == stored[name]
