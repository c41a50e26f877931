"""Inline SVG charts (no scripts, no external resources).

Every string that reaches the markup goes through :func:`esc`; callers pass raw
labels. Charts scale with their container (``viewBox`` + ``width: 100%``).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

from dataprep.report import fmt


def esc(value: object) -> str:
    """Escape text for HTML content and quoted attributes alike."""
    return html.escape(str(value), quote=True)


@dataclass(frozen=True)
class Series:
    """One stacked layer of a histogram: a label, a CSS class, counts per bin."""

    label: str
    css: str
    counts: Sequence[int]


def histogram(
    edges: Sequence[float],
    series: Sequence[Series],
    lines: Sequence[tuple[float, str]] = (),
    *,
    title: str = "",
    x_label: str = "",
) -> str:
    """Stacked bars over fixed bin edges, with labelled vertical threshold lines."""
    w, h, left, bottom, top = 360, 190, 44, 34, 22
    pw, ph = w - left - 8, h - bottom - top
    n = len(edges) - 1
    totals = [sum(s.counts[i] for s in series) for i in range(n)]
    peak = max(max(totals, default=0), 1)
    lo, hi = edges[0], edges[-1]
    span = (hi - lo) or 1.0

    def x(v: float) -> float:
        return left + pw * (v - lo) / span

    parts = [
        f'<svg class="chart" viewBox="0 0 {w} {h}" role="img" aria-label="{esc(title)}">',
        f"<title>{esc(title)}</title>",
    ]
    for i in range(n):
        base = 0
        for s in series:
            c = s.counts[i]
            if c:
                y0 = top + ph * (1 - (base + c) / peak)
                bar_h = ph * c / peak
                x0, x1 = x(edges[i]), x(edges[i + 1])
                parts.append(
                    f'<rect class="{esc(s.css)}" x="{x0:.1f}" y="{y0:.1f}" '
                    f'width="{max(x1 - x0 - 0.6, 0.6):.1f}" height="{bar_h:.1f}">'
                    f"<title>{esc(fmt.number(edges[i]))} to {esc(fmt.number(edges[i + 1]))}: "
                    f"{esc(fmt.count(c))} {esc(s.label)}</title></rect>"
                )
            base += c
    parts.append(
        f'<line class="axis" x1="{left}" y1="{top + ph}" x2="{left + pw}" y2="{top + ph}"/>'
    )
    parts.append(
        f'<text class="tick" x="{left - 4}" y="{top + 4}" text-anchor="end">'
        f"{esc(fmt.count(peak))}</text>"
    )
    parts.append(f'<text class="tick" x="{left - 4}" y="{top + ph}" text-anchor="end">0</text>')
    for v, anchor in ((lo, "start"), (hi, "end")):
        parts.append(
            f'<text class="tick" x="{x(v):.1f}" y="{top + ph + 13}" text-anchor="{anchor}">'
            f"{esc(fmt.number(v))}</text>"
        )
    if x_label:
        parts.append(
            f'<text class="tick" x="{left + pw / 2:.1f}" y="{h - 4}" text-anchor="middle">'
            f"{esc(x_label)}</text>"
        )
    for k, (v, label) in enumerate(lines[:6]):
        if lo <= v <= hi:
            xv = x(v)
            parts.append(
                f'<line class="threshold" x1="{xv:.1f}" y1="{top - 4}" x2="{xv:.1f}" '
                f'y2="{top + ph}"><title>threshold {esc(label)} = {esc(fmt.number(v))}</title>'
                "</line>"
            )
            anchor = "end" if xv > left + pw * 0.6 else "start"
            dx = -3 if anchor == "end" else 3
            parts.append(
                f'<text class="tlabel" x="{xv + dx:.1f}" y="{top - 8 + 9 * (k % 2)}" '
                f'text-anchor="{anchor}">{esc(label or "threshold")} {esc(fmt.number(v))}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


def hbars(
    rows: Sequence[tuple[str, Sequence[tuple[float, str, str]]]],
    *,
    scale: float,
    title: str = "",
    label_w: int = 150,
) -> str:
    """Horizontal bars: per row a label and overlaid (value, css class, text) bars.

    Bars of one row are drawn in the given order, so list the longest first.
    """
    w, row_h = 310 + label_w, 22
    h = row_h * len(rows) + 6
    pw = w - label_w - 95
    max_label = label_w // 6
    scale = scale or 1.0
    parts = [
        f'<svg class="chart hbars" viewBox="0 0 {w} {h}" role="img" aria-label="{esc(title)}">',
        f"<title>{esc(title)}</title>",
    ]
    for i, (label, bars) in enumerate(rows):
        y = 3 + i * row_h
        short = label if len(label) <= max_label else label[: max_label - 1] + "…"
        parts.append(
            f'<text class="rlabel" x="{label_w - 6}" y="{y + 14}" text-anchor="end">'
            f"<title>{esc(label)}</title>{esc(short)}</text>"
        )
        for k, (value, css, text) in enumerate(bars):
            bw = max(pw * value / scale, 0.0)
            inset = 3 * k
            parts.append(
                f'<rect class="{esc(css)}" x="{label_w}" y="{y + inset:.1f}" width="{bw:.1f}" '
                f'height="{max(row_h - 4 - 2 * inset, 3):.1f}"><title>{esc(text)}</title></rect>'
            )
        if bars:
            parts.append(
                f'<text class="tick" x="{label_w + pw + 4}" y="{y + 14}">{esc(bars[-1][2])}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


def mini_histogram(
    edges: Sequence[float],
    series: Sequence[Series],
    lines: Sequence[tuple[float, str]] = (),
    *,
    title: str = "",
) -> str:
    """A small stacked histogram for small multiples: one ``<path>`` per series (no
    per-bar tooltips, so a page can hold hundreds), threshold lines labelled."""
    w, h, pad, top = 180, 80, 2, 12
    ph = h - top - 12
    n = len(edges) - 1
    totals = [sum(s.counts[i] for s in series) for i in range(n)]
    peak = max(max(totals, default=0), 1)
    lo, hi = edges[0], edges[-1]
    span = (hi - lo) or 1.0

    def x(v: float) -> float:
        return pad + (w - 2 * pad) * (v - lo) / span

    parts = [
        f'<svg class="mini" viewBox="0 0 {w} {h}" role="img" aria-label="{esc(title)}">',
        f"<title>{esc(title)}</title>",
    ]
    base = [0] * n
    for s in series:
        d = []
        for i in range(n):
            c = s.counts[i]
            if c:
                y0 = top + ph * (1 - (base[i] + c) / peak)
                x0, x1 = x(edges[i]), x(edges[i + 1])
                bw, bh = max(x1 - x0 - 0.5, 0.5), ph * c / peak
                d.append(f"M{x0:.1f} {y0:.1f}h{bw:.1f}v{bh:.1f}H{x0:.1f}z")
                base[i] += c
        if d:
            parts.append(f'<path class="{esc(s.css)}" d="{"".join(d)}"/>')
    parts.append(f'<line class="axis" x1="{pad}" y1="{top + ph}" x2="{w - pad}" y2="{top + ph}"/>')
    for v, anchor in ((lo, "start"), (hi, "end")):
        parts.append(
            f'<text class="tick" x="{x(v):.1f}" y="{h - 1}" text-anchor="{anchor}">'
            f"{esc(fmt.number(v))}</text>"
        )
    for v, label in lines[:3]:
        if lo <= v <= hi:
            xv = x(v)
            parts.append(
                f'<line class="threshold" x1="{xv:.1f}" y1="{top - 2}" x2="{xv:.1f}" '
                f'y2="{top + ph}"/>'
            )
            anchor = "end" if xv > w * 0.6 else "start"
            parts.append(
                f'<text class="tlabel" x="{xv + (-2 if anchor == "end" else 2):.1f}" y="{top - 3}" '
                f'text-anchor="{anchor}">{esc(label or "threshold")} {esc(fmt.number(v))}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)
