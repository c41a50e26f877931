"""Histograms of every numeric signal column, over the documents that reached its stage.

A signal ``{stage}__{name}`` (or a column named in the stage's ``thresholds``, such
as ``lang_score``) exists on the documents that reached the stage: the kept ones
(``data/``) and those removed at that stage or later (``removed/T``). Two streaming
passes read only the signal columns of all stages at once (the second reuses the
first's batches while they fit in ``CACHE_BYTES``): the first keeps exact min/max/count and a
bounded reservoir of values (fixed seed, so deterministic); fixed bin edges come
from the reservoir's 0.5 % and 99.5 % quantiles widened to the thresholds; the
second pass counts. Values outside the edges are counted in the first or last bin
(``clipped_low``/``clipped_high`` say how many). Memory is bounded by the reservoir.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from dataprep.output.columns import (
    INPUT_STAGE,
    LANG_COLUMN,
    REASON_COL,
    SIGNAL_SEPARATOR,
    reason_column,
    signal_column,
    signal_prefix,
)
from dataprep.output.reader import Output, PartFile, iter_batches

RESERVOIR = 20_000
#: Languages with their own histogram per signal (largest first); the rest are grouped.
TOP_LANGUAGES = 4
OTHER = "other"
CACHE_BYTES = 64 * 2**20
MAX_BINS = 40
REPEAT_COLUMN = "repeat"


@dataclass
class _Column:
    """Pass-one accumulator of one column."""

    integer: bool
    count: int = 0
    nulls: int = 0
    total: float = 0.0
    lo: float = math.inf
    hi: float = -math.inf
    seen: int = 0
    rng: np.random.Generator = field(default_factory=lambda: np.random.default_rng(0))
    reservoir: np.ndarray | None = None

    def add(self, values: np.ndarray, nulls: int) -> None:
        self.nulls += nulls
        if values.size == 0:
            return
        self.count += int(values.size)
        self.total += float(values.sum())
        self.lo = min(self.lo, float(values.min()))
        self.hi = max(self.hi, float(values.max()))
        self._reserve(values)

    def _reserve(self, values: np.ndarray) -> None:
        """Algorithm R, vectorised per batch (same input order -> same sample)."""
        res = self.reservoir
        n_fill = 0 if res is None else RESERVOIR - res.size
        if res is None or n_fill > 0:
            head = values[: RESERVOIR if res is None else n_fill]
            res = head.copy() if res is None else np.concatenate([res, head])
            values = values[head.size :]
            self.seen += head.size
        if values.size:
            idx = self.rng.integers(0, self.seen + 1 + np.arange(values.size))
            hit = idx < RESERVOIR
            res[idx[hit]] = values[hit]
            self.seen += values.size
        self.reservoir = res


def signal_columns(out: Output, stage: str, parts: list[PartFile]) -> list[str]:
    """Numeric signal columns of ``stage`` present in ``parts`` (schema order)."""
    extra = set(out.stage_info(stage).get("thresholds", {}) or {})
    cols: dict[str, None] = {}
    for part in parts:
        for f in out.schema(part):
            is_signal = f.name.startswith(signal_prefix(stage)) and not f.name.endswith(
                SIGNAL_SEPARATOR + REASON_COL
            )
            numeric = pa.types.is_integer(f.type) or pa.types.is_floating(f.type)
            if numeric and (is_signal or f.name in extra):
                cols[f.name] = None
    return list(cols)


def reached(out: Output, stage: str) -> list[PartFile]:
    """Part files holding the documents that reached ``stage``."""
    names = out.stage_names
    later = names[names.index(stage) :] if stage in names else []
    files = out.kept_files()
    for name in later:
        files += out.removed_files(name)
    return files


def before_upsampling(out: Output, stage: str) -> bool:
    """True when no up-sampling stage precedes ``stage`` (its copies are not counted)."""
    for name, st in out.stats.get("stages", {}).items():
        if name == stage:
            return True
        if st.get("docs_added", 0):
            return False
    return True


@dataclass
class _StageScan:
    """What the histograms of one stage read: its parts, columns and accumulators."""

    stage: str
    parts: set[str]
    cols: list[str]
    only_originals: bool
    langs: list[str] = field(default_factory=list)
    accs: dict[str, _Column] = field(default_factory=dict)
    hists: dict[str, dict[str, Any]] = field(default_factory=dict)


def _scan(
    out: Output, scans: list[_StageScan]
) -> Iterator[tuple[_StageScan, pa.RecordBatch, np.ndarray]]:
    """(stage, batch, removed-or-flagged-here mask) for every document that reached
    each stage; every part file is read once, with the columns all stages need."""
    for part in out.all_files():
        here_scans = [sc for sc in scans if str(part.path) in sc.parts and sc.cols]
        if not here_scans:
            continue
        cols = [c for sc in here_scans for c in (*sc.cols, reason_column(sc.stage))]
        for batch in iter_batches(out, part, [*cols, REPEAT_COLUMN, LANG_COLUMN]):
            for sc in here_scans:
                yield sc, *_stage_view(batch, part, sc)


def _stage_view(
    batch: pa.RecordBatch, part: PartFile, sc: _StageScan
) -> tuple[pa.RecordBatch, np.ndarray]:
    names = batch.schema.names
    if sc.only_originals and REPEAT_COLUMN in names:
        batch = batch.filter(pc.fill_null(pc.equal(batch.column(REPEAT_COLUMN), 0), True))
    flag = reason_column(sc.stage)
    if part.stage == sc.stage:
        here = np.ones(batch.num_rows, dtype=bool)
    elif flag in names:  # annotate mode: flagged here, kept or removed later
        here = batch.column(flag).is_valid().to_numpy(zero_copy_only=False)
    else:
        here = np.zeros(batch.num_rows, dtype=bool)
    return batch, here


def threshold_lines(value: Any, label: str = "") -> list[dict[str, Any]]:
    """Every number in a threshold value (scalar, ``[lo, hi]`` or a dict of those)."""
    if isinstance(value, bool) or value is None:
        return []
    if isinstance(value, int | float):
        return [{"value": float(value), "label": label}] if math.isfinite(value) else []
    if isinstance(value, list | tuple):
        names = ("min", "max") if len(value) == 2 else tuple(str(i) for i in range(len(value)))
        lines = []
        for name, v in zip(names, value, strict=False):
            lines += threshold_lines(v, f"{label} {name}".strip())
        return lines
    if isinstance(value, dict):
        lines = []
        for k in sorted(value, key=str):
            lines += threshold_lines(value[k], f"{label} {k}".strip())
        return lines
    return []


def bin_edges(lo: float, hi: float, integer: bool) -> np.ndarray:
    """Fixed edges covering ``[lo, hi]``; integer bins are ``[k, k + width)``."""
    if integer:
        lo, hi = math.floor(lo), math.ceil(hi)
        width = max(1, math.ceil((hi - lo + 1) / MAX_BINS))
        n = math.ceil((hi - lo + 1) / width)
        return lo + width * np.arange(n + 1, dtype=np.float64)
    if hi <= lo:
        return np.array([lo - 0.5, lo + 0.5])
    return np.linspace(lo, hi, MAX_BINS + 1)


def _range(acc: _Column, lines: list[dict[str, Any]]) -> tuple[float, float]:
    res = acc.reservoir if acc.reservoir is not None else np.empty(0)
    if res.size > 200:
        lo, hi = (float(q) for q in np.quantile(res, [0.005, 0.995]))
    else:
        lo, hi = acc.lo, acc.hi
    # A threshold far outside the data (max_words 100,000 on 700-word documents) would
    # squash the bars: it is listed instead of drawn. A constant signal shows them all.
    span = 3 * (hi - lo) if hi > lo else math.inf
    for line in lines:
        v = line["value"]
        line["on_chart"] = lo - span <= v <= hi + span
        if line["on_chart"]:
            lo, hi = min(lo, v), max(hi, v)
    return lo, hi


def match_thresholds(
    stage: str, thresholds: dict[str, Any], columns: list[str]
) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    """Assign each threshold to a signal column: ``({column: {key: value}}, unmatched)``.

    A key is the column itself (the stage_info contract), or names it with a
    ``min_``/``max_`` prefix (``{stage}__max_dup_line_frac`` -> ``{stage}__dup_line_frac``),
    as the ``filters`` package keys thresholds by option name.
    """
    matched: dict[str, dict[str, Any]] = {}
    unmatched: dict[str, Any] = {}
    for key, value in thresholds.items():
        bare = key.removeprefix(signal_prefix(stage))
        bound = re.fullmatch(r"(min|max)_(.+)", bare)
        candidates = [key, signal_column(stage, f"{bare}")]
        if bound:
            candidates += [signal_column(stage, bound[2]), bound[2]]
        col = next((c for c in candidates if c in columns), None)
        if col is None:
            unmatched[key] = value
        else:
            matched.setdefault(col, {})[key] = value
    return matched, unmatched


def _lines(stage: str, found: dict[str, Any]) -> list[dict[str, Any]]:
    """Threshold lines; of a per-language dict with a default (``*``), only the default
    (each language's own is drawn on its language's histogram)."""
    lines = []
    for key, value in found.items():
        bound = re.fullmatch(r"(min|max)_.+", key.removeprefix(signal_prefix(stage)))
        label = bound[1] if bound else ""
        if isinstance(value, dict) and "*" in value:
            lines += threshold_lines(value["*"], f"default {label}".strip())
        else:
            lines += threshold_lines(value, label)
    return lines


def _plan(out: Output, stage: str) -> tuple[_StageScan, dict[str, Any], dict[str, Any]]:
    """The scan of ``stage``, its thresholds matched to columns, and unmatched ones."""
    thresholds = out.stage_info(stage).get("thresholds", {}) or {}
    parts = reached(out, stage)
    cols = signal_columns(out, stage, parts)
    matched, unmatched = match_thresholds(stage, thresholds, cols)
    types = {f.name: f.type for p in parts for f in out.schema(p) if f.name in cols}
    scan = _StageScan(stage, {str(p.path) for p in parts}, cols, before_upsampling(out, stage))
    scan.accs = {c: _Column(integer=pa.types.is_integer(types[c])) for c in cols}
    return scan, matched, unmatched


def _first_pass(sc: _StageScan, items: list[tuple[pa.RecordBatch, np.ndarray]]) -> None:
    """Exact count/min/max/mean and the reservoir of every column over ``items``."""
    for c in sc.cols:
        got = _column_values(items, c)
        if got is not None:
            vals, ok, _ = got
            sc.accs[c].add(vals[ok], int(ok.size - ok.sum()))


def _column_values(
    items: list[tuple[pa.RecordBatch, np.ndarray]], col: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """(float64 values with NaN for nulls, finite mask, here mask) of ``col`` over the
    batches that have it, in order (one conversion per column, not per batch)."""
    chunks = [(b.column(col), h) for b, h in items if col in b.schema.names]
    if not chunks:
        return None
    # a float64 array with nulls converts with NaN in their place
    vals = np.concatenate([a.cast(pa.float64()).to_numpy(zero_copy_only=False) for a, _ in chunks])
    return vals, ~np.isnan(vals), np.concatenate([h for _, h in chunks])


def _lang_codes(
    items: list[tuple[pa.RecordBatch, np.ndarray]], col: str, langs: list[str]
) -> np.ndarray:
    """Per value of ``col`` (as in :func:`_column_values`): the index of its language in
    ``langs``, ``len(langs)`` for any other language or none."""
    value_set = pa.array(langs, pa.string())
    codes = []
    for b, _ in items:
        if col not in b.schema.names:
            continue
        if LANG_COLUMN in b.schema.names:
            found = pc.index_in(b.column(LANG_COLUMN).cast(pa.string()), value_set=value_set)
            codes.append(
                found.fill_null(len(langs)).to_numpy(zero_copy_only=False).astype(np.int64)
            )
        else:
            codes.append(np.full(b.num_rows, len(langs), dtype=np.int64))
    return np.concatenate(codes) if codes else np.empty(0, np.int64)


def lang_threshold(value: Any, lang: str, langs: list[str]) -> Any:
    """The part of a threshold that applies to ``lang``: a per-language dict gives its
    entry (``*``/``default`` when absent; for the grouped ``other`` languages, the
    entries of languages outside ``langs``); any other value applies to every language."""
    if isinstance(value, dict):
        if lang == OTHER:
            rest = {("default" if k == "*" else k): v for k, v in value.items() if k not in langs}
            return rest or None
        for key in (lang, "*", "default"):
            if key in value:
                return value[key]
        return None
    return value


def _by_lang(h: dict[str, Any], stage: str, langs: list[str]) -> list[dict[str, Any]]:
    """The histogram's per-language rows (languages with at least one document)."""
    rows = []
    lo, hi = h["edges"][0], h["edges"][-1]
    for i, lang in enumerate([*langs, OTHER]):
        passed, removed = h["lang_passed"][i], h["lang_removed"][i]
        count = int(passed.sum() + removed.sum())
        if not count:
            continue
        found = {k: lang_threshold(v, lang, langs) for k, v in (h["threshold"] or {}).items()}
        lines = _lines(stage, {k: v for k, v in found.items() if v is not None})
        for line in lines:
            line["on_chart"] = lo <= line["value"] <= hi
            line["label"] = f"{lang} {line['label']}".strip() if lang != OTHER else line["label"]
        rows.append(
            {
                "lang": lang,
                "count": count,
                "passed": passed.tolist(),
                "removed": removed.tolist(),
                "threshold_lines": lines,
            }
        )
    return rows


