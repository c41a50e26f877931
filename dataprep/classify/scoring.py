"""Route each document to its classifier (per language or the fallback) and score it.

Shared by ``classifier_v1`` and ``classifier_top_v1``. A document is *unscored*
(score null) when no model covers its language or when its text is empty after
preprocessing; the stages decide what that means (option ``unscored``).
Language keys are normalized like language-ID labels (``deu`` and ``de`` are the
same), and so are the values of the ``lang`` column before lookup.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from dataprep.classify.model import Classifier
from dataprep.errors import ConfigError
from dataprep.langid.labels import normalize_code


@dataclass
class Scores:
    """Per-document results of one batch."""

    score: list[float | None]
    label: list[str | None]
    probs: list[dict[str, float] | None]


class Scorer:
    """The fallback classifier plus one per language; loaded lazily, once per process."""

    def __init__(
        self,
        *,
        model_path: str | None,
        models_per_lang: Mapping[str, str],
        positive_label: str | None,
        lowercase: bool | None,
        max_chars: int | None,
    ) -> None:
        if model_path is None and not models_per_lang:
            raise ConfigError("set model_path, models_per_lang, or both")
        opts: dict[str, Any] = {
            "positive_label": positive_label,
            "lowercase": lowercase,
            "max_chars": max_chars,
        }
        self.fallback = Classifier(model_path, **opts) if model_path is not None else None
        self.per_lang = {
            normalize_code(lang): Classifier(path, **opts) for lang, path in models_per_lang.items()
        }

    @property
    def classifiers(self) -> list[Classifier]:
        found = [*self.per_lang.values(), *([self.fallback] if self.fallback else [])]
        return found

    def load(self) -> None:
        """Load every model and check its positive label (once per worker)."""
        for clf in self.classifiers:
            _ = clf.positive_label

    def labels(self) -> list[str]:
        """Union of the labels of every model, sorted."""
        return sorted({label for clf in self.classifiers for label in clf.labels})

    def classifier_for(self, lang: str | None) -> Classifier | None:
        if lang is not None and self.per_lang:
            found = self.per_lang.get(normalize_code(lang))
            if found is not None:
                return found
        return self.fallback

    def score_batch(self, batch: pa.RecordBatch, text_column: str, lang_column: str) -> Scores:
        texts = batch.column(text_column).to_pylist()
        if self.per_lang:
            if lang_column not in batch.schema.names:
                raise ConfigError(
                    f"models_per_lang needs the language column {lang_column!r}; put a "
                    "fasttext_langid_v1 stage before this one"
                )
            langs: list[Any] = batch.column(lang_column).to_pylist()
        else:
            langs = [None] * len(texts)
        chosen = [self.classifier_for(lang) for lang in langs]
        found: list[dict[str, float] | None] = [None] * len(texts)
        for model in {id(c): c for c in chosen if c is not None}.values():
            rows = [i for i, c in enumerate(chosen) if c is model]
            batch_probs = model.probabilities_batch([texts[i] for i in rows])
            for i, probs in zip(rows, batch_probs, strict=True):
                found[i] = probs
        out = Scores([], [], [])
        for clf, probs in zip(chosen, found, strict=True):
            if clf is None or probs is None:
                out.score.append(None)
                out.label.append(None)
                out.probs.append(None)
                continue
            out.score.append(probs.get(clf.positive_label, 0.0))
            out.label.append(min(probs, key=lambda k: (-probs[k], k)))
            out.probs.append(probs)
        return out
