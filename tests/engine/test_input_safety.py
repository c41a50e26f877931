"""Input safety: no readable document is lost, no bad unit is silently dropped.

Every test counts documents independently of stats.json (the lines or rows it
wrote) and checks ``read = kept + removed + quarantined`` against the output.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from corpus_helpers import write_shard
from dataprep.config import load_recipe, shipped_recipes
from dataprep.io.discover import discover
from dataprep.io.readers import iter_raw_batches
from dataprep.runner import run_pipeline
from dataprep.sample_data import sample_path

ROOT = Path(__file__).resolve().parents[2]
CLASSIFY_DATA = ROOT / "tests" / "data" / "classify"
DOMAINS = ("general", "math", "code", "multilingual")


def _sample_docs(n: int) -> list[dict]:
    """The first ``n`` documents of the bundled sample corpus, with a domain column."""
    (shard, *_) = discover([str(sample_path())])
    batch = next(iter_raw_batches(shard, batch_size=n))
    docs = batch.to_pylist()
    for i, d in enumerate(docs):
        d["domain"] = DOMAINS[i % len(DOMAINS)]
    return docs


def _with_bad_lines(path: Path, bad: dict[int, bytes]) -> None:
    """Replace line i (0-based) of a JSONL file by bad[i]."""
    lines = path.read_bytes().splitlines(keepends=True)
    for i, content in bad.items():
        lines[i] = content + b"\n"
    path.write_bytes(b"".join(lines))


def _stats(out: Path) -> dict:
    return json.loads((out / "stats.json").read_text())


def _quarantine_recipe(name: str):  # type: ignore[no-untyped-def]
    recipe = load_recipe(name)
    return dataclasses.replace(
        recipe, input=dataclasses.replace(recipe.input, on_error="quarantine")
    )


@pytest.mark.parametrize("name", sorted(shipped_recipes()))
def test_quarantine_mode_works_with_every_shipped_recipe(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    (tmp_path / "models").mkdir()
    shutil.copy(CLASSIFY_DATA / "quality-tiny.ftz", tmp_path / "models" / "quality.bin")
    shutil.copy(CLASSIFY_DATA / "quality-tiny.ftz.json", tmp_path / "models" / "quality.bin.json")
    monkeypatch.chdir(tmp_path)  # quality-classifier's model path is relative to the cwd
    docs = _sample_docs(40)
    a = write_shard(tmp_path / "in" / "a.jsonl", docs[:20])
    _with_bad_lines(a, {3: b'{"text": "bad \xff byte"}', 7: b'{"text": trunc'})
    write_shard(tmp_path / "in" / "b.parquet", docs[20:])
    (tmp_path / "in" / "c.parquet").write_bytes(b"PAR1 garbage")
    out = tmp_path / "o"
    run_pipeline(_quarantine_recipe(name), [str(tmp_path / "in")], out, workers=1, progress=False)
    stats = _stats(out)
    inp = stats["stages"]["input"]
    assert inp["docs_in"] == 40
    assert inp["removed_by_reason"]["bad_record"] == 2
    assert [(e["file"], e.get("line")) for e in stats["quarantine"]] == [
        ("a.jsonl", 4),
        ("a.jsonl", 8),
        ("c.parquet", None),
    ]
    kept = pq.read_table(out / "data").num_rows if (out / "data").exists() else 0
    assert kept == stats["docs_out"]
