"""FineWeb quality rules (Penedo et al. 2024; datatrove FineWebQualityFilter)."""

from __future__ import annotations

import pytest

from filter_texts import GOOD, GOOD_LINES
from filters import FineWeb

P = "fineweb:"
LONG = "x" * 40 + " one two three four five six"  # > 30 characters, no terminal mark

CASES = [
    ("good prose", GOOD, None),
    ("empty", "", P + "empty"),
    ("blank lines only", "\n \n\t\n", P + "empty"),
    # 1 of 9 lines ends with '.' -> 0.111 < 0.12
    (
        "few punctuated lines",
        "\n".join([GOOD_LINES[0]] + [f"{LONG} {i}" for i in range(8)]),
        P + "line_punct_low",
    ),
    # 1 of 8 -> 0.125 >= 0.12 kept by this rule
    ("punct edge", "\n".join([GOOD_LINES[0]] + [f"{LONG} {i}" for i in range(7)]), None),
    (
        "short lines",
        "\n".join([*GOOD_LINES[:3], *(f"Item {i}." for i in range(7))]),
        P + "short_lines_high",
    ),
    ("duplicated line", GOOD + "\n" + GOOD_LINES[0], P + "char_dup_high"),
    (
        "list-like",
        "\n".join(f"Supercalifragilisticexpialidocious{i}." for i in range(30)),
        P + "newline_ratio_high",
    ),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_reason_table(text: str, expected: str | None) -> None:
    assert FineWeb().reason(text) == expected


def test_line_punct_exclude_zero() -> None:
    text = "\n".join(f"{LONG} {i}" for i in range(5))
    assert FineWeb().reason(text) == P + "line_punct_low"
    assert FineWeb(line_punct_exclude_zero=True).reason(text) is None


def test_short_line_length_configurable() -> None:
    s = FineWeb(short_line_length=10).signals("1234567890\n12345678901")
    assert s["short_line_ratio"] == 0.5
