"""``report.html``: one self-contained page (inline CSS and SVG, no network access).

The page's only script is a constant (it marks the page as rendered, for tests and
screenshots); a Content-Security-Policy allows that script by its hash and nothing
else, so even a document text that escaped escaping could not run.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from dataprep.report import fmt, sections
from dataprep.report.svg import esc

#: Marks the page as rendered: ``data-rendered`` = number of charts drawn,
#: ``data-overflow`` = pixels the page is wider than the window (0 when it fits),
#: ``data-load-ms`` = milliseconds from navigation start until the script (the last
#: element of the page) ran: parsing and laying out the whole page.
SCRIPT = (
    "var d=document.documentElement;"
    "d.setAttribute('data-rendered',String(document.querySelectorAll('svg.chart').length));"
    "d.setAttribute('data-overflow',String(Math.max(0,d.scrollWidth-window.innerWidth)));"
    "d.setAttribute('data-load-ms',String(Math.round(performance.now())));"
)

CSS = """
:root{--fg:#1d2330;--muted:#5f6b7a;--line:#d9dee5;--bg:#fff;--soft:#f5f7fa;
--kept:#4c78a8;--removed:#e45756;--flagged:#f2a541;--bytes:#72b7b2;--target:#9d755d}
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
color:var(--fg);background:var(--bg)}
header,main{max-width:1100px;margin:0 auto;padding:0 16px}
header{padding-top:18px;border-bottom:1px solid var(--line)}
h1{font-size:1.5rem;margin:0 0 4px}h2{font-size:1.2rem;margin:28px 0 8px}h3{font-size:1rem}
.muted{color:var(--muted)}.lead{color:var(--muted);margin:0 0 10px;max-width:75ch}
.note{color:#8a5a00;margin:4px 0;font-size:.9rem}
.kpis{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:8px;margin:12px 0}
.kpi{background:var(--soft);border-radius:6px;padding:8px 10px}
.kpi b{display:block;font-size:1.25rem}
nav{display:flex;flex-wrap:wrap;gap:4px 14px;margin:8px 0 12px;font-size:.9rem}
nav a{color:var(--kept);text-decoration:none}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;margin:8px 0;font-size:.9rem;min-width:50%}
th,td{padding:4px 8px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
th{background:var(--soft);font-weight:600}
.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
figure{margin:8px 0}figcaption{font-weight:600;margin-bottom:4px;overflow-wrap:anywhere}
.grid2{display:grid;grid-template-columns:repeat(auto-fit,minmax(300px,1fr));gap:16px}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));gap:14px}
.card{border:1px solid var(--line);border-radius:6px;padding:8px;margin:0}
.card p{margin:2px 0;font-size:.85rem}
svg.chart{width:100%;height:auto;display:block;max-width:720px}
svg.hbars{max-width:640px}
svg text{font:11px system-ui,sans-serif;fill:var(--muted)}
svg .tlabel{fill:#b0302f;font-weight:600}
.axis{stroke:var(--muted)}.threshold{stroke:#b0302f;stroke-width:1.5;stroke-dasharray:4 3}
.bar-kept{fill:var(--kept);background:var(--kept)}
.bar-removed{fill:var(--removed);background:var(--removed)}
.bar-flagged{fill:var(--flagged);background:var(--flagged)}
.bar-bytes{fill:var(--bytes)}.bar-before{fill:#b8c4d6;background:#b8c4d6}
.bar-target{fill:var(--target);background:var(--target)}
.bar-after{fill:var(--kept);background:var(--kept)}
.legend{font-size:.85rem;color:var(--muted)}
.key{display:inline-block;width:12px;height:12px;border-radius:2px;margin:0 4px -1px 10px}
.threshold-key{background:repeating-linear-gradient(90deg,#b0302f 0 4px,transparent 4px 7px);
height:3px;margin-bottom:3px}
details{border:1px solid var(--line);border-radius:6px;margin:6px 0;padding:4px 10px}
summary{cursor:pointer;font-weight:600;overflow-wrap:anywhere}
.doc{border-top:1px solid var(--line);padding:6px 0}
pre{white-space:pre-wrap;overflow-wrap:anywhere;margin:4px 0;font:13px/1.4 ui-monospace,
SFMono-Regular,Menlo,Consolas,monospace;background:var(--soft);padding:6px 8px;border-radius:4px;
max-height:22em;overflow:auto}
.pair{display:grid;grid-template-columns:repeat(auto-fit,minmax(280px,1fr));gap:10px}
.pair-block{border-top:1px solid var(--line);margin-top:8px}
del{background:#fde2e1;color:#8c1d1b}ins{background:#dff3e3;color:#1d5b2a;text-decoration:none}
pre.diff{max-height:14em}
.lang-grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(140px,1fr));gap:6px}
.lang-cell{font-size:.8rem}svg.mini{width:100%;height:auto;display:block}
details.by-lang{padding:2px 6px;margin:4px 0 0}
details.by-lang summary{font-weight:400;font-size:.85rem}
footer{max-width:1100px;margin:30px auto;padding:0 16px;color:var(--muted);font-size:.8rem}
@media (max-width:600px){body{font-size:14px}th,td{padding:3px 5px}h1{font-size:1.25rem}}
"""

_NAV = (
    ("funnel", "Funnel"),
    ("removals", "Removals"),
    ("overlaps", "Overlaps"),
    ("cost", "Cost"),
    ("languages", "Languages"),
    ("dedup", "Duplicates"),
    ("rewrites", "Rewrites"),
    ("signals", "Signals"),
    ("samples", "Samples"),
)


def csp() -> str:
    digest = base64.b64encode(hashlib.sha256(SCRIPT.encode()).digest()).decode()
    return (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
        f"script-src 'sha256-{digest}'; base-uri 'none'; form-action 'none'"
    )


def _header(report: dict[str, Any]) -> str:
    run, totals = report["run"], report["totals"]
    t = run["timing"]
    kpis = [
        ("documents read", fmt.count(totals["docs_read"])),
        ("documents out", fmt.count(totals["docs_out"])),
        ("share of docs kept", fmt.pct(totals["docs_out"], totals["docs_read"])),
        ("bytes read", fmt.size(totals["bytes_read"])),
        ("bytes out", fmt.size(totals["bytes_out"])),
        (f"run time, {fmt.count(t['workers'])} workers", fmt.seconds(t["seconds"])),
    ]
    cells = "".join(f'<div class="kpi">{esc(k)}<b>{esc(v)}</b></div>' for k, v in kpis)
    files = run["input_files"]
    names = ", ".join(f["name"] or "?" for f in files[:5]) + (" …" if len(files) > 5 else "")
    v = run["versions"]
    meta = (
        f"recipe sha256 {(run['recipe_sha256'] or '')[:12]} · seed {run['seed']} · "
        f"{len(files)} input files ({names}) · dataprep {v.get('dataprep_version')}, "
        f"Python {v.get('python')}, pyarrow {v.get('pyarrow')}"
    )
    desc = f"<p>{esc(run['description'])}</p>" if run.get("description") else ""
    nav = "".join(f'<a href="#{a}">{esc(label)}</a>' for a, label in _NAV)
    return (
        f"<header><h1>dataprep report: {esc(run['recipe'])}</h1>{desc}"
        f'<p class="muted">{esc(meta)}</p><div class="kpis">{cells}</div>'
        f"<nav>{nav}</nav></header>"
    )


#: Upper bound of ``report.html`` in bytes, whatever the corpus size. What grows with a
#: run is bounded by the report itself (samples per stage and reason, 40 bins per
#: histogram, 4 languages + 'other' per signal, 8 kept languages, 5 duplicate pairs and
#: 5 rewrite diffs per stage); a page over the bound (a recipe with hundreds of signal
#: columns, say) is rendered again with the optional parts trimmed (:data:`TRIMS`).
MAX_HTML_BYTES = 2_000_000
#: Per-language small multiples kept at the first trim level.
TRIM_LANG_SIGNALS = 24


def _fewer_lang_charts(r: dict[str, Any]) -> str:
    for h in r["signals"][TRIM_LANG_SIGNALS:]:
        h["by_lang"] = []
    return f"per-language charts of the first {TRIM_LANG_SIGNALS} signals only"


def _fewer_samples(r: dict[str, Any]) -> str:
    for h in r["signals"]:
        h["by_lang"] = []
    for d in r["dedup"]:
        d["pairs"] = d["pairs"][:2]
    for w in r.get("rewrites", []):
        w["samples"] = w["samples"][:2]
    s = r["samples"]
    for group in [*s["removed"], *s["flagged"]]:
        group["docs"] = group["docs"][:1]
    s["kept_by_lang"] = []
    return "no per-language charts, fewer sample documents and diffs"


def _no_samples(r: dict[str, Any]) -> str:
    r["samples"] = {**r["samples"], "removed": [], "flagged": [], "kept": []}
    r["global_stages"] = {}
    for d in r["dedup"]:
        d["pairs"] = []
        for h in d["cluster_size_histogram"]:
            h["example"] = None
    for w in r.get("rewrites", []):
        w["samples"] = []
    return "no per-language charts, sample documents, diffs or global summaries"


def _compact_charts(r: dict[str, Any]) -> str:
    r["compact_charts"] = True
    return (
        "no per-language charts, sample documents, diffs or global summaries; signal "
        "histograms without per-bar tooltips"
    )


#: Trim levels, mildest first: each applies to the report the previous one left.
TRIMS = (_fewer_lang_charts, _fewer_samples, _no_samples, _compact_charts)


def _trim(report: dict[str, Any], level: int) -> tuple[dict[str, Any], str]:
    """A copy of ``report`` with the first ``level`` trims applied, and what they left out."""
    import copy

    r = copy.deepcopy(report)
    note = ""
    for trim in TRIMS[:level]:
        note = trim(r)
    return r, note


def render_html(report: dict[str, Any], *, max_bytes: int = MAX_HTML_BYTES) -> str:
    """The whole page for a ``report.json`` dict, at most ``max_bytes`` long when trimming
    its optional parts (:func:`_trim`) can make it so; the page then says what it left out."""
    page = _page(report, "")
    level = 0
    while len(page.encode("utf-8")) > max_bytes and level < len(TRIMS):
        level += 1
        trimmed, note = _trim(report, level)
        page = _page(trimmed, note)
    return page


def _page(report: dict[str, Any], trimmed: str) -> str:
    body = "".join(
        [
            sections.funnel(report),
            sections.removals(report),
            sections.cost(report),
            sections.languages(report),
            sections.dedup(report),
            sections.rewrites(report),
            sections.signals(report),
            sections.samples(report),
            sections.global_summaries(report),
        ]
    )
    title = f"dataprep report: {report['run']['recipe']}"
    note = (
        f'<p class="note" id="trimmed">This page was trimmed to stay under '
        f"{fmt.size(MAX_HTML_BYTES)}: {esc(trimmed)}. report.json holds everything.</p>"
        if trimmed
        else ""
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{esc(csp())}">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{esc(title)}</title><style>{CSS}</style></head><body>"
        f"{_header(report)}<main>{note}{body}</main>"
        f"<footer>report.json version {esc(report['report_version'])} · generated by "
        f"dataprep from stats.json, data/ and removed/</footer>"
        f"<script>{SCRIPT}</script></body></html>\n"
    )
