"""One schema per output folder: the last step before ``stats.json`` is written.

Workers write their parts independently, so inputs whose columns drift give parts
that differ (a ``url`` column in one file only, a column all-null in one file).
After the last pass every part of ``data/`` (and of ``signals/``) is brought to the
union of their schemas (:func:`dataprep.io.schema.unify`, columns in order of first
appearance in part-name order, i.e. input order): a missing column becomes nulls, and
a column whose type differs between two input files is an :class:`InputError`
naming both. Parts that already match are not touched (the usual case: no rewrite);
the others are rewritten row group by row group under a temporary name and renamed,
so the step can be interrupted and run again, and the result does not depend on
the worker count.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from dataprep.errors import OutputError
from dataprep.io.discover import Shard
from dataprep.io.schema import conform, unify
from dataprep.io.writers import fsync_dir
from dataprep.output.layout import Layout
from dataprep.recipe.config import OutputConfig

_SHARD = re.compile(r"part-(\d{5})")


def _origin(part: Path, shards: Sequence[Shard]) -> str:
    """The input file a part was written from (``part-SSSSS…`` names its shard)."""
    m = _SHARD.match(part.name)
    if m is None or int(m.group(1)) >= len(shards):
        return f"{part.parent.name}/{part.name}"
    return str(shards[int(m.group(1))].path)


def _read_schema(path: Path) -> pa.Schema:
    try:
        return pq.read_schema(path)
    except (OSError, pa.ArrowException) as e:
        raise OutputError(f"cannot read {path}: {e}") from e


def unify_folder(folder: Path, shards: Sequence[Shard], out: OutputConfig) -> list[Path]:
    """Give every part in ``folder`` the folder's unified schema; the parts rewritten."""
    parts = sorted(folder.glob("part-*.parquet"))
    schemas = [_read_schema(p) for p in parts]
    target = unify([(_origin(p, shards), s) for p, s in zip(parts, schemas, strict=True)],
                   keep_large=True)  # fmt: skip
    rewritten = []
    for path, schema in zip(parts, schemas, strict=True):
        if not schema.equals(target, check_metadata=False):
            _rewrite(path, target, out)
            rewritten.append(path)
    if rewritten:
        fsync_dir(folder)
    return rewritten


def _rewrite(path: Path, schema: pa.Schema, out: OutputConfig) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    compression = out.compression
    try:
        source = pq.ParquetFile(path)
        with pq.ParquetWriter(
            tmp,
            schema,
            compression=compression,
            compression_level=out.compression_level if compression != "none" else None,
            write_statistics=True,
        ) as writer:
            for rg in range(source.num_row_groups):
                table = conform(source.read_row_group(rg), schema, large=False)
                writer.write_table(table, row_group_size=max(len(table), 1))
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except (OSError, pa.ArrowException) as e:
        tmp.unlink(missing_ok=True)
        raise OutputError(f"cannot rewrite {path} to the output's schema: {e}") from e


def unify_output(layout: Layout, shards: Sequence[Shard], out: OutputConfig) -> list[Path]:
    """One schema for ``data/`` and one for ``signals/`` (module docstring); the parts
    rewritten."""
    folders = [f for f in (layout.data, layout.signals) if f.is_dir()]
    return [p for f in folders for p in unify_folder(f, shards, out)]
