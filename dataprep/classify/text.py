"""The one text preprocessing shared by training and scoring (version ``v1``).

A classifier only works on text prepared the way its training text was, so
:func:`preprocess` is the single definition used by ``dataprep train-classifier``
and by the ``classifier_*`` stages, and its options are written to the model card
(see :mod:`dataprep.classify.card`) so the stages pick them up. Steps, in order:

1. lower-case (``str.lower``) when ``lowercase`` is true (the default): web-scale
   quality classifiers gain little from case and lose vocabulary to it;
2. collapse every run of whitespace (spaces, tabs, ``\\n``, ``\\r``, Unicode
   spaces: ``str.split()``) to one space and strip the ends. fastText reads one
   line per document, so a newline must never reach it;
3. keep the first ``max_chars`` characters (default 2,000; 0 = the whole text).
   Cost is linear in characters (~8.5 MB/s, FACTS.md); the quality signal of a
   web page is mostly in its start, and the bound protects against huge documents;
4. for the fastText call only (:func:`fasttext_line`): lone surrogates become
   ``?`` (every backend raises TypeError on them) and ``\\n`` ends the line.

No Unicode normalization and no punctuation splitting: fastText's own whitespace
tokenization is used, as DCLM's and FineWeb-Edu's published fastText models do.
For such external models set ``lowercase``/``max_chars`` to match how they were
trained (DCLM's ``fasttext_oh_eli5`` model: whitespace collapsed, case kept).
"""

from __future__ import annotations

from dataclasses import dataclass

from dataprep.langid.backend import prepare_line

#: Name of this preprocessing, recorded in model cards.
VERSION = "v1"
DEFAULT_MAX_CHARS = 2000


@dataclass(frozen=True, kw_only=True)
class Preprocessing:
    """Options of :func:`preprocess` (stored in the model card)."""

    lowercase: bool = True
    max_chars: int = DEFAULT_MAX_CHARS
    """Characters kept after collapsing whitespace; 0 keeps the whole text."""

    def __post_init__(self) -> None:
        if self.max_chars < 0:
            raise ValueError(f"max_chars must be >= 0 (0 = whole text), got {self.max_chars}")

    def to_dict(self) -> dict[str, object]:
        return {"version": VERSION, "lowercase": self.lowercase, "max_chars": self.max_chars}


def preprocess(text: str | None, options: Preprocessing = Preprocessing()) -> str:
    """The text a classifier sees (``""`` for null, empty or blank text)."""
    if not text:
        return ""
    if options.lowercase:
        text = text.lower()
    text = " ".join(text.split())
    if options.max_chars:
        text = text[: options.max_chars].rstrip()
    return text


def fasttext_line(prepared: str) -> str:
    """A preprocessed text as one fastText input line (surrogates replaced, ``\\n`` end)."""
    return prepare_line(prepared, None)
