"""The comparison page of two runs: one self-contained HTML file in the report's style.

Same CSS, constant script and Content-Security-Policy as ``report.html``; every value
from ``compare.json`` goes through :func:`esc`.
"""

from __future__ import annotations

import json
from typing import Any

from dataprep.report import fmt
from dataprep.report.html import CSS, SCRIPT, csp
from dataprep.report.sections import funnel_charts, section, table
from dataprep.report.svg import esc, hbars

_EXTRA_CSS = (
    ".bar-a{fill:#b8c4d6;background:#b8c4d6}.bar-b{fill:var(--kept);background:var(--kept)}"
    ".up{color:#1b7f3b}.down{color:#b0302f}"
)
_NAV = (
    ("funnel", "Funnels"),
    ("reasons", "Reasons"),
    ("languages", "Languages"),
    ("cost", "Cost"),
)


def _signed(n: int | None) -> str:
    """A difference as HTML: ``+12`` green, ``-3`` red, an en dash when unknown."""
    if n is None:
        return fmt.NONE
    if n == 0:
        return "0"
    css = "up" if n > 0 else "down"
    return f'<span class="{css}">{"+" if n > 0 else "-"}{esc(fmt.count(abs(n)))}</span>'


def _legend(data: dict[str, Any]) -> str:
    a, b = (r["path"] for r in data["runs"])
    return (
        f'<p class="legend"><span class="key bar-a"></span>A: {esc(a)} '
        f'<span class="key bar-b"></span>B: {esc(b)}</p>'
    )


def _pair(
    a: float | None, b: float | None, text: Any, *, short: bool = False
) -> list[tuple[float, str, str]]:
    """Overlaid bars of A and B (the longer first) labelled with both values
    (``short``: B's value only, when both do not fit; the table lists both)."""
    shown = (("B", b),) if short and b is not None else (("A", a), ("B", b))
    both = " · ".join(f"{r} {text(v)}" for r, v in shown if v is not None)
    bars = [(float(v), css) for v, css in ((a, "bar-a"), (b, "bar-b")) if v is not None]
    bars.sort(key=lambda x: -x[0])
    return [(v, css, both if k == len(bars) - 1 else "") for k, (v, css) in enumerate(bars)]


def _settings(stages: list[dict[str, Any]]) -> str:
    items = [
        f"<li><b>{esc(s['name'])}</b>: {esc(c['key'])} {esc(_value(c['a']))} \u2192 "
        f"{esc(_value(c['b']))}</li>"
        for s in stages
        for c in s["settings_changed"]
    ]
    if not items:
        return ""
    return f'<p class="muted">Settings changed from A to B:</p><ul>{"".join(items)}</ul>'


def _value(v: Any) -> str:
    return "(unset)" if v is None else json.dumps(v, ensure_ascii=False)


def funnels(data: dict[str, Any]) -> str:
    stages = data["stages"]
    docs, size, rows = [], [], []
    for s in stages:
        a, b = s["a"] or {}, s["b"] or {}
        docs.append((s["name"], _pair(a.get("docs_out"), b.get("docs_out"), fmt.count)))
        size.append(
            (s["name"], _pair(a.get("bytes_out"), b.get("bytes_out"), fmt.size, short=True))
        )
        only = "" if len(s["in_runs"]) == 2 else f" (only in {s['in_runs'][0].upper()})"
        rows.append(
            [
                f"{esc(s['name'])}<span class=muted>{esc(only)}</span>",
                esc(fmt.count(a.get("docs_in"))),
                esc(fmt.count(b.get("docs_in"))),
                esc(fmt.count(a.get("docs_kept"))),
                esc(fmt.count(b.get("docs_kept"))),
                _signed(s["docs_kept_diff"]),
                esc(fmt.count(a.get("docs_flagged") or None)),
                esc(fmt.count(b.get("docs_flagged") or None)),
                esc(fmt.size(a.get("bytes_out"))),
                esc(fmt.size(b.get("bytes_out"))),
            ]
        )
    peak_docs = max((v for _, bars in docs for v, _, _ in bars), default=1.0)
    peak_bytes = max((v for _, bars in size for v, _, _ in bars), default=1.0)
    charts = funnel_charts(docs, size, docs_peak=peak_docs, bytes_peak=peak_bytes, runs=", A and B")
    head = [
        "stage",
        "docs in A",
        "docs in B",
        "kept A",
        "kept B",
        "kept B \u2212 A",
        "flagged A",
        "flagged B",
        "bytes out A",
        "bytes out B",
    ]
    return section(
        "funnel",
        "Funnels side by side",
        _legend(data) + charts + table(head, rows) + _settings(stages),
        "Stages aligned by name, in pipeline order; a stage in only one run shows a dash for "
        "the other. 'kept B \u2212 A' is the difference in documents each stage kept.",
    )


