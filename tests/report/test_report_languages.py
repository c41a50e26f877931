"""Per-language signals: every histogram split by language, each part drawn with
that language's threshold; kept samples grouped by language."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from dataprep.report.build import build_report
from dataprep.report.signals import OTHER, lang_threshold


def hist(report: dict[str, Any], column: str) -> dict[str, Any]:
    return next(h for h in report["signals"] if h["column"] == column)


def test_a_per_language_threshold_is_drawn_on_its_language_only(evidence_output: Path) -> None:
    h = hist(build_report(evidence_output), "quality__alpha")
    rows = {r["lang"]: r for r in h["by_lang"]}
    assert list(rows) == ["en", "de"]  # largest first; no 'other' when none is left
    assert [(x["value"], x["label"]) for x in rows["en"]["threshold_lines"]] == [(0.8, "en")]
    assert [(x["value"], x["label"]) for x in rows["de"]["threshold_lines"]] == [(0.83, "de")]
    # the split adds up to the whole histogram, bin by bin
    for key in ("passed", "removed"):
        assert [a + b for a, b in zip(rows["en"][key], rows["de"][key], strict=True)] == h[key]
    # each language's removals lie below its own threshold, not the other's
    edges = h["edges"]
    for lang, cut in (("en", 0.8), ("de", 0.83)):
        removed_bins = [i for i, n in enumerate(rows[lang]["removed"]) if n]
        assert removed_bins and all(edges[i] < cut for i in removed_bins)
        passed_bins = [i for i, n in enumerate(rows[lang]["passed"]) if n]
        assert all(edges[i + 1] > cut for i in passed_bins)


def test_the_split_counts_match_the_documents(evidence_output: Path) -> None:
    h = hist(build_report(evidence_output), "quality__alpha")
    langs: dict[str, int] = {}
    for p in sorted(evidence_output.glob("**/*.parquet")):
        t = pq.read_table(p)
        if "quality__alpha" in t.column_names:
            for lang in t["lang"].to_pylist():
                langs[lang] = langs.get(lang, 0) + 1
    assert {r["lang"]: r["count"] for r in h["by_lang"]} == langs


def test_a_real_filters_language_override_is_drawn_for_that_language(
    evidence_output: Path,
) -> None:
    """c4 runs with min_sentences 2 and lang_overrides de: 3; stage_info lists the
    languages that differ (de, and the built-in km/lo/my/th), the main chart the default."""
    report = build_report(evidence_output)
    h = hist(report, "c4__sentence_count")
    assert h["threshold"]["c4__sentence_count"]["*"] == 2.0
    assert h["threshold"]["c4__sentence_count"]["de"] == 3.0
    assert [(x["value"], x["label"]) for x in h["threshold_lines"]] == [(2.0, "default")]
    assert {r["lang"]: [x["value"] for x in r["threshold_lines"]] for r in h["by_lang"]} == {
        "en": [2.0],
        "de": [3.0],
    }
    # a threshold without languages applies to each of them
    h = hist(report, "lang_score")
    assert all([x["value"] for x in r["threshold_lines"]] == [0.0] for r in h["by_lang"])


@pytest.mark.parametrize(
    ("value", "lang", "expected"),
    [
        (0.5, "en", 0.5),
        ([1, 9], "de", [1, 9]),
        ({"en": 0.7, "de": 0.6}, "de", 0.6),
        ({"en": 0.7, "*": 0.5}, "fr", 0.5),
        ({"en": 0.7}, "fr", None),
        ({"en": 0.7, "ja": 0.2, "zh": 0.3}, OTHER, {"ja": 0.2, "zh": 0.3}),
        ({"en": 0.7}, OTHER, None),
    ],
)
def test_lang_threshold(value: Any, lang: str, expected: Any) -> None:
    assert lang_threshold(value, lang, ["en", "de"]) == expected


def test_the_rest_of_the_languages_is_grouped(full_output: Path) -> None:
    """The full run has en, de and fr; with TOP_LANGUAGES = 2, fr is 'other'."""
    import dataprep.report.signals as signals

    old = signals.TOP_LANGUAGES
    signals.TOP_LANGUAGES = 2
    try:
        h = hist(build_report(full_output), "quality__alpha")
    finally:
        signals.TOP_LANGUAGES = old
    assert [r["lang"] for r in h["by_lang"]] == ["en", "de", OTHER]
    assert sum(r["count"] for r in h["by_lang"]) == h["count"]
    other = h["by_lang"][2]
    assert other["threshold_lines"] == []  # min_alpha has en and de entries only


def test_single_language_runs_have_no_split(evidence_output: Path, tmp_path: Path) -> None:
    from report_stages import make_docs_without_ids, run

    out = run(
        [{"stage": "report_quality_v0", "name": "q"}],
        make_docs_without_ids(tmp_path / "in"),
        tmp_path / "out",
    )
    report = build_report(out)
    assert all(h["by_lang"] == [] for h in report["signals"])
    assert report["samples"]["kept_by_lang"] == []


def test_kept_samples_are_grouped_by_language(evidence_output: Path) -> None:
    groups = build_report(evidence_output)["samples"]["kept_by_lang"]
    assert [g["lang"] for g in groups] == ["en", "de"]
    for g in groups:
        assert len(g["docs"]) == 3 and all(d["lang"] == g["lang"] for d in g["docs"])
        assert all(d["stage"] is None and d["reason"] is None for d in g["docs"])
    page = (evidence_output / "report.html").read_text(encoding="utf-8")
    assert "kept · language de" in page
    assert page.count('<details class="by-lang">') == len(
        [h for h in build_report(evidence_output)["signals"] if h["by_lang"]]
    )
