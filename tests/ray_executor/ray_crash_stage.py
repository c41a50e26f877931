"""A stage whose worker process dies (``os._exit``), to test losing a Ray actor mid-shard.

Registered as ``toy_crash_v0``. It kills its process on a document containing
``CRASH`` while the file named by ``marker`` exists, and passes everything
otherwise, so the same recipe (same digest) can first crash and then be resumed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import pyarrow as pa

from dataprep.recipe import registry
from dataprep.stages.base import BatchStage, StageConfig, StageOutput


@dataclass(frozen=True, kw_only=True)
class CrashConfig(StageConfig):
    marker: str = ""


class ToyCrash(BatchStage[CrashConfig]):
    """Die (no exception, no clean-up) on a ``CRASH`` document while ``marker`` exists."""

    def process(self, batch: pa.RecordBatch) -> StageOutput:
        texts = batch.column(self.ctx.text_column).to_pylist()
        armed = bool(self.config.marker) and os.path.exists(self.config.marker)
        if armed and any("CRASH" in (t or "") for t in texts):
            os._exit(1)
        return StageOutput(batch, pa.nulls(batch.num_rows, pa.string()))


if not registry.has("toy_crash_v0"):
    registry.register("toy_crash_v0")(ToyCrash)
