"""Property tests: total on any string, batch path == per-document path."""

from __future__ import annotations

import math

import pyarrow as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import filters.gopher_quality as gopher_quality
from filter_texts import GOOD
from filters import C4, FineWeb, GopherQuality, GopherRepetition, Length, default_stack
from filters._text import SEP_RE, split_tokens

FILTERS = [GopherQuality(), GopherRepetition(), C4(), FineWeb(), Length()]
#: Ratios that may exceed 1: per-token symbol counts ("###" is one token), newlines per
#: token, top n-gram characters joined with spaces.
UNBOUNDED = {
    "newline_ratio",
    "hash_ratio",
    "ellipsis_ratio",
    *(f"top_{n}gram_char_frac" for n in (2, 3, 4)),
}
LANGS = [None, "en", "zh", "ja", "th", "de", "xx", "eng", "cmn_Hani"]

# Any unicode incl. lone surrogates, plus text built from pieces that trigger rules.
_pieces = st.sampled_from(
    [
        "the",
        "of",
        "and",
        " ",
        "\n",
        "\n\n",
        "...",
        "…",
        "#",
        "•",
        "- ",
        "{",
        "[1]",
        ".",
        "!",
        "lorem ipsum",
        "javascript",
        "中文",
        "ภาษาไทย",
        "हिन्दी",
        "😀",
        "\r\n",
        "\u2028",
        "\ud800",
        "word",
        "Supercalifragilistic",
        "1234",
    ]
)
texts = st.one_of(
    st.text(max_size=300),
    st.lists(_pieces, max_size=80).map("".join),
    st.just(""),
    st.text(alphabet=" \t\n\r\x0b\x0c\x85\u3000", max_size=20),
)
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(text=texts, lang=st.sampled_from(LANGS))
def test_signals_total_and_finite(text: str, lang: str | None) -> None:
    for f in FILTERS:
        sig = f.signals(text, lang)
        assert set(sig) == set(f.signal_names)
        for name, v in sig.items():
            assert isinstance(v, float), (f.name, name)
            assert math.isfinite(v) and v >= 0, (f.name, name, v)
            if name.endswith(("_ratio", "_frac")) and name not in UNBOUNDED:
                assert v <= 1.0, (f.name, name, v)
        assert f.decide(sig, lang) in (None, *f.reasons)


@FAST
@given(docs=st.lists(st.tuples(texts, st.sampled_from(LANGS)), max_size=8))
def test_batch_equals_per_document(docs: list[tuple[str, str | None]]) -> None:
    items = [d[0] for d in docs]
    langs = [d[1] for d in docs]
    for f in FILTERS:
        table = f.signal_batch(items, langs)
        reasons = f.decide_batch(table, langs).to_pylist()
        for i, (text, lang) in enumerate(docs):
            sig = f.signals(text, lang)
            assert {n: table.column(n)[i].as_py() for n in f.signal_names} == sig
            assert reasons[i] == f.decide(sig, lang)


@FAST
@given(docs=st.lists(st.tuples(texts, st.sampled_from(LANGS)), max_size=8))
def test_stop_words_counted_by_sorting_equal_per_document(
    docs: list[tuple[str, str | None]],
) -> None:
    old = gopher_quality._SEEN_CELLS
    gopher_quality._SEEN_CELLS = 0  # the path for stop-word lists too large for the table
    try:
        table = GopherQuality().signal_batch([d[0] for d in docs], [d[1] for d in docs])
    finally:
        gopher_quality._SEEN_CELLS = old
    for i, (text, lang) in enumerate(docs):
        assert (
            table.column("stop_word_count")[i].as_py()
            == (GopherQuality().signals(text, lang)["stop_word_count"])
        )


@FAST
@given(
    values=st.lists(st.floats(min_value=0, max_value=2, allow_nan=False), min_size=1, max_size=6),
    th=st.one_of(st.none(), st.floats(min_value=0, max_value=1)),
    langs=st.lists(st.sampled_from(LANGS), min_size=6, max_size=6),
)
def test_decide_batch_from_stored_signals(
    values: list[float], th: float | None, langs: list[str | None]
) -> None:
    """Annotate mode: any stored table re-decided with other thresholds, both paths agree."""
    f = FineWeb(max_char_dup_ratio=th, lang_overrides={"de": {"max_short_line_ratio": None}})
    n = len(values)
    table = pa.table(
        {
            s: pa.array([values[(i + k) % n] for i in range(n)], pa.float64())
            for k, s in enumerate(f.signal_names)
        }
    )
    got = f.decide_batch(table, langs[:n]).to_pylist()
    for i in range(n):
        row = {s: table.column(s)[i].as_py() for s in f.signal_names}
        assert got[i] == f.decide(row, langs[i])


@FAST
@given(text=st.text(max_size=200))
def test_fast_tokenizer_path_equals_general_path(text: str) -> None:
    parts = SEP_RE.split(text)
    general = " ".join(filter(None, parts)).split(), list(filter(None, parts[2::3]))
    assert split_tokens(text) == general


@settings(max_examples=40, deadline=None)
@given(docs=st.lists(texts, max_size=5))
def test_stack_equals_filters_one_by_one(docs: list[str]) -> None:
    stack = default_stack()
    res = stack.run(docs)
    current = list(docs)
    for f in stack.filters:
        if isinstance(f, C4):
            new_texts, table = f.rewrite_batch(current)
        else:
            new_texts, table = None, f.signal_batch(current)
        for s in f.signal_names:
            assert res.signals.column(f"{f.name}.{s}").to_pylist() == table.column(s).to_pylist()
        assert res.reasons.column(f.name).to_pylist() == f.decide_batch(table).to_pylist()
        if new_texts is not None:
            current = new_texts.to_pylist()
    assert res.texts.to_pylist() == current


def test_null_texts_are_empty() -> None:
    col = pa.array([None, GOOD], pa.string())
    table = GopherQuality().signal_batch(col)
    assert table.column("word_count")[0].as_py() == 0.0
