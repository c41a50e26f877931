"""report.html stays under MAX_HTML_BYTES (~2 MB) whatever the corpus size: what grows
with a run is bounded by the report, and a page over the bound is rendered again with
its optional parts trimmed, saying so."""

from __future__ import annotations

import copy
import os
import re
import sys
from pathlib import Path
from typing import Any

import pytest
from report_stages import LARGE_STAGES, make_large_corpus

from dataprep.engine.driver import run_pipeline
from dataprep.recipe.config import parse_recipe
from dataprep.report import browser
from dataprep.report.build import build_report
from dataprep.report.html import MAX_HTML_BYTES, TRIMS, render_html


def blown_up(report: dict[str, Any], signals: int) -> dict[str, Any]:
    """The report with ``signals`` copies of its signal histograms (a recipe with that
    many signal columns) and long texts in every sample."""
    big = copy.deepcopy(report)
    base = big["signals"]
    big["signals"] = [
        {**copy.deepcopy(base[i % len(base)]), "column": f"s{i}__x"} for i in range(signals)
    ]
    for group in big["samples"]["removed"]:
        for d in group["docs"]:
            d["text"] = "x" * 600
    return big


def test_a_normal_report_is_not_trimmed(evidence_output: Path) -> None:
    page = (evidence_output / "report.html").read_text(encoding="utf-8")
    assert len(page.encode()) < 400_000
    assert 'id="trimmed"' not in page


@pytest.mark.parametrize("signals", [800, 1500])
def test_pages_over_the_bound_are_trimmed_below_it(evidence_output: Path, signals: int) -> None:
    big = blown_up(build_report(evidence_output), signals)
    assert len(render_html(big, max_bytes=10**9).encode()) > MAX_HTML_BYTES
    page = render_html(big)
    assert len(page.encode()) <= MAX_HTML_BYTES
    note = re.search(r'<p class="note" id="trimmed">(.*?)</p>', page)
    assert note and "report.json holds everything" in note.group(1)
    # the histograms themselves are never dropped
    assert page.count('<figure class="card"><figcaption>s') == signals


def test_trimming_goes_from_mildest_to_strongest(evidence_output: Path) -> None:
    report = blown_up(build_report(evidence_output), 60)
    sizes = [len(render_html(report, max_bytes=10**9))]
    full = sizes[0]
    for _level in TRIMS:
        # a bound just under the previous size forces exactly one more trim
        page = render_html(report, max_bytes=sizes[-1] - 1)
        sizes.append(len(page))
    assert sizes == sorted(sizes, reverse=True) and sizes[-1] < full / 2


@pytest.mark.slow
def test_a_large_run_gives_a_page_under_the_bound_that_opens_fast(tmp_path: Path) -> None:
    """100,000 pages in 40 languages through C4, PII, an annotate filter, a per-language
    filter, exact and near dedup (about 2-3 minutes on 2 cores)."""
    corpus = make_large_corpus(tmp_path / "in", 100_000)
    recipe = parse_recipe({"name": "large", "stages": LARGE_STAGES})
    out = tmp_path / "out"
    run_pipeline(recipe, [str(corpus)], out, workers=2, progress=False)
    size = os.path.getsize(out / "report.html")
    print(f"report.html {size:,} bytes, report.json {os.path.getsize(out / 'report.json'):,}")
    assert size <= MAX_HTML_BYTES
    report = build_report(out)
    assert len(report["languages"]) == 40
    assert all(len(h["by_lang"]) == 5 for h in report["signals"] if h["stage"] == "quality")
    if browser.find_chromium() is not None:
        result = browser.load(out / "report.html")
        assert result.console_errors == []
        load_ms = re.search(r'data-load-ms="(\d+)"', result.dom)
        assert load_ms and int(load_ms.group(1)) < 5000
        print(f"load {load_ms.group(1)} ms", file=sys.stderr)
