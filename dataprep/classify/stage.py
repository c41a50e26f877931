"""Stages ``classifier_v1`` (per batch) and ``classifier_top_v1`` (global).

Both apply any fastText classifier file to each document: one trained with
``dataprep train-classifier`` (its card supplies preprocessing and positive
label) or an external one such as DCLM's (set ``positive_label`` and the
preprocessing options). ``models_per_lang`` picks a model by the ``lang`` column
(written by ``fasttext_langid_v1``); ``model_path`` is the fallback. Models are
loaded once per worker process and never pickled.

Columns (``S`` = the stage's instance name):

* ``S__score`` (float32): probability of the positive label; null when unscored
  (no model for the language, or no text left after preprocessing);
* ``S__label`` (string): the most probable label (ties: alphabetical first);
* ``S__p_LABEL`` (float32), one per label of the models, with ``label_columns: true``
  (``classifier_v1`` only).

``classifier_v1`` keeps documents with ``score >= min_score`` (per-language
overrides in ``min_score_per_lang``); without ``min_score`` it only annotates.
``classifier_top_v1`` keeps exactly the top ``fraction`` of the scored documents
by score, ties broken by input order (:mod:`dataprep.classify.top`), optionally
within each value of a column (``within: lang``). Reasons:
``classifier_low_score``, ``classifier_below_top_fraction``, ``classifier_unscored``
(only with ``unscored: drop``; by default unscored documents are kept).

``classifier_top_v1``'s fit (what a run uses) is partitioned, as executor tasks
(:mod:`.top_fit`): group counts per work unit, each group's cutoff and the summary's
quantiles by radix selection over the units' scores, a decision file per unit. The
driver holds a few numbers per group and 256 counters per selection query, nothing per
document; ``fit``, the single-process reference it equals, held every document's score,
label and position on the driver.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from dataprep.classify.scoring import Scorer
from dataprep.classify.top import keep_count, top_fraction
from dataprep.classify.top_fit import QUANTILES, ClassifierTopFit
from dataprep.errors import ConfigError, InputError
from dataprep.langid.labels import normalize_code
from dataprep.output.columns import (
    COPIES_COL,
    INTERNAL_COLUMNS,
    REASON_COL,
    REPEAT_COL,
    ROW_COL,
    SHARD_COL,
    signal_column,
)
from dataprep.recipe.registry import register
from dataprep.stages.base import BatchStage, GlobalStage, StageConfig, StageContext, StageOutput

REASON_LOW = "classifier_low_score"
REASON_TOP = "classifier_below_top_fraction"
REASON_UNSCORED = "classifier_unscored"
REASONS = (REASON_LOW, REASON_TOP, REASON_UNSCORED)
_OUT_BATCH = 1 << 16


@dataclass(frozen=True, kw_only=True)
class ModelOptions(StageConfig):
    """Which classifier(s) to apply and how to prepare the text."""

    model_path: str | None = None
    """fastText model file (relative to the current folder); the fallback with
    ``models_per_lang``."""
    models_per_lang: Mapping[str, str] = field(default_factory=dict)
    """Language code -> model file, chosen by the ``lang`` column."""
    positive_label: str | None = None
    """Label whose probability is ``S__score`` (``hq`` or ``__label__hq``); default: the
    model card's."""
    lowercase: bool | None = None
    """Lower-case before scoring; default: the model card's, else true."""
    max_chars: int | None = None
    """Characters scored after collapsing whitespace (0 = all); default: the card's, else
    2000."""
    unscored: Literal["keep", "drop"] = "keep"
    """Documents without a model for their language or without text: keep or drop."""

    def __post_init__(self) -> None:
        if self.model_path is None and not self.models_per_lang:
            raise ConfigError("set model_path, models_per_lang, or both")
        if self.max_chars is not None and self.max_chars < 0:
            raise ConfigError(f"max_chars must be >= 0 (0 = whole text), got {self.max_chars}")
        if self.unscored not in ("keep", "drop"):
            raise ConfigError(f"unscored must be 'keep' or 'drop', got {self.unscored!r}")


