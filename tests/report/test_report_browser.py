"""report.html in headless Chromium: no console errors, every chart drawn, no document
script runs, it fits a phone-sized window; saves test-artifacts/report.png."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dataprep.report import browser
from dataprep.report.build import build_report

pytestmark = pytest.mark.skipif(
    browser.find_chromium() is None,
    reason="no chromium binary (install Debian's 'chromium' package to run the browser test)",
)

ARTIFACTS = Path(__file__).parents[2] / "test-artifacts"


def html_attr(dom: str, name: str) -> str | None:
    m = re.search(r"<html\b[^>]*\s" + name + r'="([^"]*)"', dom)
    return m.group(1) if m else None


def title(dom: str) -> str:
    m = re.search(r"<title>(.*?)</title>", dom, flags=re.S)
    assert m, "no <title>"
    return m.group(1)


def test_report_renders_without_errors(full_output: Path) -> None:
    result = browser.load(full_output / "report.html", width=1200)
    assert result.console_errors == []
    n_charts = 6 + len(build_report(full_output)["signals"])  # 6: the cost section too
    assert html_attr(result.dom, "data-rendered") == str(n_charts)  # our script ran
    assert len(re.findall(r'<svg class="chart', result.dom)) == n_charts
    assert len(re.findall(r"<rect\b", result.dom)) > 50
    assert title(result.dom) == "dataprep report: report-test"
    png = browser.screenshot(full_output / "report.html", ARTIFACTS / "report.png")
    assert png.stat().st_size > 10_000


def test_document_scripts_never_run(evil_output: Path) -> None:
    result = browser.load(evil_output / "report.html")
    # Scripts are enabled (the page's own ran), yet no document text executed or was
    # even parsed as a script (a CSP refusal would be logged as a console error).
    assert html_attr(result.dom, "data-rendered") is not None
    assert "PWNED" not in title(result.dom)
    assert result.console_errors == []
    assert "&lt;script&gt;document.title='PWNED'&lt;/script&gt;" in result.dom
    assert "<img" not in result.dom


def test_fits_a_narrow_window(full_output: Path) -> None:
    result = browser.load(full_output / "report.html", width=380, height=800)
    assert result.console_errors == []
    assert html_attr(result.dom, "data-overflow") == "0"


#: A budget for parsing and laying out the page (the machine is shared and loaded; the
#: evidence page takes ~100-300 ms here): catches a page that became slow to open.
LOAD_BUDGET_MS = 5000


def test_every_evidence_section_renders(evidence_output: Path) -> None:
    """The run built to contain each case: duplicates, C4 rewrites, PII, two languages
    with different thresholds, an annotate-only stage, token counts."""
    page = (evidence_output / "report.html").read_text(encoding="utf-8")
    result = browser.load(evidence_output / "report.html", width=1200)
    dom = result.dom
    assert result.console_errors == []
    assert html_attr(dom, "data-rendered") == str(page.count('<svg class="chart'))
    assert int(html_attr(dom, "data-load-ms") or "0") < LOAD_BUDGET_MS
    sections = set(re.findall(r'<section id="([\w-]+)"', dom))
    assert {"funnel", "removals", "overlaps", "cost", "dedup", "rewrites", "signals"} <= sections
    # duplicates: removed beside kept, with the word diff
    assert dom.count('<div class="pair">') >= 5 and "<del>CHANGED</del>" in dom
    # rewrites: C4's deleted line, PII's replaced one
    assert "<del>- Click here</del>" in dom
    assert re.search(r"<ins>\+ Write to firstname\.lastname@example\.org", dom)
    # per-language signals: German and English drawn with their own threshold
    assert re.search(r'<text class="tlabel"[^>]*>de 0\.83</text>', dom)
    assert re.search(r'<text class="tlabel"[^>]*>en 0\.8</text>', dom)
    assert dom.count('<svg class="mini"') >= 2 * dom.count('<details class="by-lang">') > 0
    # annotate-only stage: flagged, not removed; cost: tokens per language
    assert "flagged (annotate)" in dom and "Tokens by language: in / kept" in dom
    assert "kept · language de" in dom
    png = browser.screenshot(evidence_output / "report.html", ARTIFACTS / "report-evidence.png")
    assert png.stat().st_size > 10_000


def test_evidence_page_fits_a_narrow_window(evidence_output: Path) -> None:
    result = browser.load(evidence_output / "report.html", width=380, height=800)
    assert result.console_errors == []
    assert html_attr(result.dom, "data-overflow") == "0"


def test_focus_keeps_the_header_and_the_sections_asked_for(
    evidence_output: Path, tmp_path: Path
) -> None:
    page = browser.focus(
        evidence_output / "report.html", ["rewrites", "dedup"], tmp_path / "f.html"
    )
    text = page.read_text(encoding="utf-8")
    assert re.findall(r'<section id="([\w-]+)"', text) == ["rewrites", "dedup"]
    assert "<details>" not in text and "<h1>" in text
    result = browser.load(page)
    assert result.console_errors == []
    with pytest.raises(ValueError, match="no section nope"):
        browser.focus(evidence_output / "report.html", ["nope"], tmp_path / "g.html")
