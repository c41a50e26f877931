# ruff: noqa: RUF001  (CJK punctuation on purpose)
"""``ngram_coverage_v1``: duplicated n-gram coverage per line, rewrite, emptied documents."""

from __future__ import annotations

import random

import pytest
from cleaning_helpers import column, make, run_batch

from dataprep.cleaning.ngram_coverage import _short_coverage, duplicated_coverage, line_words

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
        ("short line short line short line", "", 1, "ngram_coverage_empty"),  # short-line rule
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
    no_short = make("ngram_coverage_v1", short_line_words=None)
    assert column(run_batch(no_short, [line]).batch, "text") == [line]
    stage = make("ngram_coverage_v1", min_line_words=10, min_duplicated_ngrams=1)
    out = run_batch(stage, [line + "\nkeep"])
    assert column(out.batch, "text") == ["keep"]
    out = run_batch(make("ngram_coverage_v1", min_line_words=10, max_coverage=1.0), [line])
    assert column(out.batch, "text") == [line]
    assert column(out.batch, "ngram_coverage_v1__max_coverage") == [1.0]


# Real-prose lines that repeat one 5-word phrase (written for this project after the
# audit's cases): the per-line 0.15 threshold removed each of them.
INSTITUTION = (
    "The National Museum of Modern Art opened a new wing this spring, and visitors to the "
    "National Museum of Modern Art can now see the sculpture garden from the cafe."
)
LEASE = (
    "The tenant shall pay the rent on the first day of each month, and if the tenant "
    "shall pay the rent late, a fee of five percent applies to that month."
)
RECIPE = (
    "First add two cups of flour to the bowl, stir well, then add two cups of flour again "
    "with the butter and mix until the dough is smooth and soft."
)


@pytest.mark.parametrize("line", [INSTITUTION, LEASE, RECIPE], ids=["name", "lease", "recipe"])
def test_prose_repeating_one_phrase_is_kept(line: str) -> None:
    assert duplicated_coverage(line_words(line), 5) > 0.15  # what the old threshold removed
    out = run_batch(make("ngram_coverage_v1"), [line])
    assert column(out.batch, "text") == [line]


ZH_WITH_ASCII_ENDS = (
    "Apple 公司今天在北京市人民政府的支持下发布了新产品，"
    "北京市人民政府表示欢迎，很多消费者表示愿意购买 2024"
)


def test_the_script_of_the_whole_line_decides_word_or_cluster_ngrams() -> None:
    """A Chinese line starting and ending with ASCII words is judged in clusters (10-grams),
    exactly like the same line without its trailing year."""
    stage = make("ngram_coverage_v1")
    without_year = ZH_WITH_ASCII_ENDS.rsplit(" ", 1)[0]
    out = run_batch(stage, [ZH_WITH_ASCII_ENDS, without_year])
    assert column(out.batch, "text") == [ZH_WITH_ASCII_ENDS, without_year]


@pytest.mark.parametrize(
    "line",
    [
        "cheap pills buy now cheap pills buy now cheap pills buy now",
        "best running shoes sale best running shoes sale best running shoes sale",
        "Купить диплом. Купить диплом недорого. Купить диплом с доставкой.",
    ],
)
def test_short_keyword_spam_is_covered(line: str) -> None:
    out = run_batch(make("ngram_coverage_v1"), [f"{line}\n{PROSE}"])
    assert column(out.batch, "text") == [PROSE]


def test_null_and_empty_texts() -> None:
    out = run_batch(make("ngram_coverage_v1"), [None, ""])
    assert column(out.batch, "text") == [None, ""]
    assert out.reason.null_count == 2


def test_short_line_coverage_equals_the_array_version() -> None:
    rng = random.Random(0)
    for _ in range(500):
        words = [rng.choice(["ab", "c", "de", "f", "ghi"]) for _ in range(rng.randint(0, 19))]
        for n in (2, 3, 4):
            assert _short_coverage(words, n) == pytest.approx(duplicated_coverage(words, n))
