"""``fasttext_langid_v1``: fastText language identification as a batch stage.

Adds columns named after ``ctx.lang_column`` (default ``lang``): ``lang``
(normalized code, see :mod:`dataprep.langid.labels`; ``und`` when the policy
rejects the prediction or the text is empty), ``lang_script`` (ISO 15924 script when
the model gives one, e.g. GlotLID/OpenLID ``deu_Latn``; null for lid.176) and
``lang_score`` (top probability, float32, kept even when ``lang`` is ``und`` so
thresholds can be changed later). With ``top_k > 0`` it also adds ``lang_topk``, a
list of ``{lang, script, score}`` for the ``top_k`` best labels.

With the default ``policy: groups`` (:mod:`dataprep.langid.policy`) it also adds
``lang_group_score`` (the summed probability of the top label's confusable group,
which the decision compares with ``min_score``) and, with ``vote``, ``lang_mix``
(list of ``{lang, share}``: character share per label over paragraph chunks) and
``lang_mixed`` (see :mod:`dataprep.langid.mix`); inside three groups (Danish/Norwegian,
Malay/Indonesian, Croatian/Bosnian/Serbian) the member may move by spelling cues
(``cue_margin``, :mod:`dataprep.langid.cues`), and with ``member: lingua`` (or
``cld2``) the Lingua detector restricted to the group (or CLD2) picks it first
(:mod:`dataprep.langid.lingua_member`, :mod:`dataprep.langid.cld2_member`).
``policy: threshold`` is datatrove's rule and writes only the columns above.

Without ``allow``/``block``/``drop_und`` the stage only annotates. Reason codes:
``lang_blocked`` (in ``block``), ``lang_undetermined`` (``und`` while ``drop_und``
is set, or while ``allow`` is set without ``und`` in it), ``lang_not_allowed``
(not in ``allow``). Codes in the lists and in ``min_score_per_lang`` are
normalized like the model's labels, so ``deu`` and ``de`` mean the same.

The default threshold 0.65 is datatrove's ``LanguageFilter`` default (it in turn
follows the CCNet/fastText practice of dropping low-confidence predictions,
Wenzek et al. 2020). The default model is ``lid.176.ftz``, shipped with dataprep;
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
from dataprep.langid import backend, cld2_member, lingua_member
from dataprep.langid.fasttext_batch import FastTextBatchPredictor, load_batch_predictor
from dataprep.langid.labels import UND, Label, normalize_code, normalize_label
from dataprep.langid.mix import Mix, chunks, vote
from dataprep.langid.policy import DEFAULT_GROUPS, MEMBERS, POLICIES, LabelPolicy, letter_shares
from dataprep.recipe.registry import register
from dataprep.stages.base import BatchStage, StageConfig, StageContext, StageOutput

REASON_BLOCKED = "lang_blocked"
REASON_NOT_ALLOWED = "lang_not_allowed"
REASON_UNDETERMINED = "lang_undetermined"
REASONS = (REASON_BLOCKED, REASON_UNDETERMINED, REASON_NOT_ALLOWED)

_TOPK_TYPE = pa.list_(
    pa.struct([("lang", pa.string()), ("script", pa.string()), ("score", pa.float32())])
)
_MIX_TYPE = pa.list_(pa.struct([("lang", pa.string()), ("share", pa.float32())]))
_GROUP_K = 5
"""Top labels read for a group's score (the largest default group has 7 members,
but beyond the 5th label lid.176's probabilities are below 0.01 on real text)."""
Cands = list[tuple[Label, float]]


