"""Connected components for the partitioned MinHash fit: large-star/small-star tasks
and the driver's union-find give every node its component's smallest member."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from dataprep.dedup.components import cc_task, find_components, labels_of
from dataprep.dedup.unionfind import connected_components
from dataprep.io.shuffle import ShuffleWriter
from dataprep.stages.fit import FitEnv, FitRunner


class InlineRunner(FitRunner):
    """Runs the component tasks in this process, counting the steps."""

    def __init__(self, env: FitEnv) -> None:
        self.env = env
        self.steps: list[str] = []

    def map(
        self, step: str, count: int, params: Mapping[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        self.steps.append(step)
        return [cc_task(self.env, step, i, dict(params or {})) for i in range(count)]

    def once(self, step: str, fn: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        self.steps.append(step)
        return fn()


def _graph(kind: str, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    if kind == "path":  # a chain in a shuffled order: the slowest case for star rounds
        perm = rng.permutation(n)
        return perm[:-1], perm[1:]
    if kind == "star":
        return np.zeros(n - 1, dtype=np.int64), np.arange(1, n)
    u = rng.integers(0, n, n // 2)
    return u, rng.integers(0, n, n // 2)  # random: many components, self-loops, repeats


@pytest.mark.parametrize("budget", [0, 1 << 30])
@pytest.mark.parametrize("kind", ["path", "star", "random"])
def test_components_label_every_node_with_its_smallest_member(
    tmp_path: Path, kind: str, budget: int
) -> None:
    rng = np.random.default_rng(len(kind))
    n, parts = 500, 5
    u, v = _graph(kind, n, rng)
    env = FitEnv(
        workdir=tmp_path,
        observations=(),
        shuffles=(),
        offsets=(0, n),
        decisions=(),
        partitions=parts,
    )
    for q, half in enumerate((slice(None, len(u) // 2), slice(len(u) // 2, None))):
        writer = ShuffleWriter(env.step_file("verify", q), parts)
        a, b = u[half].astype(np.int64), v[half].astype(np.int64)
        writer.write((a % parts).astype(np.uint64), pa.record_batch({"u": a, "v": b}))
        writer.close()
        writer.commit()
    runner = InlineRunner(env)
    step, count = find_components(runner, "verify", 2, endpoints=n, budget=budget)
    assert (step == "components") == (budget > 0), runner.steps
    got = np.empty(n, dtype=np.int64)
    nodes = np.arange(n)
    for p in range(parts):
        mine = nodes[nodes % parts == p]
        got[mine] = labels_of(env, step, count, p, mine)
    assert got.tolist() == connected_components(n, u, v).tolist()
    if budget == 0 and kind == "path":
        rounds = sum(s.startswith("cc-large-") for s in runner.steps)
        assert rounds <= 4 * int(np.log2(n)), "star rounds must shrink a path geometrically"
