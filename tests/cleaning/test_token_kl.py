"""``token_kl_v1``: the KL formula, zero for the corpus distribution, outliers dropped."""

from __future__ import annotations

import math
import random
import tempfile
from pathlib import Path

import numpy as np
import pytest
from cleaning_helpers import column, make, run_global, shards
from hypothesis import given, settings
from hypothesis import strategies as st

from dataprep.cleaning.kl import CorpusDistribution, SparseCounts
from dataprep.cleaning.kl_outliers import inject
from dataprep.errors import ConfigError


def dense_kl(doc: np.ndarray, corpus: np.ndarray, alpha: float) -> float:
    """The documented formula, summed over every bucket."""
    b = len(corpus)
    lam = alpha * b / (corpus.sum() + alpha * b)
    p = (1 - lam) * doc / doc.sum() + lam / b
    q = (1 - lam) * corpus / corpus.sum() + lam / b
    mask = p > 0
    return float(np.sum(p[mask] * np.log(p[mask] / q[mask])))


def sparse_kl(docs: list[np.ndarray], alpha: float) -> np.ndarray:
    b = len(docs[0])
    counts = SparseCounts()
    counts.add(np.arange(b, dtype=np.int64), np.sum(docs, axis=0).astype(np.float64))
    dist = CorpusDistribution(counts, b, 1, alpha)
    rows = [(i, k, c) for i, d in enumerate(docs) for k, c in enumerate(d) if c > 0]
    doc, keys, cnt = (np.array(x) for x in zip(*rows, strict=True))
    return dist.kl(doc, keys.astype(np.int64), cnt.astype(np.float64), np.zeros(len(docs), int))


_counts = st.lists(st.integers(0, 9), min_size=6, max_size=6).filter(lambda c: sum(c) > 0)


@settings(max_examples=60, deadline=None)
@given(docs=st.lists(_counts, min_size=1, max_size=5), alpha=st.sampled_from([0.0, 0.01, 1.0]))
def test_sparse_formula_matches_the_dense_one(docs: list[list[int]], alpha: float) -> None:
    arrays = [np.array(d, dtype=np.float64) for d in docs]
    corpus = np.sum(arrays, axis=0)
    got = sparse_kl(arrays, alpha)
    for d, kl in zip(arrays, got, strict=True):
        assert kl == pytest.approx(max(dense_kl(d, corpus, alpha), 0.0), abs=1e-9)


@settings(max_examples=60, deadline=None)
@given(base=_counts, scale=st.integers(1, 4), alpha=st.sampled_from([0.0, 1e-3, 1.0]))
def test_kl_is_zero_for_a_document_with_the_corpus_distribution(
    base: list[int], scale: int, alpha: float
) -> None:
    # the corpus is made of documents proportional to `base`, so each has its distribution
    docs = [np.array(base, dtype=np.float64) * k for k in (1, scale)]
    assert sparse_kl(docs, alpha) == pytest.approx([0.0, 0.0], abs=1e-9)


def test_kl_zero_through_the_stage(tmp_path: Path) -> None:
    text = "the cat sat on the mat and the dog"
    dec = run_global(make("token_kl_v1"), shards([text] * 4 + [text + " " + text], 2), tmp_path)
    assert column(dec, "token_kl_v1__kl") == pytest.approx([0.0] * 5, abs=1e-9)
    assert column(dec, "token_kl_v1__tokens") == [9] * 4 + [18]


def corpus_with_outlier() -> list[str]:
    common = "the quick brown fox jumps over the lazy dog near the river bank"
    texts = [common] * 19 + ["zxq vlorp gnarf 0xdeadbeef qqq zzz kkk"]
    return [*texts[:7], texts[-1], *texts[7:19]]


@pytest.mark.parametrize(
    "options", [{"drop_top_fraction": 0.05}, {"drop_top_fraction": None, "max_kl": 1.0}]
)
def test_outlier_is_dropped(tmp_path: Path, options: dict) -> None:
    stage = make("token_kl_v1", num_buckets=4096, **options)
    dec = run_global(stage, shards(corpus_with_outlier(), 3), tmp_path)
    assert column(dec, "reason") == [None] * 7 + ["token_kl"] + [None] * 12
    s = stage.fit_summary()
    assert s["documents"] == 20 and s["documents_removed"] == 1
    assert {"kl_median", "kl_max", "thresholds", "corpus_tokens", "smoothing_weight"} <= set(s)


def test_ties_with_the_kth_are_all_dropped(tmp_path: Path) -> None:
    texts = ["a b c"] * 18 + ["x y z"] * 2
    dec = run_global(make("token_kl_v1", drop_top_fraction=0.05), shards(texts, 2), tmp_path)
    assert column(dec, "reason").count("token_kl") == 2


def test_per_language_distributions(tmp_path: Path) -> None:
    texts = ["the cat and the dog"] * 10 + ["le chat et le chien"] * 2
    langs = ["en"] * 10 + ["fr"] * 2
    per_lang = run_global(make("token_kl_v1"), shards(texts, 2, lang=langs), tmp_path / "a")
    assert column(per_lang, "token_kl_v1__kl") == pytest.approx([0.0] * 12, abs=1e-9)
    pooled = run_global(
        make("token_kl_v1", per_language=False, num_buckets=4096),
        shards(texts, 2, lang=langs),
        tmp_path / "b",
    )
    assert min(column(pooled, "token_kl_v1__kl")[10:]) > 1.0


