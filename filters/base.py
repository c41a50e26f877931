"""The shape of every quality filter: pure signals, then a separate decision.

A filter computes numbers from one text (``signals``) and, separately, turns those
numbers into keep or a reason code (``decide``), as dolma's taggers and NeMo
Curator's ``score_document``/``keep_document`` do. Storing the signals lets a user
change thresholds later and re-decide without recomputing them.

The per-document methods are the reference definition. ``signal_batch`` and
``decide_batch`` are the fast path over a whole Arrow/Polars column; subclasses
override them where vectorizing pays, and tests prove both paths agree.

This module imports only pyarrow (no engine, no numpy-heavy work at import time).
"""

from __future__ import annotations

import dataclasses
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import pyarrow as pa

Signals = dict[str, float]


@dataclass(frozen=True, kw_only=True)
class FilterConfig:
    """Base of each filter's thresholds. A threshold set to ``None`` is disabled."""


def _as_pylist(values: Any) -> list[Any]:
    """Accept a list, an Arrow array/chunked array, or a Polars/pandas series."""
    if isinstance(values, (pa.Array, pa.ChunkedArray)):
        return values.to_pylist()
    if hasattr(values, "to_list"):  # polars.Series
        return list(values.to_list())
    return list(values)


class Filter(ABC):
    """A document-level quality filter."""

    #: Short stable name, e.g. ``"gopher_quality"``; reason codes start with it.
    name: ClassVar[str] = ""
    #: Every reason code ``decide`` can return (documented, stable across versions).
    reasons: ClassVar[tuple[str, ...]] = ()
    #: Names of the signals ``signals`` returns, in column order.
    signal_names: ClassVar[tuple[str, ...]] = ()
    Config: ClassVar[type[FilterConfig]] = FilterConfig

    def __init__(self, config: FilterConfig | None = None, **overrides: Any) -> None:
        base = config if config is not None else self.Config()
        self.config = dataclasses.replace(base, **overrides) if overrides else base

    # -- reference, one document -------------------------------------------------
    @abstractmethod
    def signals(self, text: str, lang: str | None = None) -> Signals:
        """Numbers describing ``text``; total for any string (empty included)."""

    @abstractmethod
    def decide(self, signals: Mapping[str, float], lang: str | None = None) -> str | None:
        """``None`` to keep, else the reason code of the first failed rule."""

    def reason(self, text: str, lang: str | None = None) -> str | None:
        """Why ``text`` would be removed, or ``None``."""
        return self.decide(self.signals(text, lang), lang)

    def keep(self, text: str, lang: str | None = None) -> bool:
        """True when ``text`` passes the filter."""
        return self.reason(text, lang) is None

    # -- fast path, a whole column ----------------------------------------------
    def signal_batch(self, texts: Any, langs: Sequence[str | None] | None = None) -> pa.Table:
        """Signals for a column of texts as an Arrow table (one column per signal).

        Null texts are treated as empty strings.
        """
        items = _as_pylist(texts)
        lang_list = _as_pylist(langs) if langs is not None else [None] * len(items)
        rows = [self.signals(t or "", lg) for t, lg in zip(items, lang_list, strict=True)]
        return pa.table(
            {n: pa.array([r[n] for r in rows], type=pa.float64()) for n in self.signal_names}
        )

    def decide_batch(
        self, signals: pa.Table, langs: Sequence[str | None] | None = None
    ) -> pa.Array:
        """Reason codes (null = keep) for a table of signals from ``signal_batch``."""
        cols = {n: signals.column(n).to_pylist() for n in self.signal_names}
        n_rows = signals.num_rows
        lang_list = _as_pylist(langs) if langs is not None else [None] * n_rows
        out = [
            self.decide({n: cols[n][i] for n in self.signal_names}, lang_list[i])
            for i in range(n_rows)
        ]
        return pa.array(out, type=pa.string())

    def thresholds(self) -> dict[str, Any]:
        """Threshold values keyed by signal name, for reports (disabled ones omitted)."""
        return {}


class Rewriter(Filter):
    """A filter that also rewrites the text (e.g. C4's line removal).

    ``rewrite`` returns the new text and the signals describing what it removed;
    ``decide`` then judges the rewritten document.
    """

    @abstractmethod
    def rewrite(self, text: str, lang: str | None = None) -> tuple[str, Signals]:
        """The cleaned text and signals (including what was removed)."""

    def signals(self, text: str, lang: str | None = None) -> Signals:
        return self.rewrite(text, lang)[1]

    def rewrite_batch(
        self, texts: Any, langs: Sequence[str | None] | None = None
    ) -> tuple[pa.Array, pa.Table]:
        """Rewritten texts and their signals for a whole column."""
        items = _as_pylist(texts)
        lang_list = _as_pylist(langs) if langs is not None else [None] * len(items)
        pairs = [self.rewrite(t or "", lg) for t, lg in zip(items, lang_list, strict=True)]
        new_texts = pa.array([p[0] for p in pairs], type=pa.string())
        table = pa.table(
            {n: pa.array([p[1][n] for p in pairs], type=pa.float64()) for n in self.signal_names}
        )
        return new_texts, table
