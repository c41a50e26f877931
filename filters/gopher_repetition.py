"""Gopher repetition rules (Rae et al. 2021, appendix A.1.1 and Table A1).

Thresholds (Table A1): duplicate line fraction 0.30, duplicate paragraph fraction
0.30, duplicate line character fraction 0.20, duplicate paragraph character
fraction 0.20; top 2/3/4-gram character fraction 0.20/0.18/0.16; duplicated
5..10-gram character fraction 0.15, 0.14, 0.13, 0.12, 0.11, 0.10.

Definitions follow datatrove 0.10.1's ``GopherRepetitionFilter``: paragraphs are
``text.strip()`` split on ``\\n{2,}``, lines are ``text`` split on ``\\n+``; a
duplicate is any occurrence after the first; character fractions are divided by
``len(text)`` (``max(len, 1)`` here); n-grams are over tokens including
punctuation (see ``filters._ngrams`` for the exact n-gram measures).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from filters._ngrams import repetition_chars
from filters._rules import LangConfig, Rule, RuleFilter
from filters._text import LINE_SPLIT_RE, PARA_SPLIT_RE, Analysis
from filters.base import Signals

TOP_NS = (2, 3, 4)
DUP_NS = (5, 6, 7, 8, 9, 10)


@dataclass(frozen=True, kw_only=True)
class GopherRepetitionConfig(LangConfig):
    """Table A1 maxima (Rae et al. 2021); ``None`` disables a rule."""

    max_dup_para_frac: float | None = 0.30
    max_dup_para_char_frac: float | None = 0.20
    max_dup_line_frac: float | None = 0.30
    max_dup_line_char_frac: float | None = 0.20
    max_top_2gram_char_frac: float | None = 0.20
    max_top_3gram_char_frac: float | None = 0.18
    max_top_4gram_char_frac: float | None = 0.16
    max_dup_5gram_char_frac: float | None = 0.15
    max_dup_6gram_char_frac: float | None = 0.14
    max_dup_7gram_char_frac: float | None = 0.13
    max_dup_8gram_char_frac: float | None = 0.12
    max_dup_9gram_char_frac: float | None = 0.11
    max_dup_10gram_char_frac: float | None = 0.10


def duplicates(parts: list[str]) -> tuple[int, int]:
    """(number of repeated elements, their characters), first occurrences excluded."""
    seen: set[str] = set()
    n_dup = n_chars = 0
    for p in parts:
        if p in seen:
            n_dup += 1
            n_chars += len(p)
        else:
            seen.add(p)
    return n_dup, n_chars


def _rules() -> tuple[Rule, ...]:
    p = "gopher_repetition:"
    rules = [
        Rule(p + "dup_para_frac", "dup_para_frac", ">", "max_dup_para_frac"),
        Rule(p + "dup_para_char_frac", "dup_para_char_frac", ">", "max_dup_para_char_frac"),
        Rule(p + "dup_line_frac", "dup_line_frac", ">", "max_dup_line_frac"),
        Rule(p + "dup_line_char_frac", "dup_line_char_frac", ">", "max_dup_line_char_frac"),
    ]
    rules += [
        Rule(f"{p}top_{n}gram", f"top_{n}gram_char_frac", ">", f"max_top_{n}gram_char_frac")
        for n in TOP_NS
    ]
    rules += [
        Rule(f"{p}dup_{n}gram", f"dup_{n}gram_char_frac", ">", f"max_dup_{n}gram_char_frac")
        for n in DUP_NS
    ]
    return tuple(rules)


class GopherRepetition(RuleFilter):
    """Gopher's repetition heuristics (``gopher_repetition_v1``)."""

    name: ClassVar[str] = "gopher_repetition"
    Config: ClassVar[type[GopherRepetitionConfig]] = GopherRepetitionConfig  # type: ignore[assignment]
    rules: ClassVar[tuple[Rule, ...]] = _rules()
    reasons: ClassVar[tuple[str, ...]] = tuple(r.reason for r in rules)
    signal_names: ClassVar[tuple[str, ...]] = tuple(r.signal for r in rules)

    def analyze_signals(self, a: Analysis, lang: str | None = None) -> Signals:
        text = a.text
        n_chars = max(len(text), 1)
        paras = PARA_SPLIT_RE.split(text.strip())
        para_dup, para_chars = duplicates(paras)
        lines = LINE_SPLIT_RE.split(text)
        line_dup, line_chars = duplicates(lines)
        top, dup = repetition_chars(a.tokens, TOP_NS, DUP_NS)
        out: Signals = {
            "dup_para_frac": para_dup / max(len(paras), 1),
            "dup_para_char_frac": para_chars / n_chars,
            "dup_line_frac": line_dup / max(len(lines), 1),
            "dup_line_char_frac": line_chars / n_chars,
        }
        for n in TOP_NS:
            out[f"top_{n}gram_char_frac"] = top[n] / n_chars
        for n in DUP_NS:
            out[f"dup_{n}gram_char_frac"] = dup[n] / n_chars
        return out
