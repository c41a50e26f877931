"""Gopher quality rules (Rae et al. 2021, "Scaling Language Models: Methods, Analysis
& Insights from Training Gopher", appendix A.1.1 and Table A1).

Definitions follow the paper and datatrove 0.10.1's ``GopherQualityFilter``
(``src/datatrove/pipeline/filters/gopher_quality_filter.py``), the reference
implementation used by FineWeb:

* words are tokens (``filters._text``); *non-symbol words* exclude punctuation runs;
* word count and mean word length are over non-symbol words;
* ``#`` and ellipsis (``...`` or ``…``) counts are divided by all tokens;
* a line is a ``str.splitlines`` line; bullet lines start (after whitespace) with
  ``•`` or ``-``; ellipsis lines end (before whitespace) with ``...`` or ``…``;
* the alphabetic ratio is tokens with a letter over all tokens (punctuation
  tokens count as words without a letter, as in datatrove);
* the stop-word signal is the number of *distinct* stop words present ("at least
  two of the following English words": the, be, to, of, and, that, have, with).
  Lower-case, Capitalized and UPPER forms match. Multi-character stop words of
  scripts without spaces (Thai, Japanese) are matched as substrings.

Deviations from datatrove: no division by zero (ratios divide by ``max(n, 1)``),
disabled thresholds are ``None`` (not falsy), and stop words are per language.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, ClassVar

from filters._lang import language_info
from filters._rules import LangConfig, Rule, RuleFilter
from filters._table import TokenTable, token_table
from filters._text import Analysis, tokenize
from filters.base import Signals

#: Gopher's English stop words (Rae et al. 2021, A.1.1).
GOPHER_STOP_WORDS = ("the", "be", "to", "of", "and", "that", "have", "with")
_BULLETS = ("•", "-")
_ELLIPSES = ("...", "…")
#: Cells of the (document x stop word) table of :func:`_stop_word_counts` (16 MB at
#: most); marking the pairs present in it is cheaper than sorting them (``np.unique``):
#: stop-word counting 6.8 -> 5.8 µs per short document.
_SEEN_CELLS = 1 << 24


@dataclass(frozen=True, kw_only=True)
class GopherQualityConfig(LangConfig):
    """Thresholds of Table A1 (Rae et al. 2021); ``None`` disables a rule."""

    min_words: int | None = 50
    max_words: int | None = 100_000
    min_mean_word_length: float | None = 3
    max_mean_word_length: float | None = 10
    max_hash_ratio: float | None = 0.1
    """Symbol-to-word ratio for ``#``."""
    max_ellipsis_ratio: float | None = 0.1
    """Symbol-to-word ratio for ellipses (same 0.1 as ``#`` in the paper)."""
    max_bullet_lines_ratio: float | None = 0.9
    max_ellipsis_lines_ratio: float | None = 0.3
    min_alpha_words_ratio: float | None = 0.8
    min_stop_words: int | None = 2
    stop_words: tuple[str, ...] | None = None
    """``None``: the language's list (``data/languages.json``; Gopher's list for no language).
    A language without a list disables the stop-word rule."""


@lru_cache(maxsize=256)
def _stop_matcher(words: tuple[str, ...]) -> tuple[dict[str, str], tuple[str, ...]]:
    """(case variant -> stop word) for single-token words, and substring-matched words."""
    variants: dict[str, str] = {}
    substrings: list[str] = []
    for w in words:
        if tokenize(w) == [w]:
            for v in (w.lower(), w.capitalize(), w.upper()):
                variants.setdefault(v, w.lower())
        else:
            substrings.append(w)
    return variants, tuple(substrings)


