"""Near-dedup removes a document only as the duplicate of a kept document it is similar to.

Connected components chain: revisions R0 ~ R1 ~ R2 ~ ... each >= 0.8 similar to the
next but R0 and R2 well below, and union-find merges them all, so one document is kept
for a chain of distinct texts (measured on real text: 41 true clusters lost entirely).
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
from corpus_gen import make_corpus, word5_set
from dedup_harness import make_stage, run_stage, shard_tables

from dataprep.dedup.unionfind import connected_components

THRESHOLD = 0.8


def jaccard(a: str, b: str) -> float:
    sa, sb = word5_set(a), word5_set(b)
    return len(sa & sb) / len(sa | sb)


def revision_chain(rng: np.random.Generator, length: int, words: int = 200) -> list[str]:
    """Successive revisions: each substitutes 3 new, well-separated words of the previous
    one (J ~ 0.86 to its predecessor, ~ 0.73 to the one before)."""
    vocab = [f"w{i}" for i in range(50_000)]
    text = [vocab[i] for i in rng.integers(0, len(vocab), words)]
    slots = rng.permutation(np.arange(10, words - 10, 12))
    out = [" ".join(text)]
    for r in range(1, length):
        for pos in slots[3 * (r - 1) : 3 * r].tolist():
            text[pos] = f"rev{r}x{rng.integers(1 << 30)}"
        out.append(" ".join(text))
    return out


def _chains(n_chains: int, length: int) -> list[list[str]]:
    rng = np.random.default_rng(7)
    return [revision_chain(rng, length) for _ in range(n_chains)]


def test_the_built_chain_is_a_chain() -> None:
    for chain in _chains(3, 5):
        for a, b in itertools.pairwise(chain):
            assert jaccard(a, b) >= THRESHOLD
        for a, c in zip(chain, chain[2:], strict=False):
            assert jaccard(a, c) < THRESHOLD


def test_connected_components_merge_a_revision_chain_into_one_cluster() -> None:
    """The old rule: every edge >= threshold unioned, one document kept per component."""
    chain = _chains(1, 5)[0]
    edges = [i for i in range(4) if jaccard(chain[i], chain[i + 1]) >= THRESHOLD]
    assert len(edges) == 4
    u = np.array(edges)
    labels = connected_components(5, u, u + 1)
    assert len(set(labels.tolist())) == 1  # R2 and R4 removed although < 0.8 to R0


@pytest.mark.parametrize("keep", ["first", "longest"])
def test_a_revision_chain_keeps_one_document_per_true_cluster(tmp_path: Path, keep: str) -> None:
    chains = _chains(10, 5)
    texts = [t for chain in chains for t in chain]
    ids = [f"c{c}r{r}" for c in range(10) for r in range(5)]
    decisions = run_stage(
        make_stage("minhash_dedup_v1", threshold=THRESHOLD, keep=keep),
        shard_tables(texts, 3, id=ids),
        tmp_path,
    )
    removed = [r is not None for r in decisions.column("reason").to_pylist()]
    dup_of = decisions.column("dup_of").to_pylist()
    by_id = dict(zip(ids, range(len(ids)), strict=True))
    for c in range(10):
        docs = range(5 * c, 5 * c + 5)
        kept = [d for d in docs if not removed[d]]
        # R0 kept, R1 its duplicate, R2 not similar to R0 so kept, R3 its duplicate, R4 kept
        # (keep=first); whichever the keep order, at least one kept per true cluster:
        assert len(kept) >= 2, (c, kept)
        for d in docs:
            if removed[d]:
                target = by_id[dup_of[d]]
                assert not removed[target]
                assert jaccard(texts[d], texts[target]) >= THRESHOLD
    if keep == "first":
        assert removed == [False, True, False, True, False] * 10
        assert dup_of[:5] == [None, "c0r0", None, "c0r2", None]


def test_removed_documents_are_similar_to_the_document_kept_for_them(tmp_path: Path) -> None:
    """Property over a generated corpus (variants at J uniform in [0.5, 1])."""
    corpus = make_corpus(families=300, seed=5)
    ids = [f"doc{i}" for i in range(len(corpus.texts))]
    decisions = run_stage(
        make_stage("minhash_dedup_v1", threshold=THRESHOLD, keep="longest"),
        shard_tables(corpus.texts, 4, id=ids),
        tmp_path,
    )
    reasons = decisions.column("reason").to_pylist()
    dup_of = decisions.column("dup_of").to_pylist()
    dup_j = decisions.column("dup_jaccard").to_pylist()
    by_id = dict(zip(ids, range(len(ids)), strict=True))
    removed = [i for i, r in enumerate(reasons) if r is not None]
    assert len(removed) > 50
    for d in range(len(ids)):
        if reasons[d] is None:
            assert dup_of[d] is None and dup_j[d] is None
            continue
        target = by_id[dup_of[d]]
        assert reasons[target] is None
        j = jaccard(corpus.texts[d], corpus.texts[target])
        assert j >= THRESHOLD
        assert dup_j[d] == pytest.approx(j, abs=1e-6)


def test_dup_of_names_the_position_when_there_is_no_id_column(tmp_path: Path) -> None:
    chain = _chains(1, 2)[0]
    decisions = run_stage(
        make_stage("minhash_dedup_v1"), shard_tables([chain[0], "other", chain[1]], 2), tmp_path
    )
    assert decisions.column("dup_of").to_pylist() == [None, None, "0:0:0"]


@pytest.mark.parametrize("verify", [True, False])
def test_components_mode_removes_a_revision_chain_down_to_one_document(
    tmp_path: Path, verify: bool
) -> None:
    """``clustering: components`` (the datatrove-compatible mode) merges the chain, as
    datatrove does: one document kept per chain; ``dup_jaccard`` is the removed
    document's exact Jaccard to the kept one, below the threshold for R2..R4."""
    chains = _chains(10, 5)
    texts = [t for chain in chains for t in chain]
    ids = [f"c{c}r{r}" for c in range(10) for r in range(5)]
    options: dict[str, object] = {"clustering": "components", "verify": verify}
    if not verify:
        options.update(bands=14, rows=8)
    decisions = run_stage(
        make_stage("minhash_dedup_v1", threshold=THRESHOLD, **options),
        shard_tables(texts, 3, id=ids),
        tmp_path,
    )
    removed = [r is not None for r in decisions.column("reason").to_pylist()]
    dup_of = decisions.column("dup_of").to_pylist()
    dup_j = decisions.column("dup_jaccard").to_pylist()
    assert removed == [False, True, True, True, True] * 10
    for c in range(10):
        assert dup_of[5 * c : 5 * c + 5] == [None, *[f"c{c}r0"] * 4]
        for r in range(1, 5):
            j = jaccard(texts[5 * c + r], texts[5 * c])
            assert dup_j[5 * c + r] == pytest.approx(j, abs=1e-6)
        assert dup_j[5 * c + 2] < THRESHOLD  # the chain: R2 removed for R0 below 0.8
    sizes = decisions.column("dup_cluster_size").to_pylist()
    assert sizes == [5] * 50


def test_clustering_must_be_centers_or_components() -> None:
    from dataprep.errors import ConfigError

    with pytest.raises(ConfigError, match="clustering must be one of centers, components"):
        make_stage("minhash_dedup_v1", clustering="component")
