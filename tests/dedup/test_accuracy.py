"""Pair recall and precision of minhash_dedup_v1 against brute-force exact Jaccard."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from corpus_gen import make_corpus, true_pairs
from dedup_harness import make_stage, run_stage, shard_tables

from dataprep.dedup.keep import CLUSTER_COL


def _measure(families: int, seed: int, tmp_path: Path) -> dict[str, float]:
    corpus = make_corpus(families=families, seed=seed)
    truth = true_pairs(corpus.texts)
    stage = make_stage("minhash_dedup_v1", threshold=0.8)
    decisions = run_stage(stage, shard_tables(corpus.texts, 4), tmp_path)
    cluster = np.array(decisions.column(CLUSTER_COL).to_pylist())
    removed = np.array([r is not None for r in decisions.column("reason").to_pylist()])
    high = [(a, b) for (a, b), j in truth.items() if j >= 0.85]
    caught = sum(cluster[a] == cluster[b] for a, b in high)
    has_dup_07 = np.zeros(len(corpus.texts), dtype=bool)
    for (a, b), j in truth.items():
        if j >= 0.7:
            has_dup_07[a] = has_dup_07[b] = True
    false_pos = int((removed & ~has_dup_07).sum())
    return {
        "pairs": len(high),
        "recall": caught / max(len(high), 1),
        "removed": int(removed.sum()),
        "precision": 1 - false_pos / max(int(removed.sum()), 1),
    }


def test_recall_and_precision_at_threshold_08(tmp_path: Path) -> None:
    m = _measure(families=500, seed=11, tmp_path=tmp_path)
    assert m["pairs"] > 200, m  # enough high-similarity pairs to measure
    assert m["recall"] >= 0.95, m
    assert m["precision"] >= 0.95, m


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_recall_and_precision_larger_corpora(tmp_path: Path, seed: int) -> None:
    m = _measure(families=3000, seed=seed, tmp_path=tmp_path)
    assert m["recall"] >= 0.95, m
    assert m["precision"] >= 0.95, m