def top_languages(out: Output) -> list[str]:
    """The TOP_LANGUAGES largest languages where languages were first seen (none when
    the run saw fewer than two)."""
    for st in out.stats.get("stages", {}).values():
        by_lang = st.get("docs_in_by_lang")
        if by_lang:
            if len(by_lang) < 2:
                return []
            ranked = sorted(by_lang, key=lambda k: (-int(by_lang[k]), k))
            return ranked[:TOP_LANGUAGES]
    return []


def _make_hists(sc: _StageScan, matched: dict[str, Any]) -> None:
    for c in sc.cols:
        acc = sc.accs[c]
        if acc.count == 0:
            continue
        lines = _lines(sc.stage, matched.get(c, {}))
        edges = bin_edges(*_range(acc, lines), acc.integer)
        sc.hists[c] = {
            "stage": sc.stage,
            "column": c,
            "count": acc.count,
            "nulls": acc.nulls,
            "min": acc.lo,
            "max": acc.hi,
            "mean": acc.total / acc.count,
            "integer": acc.integer,
            "edges": edges.tolist(),
            "passed": np.zeros(edges.size - 1, dtype=np.int64),
            "removed": np.zeros(edges.size - 1, dtype=np.int64),
            "clipped_low": 0,
            "clipped_high": 0,
            "threshold": matched.get(c),
            "threshold_lines": lines,
        }
        if sc.langs:
            shape = (len(sc.langs) + 1, edges.size - 1)
            sc.hists[c]["lang_passed"] = np.zeros(shape, dtype=np.int64)
            sc.hists[c]["lang_removed"] = np.zeros(shape, dtype=np.int64)


