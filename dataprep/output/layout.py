"""Where everything lives in an output folder (one place, so nothing drifts).

    OUTPUT/
      data/part-SSSSS-KKKK.parquet         kept documents (SSSSS = input shard index)
      removed/STAGE/part-SSSSS-KKKK.parquet removed documents, with `stage` and `reason`
      stats.json                           per-stage accounting (deterministic)
      run.json                             recipe, its hash, input fingerprints, versions
      _work/                               intermediates and completion records
        pass-P/data/part-SSSSS-KKKK.arrow  documents surviving pass P
        pass-P/observe/part-SSSSS-KKKK.arrow  global-stage observations
        pass-P/decisions/SSSSS.arrow       the next pass's global decisions per shard
        pass-P/done/SSSSS.json             shard completion record (its stats)

File names come only from shard indexes and validated stage names, never from
document contents or input paths, so nothing is written outside the folder.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Layout:
    root: Path

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def removed(self) -> Path:
        return self.root / "removed"

    def removed_stage(self, stage: str) -> Path:
        return self.removed / stage

    @property
    def stats(self) -> Path:
        return self.root / "stats.json"

    @property
    def run(self) -> Path:
        return self.root / "run.json"

    @property
    def work(self) -> Path:
        return self.root / "_work"

    def pass_dir(self, p: int) -> Path:
        return self.work / f"pass-{p}"

    def pass_data(self, p: int) -> Path:
        return self.pass_dir(p) / "data"

    def pass_observe(self, p: int) -> Path:
        return self.pass_dir(p) / "observe"

    def pass_decisions(self, p: int) -> Path:
        return self.pass_dir(p) / "decisions"

    def decisions_file(self, p: int, shard: int) -> Path:
        return self.pass_decisions(p) / f"{shard:05d}.arrow"

    def fit_done(self, p: int) -> Path:
        return self.pass_decisions(p) / "_fit.json"

    def done_dir(self, p: int) -> Path:
        return self.pass_dir(p) / "done"

    def done_file(self, p: int, shard: int) -> Path:
        return self.done_dir(p) / f"{shard:05d}.json"


def part_prefix(shard: int) -> str:
    """File-name prefix of every part written for one input shard."""
    return f"part-{shard:05d}"
