"""The batch predictor gives fastText's own predictions (reference: the ``fasttext``
module reading one line at a time), on fixtures, on tokenizer edge cases from
fastText's ``Dictionary::readWord``/``getLine`` and on generated text."""

from __future__ import annotations

import gzip
import json
import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dataprep.langid import backend
from dataprep.langid.fasttext_batch import (
    FastTextBatchPredictor,
    fnv1a_signed,
    load_batch_predictor,
    top_k_stable,
)
from dataprep.langid.fasttext_file import UnsupportedModel, read_fasttext_file

DATA = Path(__file__).parents[1] / "data"
LANGID_FIXTURE = DATA / "langid" / "fixture.jsonl"
QUALITY_MODEL = DATA / "classify" / "quality-tiny.ftz"  # softmax, word bigrams, quantized
SCORE_TOLERANCE = 2e-5  # float sums in another order; fastText's own sums are float32


def lid_model() -> Path:
    return backend.default_model_path()


def fixture_texts() -> list[str]:
    with LANGID_FIXTURE.open(encoding="utf-8") as f:
        return [json.loads(line)["text"] for line in f]


def reference(model_path: Path, texts: Sequence[str], k: int, max_chars: int | None) -> list[Any]:
    model = backend.load_model(model_path)
    return [backend.predict_line(model, backend.prepare_line(t, max_chars), k) for t in texts]


def assert_same_predictions(
    model_path: Path, texts: Sequence[str], k: int = 1, max_chars: int | None = None
) -> None:
    pred = FastTextBatchPredictor(read_fasttext_file(model_path))
    got = pred.predict(pa.array(texts, pa.string()), k=k, max_chars=max_chars)
    everything = reference(model_path, texts, len(pred.labels), max_chars)
    for i, ref in enumerate(everything):
        text = texts[i]
        if not ref:
            assert got.labels[i, 0] == -1, text
            continue
        ref_prob = {label: p for p, label in ref}
        for rank in range(min(k, len(ref))):
            p_ref = ref[rank][0]
            label, p_ours = pred.labels[got.labels[i, rank]], float(got.scores[i, rank])
            assert p_ours == pytest.approx(p_ref, abs=SCORE_TOLERANCE), (text, rank, ref[:k])
            # the same label, or one fastText scores the same (a tie ordered differently)
            p_label = ref_prob.get(label, 0.0)
            assert p_label == pytest.approx(p_ref, abs=SCORE_TOLERANCE), (text, rank)


# -- the hash --------------------------------------------------------------------------
def fnv1a_reference(data: bytes) -> int:
    """fastText's Dictionary::hash as written in dictionary.cc (signed bytes)."""
    h = 2166136261
    for b in data:
        h ^= (b - 256 if b >= 128 else b) & 0xFFFFFFFF
        h = (h * 16777619) & 0xFFFFFFFF
    return h


@given(st.lists(st.binary(max_size=20), min_size=1, max_size=30))
def test_fnv1a_matches_the_definition_including_high_bytes(chunks: list[bytes]) -> None:
    data = b"".join(chunks)
    ends = np.cumsum([len(c) for c in chunks])
    got = fnv1a_signed(np.frombuffer(data, np.uint8), ends - [len(c) for c in chunks], ends)
    assert got.tolist() == [fnv1a_reference(c) for c in chunks]


# -- the file reader ---------------------------------------------------------------------
def test_reads_lid176_ftz() -> None:
    m = read_fasttext_file(lid_model())
    assert (m.dim, m.minn, m.maxn, m.word_ngrams, m.bucket) == (16, 2, 4, 1, 2_000_000)
    assert len(m.labels) == 176 and m.labels[0] == "__label__en"
    assert m.words[0] == b"</s>"
    assert m.input_rows.shape == (len(m.words) + m.pruneidx_size, 16)
    assert np.all(np.diff(m.prune_keys) > 0)


@pytest.mark.parametrize("cut", [0, 4, 100, 5000, -100])
def test_truncated_file_is_a_value_error(tmp_path: Path, cut: int) -> None:
    raw = lid_model().read_bytes()
    bad = tmp_path / "bad.ftz"
    bad.write_bytes(raw[:cut])
    with pytest.raises(ValueError):
        read_fasttext_file(bad)
    assert load_batch_predictor(bad) is None  # the stage then lets fastText report it


