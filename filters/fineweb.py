# ruff: noqa: RUF001  (intentional non-ASCII punctuation of other scripts)
"""FineWeb quality rules (Penedo et al. 2024, "The FineWeb Datasets", section 3.3.4).

Definitions follow datatrove 0.10.1's ``FineWebQualityFilter`` (the
``fineweb_quality_filter.py`` used for FineWeb), on non-empty ``\\n`` lines:

* ``line_punct_ratio``: lines ending in a sentence-terminal mark; drop when
  ``< 0.12`` (``line_punct_thr``; optionally not when the ratio is exactly 0,
  ``line_punct_exclude_zero``);
* ``short_line_ratio``: lines of at most 30 characters; drop when ``> 0.67``
  (``short_line_thr``, ``short_line_length``);
* ``char_dup_ratio``: characters in repeated lines (after their first
  occurrence) over the characters of the text without newlines; drop when
  ``> 0.01`` (``char_duplicates_ratio``);
* ``newline_ratio``: newlines per token; drop when ``> 0.3`` (``new_line_ratio``,
  reason ``list_ratio`` in datatrove);
* a text without any non-empty line is dropped as ``fineweb:empty``.

Terminal marks default to Unicode sentence terminals of common scripts (datatrove
uses the full Unicode Sentence_Terminal set); the older FineWeb release used
``. ' " ! ?``, which ``stop_chars`` can restore.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from filters._rules import LangConfig, Rule, RuleFilter
from filters._text import Analysis
from filters.base import Signals
from filters.gopher_repetition import duplicates

#: Sentence-terminal marks (a subset of Unicode's Sentence_Terminal property).
TERMINAL_PUNCTUATION = tuple(".!?‼‽⁇⁈⁉։؝؞؟۔܀܁܂߹।॥၊။።፧፨᙮᜵᜶។៕᠃᠉᥄᥅。﹒﹖﹗！．？｡")


@dataclass(frozen=True, kw_only=True)
class FineWebConfig(LangConfig):
    """FineWeb thresholds (Penedo et al. 2024; datatrove defaults)."""

    min_line_punct_ratio: float | None = 0.12
    line_punct_exclude_zero: bool = False
    max_short_line_ratio: float | None = 0.67
    short_line_length: int = 30
    max_char_dup_ratio: float | None = 0.01
    max_newline_ratio: float | None = 0.3
    stop_chars: tuple[str, ...] | None = None
    """Line-final marks counted by ``line_punct_ratio``; ``None``: ``TERMINAL_PUNCTUATION``."""


class FineWeb(RuleFilter):
    """FineWeb's line-level quality heuristics (``fineweb_v1``)."""

    name: ClassVar[str] = "fineweb"
    Config: ClassVar[type[FineWebConfig]] = FineWebConfig  # type: ignore[assignment]
    rules: ClassVar[tuple[Rule, ...]] = (
        Rule("fineweb:empty", "nonempty_lines", "<", const=1),
        Rule(
            "fineweb:line_punct_low",
            "line_punct_ratio",
            "<",
            "min_line_punct_ratio",
            zero_exempt="line_punct_exclude_zero",
        ),
        Rule("fineweb:short_lines_high", "short_line_ratio", ">", "max_short_line_ratio"),
        Rule("fineweb:char_dup_high", "char_dup_ratio", ">", "max_char_dup_ratio"),
        Rule("fineweb:newline_ratio_high", "newline_ratio", ">", "max_newline_ratio"),
    )
    reasons: ClassVar[tuple[str, ...]] = tuple(r.reason for r in rules)
    unknown_lang_rules: ClassVar[str | None] = "the default thresholds (tuned for English)"
    signal_names: ClassVar[tuple[str, ...]] = (
        "nonempty_lines",
        "line_punct_ratio",
        "short_line_ratio",
        "char_dup_ratio",
        "newline_ratio",
    )

    def analyze_signals(self, a: Analysis, lang: str | None = None) -> Signals:
        s = self.settings(lang)
        text = a.text
        stop = s["stop_chars"]
        stop = TERMINAL_PUNCTUATION if stop is None else tuple(stop)
        short = int(s["short_line_length"])
        lines = [ln for ln in text.split("\n") if ln.strip()]
        n = max(len(lines), 1)
        newlines = text.count("\n")
        return {
            "nonempty_lines": float(len(lines)),
            "line_punct_ratio": sum(1 for ln in lines if ln.endswith(stop)) / n,
            "short_line_ratio": sum(1 for ln in lines if len(ln) <= short) / n,
            "char_dup_ratio": duplicates(lines)[1] / max(len(text) - newlines, 1),
            "newline_ratio": newlines / max(a.n_tokens, 1),
        }