def reasons(data: dict[str, Any]) -> str:
    rows = [
        [
            esc(r["stage"]),
            esc(r["reason"]),
            esc(r["action"]),
            esc(fmt.count(r["a"])),
            esc(fmt.count(r["b"])),
            _signed(r["diff"]),
        ]
        for r in data["reasons"]
    ]
    body = table(["stage", "reason", "action", "A", "B", "B \u2212 A"], rows, num_from=3)
    if not rows:
        body = "<p>Neither run removed or flagged a document.</p>"
    return section(
        "reasons",
        "Reasons per stage",
        body,
        "Documents removed (or, in annotate mode, flagged and kept) per stage and reason.",
    )


def languages(data: dict[str, Any]) -> str:
    langs = data["languages"]
    if not langs:
        return section("languages", "Language mix", "<p>Neither run has a language column.</p>")
    rows, bars = [], []
    out = [r for r in langs if (r["a"] or {}).get("docs_out") or (r["b"] or {}).get("docs_out")]
    for r in out:
        a, b = r["a"] or {}, r["b"] or {}
        rows.append(
            [
                esc(r["lang"]),
                esc(fmt.count(a.get("docs_out"))),
                esc(fmt.pct(a.get("share_out"))),
                esc(fmt.count(b.get("docs_out"))),
                esc(fmt.pct(b.get("share_out"))),
                _signed(r["docs_out_diff"]),
            ]
        )
        pair = _pair(a.get("share_out"), b.get("share_out"), fmt.pct, short=True)
        bars.append((r["lang"], pair))
    gone = [r["lang"] for r in langs if r not in out]
    note = ""
    if gone:
        listed = esc(", ".join(gone))
        note = f'<p class="muted">Seen, but no output document in either run: {listed}.</p>'
    shown = bars[:25]
    peak = max((v for _, pair in shown for v, _, _ in pair), default=1.0)
    head = ["language", "docs out A", "share A", "docs out B", "share B", "docs B \u2212 A"]
    return section(
        "languages",
        "Language mix of the output",
        _legend(data)
        + hbars(shown, scale=peak, title="language shares, A and B")
        + table(head, rows)
        + note,
        "Share of the output documents per language in each run (a dash: that run has no "
        "language column).",
    )


def _spent(t: dict[str, Any] | None) -> float | None:
    """A stage's wall plus fit seconds; None when the run recorded neither."""
    if t is None or (t["wall_seconds"] is None and t["fit_seconds"] is None):
        return None
    return float((t["wall_seconds"] or 0) + (t["fit_seconds"] or 0))


def _seconds_diff(a: float | None, b: float | None) -> str:
    if a is None or b is None:
        return fmt.NONE
    return f"{'+' if b >= a else '-'}{abs(b - a):,.2f}"


def _time_rows(stages: list[dict[str, Any]]) -> tuple[list[list[str]], list[Any]]:
    rows, bars = [], []
    for s in stages:
        a, b = _spent(s["a"]), _spent(s["b"])
        rows.append(
            [
                esc(s["name"]),
                esc(fmt.seconds(a)),
                esc(fmt.seconds(b)),
                esc(_seconds_diff(a, b)),
                esc(fmt.seconds((s["a"] or {}).get("cpu_seconds"))),
                esc(fmt.seconds((s["b"] or {}).get("cpu_seconds"))),
            ]
        )
        if a or b:
            bars.append((s["name"], _pair(a, b, fmt.seconds, short=True)))
    return rows, bars


