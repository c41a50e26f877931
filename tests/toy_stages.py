"""Small stages used only by the engine tests (registered under ``toy_*`` names).

They are also the smallest examples of the stage contract: a stage is its frozen
config dataclass, named once in ``BatchStage[Config]``/``GlobalStage[Config]``, plus
``process`` (or ``observe``/``fit``); ``kind``, the config type check and the
``fit_summary`` store come from the base class.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.ipc as ipc

from dataprep.output.columns import INTERNAL_COLUMNS
from dataprep.recipe import registry
from dataprep.stages.base import BatchStage, GlobalStage, StageConfig, StageOutput


@dataclass(frozen=True, kw_only=True)
class MinWordsConfig(StageConfig):
    min_words: int = 3


class ToyMinWords(BatchStage[MinWordsConfig]):
    """Drop documents with fewer than ``min_words`` words (signal: word count)."""

    def process(self, batch: pa.RecordBatch) -> StageOutput:
        text = batch.column(self.ctx.text_column)
        words = pc.list_value_length(pc.utf8_split_whitespace(text)).fill_null(0)
        too_short = pc.less(words, self.config.min_words)
        reason = pc.if_else(too_short, pa.scalar("too_few_words"), pa.scalar(None, pa.string()))
        return StageOutput(batch.append_column(f"{self.name}__words", words), reason)


@dataclass(frozen=True, kw_only=True)
class UpperConfig(StageConfig):
    pass


class ToyUpper(BatchStage[UpperConfig]):
    """Rewrite: drop every line that is all upper case (a rewriting stage)."""

    rewrites_text = True

    def process(self, batch: pa.RecordBatch) -> StageOutput:
        texts = batch.column(self.ctx.text_column).to_pylist()
        new = ["\n".join(line for line in t.split("\n") if not (line.isupper())) for t in texts]
        idx = batch.schema.get_field_index(self.ctx.text_column)
        out = batch.set_column(idx, self.ctx.text_column, pa.array(new, pa.large_string()))
        return StageOutput(out, pa.nulls(batch.num_rows, pa.string()))


@dataclass(frozen=True, kw_only=True)
class ExactConfig(StageConfig):
    pass


class ToyExactDedup(GlobalStage[ExactConfig]):
    """Keep the first document (input order) of each identical text."""

    def observe(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        h = [t for t in batch.column(self.ctx.text_column).to_pylist()]
        return pa.RecordBatch.from_arrays([pa.array(h, pa.large_string())], names=["key"])

    def fit(self, observations: Sequence[Path], workdir: Path) -> Iterator[pa.RecordBatch]:
        tables = []
        for p in observations:
            with pa.memory_map(str(p)) as src:
                tables.append(ipc.open_file(src).read_all())
        t = pa.concat_tables(tables).sort_by([(c, "ascending") for c in INTERNAL_COLUMNS])
        seen: dict[str, int] = {}
        reasons, sizes = [], []
        keys = t.column("key").to_pylist()
        counts: dict[str, int] = {}
        for k in keys:
            counts[k] = counts.get(k, 0) + 1
        for k in keys:
            reasons.append("dup" if k in seen else None)
            seen[k] = 1
            sizes.append(counts[k])
        yield pa.RecordBatch.from_arrays(
            [t.column(c).combine_chunks() for c in INTERNAL_COLUMNS]
            + [pa.array(reasons, pa.string()), pa.array(sizes, pa.int32())],
            names=[*INTERNAL_COLUMNS, "reason", "toy_cluster_size"],
        )

    def fit_summary(self) -> dict:
        return {"toy": True}


@dataclass(frozen=True, kw_only=True)
class RepeatConfig(StageConfig):
    copies: int = 2


class ToyRepeat(GlobalStage[RepeatConfig]):
    """Emit every document ``copies`` times (an up-sampling global stage)."""

    def may_copy(self) -> bool:
        return self.config.copies > 1

    def observe(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        return pa.RecordBatch.from_arrays(
            [pa.array(np.zeros(batch.num_rows, np.int8))], names=["z"]
        )

    def fit(self, observations: Sequence[Path], workdir: Path) -> Iterator[pa.RecordBatch]:
        for p in observations:
            with pa.memory_map(str(p)) as src:
                t = ipc.open_file(src).read_all()
            n = t.num_rows
            yield pa.RecordBatch.from_arrays(
                [t.column(c).combine_chunks() for c in INTERNAL_COLUMNS]
                + [pa.nulls(n, pa.string()), pa.array(np.full(n, self.config.copies, np.int32))],
                names=[*INTERNAL_COLUMNS, "reason", "copies"],
            )


for _name, _cls in {
    "toy_min_words_v0": ToyMinWords,
    "toy_upper_v0": ToyUpper,
    "toy_exact_dedup_v0": ToyExactDedup,
    "toy_repeat_v0": ToyRepeat,
}.items():
    if not registry.has(_name):
        registry.register(_name)(_cls)


@dataclass(frozen=True, kw_only=True)
class SharedLinesConfig(StageConfig):
    pass


class ToySharedLines(GlobalStage[SharedLinesConfig]):
    """Remove every line that occurs in more than one document (a global rewrite)."""

    rewrites_text = True

    def observe(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        texts = batch.column(self.ctx.text_column).to_pylist()
        return pa.RecordBatch.from_arrays([pa.array(texts, pa.large_string())], names=["text"])

    def fit(self, observations: Sequence[Path], workdir: Path) -> Iterator[pa.RecordBatch]:
        tables = []
        for p in observations:
            with pa.memory_map(str(p)) as src:
                tables.append(ipc.open_file(src).read_all())
        t = pa.concat_tables(tables)
        docs_per_line: dict[str, int] = {}
        for text in t.column("text").to_pylist():
            for line in set(text.split("\n")):
                docs_per_line[line] = docs_per_line.get(line, 0) + 1
        drops = [
            [i for i, line in enumerate(text.split("\n")) if docs_per_line[line] > 1]
            for text in t.column("text").to_pylist()
        ]
        yield pa.RecordBatch.from_arrays(
            [t.column(c).combine_chunks() for c in INTERNAL_COLUMNS]
            + [pa.nulls(t.num_rows, pa.string()), pa.array(drops, pa.list_(pa.int32()))],
            names=[*INTERNAL_COLUMNS, "reason", "toy_shared__drop"],
        )

    def rewrite(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        texts = batch.column(self.ctx.text_column).to_pylist()
        drops = batch.column("toy_shared__drop").to_pylist()
        new = [
            "\n".join(line for i, line in enumerate(t.split("\n")) if i not in set(d))
            for t, d in zip(texts, drops, strict=True)
        ]
        idx = batch.schema.get_field_index(self.ctx.text_column)
        return batch.set_column(idx, self.ctx.text_column, pa.array(new, pa.large_string()))


if not registry.has("toy_shared_lines_v0"):
    registry.register("toy_shared_lines_v0")(ToySharedLines)


@dataclass(frozen=True, kw_only=True)
class DieConfig(StageConfig):
    marker: str = ""
    """While this file exists, a worker process that meets ``doc_id`` kills itself."""
    doc_id: str = "doc-45"


class ToyDie(BatchStage[DieConfig]):
    """Keep everything; SIGKILL the worker process (as the OOM killer would) when the
    ``marker`` file exists and the batch holds ``doc_id``. Never kills the driver."""

    def process(self, batch: pa.RecordBatch) -> StageOutput:
        import multiprocessing
        import os
        import signal

        armed = self.config.marker and Path(self.config.marker).exists()
        in_worker = multiprocessing.parent_process() is not None
        if armed and in_worker and self.config.doc_id in batch.column("id").to_pylist():
            os.kill(os.getpid(), signal.SIGKILL)
        return StageOutput(batch, pa.nulls(batch.num_rows, pa.string()))


if not registry.has("toy_die_v0"):
    registry.register("toy_die_v0")(ToyDie)
