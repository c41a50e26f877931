"""Keep policies: first, longest, column:<name>; ties by input order."""

from __future__ import annotations

from pathlib import Path

import pytest
from dedup_harness import make_stage, removed_flags, run_stage, shard_tables

from dataprep.errors import ConfigError, InputError

# docs 0, 2, 3 are the same text up to case/whitespace; 1 and 4 are unique
TEXTS = ["Same text here", "unique one", "same   TEXT here", "SAME text HERE", "unique two"]


@pytest.mark.parametrize("name", ["exact_dedup_v1", "minhash_dedup_v1"])
@pytest.mark.parametrize(
    ("keep", "extra", "kept_index"),
    [
        ("first", {}, 0),
        ("longest", {}, 2),  # "same   TEXT here" has the most characters
        ("column:score", {"score": [0.1, 9.0, 0.5, 0.9, 1.0]}, 3),
        ("column:score", {"score": [5, 9, 7, 7, 1]}, 2),  # tie 7/7 -> input order
        ("column:score", {"score": [None, 9, None, 1, 1]}, 3),  # nulls rank lowest
        ("column:score", {"score": [float("nan"), 0.0, -1.0, float("nan"), 0.0]}, 2),
        ("column:flag", {"flag": [False, True, True, True, False]}, 2),
    ],
)
def test_keep_policies(
    tmp_path: Path, name: str, keep: str, extra: dict[str, list[object]], kept_index: int
) -> None:
    stage = make_stage(name, keep=keep)
    decisions = run_stage(stage, shard_tables(TEXTS, 2, **extra), tmp_path, batch_rows=2)
    removed = removed_flags(decisions)
    expected = [i in (0, 2, 3) and i != kept_index for i in range(5)]
    assert removed == expected
    assert decisions.column("dup_cluster").to_pylist() == [0, 1, 0, 0, 4]
    assert decisions.column("dup_cluster_size").to_pylist() == [3, 1, 3, 3, 1]


def test_bad_keep_policy() -> None:
    with pytest.raises(ConfigError):
        make_stage("exact_dedup_v1", keep="shortest")
    with pytest.raises(ConfigError):
        make_stage("exact_dedup_v1", keep="column:")


def test_keep_column_must_exist_and_be_numeric(tmp_path: Path) -> None:
    stage = make_stage("exact_dedup_v1", keep="column:score")
    assert tuple(stage.required_columns()) == ("text", "score")
    with pytest.raises(InputError, match="missing"):
        run_stage(stage, shard_tables(TEXTS, 1), tmp_path)
    with pytest.raises(InputError, match="numeric"):
        run_stage(stage, shard_tables(TEXTS, 1, score=list("abcde")), tmp_path)
