# ruff: noqa: RUF001  (CJK punctuation on purpose)
"""``dirty_words_v1``: whole-token and phrase matching, substrings for CJK/Thai, languages."""

from __future__ import annotations

from pathlib import Path

import pytest
from cleaning_helpers import column, make, run_batch

from dataprep.errors import ConfigError

DATA = Path(__file__).parent / "data"
LISTS = {"*": str(DATA / "blocklist_test.txt"), "de": str(DATA / "blocklist_de.txt")}


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("a clean sentence", 0),
        ("this has a badword in it", 1),
        ("BADWORD, Badword and badword!", 3),
        ("badwords are not badword-ish", 1),  # whole tokens only; '-' splits tokens
        ("not a badwordy thing", 0),
        ("a naughty phrase here", 1),
        ("naughty but no phrase", 0),
        ("what the f*ck", 1),
        ("这是一个坏词的例子", 1),  # Chinese: substring
        ("这是坏词，那也是坏词", 2),
        ("นี่คือคำหยาบมาก", 1),  # Thai: substring
    ],
)
def test_counts(text: str, count: int) -> None:
    out = run_batch(make("dirty_words_v1", blocklists=LISTS), [text])
    assert column(out.batch, "dirty_words_v1__count") == [count]
    assert out.reason.to_pylist() == ["dirty_words" if count else None]


def test_ratio_counts_words_of_the_term() -> None:
    stage = make("dirty_words_v1", blocklists=LISTS, max_count=None, max_ratio=0.25)
    out = run_batch(stage, ["one two three badword", "a naughty phrase", "坏词好好好好好好"])
    assert column(out.batch, "dirty_words_v1__ratio") == pytest.approx([0.25, 2 / 3, 2 / 8])
    assert out.reason.to_pylist() == [None, "dirty_words", None]


def test_language_lists_follow_the_lang_column() -> None:
    stage = make("dirty_words_v1", blocklists={"de": str(DATA / "blocklist_de.txt")})
    out = run_batch(
        stage, ["ein schlimmwort", "ein schlimmwort", "ein schlimmwort"], lang=["de", "en", None]
    )
    assert column(out.batch, "dirty_words_v1__count") == [1, None, None]
    assert out.reason.to_pylist() == ["dirty_words", None, None]
    de_list = {"deu": str(DATA / "blocklist_de.txt")}
    stage = make("dirty_words_v1", blocklists=de_list, default_lang="de")
    assert run_batch(stage, ["ein schlimmwort"]).reason.to_pylist() == ["dirty_words"]


def test_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="at least one"):
        make("dirty_words_v1")
    with pytest.raises(ConfigError, match="cannot read blocklist"):
        make("dirty_words_v1", blocklists={"*": str(tmp_path / "missing.txt")})
    with pytest.raises(ConfigError, match="max_ratio"):
        make("dirty_words_v1", blocklists=LISTS, max_ratio=-1.0)
