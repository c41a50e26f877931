# ruff: noqa: RUF001  (CJK punctuation on purpose)
"""``ngram_coverage_v1``: duplicated n-gram coverage per line, rewrite, emptied documents."""

from __future__ import annotations

import pytest
from cleaning_helpers import column, make, run_batch

from dataprep.cleaning.ngram_coverage import duplicated_coverage, line_words

LOG = " ".join(["ERROR connection to the database server failed retrying"] * 4)
# Chinese prose repeating a 5-character name is kept (n-grams of 10 clusters)
ZH = "地铁五号线今日正式开通运营，市民出行更加便利。本市地铁五号线一期工程于今天上午通车。"
JA_SPAM = "簡単に稼げる 副業 在宅 簡単に稼げる 副業 在宅 簡単に稼げる 副業 在宅"
PROSE = (
    "The river runs past the old mill and the church before it reaches the sea, "
    "where fishing boats wait in the harbour for the morning tide to turn again."
)


@pytest.mark.parametrize(
    ("words", "n", "expected"),
    [
        ([], 5, 0.0),
        (["a"] * 3, 5, 0.0),  # fewer than two n-grams
        (["a", "b", "c", "d", "e", "a", "b", "c", "d", "e"], 5, 1.0),
        (["a", "b", "c", "d", "e", "x", "a", "b", "c", "d", "e"], 5, 10 / 11),
        (["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"], 5, 0.0),
        (["aa", "b", "aa", "b"], 2, 1.0),
        (["aa", "b", "c", "aa", "b"], 2, 6 / 7),
    ],
)
def test_duplicated_coverage(words: list[str], n: int, expected: float) -> None:
    assert duplicated_coverage(words, n) == pytest.approx(expected)


def test_line_words_skip_punctuation_and_split_clusters() -> None:
    assert line_words("Hello, world!") == ["Hello", "world"]
    assert line_words("免费电影") == ["免", "费", "电", "影"]


@pytest.mark.parametrize(
    ("text", "expected_text", "removed", "reason"),
    [
        (f"Title\n{LOG}\n{PROSE}", f"Title\n{PROSE}", 1, None),
        (PROSE, PROSE, 0, None),
        (LOG, "", 1, "ngram_coverage_empty"),
        ("short line short line short line", "short line short line short line", 0, None),
        (ZH, ZH, 0, None),
        (JA_SPAM, "", 1, "ngram_coverage_empty"),
    ],
)
def test_stage_rewrites_lines(
    text: str, expected_text: str, removed: int, reason: str | None
) -> None:
    out = run_batch(make("ngram_coverage_v1"), [text])
    assert column(out.batch, "text") == [expected_text]
    assert column(out.batch, "ngram_coverage_v1__lines_removed") == [removed]
    assert column(out.batch, "ngram_coverage_v1__chars_removed") == [len(text) - len(expected_text)]
    assert out.reason.to_pylist() == [reason]


def test_min_line_words_and_threshold_are_configurable() -> None:
    line = "a b c d e a b c d e"
    assert column(run_batch(make("ngram_coverage_v1"), [line]).batch, "text") == [line]
    out = run_batch(make("ngram_coverage_v1", min_line_words=10), [line + "\nkeep"])
    assert column(out.batch, "text") == ["keep"]
    out = run_batch(make("ngram_coverage_v1", min_line_words=10, max_coverage=1.0), [line])
    assert column(out.batch, "text") == [line]
    assert column(out.batch, "ngram_coverage_v1__max_coverage") == [1.0]


def test_null_and_empty_texts() -> None:
    out = run_batch(make("ngram_coverage_v1"), [None, ""])
    assert column(out.batch, "text") == [None, ""]
    assert out.reason.null_count == 2