def cost(data: dict[str, Any]) -> str:
    """Seconds per stage of both runs and, when both counted them, tokens per stage."""
    spent, tok = data["cost"], data["tokens"]
    a_run, b_run = (esc(fmt.seconds(r["seconds"])) for r in data["runs"])
    body = f"<p>Whole run: A {a_run}, B {b_run}.</p>"
    if spent is not None:
        rows, bars = _time_rows(spent["stages"])
        peak = max((v for _, pair in bars for v, _, _ in pair), default=1.0)
        if bars:
            body += _legend(data) + hbars(bars, scale=peak, title="seconds per stage, A and B")
        head = ["stage", "seconds A", "seconds B", "B \u2212 A (s)", "CPU A", "CPU B"]
        body += table(head, rows)
        if len(spent["recorded"]) == 1:
            body += f'<p class="muted">Only run {spent["recorded"][0].upper()} recorded time.</p>'
    else:
        body += "<p>Neither run recorded per-stage time.</p>"
    if tok is not None:
        rows = []
        for s in tok["stages"]:
            a, b = s["a"] or {}, s["b"] or {}
            counts = [a.get("tokens_in"), b.get("tokens_in"), a.get("tokens_kept"),
                      b.get("tokens_kept")]  # fmt: skip
            cells = [esc(fmt.count(n)) for n in counts]
            rows.append([esc(s["name"]), *cells, _signed(s["tokens_kept_diff"])])
        head = ["stage", "tokens in A", "tokens in B", "kept A", "kept B", "kept B \u2212 A"]
        body += "<h3>Tokens per stage</h3>" + table(head, rows)
    else:
        body += (
            '<p class="muted">Tokens are compared when both runs counted them '
            "(a tokens_v1 stage in both recipes).</p>"
        )
    return section(
        "cost",
        "Cost: time and tokens",
        body,
        "Seconds per stage (wall time summed over workers, plus a global stage's fit) and "
        "tokens into and kept by each stage. Times differ between identical runs.",
    )


def _header(data: dict[str, Any]) -> str:
    cards = []
    for label, r in zip(("A", "B"), data["runs"], strict=True):
        cards.append(
            f'<div class="kpi">{label}: {esc(r["path"])}<b>{esc(fmt.count(r["docs_out"]))} '
            f"of {esc(fmt.count(r['docs_read']))} docs</b>"
            f'<span class="muted">recipe {esc(r["recipe"])} · '
            f"{esc((r['recipe_sha256'] or '')[:12])} · {esc(fmt.size(r['bytes_out']))} out"
            "</span></div>"
        )
    a, b = data["runs"]
    same = (
        "Both runs used the same recipe."
        if data["same_recipe"]
        else "The runs used different recipes; changed settings are listed per stage."
    )
    change = _signed(b["docs_out"] - a["docs_out"])
    kpi = f'<div class="kpi">documents out, B \u2212 A<b>{change}</b></div>'
    nav = "".join(f'<a href="#{x}">{esc(label)}</a>' for x, label in _NAV)
    return (
        f"<header><h1>dataprep comparison: {esc(a['name'])} vs {esc(b['name'])}</h1>"
        f'<p class="muted">{esc(same)}</p><div class="kpis">{"".join(cards)}{kpi}</div>'
        f"<nav>{nav}</nav></header>"
    )


def render_compare(data: dict[str, Any]) -> str:
    """The whole page for a ``compare.json`` dict."""
    a, b = data["runs"]
    title = f"dataprep comparison: {a['name']} vs {b['name']}"
    body = funnels(data) + reasons(data) + languages(data) + cost(data)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{esc(csp())}">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{esc(title)}</title><style>{CSS}{_EXTRA_CSS}</style></head><body>"
        f"{_header(data)}<main>{body}</main>"
        f"<footer>compare.json version {esc(data['compare_version'])} · generated by "
        f"dataprep from the two runs' stats.json, run.json and data/</footer>"
        f"<script>{SCRIPT}</script></body></html>\n"
    )


__all__ = ["render_compare"]
