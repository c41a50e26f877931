"""The runner's observe step for one global stage, for unit tests of global stages.

As ``dataprep.engine.shard_pass`` does: ``observe`` per batch, the internal id columns
(``_dp_shard``, ``_dp_row``, ``_dp_repeat``) appended, one Arrow IPC file per shard.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pyarrow as pa

from dataprep.output.columns import REPEAT_COL, ROW_COL, SHARD_COL
from dataprep.stages.base import GlobalStage


def write_observations(
    stage: GlobalStage, shards: Sequence[pa.Table], folder: Path, *, batch_rows: int
) -> list[Path]:
    """Observation files of every non-empty shard, in shard order."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for shard_index, table in enumerate(shards):
        path = folder / f"obs-{shard_index:05d}.arrow"
        writer = None
        row = 0
        for batch in table.to_batches(max_chunksize=batch_rows):
            obs = stage.observe(batch)
            assert obs.num_rows == batch.num_rows
            n = obs.num_rows
            obs = obs.append_column(SHARD_COL, pa.array([shard_index] * n, pa.int32()))
            obs = obs.append_column(ROW_COL, pa.array(range(row, row + n), pa.int64()))
            obs = obs.append_column(REPEAT_COL, pa.array([0] * n, pa.int32()))
            row += n
            writer = writer or pa.ipc.new_file(path, obs.schema)
            writer.write_batch(obs)
        if writer is not None:
            writer.close()
            paths.append(path)
    return paths
