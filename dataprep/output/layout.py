"""Where everything lives in an output folder (one place, so nothing drifts).

    OUTPUT/
      data/part-SSSSS-KKKK.parquet         kept documents (SSSSS = input shard index)
      data/part-SSSSS-UUUU-KKKK.parquet    the same, for a shard cut into several units
      signals/part-SSSSS-KKKK.parquet      with output.signals: separate, the id and signal
                                           columns of data/'s part of the same name, same rows
      removed/STAGE/part-SSSSS-KKKK.parquet removed documents, with `stage` and `reason`
      stats.json                           per-stage accounting (deterministic)
      report_samples.json                  what rewriting stages changed (report/store.py)
      run.json                             recipe, its hash, input fingerprints, versions, timing
      run.log                              the run's messages, with UTC times (engine/runlog.py)
      _work/                               intermediates and completion records
        pass-P/data/part-SSSSS-KKKK.arrow  documents surviving pass P
        pass-P/observe/part-SSSSS-KKKK.arrow  global-stage observations
        pass-P/decisions/SSSSS.arrow       the next pass's global decisions per shard
        pass-P/done/SSSSS.json             shard completion record (its stats)
        pass-P/done/SSSSS-UUUU.json        unit completion record (several units)
        pass-P/rewrites/SSSSS[-UUUU].json  a unit's rewrite evidence for the report

Work units (``io/units.py``): a shard read as ONE unit has exactly the names above
(``SSSSS``), as before units existed. A shard cut into several units writes every
per-job file under the unit's stem ``SSSSS-UUUU`` (UUUU = 0-based unit number in
file order): parts ``part-SSSSS-UUUU-KKKK``, done records ``SSSSS-UUUU.json``. Names
sort in file order, so reading ``data/`` in name order reads rows in input order.
Decisions stay per shard (``SSSSS.arrow``, written by the driver's fit); each unit's
job looks up only its own rows in them.

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
    def signals(self) -> Path:
        return self.root / "signals"

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
    def run_log(self) -> Path:
        return self.root / "run.log"

    @property
    def report_samples(self) -> Path:
        return self.root / "report_samples.json"

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

    def done_file(self, p: int, shard: int, unit: int = 0, units: int = 1) -> Path:
        return self.done_dir(p) / f"{unit_stem(shard, unit, units)}.json"

    def rewrites_file(self, p: int, shard: int, unit: int = 0, units: int = 1) -> Path:
        return self.pass_dir(p) / "rewrites" / f"{unit_stem(shard, unit, units)}.json"


def unit_stem(shard: int, unit: int = 0, units: int = 1) -> str:
    """``SSSSS`` for a shard read as one unit, else ``SSSSS-UUUU``."""
    if units == 1:
        return f"{shard:05d}"
    if not 0 <= unit < min(units, 10_000):
        raise ValueError(f"unit {unit} of {units}: at most 10000 units per shard")
    return f"{shard:05d}-{unit:04d}"


def part_prefix(shard: int, unit: int = 0, units: int = 1) -> str:
    """File-name prefix of every part written for one input shard (or one unit of it)."""
    return f"part-{unit_stem(shard, unit, units)}"
