"""Normalization options, one table row per behaviour."""

from __future__ import annotations

import pytest

from dataprep.dedup.normalize import NormalizeOptions, normalize, normalizer

DEFAULT = NormalizeOptions()
RAW = NormalizeOptions(nfc=False, casefold=False, collapse_whitespace=False)


@pytest.mark.parametrize(
    ("text", "options", "expected"),
    [
        ("Hello  World\n\t!", DEFAULT, "hello world !"),
        ("  leading and trailing  ", DEFAULT, "leading and trailing"),
        ("Straße", DEFAULT, "strasse"),  # full case folding, not lower()
        ("Cafe\u0301", DEFAULT, "caf\u00e9"),  # NFC composes the accent
        ("Cafe\u0301", NormalizeOptions(nfc=False), "cafe\u0301"),
        ("A\u00a0B\u3000C", DEFAULT, "a b c"),  # Unicode whitespace collapses
        ("Hello  World", RAW, "Hello  World"),
        ("Tel: 555-1234, room ٣", NormalizeOptions(strip_digits=True), "tel: -, room"),
        ("Hi, there! (ok) a_b $5", NormalizeOptions(strip_punctuation=True), "hi there ok ab 5"),
        (
            "Hi, 2 U!",
            NormalizeOptions(strip_punctuation=True, strip_digits=True),
            "hi u",
        ),
        ("", DEFAULT, ""),
        ("   ", DEFAULT, ""),
        ("日本語の テキスト", DEFAULT, "日本語の テキスト"),
    ],
)
def test_normalize_table(text: str, options: NormalizeOptions, expected: str) -> None:
    assert normalize(text, options) == expected


def test_normalizer_matches_normalize() -> None:
    opts = NormalizeOptions(strip_digits=True)
    assert normalizer(opts)("A 1 b") == normalize("A 1 b", opts) == "a b"
