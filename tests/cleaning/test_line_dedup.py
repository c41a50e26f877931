"""``line_dedup_v1`` + ``line_dedup_apply_v1``: counts per bucket, blank lines, emptied
documents, the apply stage's rewrite and its safety check; a hypothesis invariant."""

from __future__ import annotations

import tempfile
from collections import Counter
from pathlib import Path

import pytest
from cleaning_helpers import batch, column, make, run_global, shards
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dataprep.cleaning.lines import line_hashes, remove_lines

BOILER = "Subscribe to our newsletter"


def word(i: int) -> str:
    """A distinct word per number (digits are normalized away before hashing)."""
    return "".join(chr(97 + int(c)) for c in str(i))


def docs_with_boiler(n: int) -> list[str]:
    return [f"Unique story {word(i)}.\n{BOILER}\nMore text {word(i)}." for i in range(n)]


@pytest.mark.parametrize(
    ("copies", "max_occ", "dropped"),
    [(6, 6, False), (7, 6, True), (2, 1, True), (1, 1, False)],
)
def test_more_than_n_occurrences_are_dropped(
    tmp_path: Path, copies: int, max_occ: int, dropped: bool
) -> None:
    stage = make("line_dedup_v1", max_occurrences=max_occ)
    dec = run_global(stage, shards(docs_with_boiler(copies), 3), tmp_path)
    expect = [[1] if dropped else []] * copies
    assert column(dec, "line_dedup_v1__drop_lines") == expect
    assert column(dec, "line_dedup_v1__lines_dropped") == [1 if dropped else 0] * copies
    assert column(dec, "line_dedup_v1__n_lines") == [3] * copies
    assert column(dec, "reason") == [None] * copies


def test_normalization_case_digits_whitespace(tmp_path: Path) -> None:
    texts = ["Call 555 today\nxa", "CALL  999 TODAY \nxb", "call 123 today\nxc"]
    dec = run_global(make("line_dedup_v1", max_occurrences=2), shards(texts, 1), tmp_path)
    assert column(dec, "line_dedup_v1__drop_lines") == [[0], [0], [0]]


def test_buckets_count_separately(tmp_path: Path) -> None:
    # 8 documents, buckets of 4: the line occurs 3 times in bucket 0 and 1 time in bucket 1
    texts = ["a\nrepeated line", "b\nrepeated line", "c\nrepeated line", "d", "e\nrepeated line"]
    texts += ["f", "g", "h"]
    dec = run_global(
        make("line_dedup_v1", max_occurrences=2, bucket_docs=4), shards(texts, 2), tmp_path
    )
    assert column(dec, "line_dedup_v1__lines_dropped") == [1, 1, 1, 0, 0, 0, 0, 0]


def test_count_documents_not_occurrences(tmp_path: Path) -> None:
    texts = ["x\nx\nx", "x", "y"]
    docs = run_global(make("line_dedup_v1", max_occurrences=2), shards(texts, 1), tmp_path / "a")
    lines = run_global(
        make("line_dedup_v1", max_occurrences=2, count="lines"),
        shards(texts, 1),
        tmp_path / "b",
    )
    assert column(lines, "line_dedup_v1__drop_lines") == [[0, 1, 2], [0], []]
    assert column(docs, "line_dedup_v1__drop_lines") == [[], [], []]


@pytest.mark.parametrize(
    "text",
    [
        "\n".join(
            f"| {10 + i} | {20 + 3 * i} | {30 + 7 * i} |" for i in range(10)
        ),  # "| 00 | 00 | 00 |"
        "Verse one here\nLa la la, sing along\nVerse two here\nLa la la, sing along\n" * 4,
        "\n".join(f"    return self.value_{i}" for i in range(12)),
    ],
    ids=["numeric table", "chorus", "code bodies"],
)
def test_lines_repeated_inside_one_document_survive_by_default(tmp_path: Path, text: str) -> None:
    dec = run_global(make("line_dedup_v1"), shards([text, "other"], 1), tmp_path)
    assert column(dec, "line_dedup_v1__lines_dropped") == [0, 0]


def test_per_lang_counts_each_language_separately(tmp_path: Path) -> None:
    texts = ["shared line\nen a", "shared line\nen b", "shared line\nfr c", "shared line\nfr d"]
    langs = ["en", "en", "fr", "fr"]
    corpus = run_global(
        make("line_dedup_v1", max_occurrences=2), shards(texts, 2, lang=langs), tmp_path / "a"
    )
    per_lang = make("line_dedup_v1", max_occurrences=2, per="lang")
    dec = run_global(per_lang, shards(texts, 2, lang=langs), tmp_path / "b")
    assert column(corpus, "line_dedup_v1__lines_dropped") == [1, 1, 1, 1]
    assert column(dec, "line_dedup_v1__lines_dropped") == [0, 0, 0, 0]
    assert per_lang.fit_summary()["buckets"] == 2