@dataclass(frozen=True, kw_only=True)
class ClassifierConfig(ModelOptions):
    """Options of ``classifier_v1``."""

    min_score: float | None = None
    """Keep documents whose score is at least this; ``None`` = annotate only."""
    min_score_per_lang: Mapping[str, float] = field(default_factory=dict)
    """Per-language overrides of ``min_score``."""
    label_columns: bool = False
    """Also write ``S__p_LABEL`` for every label of the model(s)."""

    def __post_init__(self) -> None:
        super().__post_init__()
        for key, value in {"min_score": self.min_score, **self.min_score_per_lang}.items():
            if value is not None and not 0.0 <= value <= 1.0:
                raise ConfigError(f"min_score for {key!r} must be in [0, 1], got {value}")


@dataclass(frozen=True, kw_only=True)
class TopConfig(ModelOptions):
    """Options of ``classifier_top_v1``."""

    fraction: float = 0.1
    """Share of the scored documents to keep (exactly; see dataprep.classify.top)."""
    within: str | None = None
    """Rank within each value of this column (e.g. ``lang``); ``None`` = whole corpus."""

    def __post_init__(self) -> None:
        super().__post_init__()
        if not 0.0 < self.fraction <= 1.0:
            raise ConfigError(f"fraction must be in (0, 1], got {self.fraction}")


def _scorer(cfg: ModelOptions) -> Scorer:
    return Scorer(
        model_path=cfg.model_path,
        models_per_lang=cfg.models_per_lang,
        positive_label=cfg.positive_label,
        lowercase=cfg.lowercase,
        max_chars=cfg.max_chars,
    )


def _set(batch: pa.RecordBatch, name: str, values: pa.Array) -> pa.RecordBatch:
    idx = batch.schema.get_field_index(name)  # an existing column is replaced
    return batch.set_column(idx, name, values) if idx >= 0 else batch.append_column(name, values)


class _ScoringStage:
    """What both stages share: the scorer (each Classifier drops its model when pickled)."""

    scorer: Scorer
    ctx: StageContext

    def setup(self) -> None:
        self.scorer.load()

    @property
    def score_column(self) -> str:
        return signal_column(self.ctx.name, "score")

    @property
    def label_column(self) -> str:
        return signal_column(self.ctx.name, "label")


@register("classifier_v1")
class ClassifierStage(_ScoringStage, BatchStage[ClassifierConfig]):
    """Score documents with fastText classifier(s); keep by threshold or annotate."""

    def __init__(self, config: ClassifierConfig, ctx: StageContext) -> None:
        super().__init__(config, ctx)
        self.scorer = _scorer(config)
        self._min = {normalize_code(k): v for k, v in config.min_score_per_lang.items()}

    def required_columns(self) -> Sequence[str]:
        per_lang = bool(self.config.models_per_lang or self.config.min_score_per_lang)
        return (self.ctx.text_column, *((self.ctx.lang_column,) if per_lang else ()))

    def thresholds(self) -> dict[str, Any]:
        if self.config.min_score is None and not self._min:
            return {}
        if not self._min:
            return {self.score_column: self.config.min_score}
        return {self.score_column: {"default": self.config.min_score, **self._min}}

    def _threshold(self, lang: Any) -> float | None:
        if self._min and lang is not None:
            found = self._min.get(normalize_code(str(lang)))
            if found is not None:
                return found
        return self.config.min_score

    def process(self, batch: pa.RecordBatch) -> StageOutput:
        s = self.scorer.score_batch(batch, self.ctx.text_column, self.ctx.lang_column)
        names = batch.schema.names
        langs = (
            batch.column(self.ctx.lang_column).to_pylist()
            if self._min and self.ctx.lang_column in names
            else [None] * batch.num_rows
        )
        reasons: list[str | None] = []
        for score, lang in zip(s.score, langs, strict=True):
            if score is None:
                reasons.append(REASON_UNSCORED if self.config.unscored == "drop" else None)
                continue
            threshold = self._threshold(lang)
            reasons.append(REASON_LOW if threshold is not None and score < threshold else None)
        out = _set(batch, self.score_column, pa.array(s.score, pa.float32()))
        out = _set(out, self.label_column, pa.array(s.label, pa.string()))
        if self.config.label_columns:
            for label in self.scorer.labels():
                values = [None if p is None else p.get(label, 0.0) for p in s.probs]
                out = _set(
                    out, signal_column(self.ctx.name, f"p_{label}"), pa.array(values, pa.float32())
                )
        return StageOutput(out, pa.array(reasons, pa.string()))