def test_documents_without_tokens_get_null_and_stay(tmp_path: Path) -> None:
    dec = run_global(make("token_kl_v1", max_kl=0.0), shards(["...", "a b", "c d"], 1), tmp_path)
    kl = column(dec, "token_kl_v1__kl")
    assert kl[0] is None and column(dec, "reason")[0] is None
    assert all(not math.isnan(v) for v in kl[1:])


def test_deterministic_across_batching_and_shard_order() -> None:
    texts = corpus_with_outlier()
    with tempfile.TemporaryDirectory() as tmp:
        a = run_global(make("token_kl_v1"), shards(texts, 4), Path(tmp) / "a", batch_rows=2)
        b = run_global(
            make("token_kl_v1"),
            shards(texts, 4),
            Path(tmp) / "b",
            batch_rows=7,
            fit_order=[2, 0, 3, 1],
        )
    assert a.equals(b)


def _prose_corpus(rng: random.Random, n: int) -> list[str]:
    """Documents of 20-400 words drawn from one Zipf-like vocabulary (length varies a lot)."""
    vocab = [f"w{i}" for i in range(3000)]
    weights = [1 / (i + 1) for i in range(len(vocab))]
    return [" ".join(rng.choices(vocab, weights, k=rng.randint(20, 400))) for _ in range(n)]


def test_short_normal_documents_are_not_dropped_for_being_short(tmp_path: Path) -> None:
    """KL falls with length; the old 1% quota took the shortest pages. The score compares
    each page with pages of similar length, so a clean corpus loses (almost) nothing."""
    rng = random.Random(1)
    texts = _prose_corpus(rng, 300)
    stage = make("token_kl_v1", num_buckets=1 << 16)
    dec = run_global(stage, shards(texts, 3), tmp_path / "new", batch_rows=100)
    assert column(dec, "reason").count("token_kl") <= 3
    quota = make("token_kl_v1", num_buckets=1 << 16, drop_top_fraction=0.01, max_score=None)
    old = run_global(quota, shards(texts, 3), tmp_path / "old", batch_rows=100)
    dropped = [len(t.split()) for t, r in zip(texts, column(old, "reason"), strict=True) if r]
    assert max(dropped) < 60  # the quota only ever took short pages


@pytest.mark.parametrize(
    "kind", ["base64", "hex_dump", "random_tokens", "keyword_spam", "data_uri"]
)
def test_injected_outliers_are_dropped_by_the_score(tmp_path: Path, kind: str) -> None:
    rng = random.Random(2)
    texts = _prose_corpus(rng, 200)
    texts[17] = inject(texts[17], kind, rng)
    stage = make("token_kl_v1", num_buckets=1 << 16)
    dec = run_global(stage, shards(texts, 2), tmp_path, batch_rows=64)
    reasons = column(dec, "reason")
    assert reasons[17] == "token_kl"
    assert reasons.count("token_kl") <= 3
    assert stage.fit_summary()["documents_above_max_score"] >= 1


def test_a_small_language_is_judged_too(tmp_path: Path) -> None:
    """The quota never cut a language under 100 documents (floor(0.01 * n) = 0)."""
    rng = random.Random(3)
    texts = _prose_corpus(rng, 40)
    texts[5] = inject(texts[5], "random_tokens", rng)
    langs = ["es"] * 40
    stage = make("token_kl_v1", num_buckets=1 << 16)
    dec = run_global(stage, shards(texts, 2, lang=langs), tmp_path)
    assert column(dec, "reason")[5] == "token_kl"
    score = column(dec, "token_kl_v1__score")
    assert all(s is not None for s in score)


def test_long_words_count_as_subword_sized_pieces(tmp_path: Path) -> None:
    """A 100-character run (a base64 line) weighs as the ~25 tokens a subword tokenizer
    would make of it, not as one word; words up to max_token_chars stay whole."""
    texts = ["short words here " + "a1B2" * 25, "Kreislaufprobleme und Donaudampfschiff"]
    dec = run_global(make("token_kl_v1"), shards(texts, 1), tmp_path / "a")
    assert column(dec, "token_kl_v1__tokens") == [3 + 25, 3]
    whole = run_global(make("token_kl_v1", max_token_chars=None), shards(texts, 1), tmp_path / "b")
    assert column(whole, "token_kl_v1__tokens") == [4, 3]


def test_config_errors() -> None:
    with pytest.raises(ConfigError, match="drop_top_fraction"):
        make("token_kl_v1", drop_top_fraction=1.5)
    with pytest.raises(ConfigError, match="alpha"):
        make("token_kl_v1", alpha=-1.0)


def test_hf_tokenizer_is_optional(tmp_path: Path) -> None:
    pytest.importorskip("tokenizers")
    from tokenizers import Tokenizer, models, pre_tokenizers

    tok = Tokenizer(models.WordLevel({"a": 0, "b": 1, "[UNK]": 2}, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    path = tmp_path / "tokenizer.json"
    tok.save(str(path))
    stage = make("token_kl_v1", tokenizer_file=str(path))
    dec = run_global(stage, shards(["a b"] * 3, 1), tmp_path)
    assert column(dec, "token_kl_v1__tokens") == [2, 2, 2]
