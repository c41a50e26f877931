"""Every filter of the ``filters`` package as a pipeline stage, under its versioned name.

The filter computes signals for the whole batch (its fast path) and decides from
them; the stage stores each signal as a column ``{stage}__{signal}`` so a user can
re-decide later with other thresholds (``dataprep redecide``) without recomputing.
A rewriting filter (C4) replaces the text column; the runner counts the bytes it
took away. The blocklist filter also reads the ``url`` column when the batch has one.
"""

from __future__ import annotations

from typing import Any, ClassVar

import pyarrow as pa

from dataprep.output.columns import signal_column
from dataprep.recipe.registry import register
from dataprep.stages.base import BatchStage, StageContext, StageOutput


def _bounds(filt: Any, settings: dict[str, Any]) -> dict[str, Any]:
    """Per signal: its threshold, a number or ``[lo, hi]`` ("<" rules are lower bounds)."""
    bounds: dict[str, list[float | None]] = {}
    for rule in filt.rules:
        value = filt._threshold(rule, settings)
        if value is None:
            continue
        lo_hi = bounds.setdefault(rule.signal, [None, None])
        # A rule drops when ``signal OP value``: "<" rules are lower bounds.
        lo_hi[0 if rule.op in ("<", "<=") else 1] = value
    return {
        signal: [lo, hi] if lo is not None and hi is not None else (lo if hi is None else hi)
        for signal, (lo, hi) in bounds.items()
    }


def filter_thresholds(filt: Any, prefix: str) -> dict[str, Any]:
    """A filter's thresholds keyed by signal column: a number, or ``[lo, hi]``; when a
    language's threshold differs (built-in or recipe ``lang_overrides``), a dict
    ``{"*": default, LANG: value, ...}`` listing the languages that differ."""
    from filters._lang import override_languages

    rules = getattr(filt, "rules", None)
    if not rules:
        return {signal_column(prefix, k): v for k, v in filt.thresholds().items()}
    default = _bounds(filt, filt.settings(None))
    langs = set(override_languages(filt.name))
    langs |= set(getattr(filt.config, "lang_overrides", {}) or {})
    per_lang = {lang: _bounds(filt, filt.settings(lang)) for lang in sorted(langs)}
    out: dict[str, Any] = {}
    for signal in dict.fromkeys([*default, *(s for b in per_lang.values() for s in b)]):
        base = default.get(signal)
        differ = {k: b.get(signal) for k, b in per_lang.items() if b.get(signal) != base}
        out[signal_column(prefix, signal)] = {"*": base, **differ} if differ else base
    return out


class FilterStage(BatchStage[Any]):
    """Runs one ``filters`` filter over each batch (see the filter's own docstring).

    ``Config`` is the filter's own config class and ``rewrites_text`` says whether
    the filter is a :class:`filters.Rewriter` (C4 removes lines), both set per filter
    by :func:`_register_all`.
    """

    filter_cls: ClassVar[type[Any]]

    def __init__(self, config: Any, ctx: StageContext) -> None:
        super().__init__(config, ctx)
        self.filter = self.filter_cls(config)

    def _langs(self, batch: pa.RecordBatch) -> pa.Array | None:
        if self.ctx.lang_column in batch.schema.names:
            return batch.column(self.ctx.lang_column)
        return None

    def process(self, batch: pa.RecordBatch) -> StageOutput:
        from filters.base import Rewriter

        texts = batch.column(self.ctx.text_column)
        langs = self._langs(batch)
        extra = {}
        if getattr(self.filter, "uses_urls", False) and "url" in batch.schema.names:
            extra["urls"] = batch.column("url")
        if isinstance(self.filter, Rewriter):
            new_text, signals = self.filter.rewrite_batch(texts, langs, **extra)
            idx = batch.schema.get_field_index(self.ctx.text_column)
            batch = batch.set_column(idx, self.ctx.text_column, new_text.cast(pa.large_string()))
        else:
            signals = self.filter.signal_batch(texts, langs, **extra)
        reason = self.filter.decide_batch(signals, langs)
        for name in signals.column_names:
            col = signals.column(name).combine_chunks()
            batch = batch.append_column(signal_column(self.name, name), col)
        return StageOutput(batch, reason)

    def thresholds(self) -> dict[str, Any]:
        return filter_thresholds(self.filter, self.name)


def _register_all() -> None:
    import filters

    for reg_name, cls in sorted(filters.FILTERS.items()):
        # Whether the stage rewrites follows from the filter's type, not from an
        # attribute a filter may forget: C4 is a Rewriter and declared nothing, so it
        # used to be registered with rewrites_text=False although it removes lines.
        stage_cls = type(
            f"{cls.__name__}Stage",
            (FilterStage,),
            {
                "__module__": __name__,
                "filter_cls": cls,
                "Config": cls.Config,
                "__doc__": cls.__doc__,
                "rewrites_text": issubclass(cls, filters.Rewriter),
            },
        )
        register(reg_name)(stage_cls)


_register_all()
