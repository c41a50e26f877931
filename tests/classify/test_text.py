"""The shared preprocessing (a table of input -> what the classifier sees)."""

from __future__ import annotations

import pytest

from dataprep.classify.text import Preprocessing, fasttext_line, preprocess


@pytest.mark.parametrize(
    ("text", "options", "expected"),
    [
        (None, Preprocessing(), ""),
        ("", Preprocessing(), ""),
        (" \n\t \u3000", Preprocessing(), ""),
        ("Hello  World", Preprocessing(), "hello world"),
        ("Hello  World", Preprocessing(lowercase=False), "Hello World"),
        ("line one\nline two\r\n\nthree", Preprocessing(), "line one line two three"),
        ("abc def ghi", Preprocessing(max_chars=5), "abc d"),
        ("abc def ghi", Preprocessing(max_chars=4), "abc"),  # no trailing space
        ("  abc   def  ", Preprocessing(max_chars=0), "abc def"),
        ("x" * 3000, Preprocessing(), "x" * 2000),
        ("ÉCOLE Straße", Preprocessing(), "école straße"),
    ],
)
def test_preprocess(text: str | None, options: Preprocessing, expected: str) -> None:
    assert preprocess(text, options) == expected


def test_fasttext_line_is_one_line_and_survives_lone_surrogates() -> None:
    line = fasttext_line(preprocess("a\ud800b\nc"))
    assert line.endswith("\n") and line.count("\n") == 1
    line.encode("utf-8")  # does not raise


def test_negative_max_chars_is_rejected() -> None:
    with pytest.raises(ValueError, match="max_chars"):
        Preprocessing(max_chars=-1)
