"""Length and character-composition bounds (``length_v1``).

Defaults follow NeMo Curator's heuristic filters (``nemo_curator/filters/
heuristic_filter.py``): ``WordCountFilter`` (50..100,000 words),
``NonAlphaNumericFilter`` (non-alphanumeric characters, whitespace included,
at most 0.25 of the text), ``NumbersFilter`` (digits at most 0.15),
``WhiteSpaceFilter`` (whitespace at most 0.25) and ``LongWordFilter`` (no word
over 1,000 characters). Character bounds and the uppercase fraction (uppercase
letters over letters) are off by default. Words are non-symbol tokens
(``filters._text``), so languages without spaces count character clusters.

``analyze_signals`` is the per-document definition; ``analyze_batch`` computes the
same values for a batch from its token table and ``filters._chars.class_counts``.
"""

from __future__ import annotations

import re
import string
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from filters._chars import class_counts
from filters._rules import LangConfig, Rule, RuleFilter
from filters._table import token_table
from filters._text import Analysis
from filters.base import Signals

_UPPER = string.ascii_uppercase.encode()
_LOWER = string.ascii_lowercase.encode()
_DIGITS = string.digits.encode()
_WS = b" \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f"
_NON_ASCII_DIGIT_RE = re.compile(r"\d")


@dataclass(frozen=True, kw_only=True)
class LengthConfig(LangConfig):
    """Bounds; ``None`` disables a rule."""

    min_chars: int | None = None
    max_chars: int | None = None
    min_words: int | None = 50
    max_words: int | None = 100_000
    max_word_length: int | None = 1000
    max_non_alnum_frac: float | None = 0.25
    max_digit_frac: float | None = 0.15
    max_whitespace_frac: float | None = 0.25
    max_uppercase_frac: float | None = None


def _char_counts(text: str) -> tuple[int, int, int, int, int]:
    """(alnum, digits, whitespace, uppercase letters, letters)."""
    if text.isascii():
        b = text.encode("ascii")
        n = len(b)
        upper = n - len(b.translate(None, _UPPER))
        lower = n - len(b.translate(None, _LOWER))
        digits = n - len(b.translate(None, _DIGITS))
        ws = n - len(b.translate(None, _WS))
        return upper + lower + digits, digits, ws, upper, upper + lower
    alnum = sum(map(str.isalnum, text))
    digits = len(_NON_ASCII_DIGIT_RE.findall(text))
    ws = sum(map(str.isspace, text))
    upper = sum(map(str.isupper, text))
    letters = sum(map(str.isalpha, text))
    return alnum, digits, ws, upper, letters


class Length(RuleFilter):
    """Document length and character-class fractions (``length_v1``)."""

    name: ClassVar[str] = "length"
    Config: ClassVar[type[LengthConfig]] = LengthConfig  # type: ignore[assignment]
    rules: ClassVar[tuple[Rule, ...]] = (
        Rule("length:chars_low", "char_count", "<", "min_chars"),
        Rule("length:chars_high", "char_count", ">", "max_chars"),
        Rule("length:words_low", "word_count", "<", "min_words"),
        Rule("length:words_high", "word_count", ">", "max_words"),
        Rule("length:long_word", "longest_word", ">", "max_word_length"),
        Rule("length:non_alnum_high", "non_alnum_frac", ">", "max_non_alnum_frac"),
        Rule("length:digits_high", "digit_frac", ">", "max_digit_frac"),
        Rule("length:whitespace_high", "whitespace_frac", ">", "max_whitespace_frac"),
        Rule("length:uppercase_high", "uppercase_frac", ">", "max_uppercase_frac"),
    )
    reasons: ClassVar[tuple[str, ...]] = tuple(r.reason for r in rules)
    signal_names: ClassVar[tuple[str, ...]] = (
        "char_count",
        "word_count",
        "longest_word",
        "non_alnum_frac",
        "digit_frac",
        "whitespace_frac",
        "uppercase_frac",
    )

    def analyze_signals(self, a: Analysis, lang: str | None = None) -> Signals:
        text = a.text
        n = max(len(text), 1)
        alnum, digits, ws, upper, letters = _char_counts(text)
        return {
            "char_count": float(len(text)),
            "word_count": float(a.n_words),
            "longest_word": float(max(map(len, a.tokens), default=0)),
            "non_alnum_frac": (len(text) - alnum) / n,
            "digit_frac": digits / n,
            "whitespace_frac": ws / n,
            "uppercase_frac": upper / max(letters, 1),
        }

    def analyze_batch(
        self, analyses: Sequence[Analysis], langs: Sequence[str | None]
    ) -> dict[str, Any]:
        """``analyze_signals`` for many documents: words from the batch's token table,
        character classes from one code-point lookup over all texts."""
        import numpy as np

        if not analyses:
            return {n: [] for n in self.signal_names}
        texts = [a.text for a in analyses]
        counts = class_counts(texts)
        alnum, digits, ws, upper, letters = (counts[:, j] for j in range(counts.shape[1]))
        chars = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
        n = np.maximum(chars, 1)
        t = token_table(analyses)
        longest = np.zeros(len(texts), dtype=np.int64)
        has = np.flatnonzero(t.n_tok > 0)
        if has.size:
            longest[has] = np.maximum.reduceat(t.lengths[t.ids], t.starts[has])
        return {
            "char_count": chars.astype(np.float64),
            "word_count": (t.n_tok - t.doc_sums(t.is_symbol.astype(np.int64))).astype(np.float64),
            "longest_word": longest.astype(np.float64),
            "non_alnum_frac": (chars - alnum) / n,
            "digit_frac": digits / n,
            "whitespace_frac": ws / n,
            "uppercase_frac": upper / np.maximum(letters, 1),
        }
