"""The shape of every quality filter: pure signals, then a separate decision.

A filter computes numbers from one text (``signals``) and, separately, turns those
numbers into keep or a reason code (``decide``), as dolma's taggers and NeMo
Curator's ``score_document``/``keep_document`` do. Storing the signals lets a user
change thresholds later and re-decide without recomputing them.

The per-document methods are the reference definition. ``signal_batch`` and
``decide_batch`` are the fast path over a whole Arrow/Polars column; subclasses
override them where vectorizing pays, and tests prove both paths agree.

The user-facing calls check what they are given: ``keep``/``reason`` judge exactly
one string (a list, ``None`` or ``bytes`` raise ``TypeError`` instead of being judged
as one odd document), ``keep_batch``/``reason_batch`` judge a column, and a language
code the filter has no rules for warns once per filter (``strict=True``: raises) and
says which rules it used instead.

This module imports only pyarrow (no engine, no numpy-heavy work at import time).
"""

from __future__ import annotations

import dataclasses
import warnings
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


class UnknownLanguageWarning(UserWarning):
    """A filter was given a language code it has no rules for (see ``Filter.lang_note``)."""


def _check_text(text: Any) -> str:
    if isinstance(text, str):
        return text
    what = type(text).__name__
    hint = (
        "; for several documents use keep_batch/reason_batch"
        if isinstance(text, (list, tuple)) or hasattr(text, "to_list")
        else "; decode bytes first"
        if isinstance(text, (bytes, bytearray))
        else ""
    )
    raise TypeError(f"expected one text (str), got {what}{hint}")


def _column_texts(texts: Any) -> list[str | None]:
    """The texts of a list, Arrow array or Polars series; ``TypeError`` for anything
    that is not a column of strings (one ``str`` included: iterating it gives chars)."""
    if isinstance(texts, (str, bytes, bytearray)) or texts is None:
        raise TypeError(
            f"expected a column of texts (list, pyarrow array, polars Series), "
            f"got {type(texts).__name__}; for one text use keep/reason"
        )
    if isinstance(texts, (pa.Array, pa.ChunkedArray)) and not (
        pa.types.is_string(texts.type)
        or pa.types.is_large_string(texts.type)
        or pa.types.is_null(texts.type)
    ):
        raise TypeError(f"expected an Arrow array of strings, got type {texts.type}")
    items = _as_pylist(texts)
    for i, t in enumerate(items):
        if t is not None and not isinstance(t, str):
            raise TypeError(f"texts[{i}]: expected str or None, got {type(t).__name__}")
    return items


def _like(texts: Any, values: list[Any], arrow_type: pa.DataType) -> Any:
    """``values`` in the container kind of ``texts``: an Arrow array for Arrow input,
    a Polars Series (same name) for a Polars Series, else a list."""
    if isinstance(texts, (pa.Array, pa.ChunkedArray)):
        return pa.array(values, type=arrow_type)
    if type(texts).__module__.split(".")[0] == "polars":
        return type(texts)(texts.name, values)  # polars.Series(name, values)
    return values


class Filter(ABC):
    """A document-level quality filter."""

    #: Short stable name, e.g. ``"gopher_quality"``; reason codes start with it.
    name: ClassVar[str] = ""
    #: Every reason code ``decide`` can return (documented, stable across versions).
    reasons: ClassVar[tuple[str, ...]] = ()
    #: Names of the signals ``signals`` returns, in column order.
    signal_names: ClassVar[tuple[str, ...]] = ()
    Config: ClassVar[type[FilterConfig]] = FilterConfig

    def __init__(
        self, config: FilterConfig | None = None, *, strict: bool = False, **overrides: Any
    ) -> None:
        base = config if config is not None else self.Config()
        self.config = dataclasses.replace(base, **overrides) if overrides else base
        #: Raise ``ValueError`` instead of warning for a language without rules.
        self.strict = strict
        self._noted_langs: set[str] = set()

    # -- languages -----------------------------------------------------------------
    def lang_note(self, lang: str) -> str | None:
        """What this filter does for a language it has no rules for, or ``None`` when
        ``lang`` is known or the filter's rules do not depend on the language."""
        return None

    def _check_langs(self, langs: Any) -> None:
        """Warn once per unknown code (``strict``: raise) naming the rules used."""
        if langs is None:
            return
        codes = {langs} if isinstance(langs, str) else set(_as_pylist(langs))
        for code in sorted(c for c in codes if c is not None and c not in self._noted_langs):
            if not isinstance(code, str):
                raise TypeError(f"a language code must be a str or None, got {code!r}")
            note = self.lang_note(code)
            if note is None:
                continue
            message = f"{self.name}: no rules for language {code!r}; {note}"
            if self.strict:
                raise ValueError(message)
            self._noted_langs.add(code)
            warnings.warn(message, UnknownLanguageWarning, stacklevel=3)

    # -- reference, one document -------------------------------------------------
    @abstractmethod
    def signals(self, text: str, lang: str | None = None) -> Signals:
        """Numbers describing ``text``; total for any string (empty included)."""

    @abstractmethod
    def decide(self, signals: Mapping[str, float], lang: str | None = None) -> str | None:
        """``None`` to keep, else the reason code of the first failed rule."""

    def reason(self, text: str, lang: str | None = None) -> str | None:
        """Why one ``text`` would be removed, or ``None``; ``TypeError`` for anything
        but a ``str`` (use :meth:`reason_batch` for a list or column)."""
        _check_text(text)
        self._check_langs(lang)
        return self.decide(self.signals(text, lang), lang)

    def keep(self, text: str, lang: str | None = None) -> bool:
        """True when one ``text`` passes the filter; ``TypeError`` for anything but a
        ``str`` (use :meth:`keep_batch` for a list or column)."""
        return self.reason(text, lang) is None

    # -- a whole column, for datasets.map(batched=True), polars map_batches ---------
    def reason_batch(self, texts: Any, langs: Any = None) -> Any:
        """Reason codes (``None`` = keep) for a list, Arrow array or Polars Series of
        texts: a list, an Arrow string array or a Polars Series, like ``texts``.

        ``langs``: one code for every text, or a column of codes. A null text is
        judged as the empty string (the engine counts nulls before filters run).
        """
        return _like(texts, self._reasons(texts, langs), pa.string())

    def keep_batch(self, texts: Any, langs: Any = None) -> Any:
        """``True`` for each text that passes (see :meth:`reason_batch`)."""
        return _like(texts, [r is None for r in self._reasons(texts, langs)], pa.bool_())

    def _reasons(self, texts: Any, langs: Any) -> list[str | None]:
        items = _column_texts(texts)
        if isinstance(langs, str):
            langs = [langs] * len(items)
        self._check_langs(langs)
        reasons: list[str | None] = self.decide_batch(
            self.signal_batch(items, langs), langs
        ).to_pylist()
        return reasons

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
