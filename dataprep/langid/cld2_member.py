"""``member: cld2``: Google's Compact Language Detector 2 picks a confusable group's member.

lid.176 gives most Malay documents of ``benchmarks/eval_langid.py`` the label ``id``;
its raw scores cannot separate the two standards. CLD2 (``pycld2``, Apache-2.0, its
tables compiled into a ~10 MB wheel, nothing downloaded) scores text with quadgrams
and, for these languages, whole-word tables trained on web pages of each national
variety. Measured as a member picker on documents of at least 200 characters
(``benchmarks/compare_lid_members.py``): Malay/Indonesian macro-F1 0.975 on the main
evaluation and 1.000 on the second writer's held-out texts, against 0.95 / 0.94 for
Lingua and 0.85 / 0.83 for lid.176 with the spelling cues; Latin-script Serbian is
read as Serbian (F1 0.90, where Lingua, whose Serbian is Cyrillic only, has 0.00).
Bosnian stays hard for every detector measured (F1 0.50 here, Lingua 0.72).

CLD2 cannot be restricted to a group: it returns up to three languages with the
percentage of the text in each (``bestEffort``, so short text gets an answer). The
member is the group's language with the largest percentage among them; when none of
them is in the group, the model's member stays. As with ``member: lingua`` only the
member changes, never whether a document is accepted, and the spelling cues
(``cue_margin``) apply afterwards. CLD2 rejects some control characters as invalid
UTF-8; they are dropped from the text it reads.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from dataprep.errors import ConfigError
from dataprep.langid import optional_detector
from dataprep.langid.labels import Label
from dataprep.langid.optional_detector import member_label

PACKAGE = "pycld2"
MISSING = f"member: cld2 needs the {PACKAGE} package: pip install 'dataprep[cld2]'"
_ALIASES = {"nb": "no"}
"""Our code -> CLD2's (it labels Bokmål ``no``, like lid.176)."""
_CONTROL = dict.fromkeys(c for c in range(32) if chr(c) not in "\t\n\r")
"""C0 control characters (CLD2 calls them invalid UTF-8), removed by ``str.translate``."""


def installed() -> bool:
    """Whether ``pycld2`` can be imported (without importing it)."""
    return optional_detector.installed("pycld2")


def require() -> None:
    """Raise the one-line :class:`ConfigError` when pycld2 is not installed."""
    if not installed():
        raise ConfigError(MISSING)


def _cld2() -> Any:
    return optional_detector.load("pycld2", MISSING)


class Cld2Picker:
    """The group member CLD2 finds most of in a text, for every group it knows two of."""

    def __init__(self, groups: Iterable[Sequence[str]]) -> None:
        self.groups = [tuple(g) for g in groups]
        self._codes: dict[int, dict[str, tuple[str, ...]]] | None = None

    def _readable(self) -> dict[int, dict[str, tuple[str, ...]]]:
        """Group index -> {CLD2 code: our codes for it}, for groups with at least two
        languages CLD2 knows (``no`` and ``nb`` are both Bokmål)."""
        if self._codes is None:
            known = {code for _, code in _cld2().LANGUAGES}
            self._codes = {}
            for i, members in enumerate(self.groups):
                codes: dict[str, tuple[str, ...]] = {}
                for c in members:
                    theirs = _ALIASES.get(c, c)
                    if theirs in known:
                        codes[theirs] = (*codes.get(theirs, ()), c)
                if len(codes) >= 2:
                    self._codes[i] = codes
        return self._codes

    def reads(self, group: int) -> bool:
        return group in self._readable()

    def shares(self, group: int, text: str) -> list[tuple[tuple[str, ...], float]]:
        """(our codes, CLD2's share of the text) of the group's languages it found,
        largest first (ties by CLD2's own score); empty when it found none."""
        codes = self._readable().get(group)
        if codes is None:
            return []
        cld2 = _cld2()
        try:
            _, _, details = cld2.detect(text.translate(_CONTROL), bestEffort=True)
        except (cld2.error, UnicodeError):  # text CLD2 cannot read: the model's member
            return []
        found = [(pct, score, code) for _, code, pct, score in details if code in codes]
        found.sort(reverse=True)
        return [(codes[code], pct / 100.0) for pct, _, code in found]

    def pick(
        self, group: int, text: str, best: Label, members: Sequence[tuple[Label, float]]
    ) -> tuple[Label, list[tuple[Label, float]]]:
        """(CLD2's member, the members with CLD2's shares first), or ``best`` and
        ``members`` unchanged when CLD2 finds no language of the group. A member the
        model also gave keeps the model's label (its code among aliases, its script);
        others take the first code listed in the group and ``best``'s script."""
        shares = self.shares(group, text)
        if not shares:
            return best, list(members)
        scored = [(member_label(codes, members, best), p) for codes, p in shares]
        picked = {lab.lang for lab, _ in scored}
        scored += [(lab, 0.0) for lab, _ in members if lab.lang not in picked]
        return scored[0][0], scored
