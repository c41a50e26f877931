"""Import weight, registry, README usage, length and blocklist filters."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import filters
from filter_texts import GOOD
from filters import FILTERS, Blocklist, Filter, Length, Rewriter

ROOT = Path(__file__).resolve().parents[2]


def test_import_is_light() -> None:
    code = (
        "import sys; import pyarrow; before = set(sys.modules); import filters; "
        "new = set(sys.modules) - before; "
        "bad = sorted(m for m in new if m.split('.')[0] not in sys.stdlib_module_names "
        "and m.split('.')[0] != 'filters'); "
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('polars', 'dataprep'))\n"
        "print(bad, heavy); sys.exit(1 if bad or heavy else 0)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def test_readme_usage() -> None:
    from filters import GopherQuality

    assert GopherQuality().keep(GOOD)
    assert GopherQuality().reason("too short") == "gopher_quality:word_count_low"
    assert FILTERS["gopher_quality_v1"](min_words=2).keep("the cat of the house")


def test_registry() -> None:
    assert set(FILTERS) == {
        "gopher_quality_v1",
        "gopher_repetition_v1",
        "c4_v1",
        "fineweb_v1",
        "length_v1",
        "blocklist_v1",
    }
    assert issubclass(FILTERS["c4_v1"], Rewriter)
    names = set()
    for cls in FILTERS.values():
        assert issubclass(cls, Filter)
        assert cls.reasons and all(r.startswith(cls.name + ":") for r in cls.reasons)
        assert len(set(cls.reasons)) == len(cls.reasons)
        names.add(cls.name)
    assert len(names) == len(FILTERS)
    assert filters.__all__


@pytest.mark.parametrize(
    ("kwargs", "text", "expected"),
    [
        ({}, GOOD, None),
        ({}, "word " * 10, "length:words_low"),
        ({"min_chars": 10_000}, GOOD, "length:chars_low"),
        ({"max_chars": 100}, GOOD, "length:chars_high"),
        ({"min_words": None}, "a " + "x" * 1001, "length:long_word"),
        ({"min_words": None}, "!!!! ???? ...." * 10, "length:non_alnum_high"),
        ({}, GOOD + " " + "1234567890" * 20, "length:digits_high"),
        ({"max_non_alnum_frac": None}, GOOD.replace(" ", "     "), "length:whitespace_high"),
        ({"max_uppercase_frac": 0.5}, GOOD.upper(), "length:uppercase_high"),
    ],
)
def test_length_table(kwargs: dict[str, float | None], text: str, expected: str | None) -> None:
    assert Length(**kwargs).reason(text) == expected


def test_length_non_ascii_counts() -> None:
    s = Length().signals("Ünïcödé ÀB 12")
    assert s["digit_frac"] == 2 / 13
    assert s["uppercase_frac"] == 3 / 9  # Ü, À, B of 9 letters


def test_blocklist(tmp_path: Path) -> None:
    (tmp_path / "en.txt").write_text("# comment\nbadword\nvery bad phrase\n", encoding="utf-8")
    (tmp_path / "zh.txt").write_text("坏词\n", encoding="utf-8")
    (tmp_path / "urls.txt").write_text("spam.example\nexample.org/bad/page\n", encoding="utf-8")
    f = Blocklist(
        word_files={"en": str(tmp_path / "en.txt"), "zh": str(tmp_path / "zh.txt")},
        url_files=(str(tmp_path / "urls.txt"),),
    )
    assert f.reason(GOOD, "en") is None
    assert f.reason(GOOD + " BadWord.", "en") == "blocklist:words"
    assert f.reason(GOOD + " a very bad phrase", "en") == "blocklist:words"
    assert f.reason(GOOD + " badwords", "en") is None  # whole tokens only
    assert f.reason("这是坏词。", "zh") == "blocklist:words"
    assert f.reason("这是坏词。", "en") is None
    assert f.signals(GOOD, url="https://www.sub.spam.example/x")["blocked_url"] == 1
    assert f.signals(GOOD, url="http://example.org/bad/page/")["blocked_url"] == 1
    assert f.signals(GOOD, url="http://example.org/good")["blocked_url"] == 0
    assert f.signals(GOOD, url=None)["blocked_url"] == 0
    table = f.signal_batch([GOOD, GOOD], ["en", "en"], urls=["spam.example", None])
    assert f.decide_batch(table).to_pylist() == ["blocklist:url", None]
    with pytest.raises(ValueError, match="cannot read"):
        Blocklist(word_files={"en": str(tmp_path / "missing.txt")})
