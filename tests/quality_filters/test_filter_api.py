"""The public filter calls: one text for keep/reason, a column for keep_batch/reason_batch,
and a loud (never silent) fallback for a language the filter has no rules for."""

from __future__ import annotations

import warnings

import pyarrow as pa
import pytest

from filters import C4, FILTERS, FineWeb, GopherQuality, Length, UnknownLanguageWarning

PAGE = (
    "The museum opened a new wing this spring, and visitors have been arriving in steady "
    "numbers since the first week. Most of them come to see the collection of maps that "
    "the city bought from a private owner last year. The curators spent months restoring "
    "the paper and writing short notes that explain how each map was made, who used it, "
    "and why it matters to the history of the region."
)
SHORT = "too short"


@pytest.mark.parametrize("name", sorted(FILTERS))
@pytest.mark.parametrize("bad", [[PAGE, SHORT], (PAGE,), None, PAGE.encode(), 3])
def test_keep_and_reason_refuse_anything_but_one_string(name: str, bad: object) -> None:
    filt = FILTERS[name]() if name != "blocklist_v1" else FILTERS[name](words=("x",))
    with pytest.raises(TypeError, match="expected one text"):
        filt.keep(bad)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="expected one text"):
        filt.reason(bad)  # type: ignore[arg-type]


def test_a_list_points_to_the_batch_call() -> None:
    with pytest.raises(TypeError, match="keep_batch"):
        GopherQuality().keep([PAGE, SHORT])  # type: ignore[arg-type]


def test_batch_calls_return_the_kind_of_column_they_were_given() -> None:
    import polars as pl

    g = GopherQuality()
    assert g.keep_batch([PAGE, SHORT]) == [True, False]
    assert g.reason_batch([PAGE, SHORT]) == [None, "gopher_quality:word_count_low"]
    arrow = g.keep_batch(pa.array([PAGE, SHORT]))
    assert isinstance(arrow, pa.Array)
    assert arrow.type == pa.bool_()
    assert arrow.to_pylist() == [True, False]
    chunked = g.reason_batch(pa.chunked_array([[PAGE], [SHORT]], type=pa.large_string()))
    assert chunked.to_pylist() == [None, "gopher_quality:word_count_low"]
    series = g.keep_batch(pl.Series("text", [PAGE, SHORT]))
    assert isinstance(series, pl.Series)
    assert series.name == "text"
    assert series.to_list() == [True, False]


@pytest.mark.parametrize("name", sorted(set(FILTERS) - {"blocklist_v1"}))
def test_batch_calls_agree_with_the_per_document_calls(name: str) -> None:
    filt = FILTERS[name]()
    texts = [PAGE, SHORT, "", "lorem ipsum {}\n" * 5, PAGE.upper()]
    assert filt.reason_batch(texts, "en") == [filt.reason(t, "en") for t in texts]
    assert filt.keep_batch(texts) == [filt.keep(t) for t in texts]


def test_batch_calls_take_one_language_or_a_column_of_languages() -> None:
    g = GopherQuality()
    assert g.reason_batch([PAGE, PAGE], "en") == g.reason_batch([PAGE, PAGE], ["en", "eng"])


def test_batch_calls_refuse_a_single_string_and_non_text_elements() -> None:
    g = GopherQuality()
    with pytest.raises(TypeError, match="for one text use keep/reason"):
        g.keep_batch(PAGE)
    with pytest.raises(TypeError, match=r"texts\[1\]: expected str or None, got bytes"):
        g.keep_batch([PAGE, b"bytes"])
    with pytest.raises(TypeError, match="Arrow array of strings"):
        g.keep_batch(pa.array([1, 2]))


def test_a_null_text_in_a_column_is_judged_as_empty() -> None:
    g = GopherQuality()
    assert g.reason_batch([None]) == [g.reason("")]


@pytest.mark.parametrize("cls", [GopherQuality, C4, FineWeb])
def test_an_unknown_language_warns_once_and_names_the_rules_used(cls: type) -> None:
    filt = cls()
    with pytest.warns(UnknownLanguageWarning, match=r"no rules for language 'xx'; using the"):
        filt.keep(PAGE, "xx")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        filt.keep(PAGE, "xx")  # once per filter
        filt.keep_batch([PAGE], ["xx"])


def test_the_gopher_fallback_says_the_stop_word_rule_is_off() -> None:
    with pytest.warns(UnknownLanguageWarning, match="without the stop-word rule"):
        GopherQuality().keep_batch([PAGE], "xx")


def test_strict_raises_for_an_unknown_language() -> None:
    with pytest.raises(ValueError, match=r"no rules for language 'xx'.*languages with rules: ar"):
        GopherQuality(strict=True).keep(PAGE, "xx")
    with pytest.raises(ValueError, match="'zz'"):
        GopherQuality(strict=True).reason_batch([PAGE, PAGE], ["en", "zz"])


@pytest.mark.parametrize("lang", ["en", "jpn", "ja", "zh-Hans", "__label__de", "deu_Latn", None])
def test_known_codes_in_any_notation_do_not_warn(lang: str | None) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        GopherQuality(strict=True).keep(PAGE, lang)


def test_a_language_given_in_lang_overrides_is_known() -> None:
    g = GopherQuality(strict=True, lang_overrides={"xx": {"min_words": 3}})
    assert g.keep("one two three four", "xx") is True  # 4 words >= 3, no stop-word list
    assert g.keep("one two", "xx") is False


def test_filters_whose_rules_ignore_the_language_do_not_warn() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Length(strict=True).keep(PAGE, "xx")
