"""Which label a text gets from the model's top-k: the decision of ``fasttext_langid_v1``.

``threshold`` (datatrove's ``LanguageFilter``): the top label when its probability
is at least ``min_score`` (0.65 by default), else ``und``. Closely related
languages split the probability mass, so a plain Norwegian Bokmål text often
scores ``no`` 0.5-0.6 with Danish and Nynorsk taking the rest, and comes out
``und``.

``groups`` (the default): labels are gathered in confusable groups
(:data:`DEFAULT_GROUPS`). The text is accepted when the summed probability of the
top label's group among the top-k (the *group score*) reaches ``min_score``; the
group's member is the one with the highest weighted probability (the model's
choice, unless ``weights`` say otherwise). A label outside every group is its own
group, so for English, German, Chinese... the decision is the ``threshold`` one.

Text that is no language (code, file lists, numbers, hashes) often gets a label
from the model all the same; ``groups`` also requires that at least
``min_letter_share`` of the non-space characters read are letters or combining
marks (Unicode ``L``/``M``). Prose in every script of the evaluation has more than
0.83 (at 50 characters, with numbers); logs, tables and paths have 0.55-0.65.
Together this rejects every non-language document that ``threshold`` rejects
(the gate is stricter, the group score can only pass where an in-group label led).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from itertools import filterfalse
from typing import Literal

import pyarrow as pa

from dataprep.langid import cues
from dataprep.langid.cld2_member import Cld2Picker
from dataprep.langid.labels import UND, Label
from dataprep.langid.lingua_member import LinguaPicker

Policy = Literal["threshold", "groups"]
POLICIES: tuple[str, ...] = ("threshold", "groups")
MEMBERS: tuple[str, ...] = ("model", "lingua", "cld2")
"""Who picks an accepted group's member: the model's probabilities (with ``weights``),
the Lingua detector restricted to the group (:mod:`dataprep.langid.lingua_member`) or
CLD2's largest group language (:mod:`dataprep.langid.cld2_member`);
the spelling cues (``cue_margin``) may move either's choice."""

#: Confusable groups of lid.176 labels (and their ISO 639-1/3 forms from other models).
#: Measured in ``benchmarks/eval_langid.py``: inside each group lid.176 splits its
#: probability mass on plain text of one member (Serbian in Cyrillic splits with
#: Macedonian and Bulgarian, in Latin script with Croatian, Bosnian and ``sh``).
DEFAULT_GROUPS: tuple[tuple[str, ...], ...] = (
    ("no", "nb", "nn", "da", "sv"),
    ("id", "ms"),
    ("hr", "sr", "bs", "sh", "mk", "bg"),
    ("es", "gl", "ca", "pt", "ast", "an", "oc"),
    ("cs", "sk"),
)

Candidates = Sequence[tuple[Label, float]]
_UND = Label(UND, None)


def letter_share(text: str | None) -> float:
    """Share of Unicode letters/marks (``L``/``M``) among the non-space characters
    (``str.isalpha`` is exactly ``L``; marks are looked up once per distinct
    character among the rest). Null, empty and blank texts give 0.0."""
    if not text:
        return 0.0
    rest = "".join(filterfalse(str.isalpha, text))
    visible = len(text) - len(rest) + len("".join(rest.split()))
    if visible == 0:
        return 0.0
    letters = len(text) - len(rest)
    if not rest.isascii():
        odd = (c for c in set(rest) if c > "\x7f" and unicodedata.category(c)[0] == "M")
        letters += sum(map(rest.count, odd))
    return letters / visible


def letter_shares(texts: pa.Array | Sequence[str | None], max_chars: int | None) -> list[float]:
    """:func:`letter_share` of the first ``max_chars`` characters of every text, for
    all texts at once from one code-point table (``filters._chars``; the tests hold it
    to :func:`letter_share`). The per-document reference and the batch path both call
    this, so they decide alike."""
    import numpy as np

    from filters._chars import ALPHA, MARK, SPACE, class_counts

    items = texts.to_pylist() if isinstance(texts, pa.Array | pa.ChunkedArray) else texts
    strs = [(t[:max_chars] if max_chars is not None else t) if t else "" for t in items]
    counts = class_counts(strs, (ALPHA, MARK, SPACE))
    chars = np.fromiter(map(len, strs), dtype=np.int64, count=len(strs))
    visible = chars - counts[:, 2]
    letters = counts[:, 0] + counts[:, 1]  # a letter is never a mark
    shares = np.zeros(len(strs), dtype=np.float64)
    np.divide(letters, visible, out=shares, where=visible > 0)
    return list(shares.tolist())