def test_other_file_version_is_left_to_fasttext(tmp_path: Path) -> None:
    raw = bytearray(lid_model().read_bytes())
    raw[4:8] = (11).to_bytes(4, "little")
    old = tmp_path / "old.ftz"
    old.write_bytes(bytes(raw))
    with pytest.raises(UnsupportedModel):
        read_fasttext_file(old)


# -- agreement with fastText -------------------------------------------------------------
@pytest.mark.parametrize("max_chars", [None, 1000, 40])
def test_lid176_agrees_with_fasttext_on_the_fixture(max_chars: int | None) -> None:
    assert_same_predictions(lid_model(), fixture_texts(), k=3, max_chars=max_chars)


def test_lid176_agrees_on_the_sample_corpus() -> None:
    import pyarrow.parquet as pq

    sample = Path(__file__).parents[2] / "dataprep" / "sample_data"
    texts = []
    for path in sorted(sample.rglob("*.parquet")):
        texts += [t for t in pq.read_table(path, columns=["text"]).column("text").to_pylist() if t]
    assert len(texts) > 100
    assert_same_predictions(lid_model(), texts, k=2)


EDGE_CASES = {
    "empty": "",
    "only separators": " \t\r\x0b\x0c\x00 ",
    "leading and trailing": "   hello world   ",
    "every separator": "un\tdeux\rtrois\x0bquatre\x0ccinq\x00six sept\nhuit",
    "nbsp and file separator are not separators": "wort\xa0wort\x1cwort und so weiter",
    "literal end of sentence ends the line": "the cat sat </s> der Hund bellte laut",
    "end of sentence first": "</s> der Hund bellte laut und lange",
    "end of sentence glued is a plain token": "cat</s> dog",
    "labels contribute nothing": "__label__de __label__xx the cat sat on the mat",
    "only a label": "__label__en",
    "one character": "a",
    "multi-byte and astral": "日本語のテキスト 😀😀 ёлка café naïve e\u0301",
    "very long token": "x" * 5000 + " y",
    "newlines as spaces": "line one\nline two\n\nline three",
}


@pytest.mark.parametrize("text", EDGE_CASES.values(), ids=EDGE_CASES.keys())
def test_tokenizer_edge_cases_agree(text: str) -> None:
    assert_same_predictions(lid_model(), [text], k=3)
    assert_same_predictions(QUALITY_MODEL, [text], k=2)


ALPHABET = [
    *"abcdefghijklmnopqrstuvwxyz ABC.,!?0123",
    " ",
    "\n",
    "\t",
    "\r",
    "\x0b",
    "\x0c",
    "\x00",
    "\xa0",
    "\x1c",
    "é",
    "ß",
    "中",
    "文",
    "😀",
    "\u0301",
    "ж",
    "ب",
    "ท",
]
WORDS = ["</s>", "__label__en", "the", "der", "und", "de", "la", "</s>x", "__label__"]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(ALPHABET), st.sampled_from(WORDS)), max_size=80))
def test_generated_text_agrees(pieces: list[str]) -> None:
    text = "".join(pieces)
    assert_same_predictions(lid_model(), [text], k=2)
    assert_same_predictions(QUALITY_MODEL, [text], k=2)


def test_a_batch_equals_its_documents_one_by_one() -> None:
    rng = random.Random(0)
    texts = fixture_texts()
    edge = list(EDGE_CASES.values())
    texts = [rng.choice(edge) if i % 5 == 0 else t for i, t in enumerate(texts)]
    pred = load_batch_predictor(lid_model())
    assert pred is not None
    whole = pred.predict(pa.array(texts), k=2)
    for i, text in enumerate(texts):
        one = pred.predict(pa.array([text]), k=2)
        assert one.labels[0].tolist() == whole.labels[i].tolist()
        assert one.scores[0] == pytest.approx(whole.scores[i], abs=1e-6)


