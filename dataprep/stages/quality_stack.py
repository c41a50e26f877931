"""Several quality filters as one stage that tokenizes each document once.

Separate filter stages each split the text into words again; tokenizing is the
largest shared cost of the Gopher, C4 and FineWeb rules (about 100 µs per 4 KB
document). ``quality_stack_v1`` runs the listed filters through
:class:`filters.FilterStack`, in order (a rewriter such as C4 changes the text the
next filters see), evaluates every filter on every document, and removes a
document for the first failing filter's reason. Each filter's own reason is kept
as a column, so the report can show how filters overlap, and every signal is a
column ``{stage}__{filter}__{signal}``.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from dataprep.errors import ConfigError
from dataprep.output.columns import signal_column
from dataprep.recipe.config import build_dataclass
from dataprep.recipe.registry import register
from dataprep.stages.base import BatchStage, StageConfig, StageContext, StageOutput
from dataprep.stages.quality import filter_thresholds

DEFAULT_FILTERS = ("gopher_repetition_v1", "gopher_quality_v1", "fineweb_v1")


@dataclass(frozen=True, kw_only=True)
class QualityStackConfig(StageConfig):
    """Which filters, in which order, and each one's options."""

    filters: Sequence[str] = DEFAULT_FILTERS
    """Registered filter names (``dataprep stages``), run in this order."""
    options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    """Filter name -> its options, e.g. ``{gopher_quality_v1: {min_words: 30}}``."""

    def __post_init__(self) -> None:
        from filters import FILTERS

        for name in list(self.filters) + list(self.options):
            if name not in FILTERS:
                close = difflib.get_close_matches(name, list(FILTERS), n=1)
                hint = (
                    f"; did you mean {close[0]!r}?" if close else f" (valid: {', '.join(FILTERS)})"
                )
                raise ConfigError(f"unknown filter {name!r}{hint}")
        unused = set(self.options) - set(self.filters)
        if unused:
            raise ConfigError(f"options given for {sorted(unused)[0]!r}, which is not in 'filters'")
        if len(set(self.filters)) != len(self.filters):
            raise ConfigError("a filter is listed twice in 'filters'")


def _build_filters(config: QualityStackConfig) -> list[Any]:
    from filters import FILTERS

    out = []
    for name in config.filters:
        cls = FILTERS[name]
        opts = dict(config.options.get(name, {}))
        out.append(cls(build_dataclass(cls.Config, opts, f"options.{name}")))
    return out


@register("quality_stack_v1")
class QualityStack(BatchStage[QualityStackConfig]):
    """Gopher/C4/FineWeb-style filters in one pass, sharing tokenization."""

    rewrites_text = True

    def __init__(self, config: QualityStackConfig, ctx: StageContext) -> None:
        super().__init__(config, ctx)
        from filters import FilterStack

        try:
            self.filters = _build_filters(config)
        except ConfigError as e:
            raise ConfigError(f"stage {ctx.name}: {e}") from None
        self.stack = FilterStack(self.filters)

    def process(self, batch: pa.RecordBatch) -> StageOutput:
        langs = None
        if self.ctx.lang_column in batch.schema.names:
            langs = batch.column(self.ctx.lang_column)
        result = self.stack.run(batch.column(self.ctx.text_column), langs)
        idx = batch.schema.get_field_index(self.ctx.text_column)
        batch = batch.set_column(idx, self.ctx.text_column, result.texts.cast(pa.large_string()))
        for name in result.signals.column_names:
            filt, _, signal = name.partition(".")
            col = result.signals.column(name).combine_chunks()
            batch = batch.append_column(signal_column(self.name, f"{filt}__{signal}"), col)
        for filt in result.reasons.column_names:
            col = result.reasons.column(filt).combine_chunks().cast(pa.string())
            batch = batch.append_column(signal_column(self.name, f"{filt}__reason"), col)
        return StageOutput(batch, result.reason.cast(pa.string()))

    def thresholds(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in self.filters:
            out.update(filter_thresholds(f, signal_column(self.name, f"{f.name}")))
        return out