@dataclass(frozen=True, kw_only=True)
class LangIdConfig(StageConfig):
    """Options of ``fasttext_langid_v1``."""

    model_path: str | None = None
    """fastText model file; ``None`` = ``lid.176.ftz`` shipped with dataprep."""
    max_chars: int | None = 1000
    """Predict on the first N characters (``None`` = whole document). Cost is linear
    in the characters read: on ~4 KB documents 1000 is ~2-4x faster than the whole
    document with the same fixture accuracy, also behind a ~300-character English
    navigation header (500 lost 2.6% there, 200 lost 95%); it also bounds the cost
    of very long documents. See ``benchmarks/bench_langid.py``. Known risk: a page
    whose first 1000 characters are boilerplate in another language."""
    policy: str = "groups"
    """``groups`` (default): accept the top label when its confusable group's summed
    probability reaches ``min_score`` and the text is mostly letters; the group's
    member is the model's choice; paragraph vote and ``lang_mix`` for long texts.
    ``threshold``: datatrove's rule (top probability >= ``min_score``), no extra
    columns, the output of dataprep before the policy existed. See
    :mod:`dataprep.langid.policy`."""
    min_score: float = 0.65
    """Top probability (``threshold``) or group score (``groups``) below this gives
    ``und`` (datatrove's default)."""
    min_score_per_lang: Mapping[str, float] = field(default_factory=dict)
    """Per-language overrides of ``min_score``, keyed by (normalized) language code."""
    groups: Sequence[Sequence[str]] | None = None
    """Confusable groups (``None`` = :data:`~dataprep.langid.policy.DEFAULT_GROUPS`)."""
    weights: Mapping[str, float] = field(default_factory=dict)
    """Multipliers of a label's probability when choosing a group's member (1.0 unless
    given): a prior correction for a language the model under-predicts."""
    min_letter_share: float = 0.65
    """``groups``: below this share of letters among non-space characters -> ``und``."""
    cue_margin: int | None = 2
    """``groups``: move the member of the Danish/Norwegian, Malay/Indonesian or
    Croatian/Bosnian/Serbian group to the other side when that side's spelling cues
    (:mod:`dataprep.langid.cues`) outnumber the chosen side's by at least this many
    (``None`` = the model's member only). 1 scored better on the evaluation; 2 keeps
    one loan word from moving a text."""
    member: str = "model"
    """``groups``: who picks the member of an accepted confusable group: ``model``
    (its probabilities, with ``weights``), ``lingua``, the Lingua detector restricted
    to the group's languages (the ``dataprep[lingua]`` extra; groups whose languages
    it all knows: da/no/nn/sv, id/ms, hr/sr/bs/mk/bg, cs/sk), or ``cld2``, the group's
    language CLD2 finds most of (the ``dataprep[cld2]`` extra; best measured on
    Malay/Indonesian and Latin-script Serbian). Never changes whether a document is
    accepted. ``cue_margin`` applies after any of them. See
    :mod:`dataprep.langid.lingua_member` and :mod:`dataprep.langid.cld2_member`."""
    vote: bool = True
    """``groups``: label paragraph chunks too, for ``lang_mix``, ``lang_mixed`` and the vote."""
    vote_max_chars: int | None = 3000
    """Characters of each document cut into chunks (``None`` = all)."""
    paragraph_bytes: int = 300
    """Minimum UTF-8 bytes of a chunk (consecutive lines are merged up to it)."""
    mixed_share: float = 0.2
    """A second language group with at least this share of characters -> mixed."""
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
    _validate_policy(cfg)


def _validate_policy(cfg: LangIdConfig) -> None:
    if cfg.policy not in POLICIES:
        raise ConfigError(f"policy must be one of {', '.join(POLICIES)}, got {cfg.policy!r}")
    for name in ("min_letter_share", "mixed_share"):
        value = getattr(cfg, name)
        if not 0.0 <= value <= 1.0:
            raise ConfigError(f"{name} must be in [0, 1], got {value}")
    _validate_member(cfg)
    if cfg.cue_margin is not None and cfg.cue_margin < 1:
        raise ConfigError(f"cue_margin must be >= 1 or null, got {cfg.cue_margin}")
    if cfg.paragraph_bytes < 1:
        raise ConfigError(f"paragraph_bytes must be >= 1, got {cfg.paragraph_bytes}")
    if cfg.vote_max_chars is not None and cfg.vote_max_chars < 1:
        raise ConfigError(f"vote_max_chars must be >= 1 or null, got {cfg.vote_max_chars}")
    for code, w in cfg.weights.items():
        if not w > 0:
            raise ConfigError(f"weight for {code!r} must be > 0, got {w}")
    if cfg.groups is not None and isinstance(cfg.groups, str | bytes):
        raise ConfigError("groups must be a list of lists of language codes")


def _validate_member(cfg: LangIdConfig) -> None:
    if cfg.member not in MEMBERS:
        raise ConfigError(f"member must be one of {', '.join(MEMBERS)}, got {cfg.member!r}")
    if cfg.member != "model" and cfg.policy != "groups":
        raise ConfigError(f"member: {cfg.member} needs policy: groups")
    if cfg.member == "lingua":
        lingua_member.require()
    if cfg.member == "cld2":
        cld2_member.require()


def _blank(texts: pa.Array) -> pa.Array:
    """Null, empty or whitespace-only texts (fastText predicts nothing for them)."""
    return pc.fill_null(pc.equal(pc.utf8_length(pc.utf8_trim_whitespace(texts)), 0), True)


