"""The stage contract: registry, observe columns, fit decisions, determinism, summary."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pytest
from corpus_gen import make_corpus
from dedup_harness import fit_decisions, make_stage, observe_shards, run_stage, shard_tables

import dataprep.dedup.spill as spill
from dataprep.recipe.registry import get_stage, stage_names
from dataprep.stages.base import GlobalStage, StageContext

STAGES = ["exact_dedup_v1", "minhash_dedup_v1"]


def test_registered() -> None:
    for name in STAGES:
        assert name in stage_names()
        assert issubclass(get_stage(name), GlobalStage)


def test_import_is_light() -> None:
    code = (
        "import sys, dataprep.dedup.stages; "
        "print('scipy' in sys.modules, 'datasketch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_observe_columns() -> None:
    batch = pa.record_batch(
        {"text": pa.array(["a b c d e f", None, ""]), "lang": pa.array(["en", "fr", None])}
    )
    exact = make_stage("exact_dedup_v1").observe(batch)
    assert exact.schema.names == ["hash", "length", "lang"]
    assert exact.column("hash").type == pa.binary(16)
    assert exact.column("hash").null_count == 1
    assert exact.column("length").to_pylist() == [11, 0, 0]
    stage = make_stage("minhash_dedup_v1", num_perm=32)
    near = stage.observe(batch)
    assert near.schema.names == ["minhash", "n_shingles", "shingle_set", "length", "lang"]
    assert near.column("shingle_set").type == pa.list_(pa.uint64())
    assert [len(s) for s in near.column("shingle_set").to_pylist()] == [2, 0, 0]
    assert near.column("minhash").type == pa.list_(pa.uint32(), 32)
    assert near.column("n_shingles").to_pylist() == [2, 0, 0]
    assert near.column("minhash").null_count == 2


def _corpus_shards(num_shards: int = 5) -> list[pa.Table]:
    corpus = make_corpus(families=150, seed=3, max_words=150)
    langs = ["en" if i % 3 else "de" for i in range(len(corpus.texts))]
    texts = list(corpus.texts)
    texts += [texts[0], texts[5], None, "", ""]  # exact copies, a null, empty texts
    langs += ["en", "de", "en", "fr", "fr"]
    return shard_tables(texts, num_shards, lang=langs)


@pytest.mark.parametrize("name", STAGES)
def test_decisions_do_not_depend_on_processing_order_or_batching(
    tmp_path: Path, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    shards = _corpus_shards()
    base = run_stage(make_stage(name), shards, tmp_path / "a", batch_rows=64)
    shuffled = run_stage(
        make_stage(name), shards, tmp_path / "b", batch_rows=7, fit_order=[3, 0, 4, 2, 1]
    )
    assert base.equals(shuffled)
    monkeypatch.setattr(spill, "PARTITION_TARGET_BYTES", 512)  # many partitions
    parted = run_stage(make_stage(name), shards, tmp_path / "c", batch_rows=1000)
    assert base.equals(parted)
    assert 0 < sum(r is not None for r in base.column("reason").to_pylist()) < base.num_rows


@pytest.mark.parametrize("name", STAGES)
def test_output_columns_and_summary(tmp_path: Path, name: str) -> None:
    stage = make_stage(name)
    decisions = run_stage(stage, _corpus_shards(), tmp_path)
    assert decisions.schema.names == [
        "_dp_shard",
        "_dp_row",
        "_dp_repeat",
        "reason",
        "dup_cluster",
        "dup_cluster_size",
    ] + ([] if name.startswith("exact") else ["dup_of", "dup_jaccard"])
    assert decisions.schema.field("dup_cluster").type == pa.int64()
    assert decisions.schema.field("dup_cluster_size").type == pa.int32()
    reasons = set(decisions.column("reason").to_pylist()) - {None}
    assert reasons == {"exact_duplicate" if name.startswith("exact") else "near_duplicate"}
    summary = stage.fit_summary()
    for key in (
        "documents",
        "duplicates_removed",
        "duplicate_rate",
        "clusters",
        "cluster_size_histogram",
        "largest_cluster",
        "per_language",
        "keep",
    ):
        assert key in summary
    assert summary["documents"] == decisions.num_rows
    removed = sum(r is not None for r in decisions.column("reason").to_pylist())
    assert summary["duplicates_removed"] == removed
    assert set(summary["per_language"]) == {"en", "de", "fr"}
    assert sum(v["duplicates_removed"] for v in summary["per_language"].values()) == removed
    hist = summary["cluster_size_histogram"]
    assert sum(hist.values()) == summary["clusters"]
    if name == "exact_dedup_v1":
        assert summary["null_texts"] == 1
        assert summary["per_language"]["fr"]["duplicates_removed"] == 1  # the two empty texts
    else:
        assert summary["no_shingle_docs"] == 3
        assert summary["per_language"]["fr"]["duplicates_removed"] == 0  # empty never near-dup
    # work folder is cleaned of spill files
    assert not list((tmp_path / "fit").glob("_*"))


@pytest.mark.parametrize("name", STAGES)
def test_empty_input(tmp_path: Path, name: str) -> None:
    stage = make_stage(name)
    assert list(stage.fit([], tmp_path)) == []
    assert stage.fit_summary()["documents"] == 0


def test_duplicate_internal_ids_are_an_error(tmp_path: Path) -> None:
    stage = make_stage("exact_dedup_v1")
    paths = observe_shards(stage, shard_tables(["a", "b"], 1), tmp_path / "obs")
    from dataprep.errors import InputError

    with pytest.raises(InputError, match="observed twice"):
        fit_decisions(stage, [paths[0], paths[0]], tmp_path / "fit")


def test_seed_changes_signatures() -> None:
    batch = pa.record_batch({"text": pa.array(["one two three four five six seven"])})
    a = make_stage("minhash_dedup_v1", seed=0).observe(batch).column("minhash")
    b = make_stage("minhash_dedup_v1", seed=1).observe(batch).column("minhash")
    assert a.to_pylist() != b.to_pylist()


def test_stage_context_name_is_used() -> None:
    cls = get_stage("exact_dedup_v1")
    stage = cls(cls.Config(), StageContext(name="dd"))
    assert stage.name == "dd"
