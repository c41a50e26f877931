"""Threshold rules shared by the filters: one per-document decision, one vectorized.

A filter lists its ``rules`` in evaluation order; a rule drops the document when
``signal OP threshold`` holds. The threshold comes from a config field (``None``
disables the rule, tested with ``is not None``), after per-language overrides:
recipe ``lang_overrides`` beat the built-in ``data/lang_thresholds.json`` values,
which beat the config field.

``decide`` and ``decide_batch`` read the same resolved settings and compare the
same float64 values, so both paths agree exactly; ``decide_batch`` works from any
stored signal table (annotate mode), e.g. after changing thresholds.
"""

from __future__ import annotations

import dataclasses
import difflib
import operator
from abc import abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import pyarrow as pa

from filters._lang import builtin_overrides, known_languages, normalize_lang
from filters._text import Analysis, safe_text
from filters.base import Filter, FilterConfig, Signals, _as_pylist

#: Documents analysed together by the batch paths (bounds the tokens held in memory).
#: 256 rather than 64: per-batch work (Arrow calls, the vocabulary's properties, numpy
#: set-up) is shared by 4x the documents; 208 -> 156 µs per document for the stack on
#: ~900-byte multilingual documents (``benchmarks/bench_short_multilingual.py``).
BATCH_DOCS = 256

