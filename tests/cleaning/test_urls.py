"""URL normalization and ``url_dedup_v1``: keep first, keep most recent, never on missing URLs."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest
from cleaning_helpers import column, make, run_global, shards

from dataprep.cleaning.urls import normalize_url


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTP://Example.COM/Path", "http://example.com/Path"),
        ("https://example.com:443/a", "https://example.com/a"),
        ("http://example.com:80/", "http://example.com"),
        ("http://example.com:8080/", "http://example.com:8080"),
        ("https://example.com/a/", "https://example.com/a"),
        ("https://example.com/a#section-2", "https://example.com/a"),
        ("https://example.com/?utm_source=x&b=2&a=1&UTM_Medium=y", "https://example.com?a=1&b=2"),
        ("https://example.com/p?gclid=1&fbclid=2&id=7", "https://example.com/p?id=7"),
        ("https://example.com/p?b=2&a=1", "https://example.com/p?a=1&b=2"),
        ("https://example.com/%7euser", "https://example.com/~user"),
        ("https://example.com/a%2fb%c3%a9", "https://example.com/a%2Fb%C3%A9"),
        ("https://example.com./x", "https://example.com/x"),
        ("https://user@Example.com/x", "https://user@example.com/x"),
        ("http://[2001:DB8::1]:80/x", "http://[2001:db8::1]/x"),
        ("  https://example.com/x  ", "https://example.com/x"),
        ("example.com/Path", "http://example.com/Path"),
        ("not a url", "not a url"),
        ("mailto:someone@example.com", "mailto:someone@example.com"),
        ("http://[::1/broken", "http://[::1/broken"),
    ],
)
def test_normalize_url(url: str, expected: str) -> None:
    assert normalize_url(url) == expected


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("https://example.com/%7Euser", "https://example.com/~user"),
        ("https://example.com/a/./b", "https://example.com/a/b"),
        ("https://example.com/a/c/../b", "https://example.com/a/b"),
        ("https://example.com/a/b/c/./../../g", "https://example.com/a/g"),
        ("https://example.com/../a", "https://example.com/a"),
        ("https://bücher.de/x", "https://xn--bcher-kva.de/x"),
        ("https://BÜCHER.de/x", "https://xn--bcher-kva.de/x"),
        ("example.com/x", "http://example.com/x"),
        ("//example.com/x", "http://example.com/x"),
        ("www.example.com:80/x/", "http://www.example.com/x"),
        ("https://example.com/p?b=2&a=1&a=3", "https://example.com/p?a=1&a=3&b=2"),
    ],
)
def test_same_page_merges(a: str, b: str) -> None:
    assert normalize_url(a) == normalize_url(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("https://example.com/p?a=1&a=2", "https://example.com/p?a=2&a=1"),
        ("https://example.com/#!/item/1", "https://example.com/#!/item/2"),
        ("https://example.com/app#/item/1", "https://example.com/app#/item/2"),
        ("https://example.com/a%2Fb", "https://example.com/a/b"),
        ("http://example.com/x", "https://example.com/x"),
    ],
)
def test_different_pages_stay_apart(a: str, b: str) -> None:
    assert normalize_url(a) != normalize_url(b)


def test_optional_scheme_and_www() -> None:
    a, b = "http://www.example.com/x", "https://example.com/x"
    assert normalize_url(a) != normalize_url(b)
    assert normalize_url(a, ignore_scheme=True, strip_www=True) == normalize_url(
        b, ignore_scheme=True, strip_www=True
    )


URLS = [
    "https://a.com/1",
    "https://A.com/1/",
    None,
    "",
    "https://a.com/2?utm_source=z",
    "https://a.com/2",
    None,
    "https://a.com/1#x",
]


def test_keeps_first_by_input_order_and_never_dedups_missing(tmp_path: Path) -> None:
    texts = [f"doc {i}" for i in range(len(URLS))]
    stage = make("url_dedup_v1")
    dec = run_global(stage, shards(texts, 3, url=URLS), tmp_path)
    dup = "url_duplicate"
    assert column(dec, "reason") == [None, dup, None, None, None, dup, None, dup]
    assert column(dec, "url_dedup_v1__cluster_size") == [3, 3, 1, 1, 2, 2, 1, 3]
    s = stage.fit_summary()
    assert s["duplicates_removed"] == 3
    assert s["missing_urls"] == 3 and s["distinct_urls"] == 2 and s["keep"] == "first"


@pytest.mark.parametrize(
    "dates",
    [
        ["2023-01-01", "2024-05-01T10:00:00Z", "2022-01-01", None],
        [pa.scalar(1, pa.int64()).as_py(), 5, 0, None],
    ],
)
def test_keeps_most_recent_with_date_column(tmp_path: Path, dates: list) -> None:
    urls = ["https://a.com/x", "https://a.com/x/", "https://a.com/x#f", "https://a.com/x"]
    stage = make("url_dedup_v1", date_column="date")
    dec = run_global(stage, shards(["t"] * 4, 2, url=urls, date=dates), tmp_path)
    assert column(dec, "reason") == ["url_duplicate", None, "url_duplicate", "url_duplicate"]
    assert stage.fit_summary()["keep"] == "most_recent"


def test_date_ties_go_to_input_order(tmp_path: Path) -> None:
    stage = make("url_dedup_v1", date_column="date")
    tables = shards(["t"] * 3, 1, url=["https://a.com"] * 3, date=["2020-01-01"] * 3)
    assert column(run_global(stage, tables, tmp_path), "reason") == [
        None,
        "url_duplicate",
        "url_duplicate",
    ]


def test_unparseable_dates_are_null_dates_counted_in_stats(tmp_path: Path) -> None:
    stage = make("url_dedup_v1", date_column="date")
    dates = ["n/a", "2023-01-02", "yesterday", None, " "]
    dec = run_global(stage, shards(["t"] * 5, 2, url=["https://a.com"] * 5, date=dates), tmp_path)
    assert column(dec, "reason") == ["url_duplicate", None] + ["url_duplicate"] * 3
    s = stage.fit_summary()
    assert s["null_dates"] == 4 and s["unparsed_dates"] == 2


@pytest.mark.parametrize(
    ("older", "newer"),
    [
        ("Mon, 02 Jan 2023 03:04:05 GMT", "Tue, 03 Jan 2023 03:04:05 +0000"),
        ("Mon, 02 Jan 2023 03:04:05 +0200", "Mon, 02 Jan 2023 03:04:05 +0100"),
        ("20230102030405", "20230102030406"),
        ("20230102", "2023-01-03"),
        ("2023-01-02T00:00:00Z", "Tue, 03 Jan 2023 00:00:00 GMT"),
    ],
)
def test_rfc2822_and_compact_iso_dates_parse(tmp_path: Path, older: str, newer: str) -> None:
    stage = make("url_dedup_v1", date_column="date")
    dates = [older, newer, "n/a"]  # a bad value in the same batch sends it row by row
    tables = shards(["t"] * 3, 1, url=["https://a.com"] * 3, date=dates)
    assert column(run_global(stage, tables, tmp_path), "reason") == [
        "url_duplicate",
        None,
        "url_duplicate",
    ]
    assert stage.fit_summary()["unparsed_dates"] == 1


def test_all_null_date_column_keeps_first(tmp_path: Path) -> None:
    stage = make("url_dedup_v1", date_column="date")
    tables = [
        pa.table(
            {
                "text": pa.array(["a", "b"], pa.large_string()),
                "url": ["u.com", "u.com"],
                "date": pa.nulls(2),
            }
        ),
        pa.table(
            {
                "text": pa.array(["c"], pa.large_string()),
                "url": ["u.com"],
                "date": pa.array(["2020-01-01"]),
            }
        ),
    ]
    assert column(run_global(stage, tables, tmp_path), "reason") == [
        "url_duplicate",
        "url_duplicate",
        None,
    ]
    assert stage.fit_summary()["null_dates"] == 2


def test_without_date_column_the_summary_says_first_is_kept(tmp_path: Path) -> None:
    stage = make("url_dedup_v1")
    run_global(stage, shards(["t"], 1, url=["https://a.com"]), tmp_path)
    assert "FIRST copy" in stage.fit_summary()["notes"][0]


def test_same_decisions_in_any_shard_order(tmp_path: Path) -> None:
    texts = [f"doc {i}" for i in range(len(URLS))]
    a = run_global(make("url_dedup_v1"), shards(texts, 4, url=URLS), tmp_path / "a")
    b = run_global(
        make("url_dedup_v1"), shards(texts, 4, url=URLS), tmp_path / "b", fit_order=[3, 1, 0, 2]
    )
    assert a.equals(b)
