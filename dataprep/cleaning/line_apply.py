"""``line_dedup_apply_v1``: remove the lines ``line_dedup_v1`` decided to drop.

Place it right after ``line_dedup_v1`` (no stage in between may rewrite the text:
line indexes refer to the text that stage observed). It reads the decision columns
``{source}__drop_lines`` and ``{source}__n_lines``; a document whose line count no
longer matches raises (the text changed in between: a recipe error, never silently
misapplied). It rewrites the text and adds ``{name}__lines_removed`` (int32) and
``{name}__chars_removed`` (int64, exact characters removed, newlines included). It
removes no document itself (``line_dedup_v1`` already dropped the emptied ones).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pyarrow as pa

from dataprep.errors import ConfigError
from dataprep.output.columns import signal_column
from dataprep.recipe.registry import register
from dataprep.stages.base import BatchStage, StageConfig, StageContext, StageOutput, empty_reasons

from ._common import add_columns, replace_text
from .lines import remove_lines, split_lines


@dataclass(frozen=True, kw_only=True)
class LineApplyConfig(StageConfig):
    """Options of ``line_dedup_apply_v1``."""

    source: str = "line_dedup_v1"
    """Instance name of the ``line_dedup_v1`` stage whose decisions to apply."""
    drop_list_column: bool = True
    """Remove the (bulky) ``{source}__drop_lines`` list column after applying it."""

    def __post_init__(self) -> None:
        if not self.source:
            raise ConfigError("source must name the line_dedup_v1 stage")


@register("line_dedup_apply_v1")
class LineDedupApply(BatchStage[LineApplyConfig]):
    """Rewrite each document without the lines ``line_dedup_v1`` marked."""

    rewrites_text = True

    def __init__(self, config: LineApplyConfig, ctx: StageContext) -> None:
        super().__init__(config, ctx)
        self.drop_col = signal_column(self.config.source, "drop_lines")
        self.count_col = signal_column(self.config.source, "n_lines")

    def required_columns(self) -> Sequence[str]:
        return (self.ctx.text_column, self.drop_col, self.count_col)

    def process(self, batch: pa.RecordBatch) -> StageOutput:
        texts = batch.column(self.ctx.text_column).to_pylist()
        drops = batch.column(self.drop_col).to_pylist()
        counts = batch.column(self.count_col).to_pylist()
        out: list[str | None] = []
        lines_removed: list[int] = []
        chars_removed: list[int] = []
        for text, drop, count in zip(texts, drops, counts, strict=True):
            if text is None or not drop:
                out.append(text)
                lines_removed.append(0)
                chars_removed.append(0)
                continue
            if len(split_lines(text)) != count:
                raise RuntimeError(
                    f"{self.name}: a document has {len(split_lines(text))} lines but "
                    f"{self.config.source} saw {count}; place {self.name} right after it"
                )
            new = remove_lines(text, drop)
            out.append(new)
            lines_removed.append(len(drop))
            chars_removed.append(len(text) - len(new))
        batch = replace_text(batch, self.ctx.text_column, out)
        if self.config.drop_list_column:
            batch = batch.drop_columns([self.drop_col])
        batch = add_columns(
            batch,
            {
                signal_column(self.name, "lines_removed"): pa.array(lines_removed, pa.int32()),
                signal_column(self.name, "chars_removed"): pa.array(chars_removed, pa.int64()),
            },
        )
        return StageOutput(batch, empty_reasons(batch.num_rows))
