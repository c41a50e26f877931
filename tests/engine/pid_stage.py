"""A toy stage that shows which process ran each batch (for the worker pool tests)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from dataprep.recipe import registry
from dataprep.stages.base import BatchStage, StageConfig, StageOutput


@dataclass(frozen=True, kw_only=True)
class PidConfig(StageConfig):
    folder: str = ""
    """Where each process that runs a batch leaves a file named after its pid."""


class ToyPid(BatchStage[PidConfig]):
    """Keep everything; record the pid of the process that ran the batch."""

    def process(self, batch: pa.RecordBatch) -> StageOutput:
        if self.config.folder:  # never the working directory
            (Path(self.config.folder) / str(os.getpid())).touch()
        return StageOutput(batch, pa.nulls(batch.num_rows, pa.string()))


if not registry.has("toy_pid_v0"):  # imported once per process, whatever its module name
    registry.register("toy_pid_v0")(ToyPid)
