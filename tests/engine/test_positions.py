"""The position encodings: copy numbers and position keys keep document order,
never collide, and raise at their limits instead of wrapping around."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from corpus_helpers import write_shard
from dataprep.engine.driver import run_pipeline
from dataprep.engine.positions import (
    COPY_BASE,
    MAX_COPIES,
    MAX_REPEAT,
    MAX_ROWS,
    child_repeat,
    position_key,
)
from dataprep.errors import ConfigError, InputError
from dataprep.recipe.config import parse_recipe

rows_st = st.integers(0, MAX_ROWS - 1)
reps_st = st.integers(0, MAX_REPEAT)


@given(st.lists(st.tuples(rows_st, reps_st), min_size=1, max_size=50))
def test_position_keys_sort_like_row_then_repeat(pairs: list[tuple[int, int]]) -> None:
    rows = np.array([row for row, _ in pairs], dtype=np.int64)
    keys = position_key(rows, np.array([rep for _, rep in pairs], dtype=np.int64))
    assert [pairs[i] for i in np.argsort(keys, kind="stable")] == sorted(pairs)
    assert len(set(keys.tolist())) == len(set(pairs))


def test_position_keys_at_the_extremes_keep_order() -> None:
    keys = position_key(
        np.array([0, 0, 1, MAX_ROWS - 1, MAX_ROWS - 1]),
        np.array([0, MAX_REPEAT, 0, 0, MAX_REPEAT]),
    )
    assert keys.dtype == np.int64
    assert np.all(np.diff(keys) > 0)


def test_a_row_past_the_key_range_is_an_input_error() -> None:
    with pytest.raises(InputError, match="split it"):
        position_key(np.array([MAX_ROWS]), np.array([0]))


def test_copy_numbers_are_the_decimal_numbering_users_see() -> None:
    # copy 5 of copy 3 is 3005: the public `repeat` values every output has had.
    got = child_repeat(np.array([0, 3, 66]), np.array([7, 5, 66]), stage="s")
    assert got.tolist() == [7, 3005, 66066]
    assert got.dtype == np.int32


@given(st.lists(st.integers(1, MAX_COPIES), min_size=1, max_size=3))
def test_nested_copy_numbers_are_unique_and_in_order(copies_per_stage: list[int]) -> None:
    # Up to three stages of up to 1000 copies each (sampled sparsely per level).
    numbers = np.array([0], dtype=np.int64)
    for copies in copies_per_stage:
        within = np.unique(np.array([0, copies // 2, copies - 1]))
        parent = np.repeat(numbers, within.size)
        numbers = child_repeat(parent, np.tile(within, numbers.size), stage="s").astype(np.int64)
        assert np.all(np.diff(numbers) > 0)


def test_more_copies_than_the_numbering_holds_names_the_stage() -> None:
    with pytest.raises(RuntimeError, match=rf"'up' asked for {COPY_BASE + 1} copies"):
        child_repeat(np.array([0]), np.array([COPY_BASE]), stage="up")


def test_a_fourth_nested_upsampling_is_refused_not_wrapped() -> None:
    deepest = np.array([999_999_999])  # copy 999 of copy 999 of copy 999
    with pytest.raises(ConfigError, match=r"'fourth'.*exceeds 2147483647"):
        child_repeat(deepest, np.array([1]), stage="fourth")


def test_a_stage_emitting_too_many_copies_fails_loudly(tmp_path: Path) -> None:
    write_shard(tmp_path / "in" / "a.jsonl", [{"id": "a", "text": "one"}])
    recipe = parse_recipe({"stages": [{"stage": "toy_repeat_v0", "copies": MAX_COPIES + 1}]})
    with pytest.raises(RuntimeError, match="'toy_repeat_v0' asked for 1001 copies"):
        run_pipeline(recipe, [str(tmp_path / "in")], tmp_path / "o", workers=1, progress=False)


def test_balance_max_repeats_is_bounded_by_the_copy_numbering_at_recipe_load() -> None:
    parse_recipe({"stages": [{"stage": "balance_v1", "max_repeats": MAX_COPIES}]})
    with pytest.raises(ConfigError, match=r"max_repeats must be 1\.\.1000, got 1001"):
        parse_recipe({"stages": [{"stage": "balance_v1", "max_repeats": MAX_COPIES + 1}]})
