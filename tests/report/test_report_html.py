"""report.html: self-contained, every document text escaped, numbers formatted."""

from __future__ import annotations

import html
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from report_stages import EVIL

from dataprep.report import fmt
from dataprep.report.build import build_report
from dataprep.report.html import SCRIPT, render_html


def page(out: Path) -> str:
    return (out / "report.html").read_text(encoding="utf-8")


class Tags(HTMLParser):
    """Every start tag and attribute name the browser's parser would see."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attrs: set[str] = set()
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs.update(name for name, _ in attrs)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(text: str) -> Tags:
    tags = Tags()
    tags.feed(text)
    return tags


def test_hostile_texts_are_escaped_never_markup(evil_output: Path) -> None:
    text = page(evil_output)
    for evil in EVIL:
        assert evil not in text
        assert html.escape(evil, quote=True) in text
    assert "<script>alert(1)</script>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "</textarea>" not in text and "&lt;/textarea&gt;" in text
    tags = parse(text)
    # The parser sees no element or event handler from the documents ...
    assert tags.tags.count("script") == 1 and text.count(SCRIPT) == 1
    assert not {"img", "textarea", "iframe", "object", "embed", "link"} & set(tags.tags)
    assert not [a for a in tags.attrs if a.startswith("on")]
    # ... and every hostile text is there as plain text, intact.
    all_text = "".join(tags.text)
    for evil in EVIL:
        assert evil in all_text


def test_every_label_goes_through_escaping() -> None:
    """Stage names, reasons, languages and ids from a crafted report are escaped too."""
    evil = "<b>x</b>\"'"
    snip = {"id": evil, "lang": evil, "chars": 9, "truncated": False, "text": evil}
    report = {
        "report_version": 4,
        "run": {
            "recipe": evil,
            "recipe_sha256": evil,
            "description": evil,
            "input_files": [{"name": evil, "bytes": 1}],
            "versions": {"dataprep_version": evil, "python": "3", "pyarrow": "1"},
            "seed": 0,
            "timing": {
                "seconds": 1.0,
                "workers": 1,
                "finished": True,
                "stages": [
                    {"name": evil, "cpu_seconds": 1.0, "wall_seconds": 2.0, "fit_seconds": None}
                ],
            },
        },
        "totals": {"docs_read": 2, "docs_out": 1, "bytes_read": 10, "bytes_out": 5},
        "stages": [
            {
                "name": evil,
                "stage": evil,
                "kind": "batch",
                "annotate": True,
                "docs_in": 2,
                "docs_kept": 1,
                "docs_removed": 1,
                "docs_added": 0,
                "docs_out": 1,
                "bytes_in": 10,
                "bytes_out": 5,
                "removed_by_reason": {evil: 1},
                "flagged_by_reason": {evil: 1},
                "docs_flagged": 1,
            }
        ],
        "languages": [{"lang": evil, "by_stage": {evil: {"docs_in": 2, "removed": 1}}}],
        "language_mix": {
            "balance_stage": evil,
            "mode": evil,
            "unit": evil,
            "notes": [evil],
            "languages": [
                {
                    "lang": evil,
                    "docs_before": 2,
                    "share_before": 1.0,
                    "target_share": 1.0,
                    "docs_balanced": 1,
                    "repeats": 0,
                    "docs_after": 1,
                    "share_after": 1.0,
                }
            ],
        },
        "dedup": [
            {
                "stage": evil,
                "documents": 2,
                "duplicates_removed": 1,
                "duplicate_rate": 0.5,
                "clusters": 1,
                "largest_cluster": 2,
                "cluster_size_histogram": [
                    {
                        "size": evil,
                        "clusters": 1,
                        "example": {"cluster": 1, "size": 2, "kept": snip, "removed": [snip]},
                    }
                ],
                "partner_by": "dup_of",
                "note": evil,
                "pairs": [
                    {
                        "removed": snip,
                        "kept": snip,
                        "dup_of": evil,
                        "cluster_size": 2,
                        "stage_jaccard": 0.9,
                        "exact_jaccard": 0.9,
                        "estimated_jaccard": 0.9,
                        "diff": {
                            "ops": [["equal", evil, ""], ["replace", evil, evil]],
                            "changed_words": 1,
                            "truncated": False,
                        },
                    }
                ],
            }
        ],
        "global_stages": {evil: {evil: evil}},
        "signals": [
            {
                "stage": evil,
                "column": evil,
                "count": 2,
                "nulls": 0,
                "min": 0.0,
                "max": 1.0,
                "mean": 0.5,
                "integer": False,
                "edges": [0.0, 0.5, 1.0],
                "passed": [1, 0],
                "removed": [0, 1],
                "clipped_low": 0,
                "clipped_high": 0,
                "threshold": {evil: 0.5},
                "threshold_lines": [
                    {"value": 0.5, "label": evil, "on_chart": True},
                    {"value": 9.0, "label": evil, "on_chart": False},
                ],
                "by_lang": [
                    {
                        "lang": evil,
                        "count": 1,
                        "passed": [1, 0],
                        "removed": [0, 0],
                        "threshold_lines": [{"value": 0.5, "label": evil, "on_chart": True}],
                    }
                ],
            }
        ],
        "overlaps": {
            "stages": [evil, evil],
            "annotate": [True, False],
            "counts": [[1, 1], [1, 1]],
            "note": evil,
            "unmeasured": [evil],
            "how_to_measure": evil,
        },
        "tokens": {
            "stages": [{"name": evil, "tokens_in": 10, "tokens_kept": 5}],
            "by_lang": [{"lang": evil, "by_stage": {evil: {"tokens_in": 10, "tokens_kept": 5}}}],
        },
        "rewrites": [
            {
                "stage": evil,
                "docs_seen": 2,
                "docs_changed": 1,
                "docs_longer": 1,
                "chars_before": 10,
                "chars_after": 5,
                "share_removed": {"edges": [0.0, 0.5, 1.0], "counts": [1, 0]},
                "samples": [
                    {
                        "id": evil,
                        "lang": evil,
                        "reason": evil,
                        "chars_before": 10,
                        "chars_after": 5,
                        "diff": {
                            "ops": [["equal", [evil], []], ["replace", [evil], [evil]]],
                            "lines_removed": 1,
                            "lines_added": 1,
                            "truncated": True,
                        },
                    }
                ],
            }
        ],
        "samples": {
            "max_chars": 10,
            "removed": [
                {
                    "stage": evil,
                    "reason": evil,
                    "docs": [
                        {
                            "stage": evil,
                            "reason": evil,
                            "id": evil,
                            "lang": evil,
                            "chars": 99,
                            "truncated": True,
                            "text": evil,
                            "text_kept": True,
                        }
                    ],
                }
            ],
            "flagged": [],
            "kept_by_lang": [
                {
                    "lang": evil,
                    "docs_kept": 1,
                    "docs": [
                        {
                            "stage": None,
                            "reason": None,
                            "id": evil,
                            "lang": evil,
                            "chars": 3,
                            "truncated": False,
                            "text": evil,
                            "text_kept": True,
                        }
                    ],
                }
            ],
            "kept": [
                {
                    "stage": None,
                    "reason": None,
                    "id": evil,
                    "lang": evil,
                    "chars": 3,
                    "truncated": False,
                    "text": evil,
                    "text_kept": True,
                }
            ],
        },
    }
    text = render_html(report)
    assert "<b>x</b>" not in text
    assert text.count(html.escape(evil, quote=True)) > 20


def test_page_is_self_contained_and_has_every_section(full_output: Path) -> None:
    text = page(full_output)
    assert not re.search(r"(src|href)=\"(https?:)?//", text)
    assert "<link" not in text and "@import" not in text and "url(" not in text
    for anchor in (
        "funnel",
        "removals",
        "overlaps",
        "languages",
        "lang-stage",
        "dedup",
        "signals",
        "samples",
    ):
        assert f'id="{anchor}"' in text, anchor
    assert 'name="viewport"' in text and "@media" in text
    assert "Content-Security-Policy" in text and "default-src &#x27;none&#x27;" in text
    report = build_report(full_output)
    # 5 charts, one per signal, and the cost section's seconds per stage (run.json timing)
    assert text.count('<svg class="chart') == 6 + len(report["signals"])
    assert text.count('class="threshold"') >= 4
    # formatted numbers: bytes with units, percentages, thousands separators
    assert re.search(r"\d+\.\d kB", text) and re.search(r"\d+\.\d%", text)


def test_no_overlap_shown_as_na_when_not_measurable(full_output: Path) -> None:
    text = page(full_output)
    overlaps = text.split('id="overlaps"')[1].split("</section>")[0]
    assert "n/a" in overlaps and "annotate: true" in overlaps


@pytest.mark.parametrize(
    ("func", "value", "expected"),
    [
        (fmt.count, 1234, "1,234"),
        (fmt.count, 0, "0"),
        (fmt.count, None, fmt.NONE),
        (fmt.size, 999, "999 B"),
        (fmt.size, 12_345_678, "12.3 MB"),
        (fmt.size, 1_500, "1.5 kB"),
        (fmt.size, 2.5e12, "2.5 TB"),
        (fmt.number, 0.123456, "0.123"),
        (fmt.number, 42.0, "42"),
        (fmt.number, 12345.6, "12,346"),
        (fmt.number, float("nan"), fmt.NONE),
        (fmt.seconds, 4.25, "4.2 s"),
        (fmt.seconds, 75, "1 min 15 s"),
        (fmt.seconds, 7300, "2 h 1 min"),
    ],
)
def test_formatting(func: object, value: object, expected: str) -> None:
    assert func(value) == expected  # type: ignore[operator]


@pytest.mark.parametrize(
    ("part", "whole", "expected"), [(45, 1000, "4.5%"), (1, 3, "33.3%"), (1, 0, fmt.NONE)]
)
def test_percentages(part: int, whole: int, expected: str) -> None:
    assert fmt.pct(part, whole) == expected


def test_summary_table_has_a_flagged_column_for_annotate_stages(full_output: Path) -> None:
    text = page(full_output)
    stats = json.loads((full_output / "stats.json").read_text())["stages"]
    flagged = sum(stats["strict"]["flagged_by_reason"].values())
    funnel = text.split('id="funnel"')[1].split("</section>")[0]
    assert "<th class=num>flagged (kept)</th>" in funnel
    row = funnel.split("<td>strict<span class=muted>")[1].split("</tr>")[0]
    cells = re.findall(r"<td class=num>(.*?)</td>", row)
    assert cells[1] == "0"  # removed
    assert cells[3] == f"{flagged:,}"  # flagged, though nothing was removed
    quality = funnel.split("<td>quality<span class=muted>")[1].split("</tr>")[0]
    assert re.findall(r"<td class=num>(.*?)</td>", quality)[3] == fmt.NONE


def test_overlaps_say_how_to_measure_the_na_cells(full_output: Path) -> None:
    overlaps = page(full_output).split('id="overlaps"')[1].split("</section>")[0]
    assert "set annotate: true on langid, quality, dedup" in overlaps
