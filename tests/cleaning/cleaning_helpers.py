"""Helpers for the cleaning tests: build stages, run batch stages, simulate global stages."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa

from dataprep.output.columns import INTERNAL_COLUMNS
from dataprep.recipe.registry import get_stage
from dataprep.stages.base import BatchStage, GlobalStage, StageContext, StageOutput
from global_harness import write_observations


def make(name: str, *, instance: str | None = None, **options: Any) -> Any:
    """A stage registered as ``name``, with its options, set up."""
    cls = get_stage(name)
    stage = cls(cls.Config(**options), StageContext(name=instance or name))
    stage.setup()
    return stage


def batch(texts: Sequence[str | None], **columns: Sequence[Any]) -> pa.RecordBatch:
    cols: dict[str, Any] = {"text": pa.array(list(texts), pa.large_string())}
    for name, values in columns.items():
        cols[name] = pa.array(list(values))
    return pa.record_batch(cols)


def run_batch(stage: BatchStage, texts: Sequence[str | None], **columns: Any) -> StageOutput:
    out = stage.process(batch(texts, **columns))
    assert out.batch.num_rows == len(texts)
    return out


def shards(texts: Sequence[str | None], num_shards: int, **extra: Sequence[Any]) -> list[pa.Table]:
    """Split a corpus into ``num_shards`` contiguous tables (input order preserved)."""
    n = len(texts)
    bounds = [n * i // num_shards for i in range(num_shards + 1)]
    out = []
    for lo, hi in itertools.pairwise(bounds):
        cols: dict[str, Any] = {"text": pa.array(list(texts[lo:hi]), pa.large_string())}
        for name, values in extra.items():
            cols[name] = pa.array(list(values[lo:hi]))
        out.append(pa.table(cols))
    return out


def run_global(
    stage: GlobalStage,
    tables: Sequence[pa.Table],
    workdir: Path,
    *,
    batch_rows: int = 3,
    fit_order: Sequence[int] | None = None,
) -> pa.Table:
    """Observe every shard as the runner does, fit, and return decisions in input order."""
    paths = write_observations(stage, tables, workdir / "obs", batch_rows=batch_rows)
    if fit_order is not None:
        paths = [paths[i] for i in fit_order]
    fit_dir = workdir / "fit"
    fit_dir.mkdir(parents=True, exist_ok=True)
    decisions = pa.Table.from_batches(list(stage.fit(paths, fit_dir)))
    assert decisions.num_rows == sum(t.num_rows for t in tables)
    return decisions.sort_by([(c, "ascending") for c in INTERNAL_COLUMNS])


def column(table: pa.Table | pa.RecordBatch, name: str) -> list[Any]:
    return table.column(name).to_pylist()
