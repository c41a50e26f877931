"""The executor contract: one worker count, typed completion records, used as returned."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from dataprep.engine.accounting import StageStats
from dataprep.engine.driver import run_pipeline
from dataprep.engine.executors import base
from dataprep.engine.executors.base import Executor, Progress, resolve_workers
from dataprep.engine.shard_pass import ShardJob, ShardResult
from dataprep.errors import ConfigError
from dataprep.recipe.config import Recipe, parse_recipe

CORES = 8


@pytest.fixture(autouse=True)
def eight_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(base, "available_cores", lambda: CORES)


@pytest.mark.parametrize(
    ("requested", "recipe", "shards", "kind", "expected"),
    [
        (None, 0, 100, "local", CORES),  # automatic: the cores this process may use
        (None, 0, 3, "local", 3),  # never more workers than shards
        (None, 0, None, "local", CORES),  # shards not listed yet (the CLI's early pool)
        (None, 4, 100, "local", 4),  # the recipe's run.workers
        (2, 4, 100, "local", 2),  # -j wins over the recipe
        (0, 4, 100, "local", CORES),  # -j 0: automatic, whatever the recipe says
        (1, 0, 100, "local", 1),
        (None, 0, 0, "local", 1),  # never fewer than one
        (None, 0, 100, "ray", 100),  # Ray: one actor per shard (capped by the cluster)
        (None, 0, 3, "ray", 3),
        (16, 0, 100, "ray", 16),
        (16, 0, 5, "ray", 5),
    ],
)
def test_worker_count(
    requested: int | None, recipe: int, shards: int | None, kind: str, expected: int
) -> None:
    assert resolve_workers(requested, recipe, shards, kind) == expected


def test_a_negative_worker_count_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="workers must be 0"):
        resolve_workers(-1, 0, 4, "local")


class HalfStarted(Executor):
    """Starts something, then fails to open."""

    def __init__(self) -> None:
        self.closed_with: list[type[BaseException] | None] = []

    @property
    def workers(self) -> int:
        return 1

    def open(self) -> None:
        raise KeyboardInterrupt

    def map(self, jobs: Sequence[ShardJob], progress: Progress) -> list[ShardResult]:
        return []

    def map_tasks(self, tasks: Sequence[Any]) -> list[dict[str, Any]]:
        return []

    def close(self, error: type[BaseException] | None = None) -> None:
        self.closed_with.append(error)


def test_an_executor_that_fails_to_open_is_closed_with_the_error() -> None:
    ex = HalfStarted()
    with pytest.raises(KeyboardInterrupt), ex:
        pass
    assert ex.closed_with == [KeyboardInterrupt]


def test_a_completion_record_round_trips_through_its_done_file_format() -> None:
    st = StageStats(docs_in=3, docs_kept=2, docs_removed=1, removed_by_reason=Counter(x=1))
    seconds = {"input": {"cpu_seconds": 0.25, "wall_seconds": 0.5}}
    result = ShardResult({"input": st}, ({"reason": "bad", "file": "a.jsonl", "line": 4},), seconds)
    text = result.to_json()
    # The done file's format, as resumed runs and older versions read it.
    expected = {
        "stages": {"input": st.to_dict()},
        "quarantine": [result.quarantine[0]],
        "seconds": seconds,
    }
    assert text == json.dumps(expected, sort_keys=True).encode()
    again = ShardResult.from_json(text)
    assert again.to_json() == text
    # A done file of an older version (no seconds) still reads.
    del expected["seconds"]
    assert ShardResult.from_json(json.dumps(expected)).seconds == {}
    assert list(again.quarantine[0]) == ["file", "line", "reason"]  # keys as on disk
    assert list(result.quarantine[0]) == ["file", "line", "reason"]


def _recipe() -> Recipe:
    return parse_recipe({"stages": [{"stage": "toy_min_words_v0", "min_words": 2}]})


def test_a_run_merges_the_records_its_jobs_returned_without_rereading_them(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unexpected_read(cls: type[ShardResult], text: str | bytes) -> ShardResult:
        raise AssertionError("a done file was read back")

    monkeypatch.setattr(ShardResult, "from_json", classmethod(unexpected_read))
    run_pipeline(_recipe(), [str(corpus)], tmp_path / "out", workers=1, progress=False)
    assert json.loads((tmp_path / "out" / "stats.json").read_text())["docs_read"] == 60


def test_a_resumed_run_reads_only_the_records_of_shards_an_earlier_run_finished(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    recipe = _recipe()
    run_pipeline(recipe, [str(corpus)], out, workers=1, progress=False, keep_work=True)
    stats = (out / "stats.json").read_bytes()
    record = json.loads((out / "run.json").read_text())
    del record["finished"]  # as if the run was killed before its end...
    (out / "run.json").write_text(json.dumps(record))
    (out / "_work" / "pass-0" / "done" / "00001.json").unlink()  # ...with shard 1 not done
    read_back: list[str] = []
    original = ShardResult.from_json

    def spy(cls: type[ShardResult], text: str | bytes) -> ShardResult:
        read_back.append("record")
        return original(text)

    monkeypatch.setattr(ShardResult, "from_json", classmethod(spy))
    run_pipeline(recipe, [str(corpus)], out, workers=1, progress=False, resume=True)
    # Three shards finished earlier, read for the stats and for the quarantine list.
    assert len(read_back) == 3 * 2
    assert (out / "stats.json").read_bytes() == stats
