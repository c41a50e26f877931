"""Gopher quality rules (Rae et al. 2021, Table A1): one case per rule and edge."""

from __future__ import annotations

import pytest

from filter_texts import GOOD, GOOD_LINES
from filters import GopherQuality

P = "gopher_quality:"


def words(n: int, word: str = "house") -> str:
    """``n`` words with enough stop words, one sentence per 10 words."""
    base = ["the", "of", "and"] + [word] * max(n - 3, 0)
    return " ".join(base[:n])


CASES = [
    ("good prose", GOOD, None),
    ("empty", "", P + "word_count_low"),
    ("whitespace only", " \n\t \n", P + "word_count_low"),
    ("49 words", words(49), P + "word_count_low"),
    ("50 words (edge kept)", words(50), None),
    ("short words", " ".join(["the", "of", "and"] + ["at"] * 60), P + "mean_word_length_low"),
    (
        "long words",
        " ".join(["the", "of", "and"] + ["internationalization"] * 60),
        P + "mean_word_length_high",
    ),
    ("hashes", GOOD + "\n" + "#" * 20, P + "hash_ratio_high"),
    ("ellipses", GOOD + " " + " ".join(["wait..."] * 20), P + "ellipsis_ratio_high"),
    ("bullets", "\n".join("• " + ln for ln in GOOD_LINES), P + "bullet_lines_high"),
    ("dash bullets", "\n".join("- " + ln for ln in GOOD_LINES), P + "bullet_lines_high"),
    (
        "ellipsis lines",
        "\n".join(ln + " and so on…" for ln in GOOD_LINES),
        P + "ellipsis_lines_high",
    ),
    ("numbers", GOOD + " " + " ".join(str(i) for i in range(1000, 1040)), P + "alpha_words_low"),
    (
        "no stop words",
        " ".join(["house", "garden", "window", "kitchen"] * 20),
        P + "stop_words_low",
    ),
    ("one stop word", " ".join(["the", "house", "garden", "window"] * 20), P + "stop_words_low"),
    ("two stop words (edge kept)", " ".join(["the", "of", "house", "garden"] * 20), None),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_reason_table(text: str, expected: str | None) -> None:
    assert GopherQuality().reason(text) == expected


def test_max_words() -> None:
    f = GopherQuality(max_words=100)
    assert f.reason(words(101)) == P + "word_count_high"
    assert f.reason(words(100)) is None


def test_disabled_threshold_is_none_not_zero() -> None:
    f = GopherQuality(min_words=None)
    assert f.reason("   ") == P + "mean_word_length_low"  # no ZeroDivisionError
    f = GopherQuality(min_words=0)  # 0 is a threshold, not "disabled"
    assert f.reason("") == P + "mean_word_length_low"


def test_signals_are_counted_as_documented() -> None:
    s = GopherQuality().signals("The cat... and the dog #1.")
    # tokens: The cat ... and the dog # 1 .  (9); non-symbol words: 6
    assert s["word_count"] == 6
    assert s["mean_word_length"] == (3 + 3 + 3 + 3 + 3 + 1) / 6
    assert s["hash_ratio"] == 1 / 9
    assert s["ellipsis_ratio"] == 1 / 9
    assert s["alpha_words_ratio"] == 5 / 9
    assert s["stop_word_count"] == 2  # distinct: the (The), and


def test_thresholds_report() -> None:
    th = GopherQuality(max_hash_ratio=None).thresholds()
    assert th["min_words"] == 50
    assert "max_hash_ratio" not in th
