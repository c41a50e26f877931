"""The HTML sections of the report, each a function of the ``report.json`` dict.

Every value from the report (stage names, reasons, ids, document texts) is passed
through :func:`esc`; document texts are shown in ``<pre>`` as escaped text, never
as markup, and never inside an attribute.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dataprep.report import fmt
from dataprep.report.svg import Series, esc, hbars, histogram, mini_histogram


def table(head: Sequence[str], rows: Sequence[Sequence[str]], *, num_from: int = 1) -> str:
    """A scrollable table; cells are already-escaped HTML; columns >= num_from right-aligned."""
    th = "".join(
        f"<th{' class=num' if i >= num_from else ''}>{esc(h)}</th>" for i, h in enumerate(head)
    )
    body = "".join(
        "<tr>"
        + "".join(f"<td{' class=num' if i >= num_from else ''}>{c}</td>" for i, c in enumerate(r))
        + "</tr>"
        for r in rows
    )
    table_html = f"<table><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>"
    return f'<div class="scroll">{table_html}</div>'


def section(anchor: str, title: str, body: str, intro: str = "") -> str:
    lead = f'<p class="lead">{esc(intro)}</p>' if intro else ""
    return f'<section id="{esc(anchor)}"><h2>{esc(title)}</h2>{lead}{body}</section>'


BarRows = Sequence[tuple[str, Sequence[tuple[float, str, str]]]]


def funnel_charts(
    docs: BarRows, size: BarRows, *, docs_peak: float, bytes_peak: float, runs: str = ""
) -> str:
    """The two funnel charts side by side: documents and bytes out of each stage
    (``runs``, e.g. ", A and B", is appended to the charts' titles)."""
    return (
        '<div class="grid2"><figure><figcaption>Documents out of each stage</figcaption>'
        + hbars(docs, scale=docs_peak, title=f"documents out of each stage{runs}")
        + "</figure><figure><figcaption>Bytes out of each stage</figcaption>"
        + hbars(size, scale=bytes_peak, title=f"bytes out of each stage{runs}")
        + "</figure></div>"
    )


def funnel(report: dict[str, Any]) -> str:
    stages = report["stages"]
    read = max(report["totals"]["docs_read"], 1)
    bytes_read = max(report["totals"]["bytes_read"], 1)
    docs_rows, bytes_rows = [], []
    for s in stages:
        docs_rows.append(
            (s["name"], [(s["docs_out"], "bar-kept", f"{fmt.count(s['docs_out'])} docs out")])
        )
        bytes_rows.append(
            (s["name"], [(s["bytes_out"], "bar-bytes", f"{fmt.size(s['bytes_out'])} out")])
        )
    docs_peak = max([read, *(s["docs_out"] for s in stages)])
    bytes_peak = max([bytes_read, *(s["bytes_out"] for s in stages)])
    rows = []
    for s in stages:
        mode = " (annotate)" if s["annotate"] else ""
        kind = "" if s["kind"] == "input" else s["kind"]
        added = f" (+{fmt.count(s['docs_added'])} copies)" if s["docs_added"] else ""
        rows.append(
            [
                f"{esc(s['name'])}<span class=muted> {esc(kind)}{esc(mode)}</span>",
                esc(fmt.count(s["docs_in"])),
                esc(fmt.count(s["docs_removed"])) + esc(added),
                esc(fmt.pct(s["docs_removed"], s["docs_in"])),
                esc(fmt.count(s["docs_flagged"])) if s["annotate"] else fmt.NONE,
                esc(fmt.count(s["docs_out"])),
                esc(fmt.size(s["bytes_in"])),
                esc(fmt.size(s["bytes_out"])),
                esc(fmt.pct(s["bytes_out"], bytes_read)),
            ]
        )
    charts = funnel_charts(docs_rows, bytes_rows, docs_peak=docs_peak, bytes_peak=bytes_peak)
    head = [
        "stage",
        "docs in",
        "removed",
        "removed %",
        "flagged (kept)",
        "docs out",
        "bytes in",
        "bytes out",
        "bytes kept of read",
    ]
    return section(
        "funnel",
        "Funnel: documents and bytes through the stages",
        charts + table(head, rows),
        "Stages in pipeline order; 'input' counts what was read (null and empty texts go there). "
        "'+N copies' counts documents added by up-sampling. An annotate-mode stage removes "
        "nothing: 'flagged (kept)' counts the documents it would have removed.",
    )


def _secs(x: float | None) -> str:
    return fmt.NONE if x is None else f"{x:,.2f}"


def cost(report: dict[str, Any]) -> str:
    """Seconds per stage and tokens in/kept per stage and language, where recorded."""
    times = {r["name"]: r for r in report["run"]["timing"].get("stages", [])}
    tok = report.get("tokens") or {"stages": [], "by_lang": []}
    toks = {r["name"]: r for r in tok["stages"]}
    if not times and not toks:
        return section(
            "cost",
            "Cost: time and tokens",
            "<p>This run recorded no per-stage time or token counts (add the tokens_v1 stage "
            "to count tokens).</p>",
        )
    names = [s["name"] for s in report["stages"] if s["name"] in times or s["name"] in toks]
    total_wall = sum((times.get(n, {}).get("wall_seconds") or 0) for n in names) or None
    rows, bars = [], []
    for n in names:
        t, k = times.get(n, {}), toks.get(n)
        wall, fit = t.get("wall_seconds"), t.get("fit_seconds")
        rows.append(
            [
                esc(n),
                esc(_secs(t.get("cpu_seconds"))),
                esc(_secs(wall)),
                esc(_secs(fit)),
                esc(fmt.pct(wall, total_wall)) if wall is not None else fmt.NONE,
                esc(fmt.count(k["tokens_in"])) if k else fmt.NONE,
                esc(fmt.count(k["tokens_kept"])) if k else fmt.NONE,
                esc(fmt.pct(k["tokens_kept"], k["tokens_in"])) if k else fmt.NONE,
            ]
        )
        spent = (wall or 0) + (fit or 0)
        if times:
            bars.append((n, [(spent, "bar-bytes", f"{_secs(spent)} s")]))
    body = ""
    if bars and any(b[1][0][0] for b in bars):
        peak = max(b[1][0][0] for b in bars)
        body += hbars(bars, scale=peak, title="seconds per stage (wall + fit)")
    body += table(
        [
            "stage",
            "CPU s",
            "wall s",
            "fit s",
            "share of wall",
            "tokens in",
            "tokens kept",
            "kept %",
        ],
        rows,
    )
    if tok["by_lang"]:
        stages = [r["name"] for r in tok["stages"]]
        lang_rows = []
        for r in tok["by_lang"]:
            cells = [esc(r["lang"])]
            for n in stages:
                c = r["by_stage"].get(n)
                cells.append(
                    fmt.NONE
                    if c is None
                    else f"{esc(fmt.count(c['tokens_in']))}<span class=muted> / kept "
                    f"{esc(fmt.count(c['tokens_kept']))}</span>"
                )
            lang_rows.append(cells)
        body += "<h3>Tokens by language: in / kept</h3>" + table(["language", *stages], lang_rows)
    return section(
        "cost",
        "Cost: time and tokens",
        body,
        "Seconds per stage summed over workers (CPU and wall time of each stage's work, reading "
        "and writing counted under 'input'; a global stage's fit separately) and tokens in and "
        "kept where a tokens_v1 stage counted them. Times differ between identical runs.",
    )


def removals(report: dict[str, Any]) -> str:
    rows, bars = [], []
    for s in report["stages"]:
        for reason, n in sorted(s["removed_by_reason"].items(), key=lambda kv: -kv[1]):
            rows.append(
                [
                    esc(s["name"]),
                    esc(reason),
                    "removed",
                    esc(fmt.count(n)),
                    esc(fmt.pct(n, s["docs_in"])),
                    esc(fmt.pct(n, report["totals"]["docs_read"])),
                ]
            )
            bars.append((f"{s['name']}: {reason}", [(n, "bar-removed", fmt.count(n))]))
        for reason, n in sorted(s["flagged_by_reason"].items(), key=lambda kv: -kv[1]):
            rows.append(
                [
                    esc(s["name"]),
                    esc(reason),
                    "flagged (annotate)",
                    esc(fmt.count(n)),
                    esc(fmt.pct(n, s["docs_in"])),
                    esc(fmt.pct(n, report["totals"]["docs_read"])),
                ]
            )
            bars.append((f"{s['name']}: {reason}", [(n, "bar-flagged", fmt.count(n))]))
    if not rows:
        return section(
            "removals", "Removals by reason", "<p>No document was removed or flagged.</p>"
        )
    peak = max(b[1][0][0] for b in bars)
    reasons = [label.split(": ", 1)[1] for label, _ in bars]
    if len(set(reasons)) == len(reasons):  # stage names are in the table below
        bars = [(r, b) for r, (_, b) in zip(reasons, bars, strict=True)]
    body = hbars(bars, scale=peak, title="documents removed per reason", label_w=230)
    body += table(
        ["stage", "reason", "action", "docs", "% of stage input", "% of read"], rows, num_from=3
    )
    return section("removals", "Removals by reason", body) + _overlaps(report["overlaps"])


def _overlaps(ov: dict[str, Any]) -> str:
    names = ov["stages"]
    if len(names) < 2:
        body = "<p>Fewer than two stages removed or flagged documents: no overlaps to show.</p>"
        return section("overlaps", "Overlaps between filters", body)
    rows = []
    for i, name in enumerate(names):
        cells = []
        for j in range(len(names)):
            v = ov["counts"][i][j]
            cell = "n/a" if v is None else fmt.count(v)
            cells.append(f"<b>{esc(cell)}</b>" if i == j else esc(cell))
        label = name + (" (annotate)" if ov["annotate"][i] else "")
        rows.append([esc(label), *cells])
    body = table(["documents removed by both", *names], rows)
    if ov.get("how_to_measure"):
        body += f'<p class="note">{esc(ov["how_to_measure"])}</p>'
    return section(
        "overlaps",
        "Overlaps between filters",
        body,
        "Cell (A, B): documents that both A and B remove or flag; the diagonal is each "
        "stage alone. " + ov["note"],
    )


def languages(report: dict[str, Any]) -> str:
    mix = report.get("language_mix")
    if not mix:
        return section(
            "languages",
            "Languages",
            "<p>No language column: add a language-ID stage to see the language mix.</p>",
        )
    rows, bars = [], []
    for r in mix["languages"]:
        target = r["target_share"]
        rows.append(
            [
                esc(r["lang"]),
                esc(fmt.count(r["docs_before"])),
                esc(fmt.pct(r["share_before"])),
                esc(fmt.pct(target)) if target is not None else fmt.NONE,
                esc(fmt.count(r["docs_balanced"])) if r["docs_balanced"] is not None else fmt.NONE,
                esc(fmt.count(r["repeats"])) if r["repeats"] is not None else fmt.NONE,
                esc(fmt.count(r["docs_after"])),
                esc(fmt.pct(r["share_after"])),
            ]
        )
        trio = [(r["share_before"], "bar-before", f"before {fmt.pct(r['share_before'])}")]
        if target is not None:
            trio.append((target, "bar-target", f"target {fmt.pct(target)}"))
        trio.append((r["share_after"], "bar-after", f"after {fmt.pct(r['share_after'])}"))
        bars.append((r["lang"], trio))
    shown = bars[:25]
    peak = max((v for _, trio in shown for v, _, _ in trio), default=1.0)
    legend = (
        '<p class="legend"><span class="key bar-before"></span>before '
        '<span class="key bar-target"></span>target '
        '<span class="key bar-after"></span>output</p>'
    )
    balance = mix.get("balance_stage")
    unit = mix.get("share_unit")
    intro = (
        f"Share of {unit} per language entering '{balance}', its target ({mix.get('mode')}), "
        f"and leaving it, all in {unit}; document counts in the table."
        if balance and unit
        else f"Share of documents per language before the first stage that saw a language, the "
        f"target of '{balance}' ({mix.get('mode')}, unit {mix.get('unit')}), and in the output."
        if balance
        else "Share of documents per language where languages were first seen, and in the output "
        "(no balancing stage ran)."
    )
    notes = "".join(f'<p class="note">{esc(n)}</p>' for n in mix.get("notes", []))
    head = [
        "language",
        "docs before",
        "share before",
        "target share",
        "docs after balancing",
        "repeats",
        "docs out",
        "share out",
    ]
    body = legend + hbars(shown, scale=peak, title="language shares") + notes + table(head, rows)
    if len(bars) > len(shown):
        body += (
            f'<p class="muted">Chart shows the {len(shown)} largest of {len(bars)} languages.</p>'
        )
    return section("languages", "Language mix: before, target, after", body, intro) + _lang_stage(
        report
    )


def _lang_stage(report: dict[str, Any]) -> str:
    langs = report["languages"]
    if not langs:
        return ""
    stages = [s["name"] for s in report["stages"] if any(s["name"] in r["by_stage"] for r in langs)]
    rows = []
    for r in langs:
        cells = [esc(r["lang"])]
        for s in stages:
            c = r["by_stage"].get(s)
            cells.append(
                fmt.NONE
                if c is None
                else f"{esc(fmt.count(c['docs_in']))}<span class=muted> / "
                f"-{esc(fmt.count(c['removed']))}</span>"
            )
        rows.append(cells)
    return section(
        "lang-stage",
        "Languages by stage",
        table(["language", *stages], rows),
        "Per stage: documents seen / removed, by language (stages that saw a language column).",
    )


def _short_doc(d: dict[str, Any] | None, label: str) -> str:
    if d is None:
        return f'<div class="doc"><div class="muted">{esc(label)}: not in the output</div></div>'
    text = d["text"]
    body = "(null text)" if text is None else (text or "(empty text)")
    more = f", {fmt.count(d['chars'])} chars, truncated" if d["truncated"] else ""
    doc_id = d["id"] if d["id"] is not None else fmt.NONE
    head = f"{label} · id {doc_id} · lang {d['lang'] or fmt.NONE}{more}"
    return f'<div class="doc"><div class="muted">{esc(head)}</div><pre>{esc(body)}</pre></div>'


def _diff(diff: dict[str, Any] | None) -> str:
    if not diff:
        return ""
    parts = []
    for tag, removed, kept in diff["ops"]:
        if tag == "equal":
            parts.append(esc(removed))
        if tag in ("delete", "replace"):
            parts.append(f"<del>{esc(removed)}</del>")
        if tag in ("insert", "replace"):
            parts.append(f"<ins>{esc(kept)}</ins>")
    cut = " (cut: long texts)" if diff["truncated"] else ""
    return (
        f'<p class="muted">word diff, removed → kept: {esc(fmt.count(diff["changed_words"]))} '
        f'words differ{esc(cut)}</p><pre class="diff">{" ".join(parts)}</pre>'
    )


def _pair(p: dict[str, Any]) -> str:
    facts = [
        f"stage Jaccard {fmt.number(p['stage_jaccard'])}" if p["stage_jaccard"] is not None else "",
        f"exact Jaccard {fmt.number(p['exact_jaccard'])}" if p["exact_jaccard"] is not None else "",
        f"MinHash estimate {fmt.number(p['estimated_jaccard'])}"
        if p["estimated_jaccard"] is not None
        else "",
        f"cluster of {fmt.count(p['cluster_size'])}" if p["cluster_size"] else "",
    ]
    line = " · ".join(f for f in facts if f)
    return (
        f'<div class="pair-block"><p class="muted">{esc(line)}</p><div class="pair">'
        f"{_short_doc(p['removed'], 'removed')}{_short_doc(p['kept'], 'kept')}</div>"
        f"{_diff(p['diff'])}</div>"
    )


def _example(h: dict[str, Any]) -> str:
    ex = h.get("example")
    if not ex:
        return ""
    docs = _short_doc(ex["kept"], "kept") + "".join(_short_doc(d, "removed") for d in ex["removed"])
    shown = len(ex["removed"]) + (1 if ex["kept"] else 0)
    return (
        f'<details class="example"><summary>size {esc(h["size"])}: example cluster of '
        f"{esc(fmt.count(ex['size']))} <span class=muted>({shown} shown)</span></summary>"
        f"{docs}</details>"
    )


def dedup(report: dict[str, Any]) -> str:
    out = []
    for d in report["dedup"]:
        hist = d["cluster_size_histogram"]
        facts = (
            f"<p>{esc(fmt.count(d['duplicates_removed']))} of {esc(fmt.count(d['documents']))} "
            f"documents removed ({esc(fmt.pct(d['duplicate_rate']))}); "
            f"{esc(fmt.count(d['clusters']))} clusters, the largest of "
            f"{esc(fmt.count(d['largest_cluster']))} documents.</p>"
        )
        chart = ""
        if hist:
            peak = max(h["clusters"] for h in hist)
            rows = [
                (
                    f"size {h['size']}",
                    [(h["clusters"], "bar-removed", f"{fmt.count(h['clusters'])} clusters")],
                )
                for h in hist
            ]
            chart = hbars(rows, scale=peak, title=f"{d['stage']}: clusters by size")
        examples = "".join(_example(h) for h in hist)
        note = f'<p class="note">{esc(d["note"])}</p>' if d.get("note") else ""
        pairs = "".join(_pair(p) for p in d.get("pairs", []))
        pairs_html = (
            f"<details open><summary>{esc(d['stage'])}: sampled duplicates beside the kept "
            f"document <span class=muted>({len(d.get('pairs', []))} shown)</span></summary>"
            f"{pairs}</details>"
            if pairs
            else ""
        )
        out.append(
            f'<figure class="dedup-stage"><figcaption>{esc(d["stage"])}: duplicate clusters by '
            f"size</figcaption>{facts}{chart}{note}{pairs_html}{examples}</figure>"
        )
    if not out:
        return ""
    return section(
        "dedup",
        "Duplicates",
        "".join(out),
        "Clusters by size with one example cluster per size, and sampled removed duplicates "
        "beside the document kept for them: the stage's Jaccard, and the report's exact "
        "Jaccard of the two texts' word 5-grams with its MinHash estimate (128 permutations); "
        "the diff marks words only in the removed document (struck) and only in the kept one.",
    )


def _line_diff(diff: dict[str, Any]) -> str:
    out = []
    for tag, before, after in diff["ops"]:
        if tag == "equal":
            out += [f"  {esc(x)}" for x in before]
            continue
        out += [f"<del>- {esc(x)}</del>" for x in before]
        out += [f"<ins>+ {esc(x)}</ins>" for x in after]
    cut = '\n<span class="muted">[diff cut]</span>' if diff["truncated"] else ""
    body = "\n".join(out)
    return f'<pre class="diff">{body}{cut}</pre>'


def rewrites(report: dict[str, Any]) -> str:
    blocks = []
    for r in report.get("rewrites", []):
        removed = r["chars_before"] - r["chars_after"]
        facts = (
            f"{fmt.count(r['docs_changed'])} of {fmt.count(r['docs_seen'])} documents changed "
            f"({fmt.pct(r['docs_changed'], r['docs_seen'])}); in them "
            f"{fmt.count(r['chars_before'])} characters became {fmt.count(r['chars_after'])} "
            f"({'-' if removed >= 0 else '+'}{fmt.pct(abs(removed), r['chars_before'])})"
        )
        if r["docs_longer"]:
            facts += f"; {fmt.count(r['docs_longer'])} got longer (placeholders)"
        share = r["share_removed"]
        chart = ""
        if any(share["counts"]):
            chart = histogram(
                share["edges"],
                [Series("changed documents", "bar-removed", share["counts"])],
                title=f"{r['stage']}: share of characters removed",
                x_label="share of the document's characters removed",
            )
        docs = []
        for s in r["samples"]:
            d = s["diff"]
            head = (
                f"id {s['id'] if s['id'] is not None else fmt.NONE} · lang {s['lang'] or fmt.NONE}"
                f" · {fmt.count(s['chars_before'])} → {fmt.count(s['chars_after'])} chars · "
                f"{fmt.count(d['lines_removed'])} lines removed or replaced, "
                f"{fmt.count(d['lines_added'])} added"
                + (f" · then removed: {s['reason']}" if s["reason"] else "")
            )
            docs.append(
                f'<div class="doc"><div class="muted">{esc(head)}</div>{_line_diff(d)}</div>'
            )
        samples = (
            f"<details><summary>{esc(r['stage'])}: sampled changed documents "
            f"<span class=muted>({len(docs)} shown)</span></summary>{''.join(docs)}</details>"
            if docs
            else ""
        )
        blocks.append(
            f'<figure class="card"><figcaption>{esc(r["stage"])}</figcaption>'
            f'<p class="muted">{esc(facts)}</p>{chart}{samples}</figure>'
        )
    if not blocks:
        return ""
    return section(
        "rewrites",
        "Rewrites: what cleaning stages cut or replaced",
        f'<div class="cards">{"".join(blocks)}</div>',
        "Stages that rewrite the text (line cleaning, line dedup, n-gram coverage, PII "
        "redaction): how much of each changed document they removed, and sampled documents "
        "as a line diff (removed or replaced lines struck in red, new ones in green), kept at "
        "run time since the original text is gone afterwards. A PII stage's diffs show the "
        "values it redacted: report.html and report_samples.json hold them, share with care.",
    )


def signals(report: dict[str, Any]) -> str:
    cards = []
    for h in report["signals"]:
        word = "flagged" if _annotate(report, h["stage"]) else "removed"
        series = [
            Series("passed", "bar-kept", h["passed"]),
            Series(f"{word} by {h['stage']}", "bar-removed", h["removed"]),
        ]
        lines = [
            (line["value"], line["label"])
            for line in h["threshold_lines"]
            if line.get("on_chart", True)
        ]
        if report.get("compact_charts"):
            chart = mini_histogram(h["edges"], series, lines, title=h["column"])
        else:
            chart = histogram(h["edges"], series, lines, title=h["column"], x_label=h["column"])
        off = [line for line in h["threshold_lines"] if not line.get("on_chart", True)]
        notes = []
        if h["clipped_low"] or h["clipped_high"]:
            notes.append(
                f"first/last bars include {fmt.count(h['clipped_low'])} lower and "
                f"{fmt.count(h['clipped_high'])} higher values"
            )
        if off:
            notes.append(
                "off-chart threshold "
                + ", ".join(
                    f"{line['label'] or 'value'} {fmt.number(line['value'])}" for line in off
                )
            )
        if h["threshold"] is None and not h["threshold_lines"]:
            notes.append("no threshold")
        meta = (
            f"{fmt.count(h['count'])} docs · min {fmt.number(h['min'])} · mean "
            f"{fmt.number(h['mean'])} · max {fmt.number(h['max'])}"
        )
        cards.append(
            f'<figure class="card"><figcaption>{esc(h["column"])}</figcaption>{chart}'
            f'<p class="muted">{esc(meta)}</p>'
            + "".join(f'<p class="note">{esc(n)}</p>' for n in notes)
            + _by_lang(h, word)
            + "</figure>"
        )
    lost = report.get("unmatched_thresholds", [])
    if lost:
        listed = ", ".join(f"{u['stage']}: {u['key']} = {u['value']}" for u in lost)
        cards.append(
            '<figure class="card"><figcaption>Thresholds without a signal column</figcaption>'
            f'<p class="note">{esc(listed)}</p><p class="muted">The stage reports these '
            "thresholds under names that match none of its signal columns, so they are not "
            "drawn.</p></figure>"
        )
    if not cards:
        body = "<p>No numeric signal columns in this output.</p>"
    else:
        body = (
            '<p class="legend"><span class="key bar-kept"></span>passed the stage '
            '<span class="key bar-removed"></span>removed or flagged by it '
            '<span class="key threshold-key"></span>threshold</p>'
            f'<div class="cards">{"".join(cards)}</div>'
        )
    return section(
        "signals",
        "Signal distributions",
        body,
        "Each histogram counts the documents that reached the signal's stage (kept ones and "
        "those removed there or later), with the stage's thresholds drawn in red.",
    )


def _by_lang(h: dict[str, Any], word: str) -> str:
    """Small multiples of one signal per language, each with that language's threshold."""
    rows = h.get("by_lang") or []
    if not rows:
        return ""
    cells = []
    for r in rows:
        series = [
            Series("passed", "bar-kept", r["passed"]),
            Series(word, "bar-removed", r["removed"]),
        ]
        lines = [(x["value"], x["label"]) for x in r["threshold_lines"] if x.get("on_chart", True)]
        gone = sum(r["removed"])
        cells.append(
            f'<div class="lang-cell"><b>{esc(r["lang"])}</b> <span class=muted>'
            f"{esc(fmt.count(r['count']))} docs, {esc(fmt.count(gone))} {esc(word)}</span>"
            + mini_histogram(h["edges"], series, lines, title=f"{h['column']}, {r['lang']}")
            + "</div>"
        )
    return (
        f'<details class="by-lang"><summary>by language ({len(rows)})</summary>'
        f'<div class="lang-grid">{"".join(cells)}</div></details>'
    )


def _annotate(report: dict[str, Any], stage: str) -> bool:
    return any(s["name"] == stage and s["annotate"] for s in report["stages"])


def _doc(d: dict[str, Any]) -> str:
    text = d["text"]
    body = "(null text)" if text is None else (text or "(empty text)")
    if not d["text_kept"]:
        body = "(text not kept: written with output.keep_removed: ids, and not in the sample store)"
    more = f" · {fmt.count(d['chars'])} chars, truncated" if d["truncated"] else ""
    head = f"id {d['id'] if d['id'] is not None else fmt.NONE} · lang {d['lang'] or fmt.NONE}{more}"
    return f'<div class="doc"><div class="muted">{esc(head)}</div><pre>{esc(body)}</pre></div>'


def samples(report: dict[str, Any]) -> str:
    s = report["samples"]
    blocks = []
    for kind, groups in (("removed", s["removed"]), ("flagged", s["flagged"])):
        for g in groups:
            docs = "".join(_doc(d) for d in g["docs"])
            blocks.append(
                f"<details><summary>{esc(g['stage'])} · {esc(g['reason'])} "
                f"<span class=muted>({esc(kind)}, {len(g['docs'])} shown)</span>"
                f"</summary>{docs}</details>"
            )
    kept = "".join(_doc(d) for d in s["kept"])
    blocks.append(
        f"<details open><summary>kept documents <span class=muted>"
        f"({len(s['kept'])} shown)</span></summary>{kept or '<p>none</p>'}</details>"
    )
    for g in s.get("kept_by_lang", []):
        docs = "".join(_doc(d) for d in g["docs"])
        blocks.append(
            f"<details><summary>kept · language {esc(g['lang'])} <span class=muted>"
            f"({len(g['docs'])} shown of {esc(fmt.count(g['docs_kept']))} kept)</span></summary>"
            f"{docs}</details>"
        )
    return section(
        "samples",
        "Sample documents",
        "".join(blocks),
        f"A deterministic sample (smallest id hash) per stage and reason; texts are cut at "
        f"{s['max_chars']} characters. Open a group to read its documents.",
    )


def global_summaries(report: dict[str, Any]) -> str:
    import json

    items = [
        f"<details><summary>{esc(name)}</summary><pre>"
        f"{esc(json.dumps(summary, indent=2, sort_keys=True, default=str))}</pre></details>"
        for name, summary in report["global_stages"].items()
    ]
    if not items:
        return ""
    return section(
        "global",
        "Global stage summaries",
        "".join(items),
        "What each global stage reported after its fit, as recorded in stats.json.",
    )
