"""``member: lingua``: the Lingua detector picks a confusable group's member.

lid.176 gets the raw label wrong for most Malay (-> ``id``), Bosnian (-> ``hr``/``sr``/
``sh``) and many Nynorsk (-> ``no``) documents of ``benchmarks/eval_langid.py``.
Lingua (``lingua-language-detector``, character n-gram models of 75 languages
bundled in its wheel, nothing downloaded at run time) is restricted here to the
languages of the one group the model already accepted
(``LanguageDetectorBuilder.from_languages``), so it changes which member a document
gets, never whether it is accepted: non-language text is rejected exactly as with
``member: model``.

A group is read by Lingua only when Lingua knows all of its languages (``no`` is
Bokmål; ``sh``, Serbo-Croatian, is covered by its members): the default groups
da/no/nn/sv, id/ms, hr/sr/bs/mk/bg and cs/sk, not es/gl/ca/pt/ast/an/oc (Lingua has
no Galician, Asturian, Aragonese or Occitan and would never give them). Known limit:
Lingua's Serbian is Cyrillic only, so Latin-script Serbian reads as Bosnian or
Croatian; the spelling cues (``cue_margin``), applied after Lingua, move ekavian
text back to Serbian.

Lingua is imported and its detectors built on first use, one per group, once per
process; the detectors do not pickle and are rebuilt after a process boundary.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from dataprep.errors import ConfigError
from dataprep.langid import optional_detector
from dataprep.langid.labels import Label
from dataprep.langid.optional_detector import member_label

PACKAGE = "lingua-language-detector"
MISSING = f"member: lingua needs the {PACKAGE} package: pip install 'dataprep[lingua]'"
_COVERED = frozenset({"sh"})
"""Codes Lingua has no model of but whose members it has (Serbo-Croatian)."""
_ALIASES = {"no": "nb"}
"""Our code -> Lingua's ISO 639-1 code (lid.176 labels Bokmål ``no``)."""


def installed() -> bool:
    """Whether ``lingua`` can be imported (without importing it)."""
    return optional_detector.installed("lingua")


def require() -> None:
    """Raise the one-line :class:`ConfigError` when lingua is not installed."""
    if not installed():
        raise ConfigError(MISSING)


def _lingua() -> Any:
    return optional_detector.load("lingua", MISSING)


def _language(lingua: Any, code: str) -> Any | None:
    """Lingua's ``Language`` for our code, or ``None`` when it has none."""
    try:
        iso = lingua.IsoCode639_1.from_str(_ALIASES.get(code, code))
        return lingua.Language.from_iso_code_639_1(iso)
    except ValueError:
        return None


class LinguaPicker:
    """Lingua detectors restricted to each group it can read, built lazily."""

    def __init__(self, groups: Iterable[Sequence[str]]) -> None:
        self.groups = [tuple(g) for g in groups]
        self._detectors: dict[int, Any] = {}
        self._codes: dict[int, dict[Any, tuple[str, ...]]] | None = None

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_detectors": {}, "_codes": None}

    def _readable(self) -> dict[int, dict[Any, tuple[str, ...]]]:
        """Group index -> {Lingua language: our codes for it} for the groups Lingua
        reads (``no`` and ``nb`` are both Bokmål)."""
        if self._codes is None:
            lingua = _lingua()
            self._codes = {}
            for i, members in enumerate(self.groups):
                langs = [(c, _language(lingua, c)) for c in members if c not in _COVERED]
                if any(lang is None for _, lang in langs):
                    continue
                codes: dict[Any, tuple[str, ...]] = {}
                for c, lang in langs:
                    codes[lang] = (*codes.get(lang, ()), c)
                if len(codes) >= 2:
                    self._codes[i] = codes
        return self._codes

    def reads(self, group: int) -> bool:
        return group in self._readable()

    def confidences(self, group: int, text: str) -> list[tuple[tuple[str, ...], float]]:
        """(our codes, Lingua's confidence) of every language of ``group`` for ``text``,
        best first; empty when Lingua does not read the group or finds no letters."""
        codes = self._readable().get(group)
        if codes is None:
            return []
        detector = self._detectors.get(group)
        if detector is None:
            builder = _lingua().LanguageDetectorBuilder.from_languages(*codes)
            detector = self._detectors[group] = builder.build()
        values = detector.compute_language_confidence_values(text)
        if not values or values[0].value <= 0.0:
            return []
        return [(codes[v.language], float(v.value)) for v in values]

    def pick(
        self, group: int, text: str, best: Label, members: Sequence[tuple[Label, float]]
    ) -> tuple[Label, list[tuple[Label, float]]]:
        """(Lingua's member, every member with Lingua's confidence), or ``best`` and
        ``members`` unchanged when Lingua does not read the group. A member the model
        also gave keeps the model's label (its code among aliases, its script); others
        take the first code listed in the group and ``best``'s script."""
        conf = self.confidences(group, text)
        if not conf:
            return best, list(members)
        scored = [(member_label(codes, members, best), p) for codes, p in conf]
        return scored[0][0], scored