def _second_pass(sc: _StageScan, items: list[tuple[pa.RecordBatch, np.ndarray]]) -> None:
    """Per-bin counts, split into passed and removed (or flagged) here."""
    for c, h in sc.hists.items():
        got = _column_values(items, c)
        if got is None:
            continue
        vals, ok, here = got
        vals = vals[ok]
        if not vals.size:
            continue
        edges = np.asarray(h["edges"])
        h["clipped_low"] += int((vals < edges[0]).sum())
        h["clipped_high"] += int((vals > edges[-1]).sum())
        idx = np.clip(np.searchsorted(edges, vals, side="right") - 1, 0, edges.size - 2)
        gone = here[ok]
        h["removed"] += np.bincount(idx[gone], minlength=edges.size - 1)
        h["passed"] += np.bincount(idx[~gone], minlength=edges.size - 1)
        if sc.langs:
            lang = _lang_codes(items, c, sc.langs)[ok]
            size = (len(sc.langs) + 1) * (edges.size - 1)
            flat = lang * (edges.size - 1) + idx
            h["lang_removed"] += np.bincount(flat[gone], minlength=size).reshape(
                len(sc.langs) + 1, -1
            )
            h["lang_passed"] += np.bincount(flat[~gone], minlength=size).reshape(
                len(sc.langs) + 1, -1
            )


