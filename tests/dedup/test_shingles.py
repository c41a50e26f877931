"""Shingle hashes: word n-grams, char n-grams for scripts without spaces."""

from __future__ import annotations

import numpy as np
import pytest

from dataprep.dedup.shingles import (
    combine_ngrams,
    no_space_fraction,
    shingle_hashes,
    uses_char_ngrams,
)


def _sh(text: str, **kw: int | float) -> np.ndarray:
    opts = {"word_n": 5, "char_n": 5, "char_fraction": 0.3, **kw}
    return shingle_hashes(text, **opts)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "char"),
    [
        ("the quick brown fox", False),
        ("我们今天去公园散步。天气很好。", True),  # Chinese
        ("今日は公園に散歩に行きました。", True),  # Japanese
        ("วันนี้เราไปเดินเล่นที่สวนสาธารณะ", True),  # Thai
        ("오늘 우리는 공원에 산책을 갔습니다", False),  # Korean uses spaces
        ("Привет мир, как дела", False),
        ("An English sentence quoting 中文 once.", False),
        ("", False),
    ],
)
def test_script_choice(text: str, char: bool) -> None:
    assert uses_char_ngrams(text, 0.3) is char


def test_no_space_fraction_ignores_whitespace() -> None:
    assert no_space_fraction("中 文") == 1.0
    assert no_space_fraction("ascii only") == 0.0


def test_word_shingle_count_and_order_sensitivity() -> None:
    words = ["a", "b", "c", "d", "e", "f", "g", "h"]
    h = _sh(" ".join(words))
    assert len(h) == len(words) - 5 + 1
    assert len(set(_sh("a b c d e").tolist()) & set(_sh("e d c b a").tolist())) == 0


def test_char_shingles_for_cjk() -> None:
    text = "我们今天去公园散步天气很好"
    assert len(_sh(text)) == len(text) - 5 + 1
    # whitespace does not change character shingles
    assert np.array_equal(_sh(text), _sh("我们今天 去公园散步 天气很好"))


def test_short_and_empty_documents() -> None:
    assert len(_sh("two words")) == 1
    assert len(_sh("")) == 0
    assert not np.array_equal(_sh("two words"), _sh("two other"))


def test_shared_shingles_reflect_shared_ngrams() -> None:
    a = _sh("one two three four five six seven")
    b = _sh("one two three four five six eight")
    assert len(set(a.tolist()) & set(b.tolist())) == 2


def test_combine_ngrams_dtype() -> None:
    out = combine_ngrams(np.arange(10, dtype=np.uint64), 3)
    assert out.dtype == np.uint64 and len(out) == 8
