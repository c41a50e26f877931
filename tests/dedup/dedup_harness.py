"""A tiny stand-in for the runner: observe per batch, write IPC files per shard, fit, join.

Mirrors the GlobalStage contract of ``dataprep/stages/base.py``: the runner
appends ``_dp_shard``, ``_dp_row``, ``_dp_repeat`` to observe's output, writes one
Arrow IPC *file* per shard (shard order), calls ``fit`` once and joins the
decisions back onto the documents by those three columns.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa

from dataprep.output.columns import INTERNAL_COLUMNS, REASON_COL
from dataprep.recipe.registry import get_stage
from dataprep.stages.base import GlobalStage, StageContext
from global_harness import write_observations


def make_stage(name: str, *, seed: int = 0, **options: Any) -> GlobalStage:
    cls = get_stage(name)
    stage = cls(cls.Config(**options), StageContext(name=f"test_{name}", seed=seed))
    assert isinstance(stage, GlobalStage)
    return stage


def shard_tables(
    texts: Sequence[str | None], num_shards: int, **extra: Sequence[Any]
) -> list[pa.Table]:
    """Split a corpus into ``num_shards`` contiguous tables (input order preserved)."""
    n = len(texts)
    bounds = [n * i // num_shards for i in range(num_shards + 1)]
    out = []
    for lo, hi in itertools.pairwise(bounds):
        cols: dict[str, Any] = {"text": pa.array(list(texts[lo:hi]), pa.string())}
        for name, values in extra.items():
            cols[name] = pa.array(list(values[lo:hi]))
        out.append(pa.table(cols))
    return out


def observe_shards(
    stage: GlobalStage, shards: Sequence[pa.Table], workdir: Path, *, batch_rows: int = 64
) -> list[Path]:
    """Run observe over every shard and write one observation IPC file per shard."""
    stage.setup()
    return write_observations(stage, shards, workdir, batch_rows=batch_rows)


def fit_decisions(stage: GlobalStage, paths: Sequence[Path], workdir: Path) -> pa.Table:
    """Call fit and return all decision rows sorted by internal id."""
    batches = list(stage.fit(paths, workdir))
    table = pa.Table.from_batches(batches) if batches else pa.table({})
    return table.sort_by([(c, "ascending") for c in INTERNAL_COLUMNS])


def run_stage(
    stage: GlobalStage,
    shards: Sequence[pa.Table],
    workdir: Path,
    *,
    batch_rows: int = 64,
    fit_order: Sequence[int] | None = None,
) -> pa.Table:
    """Observe, fit (observation files optionally in another order), and check the contract."""
    paths = observe_shards(stage, shards, workdir / "obs", batch_rows=batch_rows)
    if fit_order is not None:
        paths = [paths[i] for i in fit_order]
    decisions = fit_decisions(stage, paths, workdir / "fit")
    total = sum(t.num_rows for t in shards)
    assert decisions.num_rows == total, "one decision row per observed document"
    ids = set(zip(*(decisions.column(c).to_pylist() for c in INTERNAL_COLUMNS), strict=True))
    assert len(ids) == total, "decision ids must be unique"
    return decisions


def removed_flags(decisions: pa.Table) -> list[bool]:
    """Per document in input order (decisions sorted by id): was it removed?"""
    return [r is not None for r in decisions.column(REASON_COL).to_pylist()]
