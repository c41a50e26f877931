"""C4 line cleaning and page rules (Raffel et al. 2020; TFDS c4_utils)."""

from __future__ import annotations

import pytest

from filter_texts import GOOD, GOOD_LINES
from filters import C4

P = "c4:"


CASES = [
    ("good prose", GOOD, None),
    ("empty", "", P + "too_few_sentences"),
    ("four sentences", "\n".join(GOOD_LINES[:4]), P + "too_few_sentences"),
    ("five sentences (edge kept)", "\n".join(GOOD_LINES[:5]), None),
    ("five sentences on one line", " ".join(GOOD_LINES[:5]), None),
    ("lorem ipsum", GOOD + "\nLorem ipsum dolor sit amet.", P + "lorem_ipsum"),
    ("curly bracket", GOOD + "\nfunction f() { return 1; }.", P + "curly_bracket"),
    ("curly bracket in a dropped line", GOOD + "\nvar x = {a: 1}", None),
    (
        "javascript line dropped, then too few",
        "\n".join(GOOD_LINES[:4]) + "\nPlease enable JavaScript to continue reading.",
        P + "too_few_sentences",
    ),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_reason_table(text: str, expected: str | None) -> None:
    assert C4().reason(text) == expected


LINE_CASES = [
    ("no terminal punct", "Home page menu entry", "no_terminal_punct"),
    ("ellipsis end", "And then there were more...", "no_terminal_punct"),
    ("two words", "Click here.", "few_words"),
    ("javascript", "Please enable javascript in your browser.", "javascript"),
    ("cookies", "This website uses cookies to improve things.", "policy"),
    ("privacy", "Read our Privacy Policy before you sign up.", "policy"),
    ("terms", "By using the site you accept the terms of use.", "policy"),
    ("long word", "A " + "x" * 1001 + " word here.", "long_word"),
]


@pytest.mark.parametrize(
    ("line", "rule"), [c[1:] for c in LINE_CASES], ids=[c[0] for c in LINE_CASES]
)
def test_line_rules(line: str, rule: str) -> None:
    new, sig = C4().rewrite(GOOD + "\n" + line)
    assert new == GOOD
    assert sig[f"lines_removed_{rule}"] == 1
    assert sig["lines_removed"] == 1
    assert sig["chars_removed"] == len(line) + 1


def test_citations_removed_and_whitespace_stripped() -> None:
    new, sig = C4().rewrite("  The river[1] floods in spring.[edit] \n" + GOOD)
    assert new.splitlines()[0] == "The river floods in spring."
    assert sig["citations_removed"] == 2


def test_terminal_punct_rule_is_configurable() -> None:
    text = GOOD + "\nHome page menu entry"
    assert C4(filter_no_terminal_punct=False).rewrite(text)[0] == text


def test_min_sentences_configurable_and_disableable() -> None:
    text = "\n".join(GOOD_LINES[:2])
    assert C4(min_sentences=2).reason(text) is None
    assert C4(min_sentences=None).reason("") is None


def test_rewrite_batch_matches_per_document() -> None:
    docs = [GOOD, GOOD + "\nMenu", "", "Lorem ipsum dolor sit amet."]
    texts, table = C4().rewrite_batch(docs)
    for i, d in enumerate(docs):
        new, sig = C4().rewrite(d)
        assert texts[i].as_py() == new
        assert {k: table.column(k)[i].as_py() for k in sig} == sig