@register("fasttext_langid_v1")
class FastTextLangId(BatchStage[LangIdConfig]):
    """Language identification with a fastText model (annotate, optionally filter)."""

    def __init__(self, config: LangIdConfig, ctx: StageContext) -> None:
        super().__init__(config, ctx)
        self._allow = _codes(config.allow, "allow")
        self._block = _codes(config.block, "block")
        groups = DEFAULT_GROUPS if config.groups is None else config.groups
        self.policy = LabelPolicy(
            policy=config.policy,
            min_score=config.min_score,
            min_score_per_lang={normalize_code(k): v for k, v in config.min_score_per_lang.items()},
            groups=[[normalize_code(c) for c in g] for g in groups],
            weights={normalize_code(k): v for k, v in config.weights.items()},
            min_letter_share=config.min_letter_share,
            cue_margin=config.cue_margin,
            member=config.member,
        )
        self.model_path = backend.resolve_model_path(config.model_path)
        self._model: Any = None
        self._batch: FastTextBatchPredictor | None = None
        self._batch_looked_up = False
        self._labels: dict[str, Label] = {}
        col = ctx.lang_column
        self.columns = (col, f"{col}_script", f"{col}_score", f"{col}_topk")
        self.group_columns = (f"{col}_group_score", f"{col}_mix", f"{col}_mixed")

    @property
    def _groups(self) -> bool:
        return self.config.policy == "groups"

    @property
    def _k(self) -> int:
        return max(self.config.top_k, _GROUP_K if self._groups else 1)

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
        column = self.group_columns[0] if self._groups else self.columns[2]
        return {column: self.config.min_score}

    # -- per document ------------------------------------------------------------
    def _label(self, raw: str) -> Label:
        label = self._labels.get(raw)
        if label is None:
            label = normalize_label(raw, to_iso639_1=self.config.iso639_1)
            self._labels[raw] = label
        return label

    def _line_candidates(self, text: str | None, max_chars: int | None) -> Cands:
        """The model's top labels for one text, through fastText itself."""
        if text is None or not text.strip():
            return []
        line = backend.prepare_line(text, max_chars)
        preds = backend.predict_line(self.model, line, self._k)
        return [(self._label(raw), min(float(p), 1.0)) for p, raw in preds]

    def predict(self, text: str | None) -> tuple[Label, float, list[tuple[Label, float]]]:
        """(label or ``und``, top score, top-k candidates) for one text (whole-text
        decision, no paragraph vote)."""
        cands = self._line_candidates(text, self.config.max_chars)
        if not cands or text is None:
            return Label(UND, None), 0.0, []
        share = letter_shares(pa.array([text], pa.string()), self.config.max_chars)[0]
        cut = text if self.config.max_chars is None else text[: self.config.max_chars]
        best, _ = self.policy.decide(cands, share, cut if self.policy.reads_text(cands) else None)
        return best, cands[0][1], cands

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
        self,
        predictor: FastTextBatchPredictor,
        texts: pa.Array,
        max_chars: int | None,
        blank: pa.Array | None = None,
    ) -> list[Cands]:
        """:meth:`_line_candidates` of every text, through the batch predictor
        (``blank``: which texts are blank, when ``texts`` were cut before)."""
        import numpy as np

        preds = predictor.predict(texts, k=self._k, max_chars=max_chars)
        if blank is None:
            blank = _blank(texts)
        labels = np.empty(len(predictor.labels) + 1, dtype=object)  # Labels are tuples
        labels[:-1] = [self._label(raw) for raw in predictor.labels]
        # -1 (no prediction) fills whole rows only: those texts get no candidates
        empty = blank.to_numpy(zero_copy_only=False) | (preds.labels[:, 0] < 0)
        names = labels[preds.labels].tolist()
        scores = np.minimum(preds.scores, 1.0).tolist()
        return [
            [] if e else list(zip(n, p, strict=True))
            for e, n, p in zip(empty.tolist(), names, scores, strict=True)
        ]

    def candidates(
        self, texts: pa.Array, max_chars: int | None, extra: Sequence[str] = ()
    ) -> list[Cands]:
        """Top labels of every text (its first ``max_chars`` characters), then of every
        text of ``extra`` (whole): the batch predictor when it reads the model, in one
        call for both (a paragraph shares its words with its document), else fastText
        one line at a time (the reference; same labels)."""
        predictor = self.batch_predictor
        if predictor is None:
            return [self._line_candidates(t, max_chars) for t in texts.to_pylist()] + [
                self._line_candidates(t, None) for t in extra
            ]
        if not extra:
            return self._batch_candidates(predictor, texts, max_chars)
        if isinstance(texts, pa.ChunkedArray):
            texts = texts.combine_chunks()
        more = pa.array(extra, texts.type)
        head = texts.fill_null("")
        if max_chars is not None:
            head = pc.utf8_slice_codeunits(head, 0, max_chars)
        blank = pa.concat_arrays([_blank(texts), _blank(more)])
        both = pa.concat_arrays([head, more])
        return self._batch_candidates(predictor, both, None, blank)

    def _decide_all(
        self, texts: pa.Array, max_chars: int | None, extra: Sequence[str] = ()
    ) -> list[tuple[Label, float, Cands]]:
        """(label, decision score, candidates) of every text, then of every ``extra``."""
        cands = self.candidates(texts, max_chars, extra)
        if self._groups:
            shares = letter_shares(texts, max_chars) + letter_shares(extra, None)
        else:  # ``threshold`` does not read the letter share
            shares = [0.0] * len(cands)
        read = [self.policy.reads_text(c) for c in cands]
        strs: list[str | None] = [None] * len(cands)
        if any(read):  # the texts the model read, only for groups with spelling cues
            n = len(texts)
            for i in (i for i, r in enumerate(read) if r):
                t = texts[i].as_py() if i < n else extra[i - n]
                strs[i] = t[:max_chars] if i < n and max_chars is not None else t
        out = []
        for c, share, text in zip(cands, shares, strs, strict=True):
            best, score = self.policy.decide(c, share, text)
            out.append((best, score, c))
        return out

    def _chunks(self, texts: list[str | None]) -> list[list[str]]:
        cfg = self.config
        return [
            chunks(t, min_bytes=cfg.paragraph_bytes, max_chars=cfg.vote_max_chars) if t else []
            for t in texts
        ]

    def _mixes(
        self,
        parts: list[list[str]],
        chunk_results: list[tuple[Label, float, Cands]],
        whole: list[Label],
    ) -> list[Mix]:
        """The vote of every text from the labels of its paragraph chunks (those of
        the texts with more than one chunk, in order, in ``chunk_results``)."""
        decided = iter(chunk_results)
        out = []
        for ps, label in zip(parts, whole, strict=True):
            if len(ps) > 1:
                labels = [next(decided)[0] for _ in ps]
                out.append(vote(ps, labels, label, self.policy.group_key, self.config.mixed_share))
            else:
                shares = [(label.lang, 1.0)] if ps else []
                out.append(Mix(shares, None, False))
        return out

    # -- per batch ---------------------------------------------------------------
    def process(self, batch: pa.RecordBatch) -> StageOutput:
        column = batch.column(self.ctx.text_column)
        voting = self._groups and self.config.vote
        parts = self._chunks(column.to_pylist()) if voting else []
        # the chunks of texts with more than one are labelled with the texts, in one call
        flat = [p for ps in parts for p in ps if len(ps) > 1]
        decided = self._decide_all(column, self.config.max_chars, flat)
        results = decided[: len(column)]
        mixes: list[Mix] = []
        if voting:
            mixes = self._mixes(parts, decided[len(column) :], [r[0] for r in results])
        langs: list[str] = []
        scripts: list[str | None] = []
        scores: list[float] = []
        group_scores: list[float] = []
        topk: list[list[dict[str, Any]]] = []
        reasons: list[str | None] = []
        for i, (best, score, cands) in enumerate(results):
            voted = mixes[i].label if mixes else None
            if voted is not None:
                best = voted
            langs.append(best.lang)
            scripts.append(best.script)
            scores.append(cands[0][1] if cands else 0.0)
            group_scores.append(score)
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
        if self._groups:
            new.append((self.group_columns[0], pa.array(group_scores, pa.float32())))
        if mixes:
            mix = [[{"lang": lang, "share": s} for lang, s in m.shares] for m in mixes]
            new.append((self.group_columns[1], pa.array(mix, _MIX_TYPE)))
            new.append((self.group_columns[2], pa.array([m.mixed for m in mixes], pa.bool_())))
        out = batch
        for name, values in new:
            idx = out.schema.get_field_index(name)  # an existing column is replaced
            out = out.set_column(idx, name, values) if idx >= 0 else out.append_column(name, values)
        return StageOutput(out, pa.array(reasons, pa.string()))