@register("classifier_top_v1")
class ClassifierTopStage(ClassifierTopFit, _ScoringStage, GlobalStage[TopConfig]):
    """Keep exactly the top fraction of documents by classifier score (global)."""

    def __init__(self, config: TopConfig, ctx: StageContext) -> None:
        super().__init__(config, ctx)
        self.scorer = _scorer(config)
        self._cutoffs: dict[str, float | None] = {}

    def required_columns(self) -> Sequence[str]:
        extra = [self.ctx.lang_column] if self.config.models_per_lang else []
        if self.config.within is not None:
            extra.append(self.config.within)
        return (self.ctx.text_column, *dict.fromkeys(extra))

    def thresholds(self) -> dict[str, Any]:
        """The lowest kept score (per group with ``within``), known after ``fit``."""
        if not self._cutoffs:
            return {}
        if self.config.within is None:
            return {self.score_column: self._cutoffs.get("all")}
        return {self.score_column: dict(self._cutoffs)}

    def observe(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        s = self.scorer.score_batch(batch, self.ctx.text_column, self.ctx.lang_column)
        cols = [pa.array(s.score, pa.float64()), pa.array(s.label, pa.string())]
        names = ["score", "label"]
        if self.config.within is not None:
            if self.config.within not in batch.schema.names:
                raise InputError(
                    f"{self.name}: the documents have no column {self.config.within!r}"
                )
            group = pc.fill_null(batch.column(self.config.within).cast(pa.string()), "null")
            cols.append(group)
            names.append("group")
        return pa.RecordBatch.from_arrays(cols, names)

    # -- driver ------------------------------------------------------------------
    def fit(self, observations: Sequence[Path], workdir: Path) -> Iterator[pa.RecordBatch]:
        """The single-process fit (the reference of the partitioned fit, which runs)."""
        table = read_observations(observations, self.config.within is not None)
        scores = table.column("score").to_numpy(zero_copy_only=False).astype(np.float64)
        shard, row, rep = (table.column(c).to_numpy(zero_copy_only=False) for c in INTERNAL_COLUMNS)
        groups, names = None, ["all"]
        if self.config.within is not None:
            encoded = pc.dictionary_encode(table.column("group").combine_chunks())
            found = encoded.dictionary.to_pylist()
            names = sorted(found)
            remap = np.array([names.index(x) for x in found], dtype=np.int64)
            groups = remap[encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)]
        keep, cutoffs = top_fraction(
            scores, self.config.fraction, shard=shard, row=row, repeat=rep, groups=groups
        )
        unscored = np.isnan(scores)
        gidx = np.zeros(scores.size, np.int64) if groups is None else groups
        stats = [
            (
                int((gidx == i).sum()),
                int(((gidx == i) & ~unscored).sum()),
                int(keep[gidx == i].sum()),
            )
            for i in range(len(names))
        ]
        valid = scores[~unscored]
        quantiles = (
            {f"p{q}": float(np.quantile(valid, q / 100)) for q in QUANTILES} if valid.size else {}
        )
        self._summary = self.summary_of(stats, names, cutoffs, quantiles)
        self.set_cutoffs(names, cutoffs)
        for start in range(0, scores.size, _OUT_BATCH):
            stop = min(start + _OUT_BATCH, scores.size)
            part = table.slice(start, stop - start)
            yield self.decision_batch(
                part, keep[start:stop], unscored[start:stop], scores[start:stop]
            )

    def restore_fit(self, summary: dict[str, Any]) -> None:
        """The cutoffs of a fit read back on ``--resume``, from its summary's groups."""
        super().restore_fit(summary)
        groups: dict[str, dict[str, Any]] = summary.get("groups", {})
        self._cutoffs = {name: g.get("cutoff_score") for name, g in groups.items()}

    def set_cutoffs(self, names: Sequence[str], cutoffs: Mapping[int, float | None]) -> None:
        """Remember the lowest kept score per group (for ``thresholds``)."""
        self._cutoffs = {name: cutoffs.get(i) for i, name in enumerate(names)}

    def decision_batch(
        self, table: pa.Table, keep: np.ndarray, unscored: np.ndarray, scores: np.ndarray
    ) -> pa.RecordBatch:
        """The decision rows of the observation rows ``table``, given which are kept."""
        reason = np.where(keep, None, REASON_TOP).astype(object)  # type: ignore[call-overload]
        reason[unscored] = REASON_UNSCORED if self.config.unscored == "drop" else None
        cols = [table.column(c).combine_chunks() for c in INTERNAL_COLUMNS]
        cols.append(pa.array(reason.tolist(), pa.string()))
        cols.append(pa.array(np.ones(table.num_rows, np.int32)))
        cols.append(pa.array(scores, pa.float32(), mask=unscored))
        cols.append(table.column("label").combine_chunks())
        return pa.RecordBatch.from_arrays(
            cols,
            [*INTERNAL_COLUMNS, REASON_COL, COPIES_COL, self.score_column, self.label_column],
        )

    def summary_of(
        self,
        stats: Sequence[tuple[int, int, int]],
        names: Sequence[str],
        cutoffs: Mapping[int, float | None],
        quantiles: dict[str, float],
    ) -> dict[str, Any]:
        """The summary from each group's (documents, scored, kept by score), its
        cutoff and the scores' quantiles."""
        per_group = {}
        for i, (name, (docs, n_scored, kept)) in enumerate(zip(names, stats, strict=True)):
            per_group[name] = {
                "docs": docs,
                "scored": n_scored,
                "kept_by_score": kept,
                "expected_kept": keep_count(self.config.fraction, n_scored),
                "cutoff_score": cutoffs.get(i),
            }
        docs = sum(s[0] for s in stats)
        unscored = docs - sum(s[1] for s in stats)
        kept = sum(s[2] for s in stats)
        return {
            "fraction": self.config.fraction,
            "within": self.config.within,
            "unscored": self.config.unscored,
            "docs": docs,
            "unscored_docs": unscored,
            "kept": kept + (unscored if self.config.unscored == "keep" else 0),
            "score_quantiles": quantiles,
            "groups": per_group,
        }


def read_observations(paths: Sequence[Path], grouped: bool) -> pa.Table:
    cols = ["score", "label", *(["group"] if grouped else []), SHARD_COL, ROW_COL, REPEAT_COL]
    tables = []
    for path in paths:
        try:
            with pa.memory_map(str(path)) as source:
                tables.append(pa.ipc.open_file(source).read_all().select(cols))
        except (OSError, pa.ArrowInvalid, KeyError) as e:
            raise InputError(f"cannot read classifier observations {path}: {e}") from e
    if not tables:
        types = [pa.float64(), pa.string(), *([pa.string()] if grouped else [])]
        types += [pa.int32(), pa.int64(), pa.int32()]
        return pa.table([pa.array([], t) for t in types], names=cols)
    return pa.concat_tables(tables).combine_chunks()


__all__ = ["REASONS", "ClassifierConfig", "ClassifierStage", "ClassifierTopStage", "TopConfig"]
