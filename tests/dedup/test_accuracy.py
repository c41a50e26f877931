"""Accuracy of minhash_dedup_v1 against brute-force exact Jaccard: pair recall and precision,
and the removed set against greedy center clustering over every true pair >= 0.8."""

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
    # a duplicate pair is caught unless both documents are kept (same cluster is not
    # required: a chain may be split between two kept centers, each pair still handled)
    caught = sum(bool(removed[a] or removed[b]) for a, b in high)
    same = sum(cluster[a] == cluster[b] for a, b in high)
    has_dup_07 = np.zeros(len(corpus.texts), dtype=bool)
    for (a, b), j in truth.items():
        if j >= 0.7:
            has_dup_07[a] = has_dup_07[b] = True
    false_pos = int((removed & ~has_dup_07).sum())
    return {
        "pairs": len(high),
        "recall": caught / max(len(high), 1),
        "same_cluster": same / max(len(high), 1),
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


def ideal_removals(n: int, truth: dict[tuple[int, int], float], threshold: float) -> np.ndarray:
    """Brute force: greedy centers in input order over every true pair >= threshold."""
    earlier: dict[int, list[int]] = {}
    for (a, b), j in truth.items():
        if j >= threshold:
            earlier.setdefault(b, []).append(a)  # a < b
    removed = np.zeros(n, dtype=bool)
    for d in range(n):
        removed[d] = any(not removed[a] for a in earlier.get(d, []))
    return removed


def removal_scores(families: int, seed: int, tmp_path: Path) -> dict[str, float]:
    """Precision / recall of the removed set against :func:`ideal_removals` at J >= 0.8,
    and the share of removed documents < 0.8 similar to every kept document."""
    corpus = make_corpus(families=families, seed=seed)
    truth = true_pairs(corpus.texts)
    n = len(corpus.texts)
    stage = make_stage("minhash_dedup_v1", threshold=0.8)
    decisions = run_stage(stage, shard_tables(corpus.texts, 4), tmp_path)
    removed = np.array([r is not None for r in decisions.column("reason").to_pylist()])
    ideal = ideal_removals(n, truth, 0.8)
    kept_partner = np.zeros(n, dtype=bool)
    for (a, b), j in truth.items():
        if j >= 0.8:
            kept_partner[a] |= not removed[b]
            kept_partner[b] |= not removed[a]
    both = int((removed & ideal).sum())
    return {
        "removed": int(removed.sum()),
        "ideal": int(ideal.sum()),
        "precision": both / max(int(removed.sum()), 1),
        "recall": both / max(int(ideal.sum()), 1),
        "orphans": int((removed & ~kept_partner).sum()),
    }


def test_removals_match_brute_force_center_clustering_at_08(tmp_path: Path) -> None:
    m = removal_scores(families=500, seed=11, tmp_path=tmp_path)
    assert m["ideal"] > 100, m
    assert m["orphans"] == 0, m  # every removed document has a kept document >= 0.8
    assert m["precision"] >= 0.99, m
    assert m["recall"] >= 0.99, m


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2])
def test_removals_match_brute_force_center_clustering_larger_corpora(
    tmp_path: Path, seed: int
) -> None:
    m = removal_scores(families=3000, seed=seed, tmp_path=tmp_path)
    assert m["orphans"] == 0, m
    assert m["precision"] >= 0.99, m
    assert m["recall"] >= 0.99, m
