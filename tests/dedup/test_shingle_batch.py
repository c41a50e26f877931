"""The batch shingle path equals the per-document reference, document for document."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dataprep.dedup import shingle_batch as shingle_batch_module
from dataprep.dedup.minhash import MinHasher
from dataprep.dedup.shingle_batch import ShingleBatch, shingle_batch, sorted_unique_sets
from dataprep.dedup.shingles import shingle_hashes

# Words and whitespace that exercise every branch: ASCII, accents, CJK (char shingles),
# Thai, Korean (spaces), every kind of Unicode whitespace str.split knows, astral planes.
_PIECES = [
    "a", "bb", "word", "Straße", "été", "中", "文字", "公園に", "วัน", "오늘", "😀", "𠀀",
    " ", "  ", "\t", "\n", "\x1c", "\x85", "\xa0", "\u2003", "\u3000", "\u2028", "",
]  # fmt: skip
texts = st.lists(st.sampled_from(_PIECES), max_size=30).map("".join)
docs = st.lists(st.one_of(texts, st.none()), max_size=12)
params = st.tuples(st.integers(1, 6), st.integers(1, 6), st.sampled_from([0.0, 0.3, 0.5, 1.0]))


def _reference(batch: list[str | None], word_n: int, char_n: int, frac: float) -> list[np.ndarray]:
    return [
        np.empty(0, np.uint64)
        if t is None
        else shingle_hashes(t, word_n=word_n, char_n=char_n, char_fraction=frac)
        for t in batch
    ]


def _split(batch: ShingleBatch) -> list[np.ndarray]:
    off = batch.offsets
    return [batch.values[off[i] : off[i + 1]] for i in range(len(off) - 1)]


@settings(max_examples=300, deadline=None)
@given(docs, params)
def test_batch_equals_per_document(batch: list[str | None], p: tuple[int, int, float]) -> None:
    word_n, char_n, frac = p
    got = shingle_batch(batch, word_n=word_n, char_n=char_n, char_fraction=frac)
    ref = _reference(batch, word_n, char_n, frac)
    assert len(got.offsets) == len(batch) + 1
    for g, r in zip(_split(got), ref, strict=True):
        assert g.dtype == np.uint64 and np.array_equal(g, r)
    for g, r in zip(_split(sorted_unique_sets(got)), ref, strict=True):
        assert np.array_equal(g, np.unique(r))
    # collapse_whitespace: as the reference on normalization's collapsed text
    flat = [None if t is None else " ".join(t.split()) for t in batch]
    got = shingle_batch(
        batch, word_n=word_n, char_n=char_n, char_fraction=frac, collapse_whitespace=True
    )
    for g, r in zip(_split(got), _reference(flat, word_n, char_n, frac), strict=True):
        assert np.array_equal(g, r)


@settings(max_examples=100, deadline=None)
@given(docs)
def test_flat_signatures_equal_list_signatures(batch: list[str | None]) -> None:
    hasher = MinHasher(32, 7)
    sh = shingle_batch(batch, word_n=5, char_n=5, char_fraction=0.3)
    ref = hasher.signatures(_reference(batch, 5, 5, 0.3))
    assert np.array_equal(hasher.signatures_flat(sh.values, sh.offsets), ref)


@pytest.mark.parametrize("n", [1, 3, 5])
def test_long_and_mixed_documents(n: int) -> None:
    rng = np.random.default_rng(n)
    vocab = ["w" + str(i) for i in range(50)] + ["中文", "日本語の", "café"]
    batch: list[str | None] = [
        " ".join(vocab[i] for i in rng.integers(0, len(vocab), int(rng.integers(0, 400))))
        for _ in range(40)
    ]
    batch += ["我们今天去公园散步。天气很好。" * 20, None, ""]
    got = _split(shingle_batch(batch, word_n=n, char_n=n, char_fraction=0.3))
    for g, r in zip(got, _reference(batch, n, n, 0.3), strict=True):
        assert np.array_equal(g, r)


def test_slices_of_a_long_batch_give_the_same_result(monkeypatch: pytest.MonkeyPatch) -> None:
    import dataprep.dedup.shingle_batch as sb

    batch: list[str | None] = [f"doc {i} " + "x y z 中文字 w " * (i % 7) for i in range(30)]
    batch[3] = None
    whole = shingle_batch(batch, word_n=3, char_n=3, char_fraction=0.3, collapse_whitespace=True)
    monkeypatch.setattr(sb, "MAX_SLICE_CHARS", 40)
    sliced = shingle_batch(batch, word_n=3, char_n=3, char_fraction=0.3, collapse_whitespace=True)
    assert np.array_equal(whole.offsets, sliced.offsets)
    assert np.array_equal(whole.values, sliced.values)


def test_every_whitespace_code_point_lies_below_the_scan_end() -> None:
    """The whitespace tables scan only up to SPACE_SCAN_END: nothing above it is a space."""
    above = [c for c in range(shingle_batch_module.SPACE_SCAN_END, 0x110000) if chr(c).isspace()]
    assert above == []
