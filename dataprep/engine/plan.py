"""Split a recipe's stages into passes over the data.

Global stages may stand anywhere in the stack, so the runner cuts the stack at
each of them: a pass applies the decisions of the previous global stage (if
any), runs the batch stages that follow, and ends by *observing* the next global
stage. Between passes the driver calls that global stage's ``fit``. Documents
that survive a pass are kept in an intermediate Arrow file per shard, so no
stage is ever computed twice. With no global stage there is a single pass.

    stages:  A  B  G1  C  G2  D
    pass 0:  A  B  observe(G1)
    pass 1:  apply(G1)  C  observe(G2)
    pass 2:  apply(G2)  D  -> output
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class PassPlan:
    """What one pass over every shard does (stage indexes into the recipe)."""

    index: int
    apply_global: int | None
    batch_stages: tuple[int, ...]
    observe_global: int | None
    partitions: int = 0
    """Shuffle partitions of the observed stage when it is fitted partitioned
    (``engine/partitioned.py``), else 0."""

    @property
    def is_first(self) -> bool:
        return self.index == 0

    @property
    def is_last(self) -> bool:
        return self.observe_global is None

    def stage_indexes(self) -> list[int]:
        """Stages whose documents are counted (and may be removed) in this pass."""
        first = [self.apply_global] if self.apply_global is not None else []
        return first + list(self.batch_stages)


def plan_passes(kinds: Sequence[str]) -> list[PassPlan]:
    """Passes for stages of the given kinds (``"batch"`` or ``"global"``)."""
    passes: list[PassPlan] = []
    apply: int | None = None
    batch: list[int] = []
    for i, kind in enumerate(kinds):
        if kind == "global":
            passes.append(PassPlan(len(passes), apply, tuple(batch), i))
            apply, batch = i, []
        else:
            batch.append(i)
    passes.append(PassPlan(len(passes), apply, tuple(batch), None))
    return passes
