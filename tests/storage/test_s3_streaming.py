"""A large Parquet object is read by ranges: its footer to plan units, then only the
row groups of the unit being read, never the whole object (bytes counted by a proxy
in front of the test S3 server)."""

from __future__ import annotations

import os
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from helpers import storage_settings
from proxy import running_proxy
from s3_store import S3

from dataprep.io import storage
from dataprep.io.discover import scan_inputs
from dataprep.io.readers import iter_positioned_batches
from dataprep.io.units import plan_units

GROUPS = 12
ROWS = 100
TEXT_BYTES = 15_000  # random hex: incompressible, so a row group is ~1.5 MB


def _big_parquet(path: Path) -> Path:
    texts = [os.urandom(TEXT_BYTES // 2).hex() for _ in range(GROUPS * ROWS)]
    table = pa.table({"id": [f"d{i}" for i in range(len(texts))], "text": texts})
    pq.write_table(table, path, row_group_size=ROWS, compression="none")
    return path


def test_a_unit_of_a_large_parquet_object_reads_its_row_groups_not_the_object(
    s3: S3, tmp_path: Path
) -> None:
    local = _big_parquet(tmp_path / "big.parquet")
    size = local.stat().st_size
    url = s3.upload(local, "crawl/big.parquet")
    with running_proxy(s3.endpoint) as proxy, storage_settings(proxy.endpoint):
        shard = scan_inputs([url]).shards[0]
        units = plan_units(shard, 1)  # one row group per unit
        planned = proxy.get_bytes
        unit = units[GROUPS // 2]
        rows = [b.num_rows for b, _ in iter_positioned_batches(shard, batch_size=64, unit=unit)]
        read = proxy.get_bytes - planned
    assert len(units) == GROUPS and sum(rows) == ROWS
    assert planned < size / 20  # the footer, not the data
    # One row group (~1/12 of the object) and at most one read-ahead block past it.
    assert read < size / GROUPS + storage.READ_BLOCK + (256 << 10), (read, size)
    assert read < size / 2
