"""Gopher repetition rules (Rae et al. 2021, appendix A.1.1 and Table A1).

Thresholds (Table A1): duplicate line fraction 0.30, duplicate paragraph fraction
0.30, duplicate line character fraction 0.20, duplicate paragraph character
fraction 0.20; top 2/3/4-gram character fraction 0.20/0.18/0.16; duplicated
5..10-gram character fraction 0.15, 0.14, 0.13, 0.12, 0.11, 0.10.

Definitions follow datatrove 0.10.1's ``GopherRepetitionFilter``: paragraphs are
``text.strip()`` split on ``\\n{2,}``, lines are ``text`` split on ``\\n+``; a
duplicate is any occurrence after the first; character fractions are divided by
``len(text)`` (``max(len, 1)`` here); n-grams are over tokens including
punctuation (see ``filters._ngrams`` for the exact n-gram measures, and
``filters._ngrams_batch`` for the way they are computed for many documents at once,
from the batch's ``filters._table.TokenTable``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from filters._ngrams_batch import repetition_chars_ids
from filters._rules import LangConfig, Rule, RuleFilter
from filters._table import token_table
from filters._text import Analysis, split_lines, split_paragraphs
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
    distinct = set(parts)
    return len(parts) - len(distinct), sum(map(len, parts)) - sum(map(len, distinct))


def _part_counts(text: str) -> tuple[int, int, int, int, int, int]:
    """(paragraphs, repeated ones, their chars, lines, repeated ones, their chars)."""
    paras = split_paragraphs(text)
    lines = split_lines(text)
    return (len(paras), *duplicates(paras), len(lines), *duplicates(lines))


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
        cols = self.analyze_batch([a], [lang])
        return {n: float(cols[n][0]) for n in self.signal_names}

    def analyze_batch(
        self, analyses: Sequence[Analysis], langs: Sequence[str | None]
    ) -> dict[str, Any]:
        import numpy as np

        texts = [a.text for a in analyses]
        n_chars = np.maximum(np.fromiter(map(len, texts), np.int64, len(texts)), 1)
        counts = np.array([_part_counts(t) for t in texts], dtype=np.int64).reshape(-1, 6)
        t = token_table(analyses)
        n_ids = max(t.n_vocab, 1)
        top, dup = repetition_chars_ids(t.ids, t.lengths[t.ids], t.n_tok, n_ids, TOP_NS, DUP_NS)
        out: dict[str, Any] = {
            "dup_para_frac": counts[:, 1] / np.maximum(counts[:, 0], 1),
            "dup_para_char_frac": counts[:, 2] / n_chars,
            "dup_line_frac": counts[:, 4] / np.maximum(counts[:, 3], 1),
            "dup_line_char_frac": counts[:, 5] / n_chars,
        }
        for n in TOP_NS:
            out[f"top_{n}gram_char_frac"] = top[n] / n_chars
        for n in DUP_NS:
            out[f"dup_{n}gram_char_frac"] = dup[n] / n_chars
        return out