def groups_by_index(group_of: Mapping[str, int]) -> list[list[str]]:
    """The groups as lists of codes (in order), from a code -> group index map."""
    out: list[list[str]] = [[] for _ in range(max(group_of.values(), default=-1) + 1)]
    for code, i in group_of.items():
        out[i].append(code)
    return out


class LabelPolicy:
    """The decision rule, built once from the stage's options."""

    def __init__(
        self,
        *,
        policy: str,
        min_score: float,
        min_score_per_lang: Mapping[str, float],
        groups: Iterable[Sequence[str]],
        weights: Mapping[str, float],
        min_letter_share: float,
        cue_margin: int | None = None,
        member: str = "model",
    ) -> None:
        self.policy = policy
        self.cue_margin = cue_margin
        self.member = member
        self.min_score = min_score
        self.per_lang = dict(min_score_per_lang)
        self.weights = dict(weights)
        self.min_letter_share = min_letter_share
        self.group_of: dict[str, int] = {}
        for i, members in enumerate(groups):
            for code in members:
                self.group_of.setdefault(code, i)
        self._cue_keys = frozenset(map(self.group_key, cues.LANGS))
        self._picker: LinguaPicker | Cld2Picker | None = None
        if policy == "groups" and member == "lingua":
            self._picker = LinguaPicker(groups_by_index(self.group_of))
        elif policy == "groups" and member == "cld2":
            self._picker = Cld2Picker(groups_by_index(self.group_of))

    def reads_text(self, cands: Candidates) -> bool:
        """Whether :meth:`decide` needs the text for these candidates (spelling cues
        of :mod:`dataprep.langid.cues`, or Lingua's or CLD2's member, for the top label's
        group)."""
        if self.policy != "groups" or not cands:
            return False
        top = cands[0][0].lang
        group = self.group_of.get(top)
        if self._picker is not None and group is not None and self._picker.reads(group):
            return True
        return self.cue_margin is not None and self.group_key(top) in self._cue_keys

    def group_key(self, lang: str) -> str:
        """Languages of one group share a key (``"g2"``); others are their own key."""
        idx = self.group_of.get(lang)
        return lang if idx is None else f"g{idx}"

    def decide(
        self, cands: Candidates, letter_share: float, text: str | None = None
    ) -> tuple[Label, float]:
        """(label or ``und``, the score the decision compared with ``min_score``).

        ``text`` (what the model read) is used only when :meth:`reads_text`: the
        group's member may then be Lingua's or CLD2's (``member``), then move by
        spelling cues (:func:`cues.resolve`)."""
        if not cands:
            return _UND, 0.0
        top, p_top = cands[0]
        if self.policy == "threshold":
            ok = p_top >= self.per_lang.get(top.lang, self.min_score)
            return (top if ok else _UND), p_top
        key = self.group_key(top.lang)
        members = [(lab, p) for lab, p in cands if self.group_key(lab.lang) == key]
        mass = min(sum(p for _, p in members), 1.0)
        weighted = [(lab, p * self.weights.get(lab.lang, 1.0)) for lab, p in members]
        best = max(weighted, key=lambda c: c[1])[0]
        if text is not None and self.reads_text(cands):
            group = self.group_of.get(top.lang)
            if self._picker is not None and group is not None:
                best, weighted = self._picker.pick(group, text, best, weighted)
            if self.cue_margin is not None:
                best = cues.resolve(best, weighted, text, self.cue_margin)
        ok = letter_share >= self.min_letter_share and mass >= self.per_lang.get(
            best.lang, self.min_score
        )
        return (best if ok else _UND), mass