_OPS: dict[str, Callable[[Any, Any], Any]] = {  # floats or numpy arrays
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


@dataclass(frozen=True, kw_only=True)
class LangConfig(FilterConfig):
    """Fields every filter config has: per-language threshold overrides."""

    lang_overrides: Mapping[str, Mapping[str, float | None]] = field(default_factory=dict)
    """Language code -> {config field: value}; ``None`` disables that rule for the language."""
    builtin_lang_overrides: bool = True
    """Apply the shipped per-language defaults of ``filters/data/lang_thresholds.json``."""


@dataclass(frozen=True)
class Rule:
    """Drop when ``signals[signal] OP threshold``; ``reason`` is the stable code."""

    reason: str
    signal: str
    op: str
    field: str | None = None  # config field holding the threshold
    const: float | None = None  # fixed threshold when ``field`` is None
    enabled_by: str | None = None  # boolean config field switching the rule on
    zero_exempt: str | None = None  # boolean config field: a value of exactly 0 passes


class RuleFilter(Filter):
    """A filter whose decision is a list of threshold ``rules`` over its signals."""

    rules: ClassVar[tuple[Rule, ...]] = ()
    Config: ClassVar[type[FilterConfig]] = LangConfig

    #: For a language without shipped data: the rules used instead (``lang_note``);
    #: ``None`` when the filter's rules do not depend on the language.
    unknown_lang_rules: ClassVar[str | None] = None

    def __init__(
        self, config: FilterConfig | None = None, *, strict: bool = False, **overrides: Any
    ) -> None:
        super().__init__(config, strict=strict, **overrides)
        names = {f.name for f in dataclasses.fields(self.config)}
        for lang, values in getattr(self.config, "lang_overrides", {}).items():
            for key in values:
                if key not in names:
                    hint = difflib.get_close_matches(key, sorted(names), n=1)
                    extra = f" (did you mean {hint[0]!r}?)" if hint else ""
                    raise ValueError(
                        f"{self.name}: lang_overrides[{lang!r}] has unknown field {key!r}{extra}"
                    )
        self._settings: dict[str | None, dict[str, Any]] = {}

    # -- settings -----------------------------------------------------------------
    def settings(self, lang: str | None = None) -> dict[str, Any]:
        """Config values for ``lang``, per-language overrides applied (cached)."""
        code = normalize_lang(lang)
        found = self._settings.get(code)
        if found is not None:
            return found
        cfg = self.config
        values = {f.name: getattr(cfg, f.name) for f in dataclasses.fields(cfg)}
        if code is not None:
            if getattr(cfg, "builtin_lang_overrides", False):
                values.update(builtin_overrides(self.name, code))
            for key, over in getattr(cfg, "lang_overrides", {}).items():
                if normalize_lang(key) == code:
                    values.update(over)
        self._adjust_settings(values, code)
        self._settings[code] = values
        return values

    def lang_note(self, lang: str) -> str | None:
        code = normalize_lang(lang)
        if self.unknown_lang_rules is None or code is None or code in known_languages():
            return None
        if any(normalize_lang(k) == code for k in getattr(self.config, "lang_overrides", {})):
            return None
        known = ", ".join(known_languages())
        return f"using {self.unknown_lang_rules} (languages with rules: {known})"

    def _adjust_settings(self, values: dict[str, Any], code: str | None) -> None:
        """Hook for filters whose settings depend on the language in other ways."""

    def _threshold(self, rule: Rule, s: Mapping[str, Any]) -> float | None:
        if rule.enabled_by is not None and not s[rule.enabled_by]:
            return None
        value = s[rule.field] if rule.field is not None else rule.const
        return None if value is None else float(value)

    def thresholds(self) -> dict[str, Any]:
        s = self.settings(None)
        out: dict[str, Any] = {}
        for rule in self.rules:
            th = self._threshold(rule, s)
            if th is not None and rule.field is not None:
                out[rule.field] = th
        return out

    # -- signals ------------------------------------------------------------------
    @abstractmethod
    def analyze_signals(self, a: Analysis, lang: str | None = None) -> Signals:
        """Signals from a shared :class:`Analysis` (what ``FilterStack`` calls)."""

    def signals(self, text: str, lang: str | None = None) -> Signals:
        return self.analyze_signals(Analysis(safe_text(text)).judged(lang), lang)

    def analyze_batch(
        self, analyses: Sequence[Analysis], langs: Sequence[str | None]
    ) -> dict[str, Any]:
        """Signal columns (lists or float64 arrays) for many documents: the fast path.

        Equal, value for value, to :meth:`analyze_signals` on each document; filters
        override it where working on many documents at once pays.
        """
        cols: dict[str, list[float]] = {n: [] for n in self.signal_names}
        for a, lang in zip(analyses, langs, strict=True):
            sig = self.analyze_signals(a, lang)
            for n, col in cols.items():
                col.append(sig[n])
        return cols

    def signal_batch(self, texts: Any, langs: Sequence[str | None] | None = None) -> pa.Table:
        items = _as_pylist(texts)
        lang_list = _as_pylist(langs) if langs is not None else [None] * len(items)
        parts: dict[str, list[Any]] = {n: [] for n in self.signal_names}
        for i in range(0, len(items), BATCH_DOCS):
            chunk = zip(items[i : i + BATCH_DOCS], lang_list[i : i + BATCH_DOCS], strict=True)
            analyses = [Analysis(safe_text(t)).judged(lg) for t, lg in chunk]
            cols = self.analyze_batch(analyses, lang_list[i : i + BATCH_DOCS])
            for n in self.signal_names:
                parts[n].append(pa.array(cols[n], type=pa.float64()))
        return pa.table(
            {n: pa.chunked_array(v, type=pa.float64()).combine_chunks() for n, v in parts.items()}
        )

    # -- decision -----------------------------------------------------------------
    def decide(self, signals: Mapping[str, float], lang: str | None = None) -> str | None:
        s = self.settings(lang)
        for rule in self.rules:
            th = self._threshold(rule, s)
            if th is None:
                continue
            value = float(signals[rule.signal])
            if rule.zero_exempt is not None and s[rule.zero_exempt] and value == 0.0:
                continue
            if _OPS[rule.op](value, th):
                return rule.reason
        return None

    def decide_batch(
        self, signals: pa.Table, langs: Sequence[str | None] | None = None
    ) -> pa.Array:
        import numpy as np

        n = signals.num_rows
        lang_list = _as_pylist(langs) if langs is not None else [None] * n
        codes: dict[str | None, int] = {}
        group = np.fromiter(
            (codes.setdefault(normalize_lang(lg), len(codes)) for lg in lang_list),
            dtype=np.intp,
            count=n,
        )
        per_lang = [self.settings(code) for code in codes]
        out = np.full(n, len(self.rules), dtype=np.intp)
        for i in range(len(self.rules) - 1, -1, -1):
            rule = self.rules[i]
            ths = [self._threshold(rule, s) for s in per_lang]
            if all(th is None for th in ths):
                continue
            th_rows = np.array([np.nan if th is None else th for th in ths])[group]
            col = signals.column(rule.signal).to_numpy().astype(np.float64)
            fail = _OPS[rule.op](col, th_rows)  # NaN thresholds compare False
            if rule.zero_exempt is not None:
                exempt = np.array([bool(s[rule.zero_exempt]) for s in per_lang])[group]
                fail &= ~(exempt & (col == 0.0))
            out[fail] = i
        labels = np.array([r.reason for r in self.rules] + [None], dtype=object)
        return pa.array(labels[out].tolist(), type=pa.string())