def test_per_lang_buckets_run_over_the_documents_of_one_language(tmp_path: Path) -> None:
    # buckets of 2 documents per language: the en copies are en documents 0, 1 and 2
    texts = ["boiler\na", "x", "boiler\nb", "y", "boiler\nc"]
    langs = ["en", "fr", "en", "fr", "en"]
    stage = make("line_dedup_v1", max_occurrences=1, bucket_docs=2, per="lang")
    dec = run_global(stage, shards(texts, 1, lang=langs), tmp_path)
    assert column(dec, "line_dedup_v1__lines_dropped") == [1, 0, 1, 0, 0]


def test_per_lang_without_a_lang_column_says_so(tmp_path: Path) -> None:
    stage = make("line_dedup_v1", per="lang")
    run_global(stage, shards(["a", "b"], 1), tmp_path)
    assert "language ID" in stage.fit_summary()["notes"][0]


def test_blank_lines_never_count(tmp_path: Path) -> None:
    texts = [f"text {word(i)}\n\n   \n" for i in range(10)]
    dec = run_global(make("line_dedup_v1", max_occurrences=1), shards(texts, 2), tmp_path)
    assert column(dec, "line_dedup_v1__lines_dropped") == [0] * 10


def test_emptied_and_too_short_documents_are_removed(tmp_path: Path) -> None:
    texts = [BOILER] * 3 + [f"{BOILER}\nok"] + [f"{BOILER}\n" + "long enough text " * 5]
    stage = make("line_dedup_v1", max_occurrences=2, min_chars_after=20)
    dec = run_global(stage, shards(texts, 2), tmp_path)
    assert column(dec, "reason") == ["line_dedup_empty"] * 4 + [None]
    s = stage.fit_summary()
    assert (s["docs_emptied"], s["docs_too_short"], s["lines_dropped"]) == (3, 1, 5)
    assert s["documents"] == 5 and s["distinct_lines"] == 3 and s["most_repeated_line_count"] == 5


def test_apply_rewrites_and_reports(tmp_path: Path) -> None:
    texts = docs_with_boiler(8)
    dec = run_global(make("line_dedup_v1"), shards(texts, 2), tmp_path)
    apply = make("line_dedup_apply_v1")
    cols = {c: column(dec, c) for c in dec.column_names if c.startswith("line_dedup_v1__")}
    out = apply.process(batch(texts, **cols))
    assert column(out.batch, "text")[0] == "Unique story a.\nMore text a."
    assert column(out.batch, "line_dedup_apply_v1__lines_removed") == [1] * 8
    assert column(out.batch, "line_dedup_apply_v1__chars_removed") == [len(BOILER) + 1] * 8
    assert "line_dedup_v1__drop_lines" not in out.batch.schema.names
    assert out.reason.null_count == 8


def test_apply_refuses_text_changed_in_between() -> None:
    apply = make("line_dedup_apply_v1")
    b = batch(["one line only"], line_dedup_v1__drop_lines=[[1]], line_dedup_v1__n_lines=[3])
    with pytest.raises(RuntimeError, match="right after it"):
        apply.process(b)


def test_remove_lines_keeps_the_rest_exactly() -> None:
    assert remove_lines("a\nb\nc\n", [1]) == "a\nc\n"
    assert remove_lines("a\r\nb\r\n", [0]) == "b\r\n"
    assert line_hashes("a\n\nb")[1] == [2, 1, 1]


_line = st.sampled_from(["alpha", "beta", "gamma", "delta", "", "  ", "ALPHA"])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    docs=st.lists(st.lists(_line, min_size=1, max_size=5), min_size=1, max_size=14),
    max_occ=st.integers(1, 4),
    bucket=st.integers(1, 6),
    n_shards=st.integers(1, 3),
)
def test_never_drops_a_line_seen_at_most_n_times_in_its_bucket(
    docs: list[list[str]], max_occ: int, bucket: int, n_shards: int
) -> None:
    texts = ["\n".join(d) for d in docs]
    stage = make("line_dedup_v1", max_occurrences=max_occ, bucket_docs=bucket, count="lines")
    with tempfile.TemporaryDirectory() as tmp:
        dec = run_global(stage, shards(texts, min(n_shards, len(texts))), Path(tmp))
    drops = column(dec, "line_dedup_v1__drop_lines")
    counts: Counter[tuple[int, str]] = Counter()
    for i, d in enumerate(docs):
        for line in d:
            if line.strip():
                counts[(i // bucket, line.casefold().strip())] += 1
    for i, d in enumerate(docs):
        for j, line in enumerate(d):
            key = (i // bucket, line.casefold().strip())
            expected = bool(line.strip()) and counts[key] > max_occ
            assert (j in drops[i]) == expected, (i, j, line)
