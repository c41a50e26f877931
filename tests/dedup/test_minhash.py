"""MinHash signatures: bit-identical to datasketch affine32, batch-independent, unbiased."""

from __future__ import annotations

import numpy as np
import pytest

from dataprep.dedup.minhash import EMPTY, MinHasher, estimate_jaccard, fold32, permutations
from dataprep.dedup.shingles import shingle_hashes


def _sh(text: str) -> np.ndarray:
    return shingle_hashes(text, word_n=5, char_n=5, char_fraction=0.3)


@pytest.mark.parametrize("seed", [0, 1, 42])
def test_identical_to_datasketch_affine32(seed: int) -> None:
    from datasketch import MinHash  # heavy (scipy): only here

    rng = np.random.default_rng(seed)
    docs = [" ".join(f"w{i}" for i in rng.integers(0, 300, rng.integers(1, 80))) for _ in range(20)]
    sigs = MinHasher(128, seed).signatures([_sh(d) for d in docs])
    for doc, sig in zip(docs, sigs, strict=True):
        ref = MinHash(num_perm=128, seed=seed, scheme="affine32", hashfunc=lambda x: x)
        ref.update_batch([int(x) for x in fold32(_sh(doc))])
        assert np.array_equal(ref.hashvalues, sig)


def test_permutations_match_datasketch_draws() -> None:
    from datasketch import MinHash

    a, b = permutations(64, 7)
    ref = MinHash(num_perm=64, seed=7, scheme="affine32")
    assert np.array_equal(ref.permutations[0], a) and np.array_equal(ref.permutations[1], b)


def test_signature_does_not_depend_on_batch_companions() -> None:
    hasher = MinHasher(64, 3)
    docs = [_sh(f"doc {i} " + "x y z w v u " * i) for i in range(10)]
    together = hasher.signatures(docs)
    alone = np.vstack([hasher.signatures([d]) for d in docs])
    assert np.array_equal(together, alone)


def test_empty_documents_get_sentinel_rows() -> None:
    sigs = MinHasher(16, 0).signatures([np.empty(0, np.uint64), _sh("a b c d e f")])
    assert (sigs[0] == EMPTY).all() and not (sigs[1] == EMPTY).all()


def test_estimate_is_close_to_true_jaccard() -> None:
    rng = np.random.default_rng(5)
    base = rng.integers(0, 2**63, 2000, dtype=np.uint64)
    other = base.copy()
    other[:600] = rng.integers(0, 2**63, 600, dtype=np.uint64)
    true = 1400 / 2600
    sigs = MinHasher(512, 1).signatures([base, other])
    assert abs(float(estimate_jaccard(sigs[0], sigs[1])) - true) < 0.07
