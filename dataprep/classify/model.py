"""One fastText classifier file: where it is, how its input is prepared, how it scores.

:class:`Classifier` resolves the path when built (a missing file is a ConfigError
in the driver, before any work), reads the model card when there is one
(:mod:`dataprep.classify.card`) and loads the model lazily, once per process,
through :func:`dataprep.langid.backend.load_model` (same backend check, same cache).
Scoring calls only the low-level ``model.f.predict(line, -1, 0.0, "replace")``,
which every ``fasttext`` backend has and which needs no numpy (FACTS.md).

Options given in the recipe win over the card; without either, the defaults of
:class:`~dataprep.classify.text.Preprocessing` apply. Labels are used without
the ``__label__`` prefix (``hq``), and either spelling is accepted in options.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from dataprep.classify.card import CARD_SUFFIX, card_path, read_card
from dataprep.classify.text import Preprocessing, fasttext_line, preprocess
from dataprep.errors import ConfigError
from dataprep.io import storage
from dataprep.langid import backend
from dataprep.langid.fasttext_batch import load_batch_predictor
from dataprep.langid.fasttext_file import LOSS_HS

LABEL_PREFIX = "__label__"


def strip_label(label: str) -> str:
    """``__label__hq`` -> ``hq``."""
    return label[len(LABEL_PREFIX) :] if label.startswith(LABEL_PREFIX) else label


def resolve(path: str | Path) -> Path:
    """Absolute path of an existing model file; relative paths are from the current folder.

    A URL is fetched (``storage.option_file``) with its model card beside it, when the
    store has one (``MODEL.json``): the card carries the preprocessing and the positive
    label the model was trained with."""
    p = storage.option_file("classifier model", path)
    if storage.is_remote(str(path)):
        card = storage.to_path(f"{path}{CARD_SUFFIX}")
        if storage.is_file(card):
            local = storage.option_file("model card", str(card))
            target = card_path(p)
            tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
            shutil.copyfile(local, tmp)
            os.replace(tmp, target)
    if not p.is_file():
        raise ConfigError(
            f"classifier model file not found: {p} (relative paths are resolved from the "
            f"current folder {Path.cwd()}; train one with `dataprep train-classifier ... "
            f"--output {p}`)"
        )
    return p.resolve()


class Classifier:
    """A fastText classifier file with its preprocessing and positive label."""

    def __init__(
        self,
        path: str | Path,
        *,
        positive_label: str | None = None,
        lowercase: bool | None = None,
        max_chars: int | None = None,
    ) -> None:
        self.path = resolve(path)
        card = read_card(self.path) or {}
        pre = card.get("preprocessing") or {}
        try:
            self.preprocessing = Preprocessing(
                lowercase=pre.get("lowercase", True) if lowercase is None else lowercase,
                max_chars=pre.get("max_chars", Preprocessing().max_chars)
                if max_chars is None
                else max_chars,
            )
        except ValueError as e:
            raise ConfigError(f"{self.path}: {e}") from e
        chosen = positive_label if positive_label is not None else card.get("positive_label")
        self._positive = strip_label(chosen) if chosen is not None else None
        self._model: Any = None
        self._labels: tuple[str, ...] | None = None

    def __getstate__(self) -> dict[str, Any]:
        # fastText models do not pickle; a copy in another process reloads lazily.
        return {**self.__dict__, "_model": None}

    @property
    def model(self) -> Any:
        """The fastText model, loaded on first use (cached per process by path)."""
        if self._model is None:
            self._model = backend.load_model(self.path)
        return self._model

    @property
    def labels(self) -> tuple[str, ...]:
        """The model's labels, sorted (asked from the model: an empty line scores them all)."""
        if self._labels is None:
            predictor = load_batch_predictor(self.path)
            if predictor is not None:  # the file's own list: fastText need not load it
                raw_labels = list(predictor.labels)
            else:
                raw_labels = [raw for _, raw in backend.predict_line(self.model, "\n", -1)]
            self._labels = tuple(sorted(strip_label(raw) for raw in raw_labels))
        return self._labels

    @property
    def positive_label(self) -> str:
        """The label whose probability is the score; ConfigError if unknown to the model."""
        labels = self.labels
        if self._positive is None:
            raise ConfigError(
                f"{self.path}: set positive_label (the model has no card; its labels are "
                f"{', '.join(labels)})"
            )
        if self._positive not in labels:
            raise ConfigError(
                f"{self.path}: positive_label {self._positive!r} is not one of the model's "
                f"labels ({', '.join(labels)})"
            )
        return self._positive

    def prepare(self, text: str | None) -> str:
        """The text as this classifier sees it (see :mod:`dataprep.classify.text`)."""
        return preprocess(text, self.preprocessing)

    def probabilities(self, text: str | None) -> dict[str, float] | None:
        """Label -> probability (clipped to [0, 1]); ``None`` when nothing is left to score.

        The per-document reference: fastText itself, one line at a time.
        """
        prepared = self.prepare(text)
        if not prepared:
            return None
        preds = backend.predict_line(self.model, fasttext_line(prepared), -1)
        return {strip_label(raw): min(max(float(p), 0.0), 1.0) for p, raw in preds}

    def probabilities_batch(self, texts: Sequence[str | None]) -> list[dict[str, float] | None]:
        """:meth:`probabilities` of many texts, through the batch predictor when it reads
        this model file and pays off for it (models with character n-grams; same labels,
        scores within 2e-5; fastText's hierarchical softmax leaves out labels below 1e-5,
        and so does this), else through fastText per document."""
        predictor = load_batch_predictor(self.path)
        prepared = [self.prepare(t) for t in texts]
        todo = [i for i, p in enumerate(prepared) if p]
        try:
            lines = pa.array([prepared[i] for i in todo], pa.string())
        except (UnicodeEncodeError, pa.ArrowException):
            predictor = None  # lone surrogates: only fastText's own reading handles them
        if predictor is None:
            return [self.probabilities(t) for t in texts]
        hidden, counts = predictor.hidden(lines)
        probs = predictor.probabilities(hidden).astype(np.float64)
        names = [strip_label(raw) for raw in predictor.labels]
        pruned = predictor.model.loss == LOSS_HS
        out: list[dict[str, float] | None] = [None] * len(texts)
        for row, i in enumerate(todo):
            if counts[row] == 0:  # fastText predicts nothing for a line without rows
                out[i] = {}
                continue
            values = probs[row].tolist()
            out[i] = {
                n: min(max(v, 0.0), 1.0)
                for n, v in zip(names, values, strict=True)
                if not (pruned and v < 1e-5)
            }
        return out
