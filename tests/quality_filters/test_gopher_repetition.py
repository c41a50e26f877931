"""Gopher repetition rules (Rae et al. 2021, Table A1)."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from filter_texts import GOOD, GOOD_LINES
from filters import GopherRepetition
from filters._ngrams import repetition_chars

P = "gopher_repetition:"


def _unique_words(n: int, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    letters = "abcdefghijklmnopqrstuvwxyz"
    return ["".join(rng.choice(letters) for _ in range(rng.randint(3, 9))) for _ in range(n)]


def _prose(n_lines: int, seed: int = 0) -> list[str]:
    w = _unique_words(n_lines * 12, seed)
    return [" ".join(w[i * 12 : (i + 1) * 12]) + "." for i in range(n_lines)]


CASES = [
    ("good prose", GOOD, None),
    ("empty", "", None),
    ("repeated paragraphs", "\n\n".join([*GOOD_LINES[:3], *GOOD_LINES[:2]]), P + "dup_para_frac"),
    # 1 dup paragraph of 5 (0.2 <= 0.3) but a long one: > 20 % of characters
    (
        "long repeated paragraph",
        "\n\n".join([GOOD, "a b.", "c d.", "e f.", GOOD]),
        P + "dup_para_char_frac",
    ),
    ("repeated lines", "\n".join([*GOOD_LINES[:3], *GOOD_LINES[:2]]), P + "dup_line_frac"),
    (
        "long repeated line",
        "\n".join([GOOD_LINES[0] * 3, *_prose(6, 1), GOOD_LINES[0] * 3]),
        P + "dup_line_char_frac",
    ),
    ("top 2-gram", " ".join(["big house"] * 30 + _unique_words(60)), P + "top_2gram"),
    ("top 3-gram", " ".join(["the big house"] * 18 + _unique_words(80)), P + "top_3gram"),
    ("top 4-gram", " ".join(["a very big house"] * 14 + _unique_words(120)), P + "top_4gram"),
    (
        "duplicated 5-grams",
        " ".join(_unique_words(40, 7) * 2 + _unique_words(100, 3)),
        P + "dup_5gram",
    ),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_reason_table(text: str, expected: str | None) -> None:
    assert GopherRepetition().reason(text) == expected


@pytest.mark.parametrize("n", [5, 6, 7, 8, 9, 10])
def test_each_dup_ngram_rule(n: int) -> None:
    # Disable the earlier rules: only dup_{n}gram can fire.
    off = {f"max_dup_{k}gram_char_frac": None for k in range(5, n)}
    f = GopherRepetition(
        max_top_2gram_char_frac=None,
        max_top_3gram_char_frac=None,
        max_top_4gram_char_frac=None,
        **off,
    )
    text = " ".join(_unique_words(12, 5) * 4 + _unique_words(100, 6))
    assert f.reason(text) == f"{P}dup_{n}gram"


def _ref_top(words: list[str], n: int) -> int:
    grams = [" ".join(words[i : i + n]) for i in range(len(words) - n + 1)]
    if not grams:
        return 0
    g, c = Counter(grams).most_common(1)[0]
    return len(g) * c


def _ref_dup(words: list[str], n: int) -> int:
    seen: set[str] = set()
    total = i = 0
    while i < len(words) - n + 1:
        g = "".join(words[i : i + n])
        if g in seen:
            total += len(g)
            i += n
        else:
            seen.add(g)
            i += 1
    return total


def test_ngram_kernel_matches_reference_definition() -> None:
    rng = random.Random(3)
    vocab = ["a", "bb", "ccc", "d", "ee", "f"]  # uniquely decodable when joined
    for _ in range(400):
        words = [rng.choice(vocab[: rng.randint(1, 6)]) for _ in range(rng.randint(0, 40))]
        top, dup = repetition_chars(words, (2, 3, 4), (5, 6, 7, 8, 9, 10))
        for n in (2, 3, 4):
            assert top[n] == _ref_top(words, n)
        for n in range(5, 11):
            assert dup[n] == _ref_dup(words, n)