def stage_histograms(out: Output, stage: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """One histogram per numeric signal column of ``stage``, and its unmatched thresholds."""
    hists, unmatched = all_histograms(out, [stage])
    return hists, {u["key"]: u["value"] for u in unmatched}


def _count_all(out: Output, plans: list[tuple[_StageScan, dict[str, Any], dict[str, Any]]]) -> None:
    """Both passes for every stage. The batches (signal columns only) are kept, and
    each column converted once, while they fit in CACHE_BYTES; past that both passes
    go batch by batch and the second one reads the files again. Same counts either
    way (tested; the mean may differ in its last bits)."""
    scans = [sc for sc, _, _ in plans]
    cache: dict[str, list[tuple[pa.RecordBatch, np.ndarray]]] | None = {}
    budget = CACHE_BYTES
    for sc, batch, here in _scan(out, scans):
        if cache is None:
            _first_pass(sc, [(batch, here)])
            continue
        cache.setdefault(sc.stage, []).append((batch, here))
        budget -= batch.nbytes
        if budget < 0:  # too big to keep: what was kept is counted batch by batch
            for kept in scans:
                for item in cache.get(kept.stage, []):
                    _first_pass(kept, [item])
            cache = None
    if cache is not None:
        for sc in scans:
            _first_pass(sc, cache.get(sc.stage, []))
    for sc, matched, _ in plans:
        _make_hists(sc, matched)
    if cache is not None:
        for sc in scans:
            _second_pass(sc, cache.get(sc.stage, []))
    else:
        for sc, batch, here in _scan(out, [sc for sc in scans if sc.hists]):
            _second_pass(sc, [(batch, here)])


def all_histograms(
    out: Output, stages: list[str] | None = None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Histograms of every stage (or of ``stages``) in pipeline order, and thresholds
    matching no signal. Two passes over the part files, whatever the number of stages."""
    names = [s for s in (stages or out.stage_names) if s != INPUT_STAGE]
    plans = [_plan(out, stage) for stage in names]
    langs = top_languages(out)
    for sc, _, _ in plans:
        sc.langs = langs
    _count_all(out, plans)
    hists: list[dict[str, Any]] = []
    unmatched: list[dict[str, Any]] = []
    for sc, _, lost in plans:
        for h in sc.hists.values():
            h["passed"] = h["passed"].tolist()
            h["removed"] = h["removed"].tolist()
            if sc.langs:
                h["by_lang"] = _by_lang(h, sc.stage, sc.langs)
                del h["lang_passed"], h["lang_removed"]
            else:
                h["by_lang"] = []
        hists += list(sc.hists.values())
        unmatched += [{"stage": sc.stage, "key": k, "value": v} for k, v in lost.items()]
    return hists, unmatched