def test_quality_model_agrees_on_its_corpus() -> None:
    corpus = DATA / "classify" / "corpus"
    texts = []
    for path in sorted(corpus.glob("*.jsonl.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as f:
            texts += [json.loads(line)["text"] for line in f]
    assert len(texts) > 50
    assert_same_predictions(QUALITY_MODEL, texts, k=2)


# -- other model kinds (trained here with dataprep's fastText build) ---------------------
@pytest.fixture(scope="module")
def train_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    rows = []
    with LANGID_FIXTURE.open(encoding="utf-8") as f:
        for line in f:
            doc = json.loads(line)
            rows.append(f"__label__{doc['lang']} {doc['text']}")
    path = tmp_path_factory.mktemp("ft") / "train.txt"
    path.write_text("\n".join(rows * 3) + "\n", encoding="utf-8")
    return path


VARIANTS = {
    "softmax subwords dense": dict(loss="softmax", minn=2, maxn=4),
    "hs word trigrams dense": dict(loss="hs", wordNgrams=3, minn=0, maxn=0),
    "ova subwords bigrams": dict(loss="ova", wordNgrams=2, minn=3, maxn=5),
    "ns subwords": dict(loss="ns", minn=1, maxn=3),
}


@pytest.mark.parametrize("options", VARIANTS.values(), ids=VARIANTS.keys())
@pytest.mark.parametrize("quantize", [None, "plain", "cutoff+qnorm"])
def test_trained_models_agree(
    train_file: Path, tmp_path: Path, options: dict[str, Any], quantize: str | None
) -> None:
    import fasttext

    model = fasttext.train_supervised(
        str(train_file), dim=8, epoch=3, bucket=50_000, thread=1, seed=1, verbose=0, **options
    )
    if quantize == "plain":
        model.quantize(dsub=2, retrain=False)
    elif quantize:
        model.quantize(input=str(train_file), cutoff=500, qnorm=True, dsub=2, retrain=True)
    path = tmp_path / ("m.ftz" if quantize else "m.bin")
    model.save_model(str(path))
    if quantize and "cutoff" in quantize:
        assert read_fasttext_file(path).pruneidx_size > 0  # the pruning table is exercised
    backend.clear_model_cache()
    texts = fixture_texts()[::3] + list(EDGE_CASES.values())
    assert_same_predictions(path, texts, k=3)


@pytest.mark.parametrize("capacity", [1, 50, 400])
def test_token_cache_gives_the_same_result_when_small_or_overflowing(capacity: int) -> None:
    """Cached token sums are bit-identical to fresh ones, also when the cache fills up
    (starts over) or is smaller than a batch's distinct tokens (not used)."""
    texts = fixture_texts()
    fresh = FastTextBatchPredictor(read_fasttext_file(lid_model()))
    small = FastTextBatchPredictor(read_fasttext_file(lid_model()))
    small._cache_sums = np.zeros((capacity, 16), np.float32)
    small._cache_counts = np.zeros(capacity, np.int64)
    for start in range(0, len(texts), 7):
        chunk = pa.array(texts[start : start + 7] + texts[:3])
        a = fresh.predict(chunk, k=3)
        b = small.predict(chunk, k=3)
        assert np.array_equal(a.labels, b.labels) and np.array_equal(a.scores, b.scores)
        assert small._cache_used <= capacity
    again = fresh.predict(pa.array(texts), k=3)  # now all from the cache
    cold = FastTextBatchPredictor(read_fasttext_file(lid_model())).predict(pa.array(texts), k=3)
    assert np.array_equal(again.scores, cold.scores) and np.array_equal(again.labels, cold.labels)


def test_the_batch_path_is_used_only_where_it_pays() -> None:
    """It shares character n-gram work between repeated words: lid.176 (n-grams of 2-4
    characters) gains 3-8x; a word-bigram model without subwords is faster in fastText."""
    lid = load_batch_predictor(lid_model())
    assert lid is not None and lid.worthwhile
    assert not FastTextBatchPredictor(read_fasttext_file(QUALITY_MODEL)).worthwhile
    assert load_batch_predictor(QUALITY_MODEL) is None  # decided from the header alone


@settings(max_examples=200, deadline=None)
@given(
    rows=st.lists(st.lists(st.integers(0, 3), min_size=6, max_size=6), max_size=8),
    k=st.integers(1, 7),
)
def test_top_k_equals_the_stable_sort(rows: list[list[int]], k: int) -> None:
    """Few distinct values, so ties at the k-th place are common: lower index first."""
    probs = np.array(rows, dtype=np.float32).reshape(len(rows), 6)
    expected = np.argsort(-probs, axis=1, kind="stable")[:, :k]
    assert top_k_stable(probs, k).tolist() == expected.tolist()
