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


CJK = {"*": str(DATA / "blocklist_cjk.txt")}


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("角色情感很丰富", 0),  # 角色|情感: 色情 across a word boundary
        ("山间的景色情调优美", 0),
        ("出色情報を提供します", 0),  # Japanese: 出色 is a known compound
        ("这是色情网站", 1),  # inside a longer word: still counted
        ("他在看色情片", 1),
        ("売春は禁止されている", 1),
        ("海岸のエロージョン対策", 0),  # a clean katakana word holding エロ
    ],
)
def test_cjk_matches_do_not_cut_words(text: str, count: int) -> None:
    out = run_batch(make("dirty_words_v1", blocklists=CJK), [text])
    assert column(out.batch, "dirty_words_v1__count") == [count]


def _lines(name: str) -> list[str]:
    text = (DATA / name).read_text("utf-8")
    return [ln for ln in text.splitlines() if ln and not ln.startswith("#")]


def test_cjk_false_positives_on_clean_text_and_recall_on_dirty_text() -> None:
    """benchmarks/dirty_words_cjk.py: plain substrings flagged 16 of the 23 clean sentences."""
    stage = make("dirty_words_v1", blocklists=CJK)
    clean = _lines("cjk_clean.txt")
    dirty = _lines("cjk_dirty.txt")
    flagged = run_batch(stage, clean).reason.to_pylist()
    assert sum(r is not None for r in flagged) <= 1
    assert run_batch(stage, dirty).reason.null_count == 0


def test_a_phrase_and_its_own_sub_term_count_once(tmp_path: Path) -> None:
    terms = tmp_path / "terms.txt"
    terms.write_text("naughty\nnaughty phrase\nphrase\n", encoding="utf-8")
    stage = make("dirty_words_v1", blocklists={"*": str(terms)}, max_count=None, max_ratio=1.0)
    out = run_batch(stage, ["a naughty phrase here", "naughty and phrase"])
    assert column(out.batch, "dirty_words_v1__count") == [1, 2]
    assert column(out.batch, "dirty_words_v1__ratio") == pytest.approx([2 / 4, 2 / 3])


def test_a_term_in_two_applicable_lists_counts_once() -> None:
    lists = {"*": str(DATA / "blocklist_test.txt"), "en": str(DATA / "blocklist_test.txt")}
    out = run_batch(make("dirty_words_v1", blocklists=lists), ["one badword"], lang=["en"])
    assert column(out.batch, "dirty_words_v1__count") == [1]


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
