"""Run several filters over one column, tokenizing each document once.

``FilterStack.run`` computes every filter's signals for every document (annotate
mode: nothing is skipped, so all signals can be stored and re-decided later).
A rewriter (C4) changes the text seen by the filters after it, as in FineWeb's
pipeline (Gopher repetition, Gopher quality, C4, FineWeb). Signal columns are
named ``"<filter name>.<signal>"``; ``reason`` holds the first failing filter's
reason code (null = keep).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from filters._rules import BATCH_DOCS, RuleFilter
from filters._text import Analysis, safe_text
from filters.base import Filter, Rewriter, _as_pylist
from filters.c4 import C4, to_string_array


@dataclass(frozen=True)
class StackResult:
    """Output of :meth:`FilterStack.run`."""

    texts: pa.Array
    """Texts after every rewriter."""
    signals: pa.Table
    """One column per ``"<filter>.<signal>"``."""
    reasons: pa.Table
    """One reason column per filter (null = that filter keeps)."""
    reason: pa.Array
    """The first non-null reason across filters, in stack order."""


class FilterStack:
    """An ordered list of filters sharing one tokenization per document."""

    def __init__(self, filters: Sequence[Filter]) -> None:
        names = [f.name for f in filters]
        if len(set(names)) != len(names):
            raise ValueError(f"filter names must be unique in a stack: {names}")
        self.filters = list(filters)

    def run(self, texts: Any, langs: Sequence[str | None] | None = None) -> StackResult:
        items = [safe_text(t) for t in _as_pylist(texts)]
        lang_list = _as_pylist(langs) if langs is not None else [None] * len(items)
        parts: dict[str, list[pa.Array]] = {
            f"{f.name}.{s}": [] for f in self.filters for s in f.signal_names
        }
        out_texts: list[str] = []
        for i in range(0, len(items), BATCH_DOCS):
            batch_langs = lang_list[i : i + BATCH_DOCS]
            analyses = [Analysis(t) for t in items[i : i + BATCH_DOCS]]
            for f in self.filters:
                analyses, cols = _run_filter(f, analyses, batch_langs)
                for s in f.signal_names:
                    parts[f"{f.name}.{s}"].append(pa.array(cols[s], type=pa.float64()))
            out_texts.extend(a.text for a in analyses)
        signals = pa.table(
            {k: pa.chunked_array(v, type=pa.float64()).combine_chunks() for k, v in parts.items()}
        )
        reasons = {}
        for f in self.filters:
            sub = pa.table({s: signals.column(f"{f.name}.{s}") for s in f.signal_names})
            reasons[f.name] = f.decide_batch(sub, lang_list)
        return StackResult(
            texts=to_string_array(out_texts),
            signals=signals,
            reasons=pa.table(reasons),
            reason=_first_reason([reasons[f.name] for f in self.filters], len(items)),
        )


def _run_filter(
    f: Filter, analyses: list[Analysis], langs: Sequence[str | None]
) -> tuple[list[Analysis], dict[str, Any]]:
    """One filter over a batch: (the analyses the next filter sees, signal columns)."""
    if isinstance(f, RuleFilter) and not isinstance(f, Rewriter):
        judged = [a.judged(lang) for a, lang in zip(analyses, langs, strict=True)]
        return analyses, f.analyze_batch(judged, langs)
    if isinstance(f, C4):
        return f.rewrite_analyses(analyses, langs)
    cols: dict[str, list[float]] = {s: [] for s in f.signal_names}
    out: list[Analysis] = []
    for a, lang in zip(analyses, langs, strict=True):
        if isinstance(f, Rewriter):
            new, sig = f.rewrite(a.text, lang)
            a = Analysis(new) if new != a.text else a
        else:
            sig = f.signals(a.text, lang)
        out.append(a)
        for s, col in cols.items():
            col.append(sig[s])
    return out, cols


def _first_reason(columns: list[pa.Array], n: int) -> pa.Array:
    import pyarrow.compute as pc

    if not columns:
        return pa.nulls(n, type=pa.string())
    return pc.coalesce(*columns)


def default_stack() -> FilterStack:
    """FineWeb's order: Gopher repetition, Gopher quality, C4 (no terminal-punct rule
    as in FineWeb would be ``C4(filter_no_terminal_punct=False)``), FineWeb."""
    from filters.fineweb import FineWeb
    from filters.gopher_quality import GopherQuality
    from filters.gopher_repetition import GopherRepetition

    return FilterStack([GopherRepetition(), GopherQuality(), C4(), FineWeb()])
