"""``dirty_words_v1``: count words from per-language blocklists; drop above a threshold.

Llama 3 (Dubey et al. 2024, section 3.1.1) uses "dirty word counting (Raffel et al.,
2020) to filter out adult websites that are not covered by domain block lists". C4
(Raffel et al. 2020, section 2.2) removed "any page that contained any word on the
'List of Dirty, Naughty, Obscene or Otherwise Bad Words'": hence the default
``max_count: 0`` (more than 0 matches drops). ``max_ratio`` (dirty words / words,
divided by max(words, 1)) is the softer alternative; either is disabled by null.

Lists are user-supplied files (``blocklists: {lang: path}``; key ``"*"`` applies to
every document); none ships with dataprep. The document language comes from the
``lang`` column (``fasttext_langid_v1``) when present, else ``default_lang``; codes are
normalized like the filters' (``eng``, ``en-US``, ``__label__en`` -> ``en``). Matching
(substring for unsegmented scripts, token sequences otherwise) is in :mod:`.blocklists`.

Columns: ``{name}__count`` (int32, matches) and ``{name}__ratio`` (float64); both null
for a document no list applies to (it is kept). Reason ``dirty_words``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pyarrow as pa

from dataprep.errors import ConfigError
from dataprep.output.columns import signal_column
from dataprep.recipe.registry import register
from dataprep.stages.base import BatchStage, StageConfig, StageContext, StageOutput

from ._common import add_columns, positive_or_none, reason_list
from .blocklists import (
    Blocklist,
    check_blocklist,
    compile_terms,
    count_dirty,
    merge,
    read_terms,
)

REASON = "dirty_words"
ALL_LANGS = "*"


@dataclass(frozen=True, kw_only=True)
class DirtyWordsConfig(StageConfig):
    """Options of ``dirty_words_v1``."""

    blocklists: Mapping[str, str] = field(default_factory=dict)
    """Language code (or ``*`` for all) -> path of a blocklist file (one term a line)."""
    default_lang: str | None = None
    """Language of documents without a ``lang`` column value."""
    max_count: int | None = 0
    """Drop when matches exceed this (C4: any match drops); None disables."""
    max_ratio: float | None = None
    """Drop when dirty words / words exceeds this; None disables."""

    def __post_init__(self) -> None:
        if not self.blocklists:
            raise ConfigError("dirty_words_v1 needs at least one entry in blocklists")
        for lang, path in self.blocklists.items():
            check_blocklist(f"blocklists[{lang!r}]", path)
        if self.max_count is not None and self.max_count < 0:
            raise ConfigError(f"max_count must be >= 0 or null, got {self.max_count}")
        positive_or_none("max_ratio", self.max_ratio, allow_zero=True)


@register("dirty_words_v1")
class DirtyWords(BatchStage[DirtyWordsConfig]):
    """Count blocklisted words per document; drop documents above the threshold."""

    def __init__(self, config: DirtyWordsConfig, ctx: StageContext) -> None:
        super().__init__(config, ctx)
        self._lists: dict[str, Blocklist] | None = None
        self._merged: dict[str | None, list[Blocklist]] = {}

    def setup(self) -> None:
        from filters._lang import normalize_lang

        lists: dict[str, Blocklist] = {}
        for lang, path in sorted(self.config.blocklists.items()):
            key = ALL_LANGS if lang == ALL_LANGS else normalize_lang(lang) or lang
            lists[key] = compile_terms(read_terms(path))
        self._lists = lists

    def _lists_for(self, lang: str | None) -> list[Blocklist]:
        from filters._lang import normalize_lang

        if self._lists is None:
            raise RuntimeError(f"{self.name}: setup() must run before the first batch")
        code = normalize_lang(lang) if lang else None
        cached = self._merged.get(code)
        if cached is not None:
            return cached
        out = [self._lists[ALL_LANGS]] if ALL_LANGS in self._lists else []
        if code is not None and code in self._lists:
            out.append(self._lists[code])
        # one merged list per language, compiled once: a term in both counts once
        self._merged[code] = [merge(out)] if out else []
        return self._merged[code]

    def process(self, batch: pa.RecordBatch) -> StageOutput:
        if self._lists is None:
            self.setup()
        cfg = self.config
        texts = batch.column(self.ctx.text_column).to_pylist()
        if self.ctx.lang_column in batch.schema.names:
            langs = batch.column(self.ctx.lang_column).cast(pa.string()).to_pylist()
        else:
            langs = [None] * len(texts)
        counts: list[int | None] = []
        ratios: list[float | None] = []
        why: list[str | None] = []
        for text, lang in zip(texts, langs, strict=True):
            lists = self._lists_for(lang if lang is not None else cfg.default_lang)
            if not lists or text is None:
                counts.append(None)
                ratios.append(None)
                why.append(None)
                continue
            matches, dirty, words = count_dirty(text, lists)
            ratio = dirty / max(words, 1)
            counts.append(matches)
            ratios.append(ratio)
            over = (cfg.max_count is not None and matches > cfg.max_count) or (
                cfg.max_ratio is not None and ratio > cfg.max_ratio
            )
            why.append(REASON if over else None)
        batch = add_columns(
            batch,
            {
                signal_column(self.name, "count"): pa.array(counts, pa.int32()),
                signal_column(self.name, "ratio"): pa.array(ratios, pa.float64()),
            },
        )
        return StageOutput(batch, reason_list(why))

    def thresholds(self) -> dict[str, float | int | None]:
        return {
            signal_column(self.name, "count"): self.config.max_count,
            signal_column(self.name, "ratio"): self.config.max_ratio,
        }