class GopherQuality(RuleFilter):
    """Gopher's document quality heuristics (``gopher_quality_v1``)."""

    name: ClassVar[str] = "gopher_quality"
    Config: ClassVar[type[GopherQualityConfig]] = GopherQualityConfig  # type: ignore[assignment]
    rules: ClassVar[tuple[Rule, ...]] = (
        Rule("gopher_quality:word_count_low", "word_count", "<", "min_words"),
        Rule("gopher_quality:word_count_high", "word_count", ">", "max_words"),
        Rule(
            "gopher_quality:mean_word_length_low", "mean_word_length", "<", "min_mean_word_length"
        ),
        Rule(
            "gopher_quality:mean_word_length_high", "mean_word_length", ">", "max_mean_word_length"
        ),
        Rule("gopher_quality:hash_ratio_high", "hash_ratio", ">", "max_hash_ratio"),
        Rule("gopher_quality:ellipsis_ratio_high", "ellipsis_ratio", ">", "max_ellipsis_ratio"),
        Rule(
            "gopher_quality:bullet_lines_high", "bullet_lines_ratio", ">", "max_bullet_lines_ratio"
        ),
        Rule(
            "gopher_quality:ellipsis_lines_high",
            "ellipsis_lines_ratio",
            ">",
            "max_ellipsis_lines_ratio",
        ),
        Rule("gopher_quality:alpha_words_low", "alpha_words_ratio", "<", "min_alpha_words_ratio"),
        Rule("gopher_quality:stop_words_low", "stop_word_count", "<", "min_stop_words"),
    )
    reasons: ClassVar[tuple[str, ...]] = tuple(r.reason for r in rules)
    unknown_lang_rules: ClassVar[str | None] = (
        "the default thresholds (tuned for English) without the stop-word rule"
    )
    signal_names: ClassVar[tuple[str, ...]] = (
        "word_count",
        "mean_word_length",
        "hash_ratio",
        "ellipsis_ratio",
        "bullet_lines_ratio",
        "ellipsis_lines_ratio",
        "alpha_words_ratio",
        "stop_word_count",
    )

    def _adjust_settings(self, values: dict[str, Any], code: str | None) -> None:
        words = values["stop_words"]
        if words is None:
            if code is None or code == "en":
                words = GOPHER_STOP_WORDS
            else:
                info = language_info(code)
                words = tuple(info["stop_words"]) if info else None
        if words is None:
            values["min_stop_words"] = None
            words = ()
        values["_stop"] = _stop_matcher(tuple(words))

    def analyze_batch(
        self, analyses: Sequence[Analysis], langs: Sequence[str | None]
    ) -> dict[str, Any]:
        """``analyze_signals`` for many documents: token counts are sums over the
        batch's token table, the rest (lines, substrings) stays per document."""
        import numpy as np

        if not analyses:
            return {n: [] for n in self.signal_names}
        t = token_table(analyses)
        n_tok = np.maximum(t.n_tok, 1)
        n_words = t.n_tok - t.doc_sums(t.is_symbol.astype(np.int64))
        word_chars = t.doc_sums(np.where(t.is_symbol, 0, t.lengths))
        n_alpha = t.doc_sums(t.has_alpha.astype(np.int64))
        stops = _stop_word_counts(t, analyses, [self.settings(lang)["_stop"] for lang in langs])
        per_doc = np.array([_line_counts(a.text) for a in analyses], dtype=np.int64)
        n_lines = np.maximum(per_doc[:, 0], 1)
        return {
            "word_count": n_words.astype(np.float64),
            "mean_word_length": word_chars / np.maximum(n_words, 1),
            "hash_ratio": per_doc[:, 3] / n_tok,
            "ellipsis_ratio": per_doc[:, 4] / n_tok,
            "bullet_lines_ratio": per_doc[:, 1] / n_lines,
            "ellipsis_lines_ratio": per_doc[:, 2] / n_lines,
            "alpha_words_ratio": n_alpha / n_tok,
            "stop_word_count": stops.astype(np.float64),
        }

    def analyze_signals(self, a: Analysis, lang: str | None = None) -> Signals:
        text = a.text
        n_tok = max(a.n_tokens, 1)
        n_words = a.n_words
        lines = a.lines
        n_lines = max(len(lines), 1)
        bullets = sum(1 for s in lines if s.lstrip().startswith(_BULLETS))
        ell_lines = sum(1 for s in lines if s.rstrip().endswith(_ELLIPSES))
        variants, substrings = self.settings(lang)["_stop"]
        found = {variants[v] for v in variants.keys() & a.token_set}
        stops = len(found) + sum(1 for w in substrings if w in text)
        return {
            "word_count": float(n_words),
            "mean_word_length": a.word_chars / max(n_words, 1),
            "hash_ratio": text.count("#") / n_tok,
            "ellipsis_ratio": (text.count("...") + text.count("…")) / n_tok,
            "bullet_lines_ratio": bullets / n_lines,
            "ellipsis_lines_ratio": ell_lines / n_lines,
            "alpha_words_ratio": a.n_alpha_tokens / n_tok,
            "stop_word_count": float(stops),
        }


def _line_counts(text: str) -> tuple[int, int, int, int, int]:
    """(lines, bullet lines, ellipsis lines, ``#`` count, ellipsis count) of ``text``."""
    lines = text.splitlines()
    ellipses = text.count("...") + text.count("…")
    bullets = ell_lines = 0
    if "-" in text or "•" in text:  # else no line can start with a bullet
        bullets = sum(1 for s in lines if s.lstrip().startswith(_BULLETS))
    if ellipses:
        ell_lines = sum(1 for s in lines if s.rstrip().endswith(_ELLIPSES))
    return len(lines), bullets, ell_lines, text.count("#"), ellipses


def _stop_word_counts(t: TokenTable, analyses: Sequence[Analysis], matchers: list[Any]) -> Any:
    """Distinct stop words per document (``matchers``: each document's ``_stop_matcher``).

    One pass over the batch's tokens: ``stop[g, id]`` is the stop word (numbered per
    batch) that token ``id`` is a case variant of in matcher group ``g``, or -1.
    """
    import numpy as np

    n = len(analyses)
    out = np.array(
        [sum(1 for w in m[1] if w in a.text) for a, m in zip(analyses, matchers, strict=True)],
        dtype=np.int64,
    )
    groups: dict[int, int] = {}
    group_of_doc = np.fromiter(
        (groups.setdefault(id(m), len(groups)) for m in matchers), dtype=np.int64, count=n
    )
    variants: list[str] = []
    rows: list[int] = []
    word_of: list[int] = []
    words: dict[str, int] = {}
    for m in {id(m): m for m in matchers}.values():  # one matcher per group
        for v, w in m[0].items():
            variants.append(v)
            rows.append(groups[id(m)])
            word_of.append(words.setdefault(w, len(words)))
    if not variants:
        return out
    ids = t.ids_of(variants)
    found = ids >= 0
    stop = np.full((len(groups), t.n_vocab), -1, dtype=np.int32)
    stop[np.asarray(rows)[found], ids[found]] = np.asarray(word_of, dtype=np.int32)[found]
    doc_of = t.doc_of_token()
    s = stop[group_of_doc[doc_of], t.ids]
    sel = s >= 0
    if n * len(words) > _SEEN_CELLS:  # huge custom lists: distinct pairs by sorting
        pairs = np.unique(doc_of[sel] * len(words) + s[sel])
        out += np.bincount(pairs // len(words), minlength=n)
        return out
    seen = np.zeros((n, len(words)), dtype=bool)  # (document, stop word) pairs present
    seen[doc_of[sel], s[sel]] = True
    out += seen.sum(axis=1)
    return out
