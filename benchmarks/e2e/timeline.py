"""Where a run's wall time went, from its ``run.json`` (``timing.phases``).

    python benchmarks/e2e/timeline.py OUT [OUT ...] [--report-parts] [--wall SECONDS ...]

Prints each phase (planning, passes, fits, merge, report, stopping the workers) with its
wall seconds, the driver's CPU seconds and, for a pass, each worker's busy CPU seconds
and the workers' idle seconds (``workers x pass wall - busy wall``: waiting for the last
unit, or for a core on a busy machine). Then the wall time the run would take on an
idle machine, each phase lasting as long as its busiest process's CPU time (a pass
the largest worker's busy CPU seconds, any other phase the driver's CPU seconds), or
its wall time if shorter (with one worker, Arrow's and BLAS's threads run in the driver).
With more than one worker the report's parts run on the workers, out of the driver's
sight: ``--report-parts`` builds each part (``report/build.py: report_parts``) here,
times its CPU seconds and schedules them largest first on the run's workers (the
report phase then lasts the longer of that and the driver's own part). ``--wall`` gives
each run's whole measured wall time (``/usr/bin/time``), so that what lies outside the
timeline (interpreter start, imports, exit) is shown too, and added to the estimate.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any


def _part_seconds(root: Path) -> list[float]:
    from dataprep.report.build import report_part, report_parts

    secs = []
    for name in report_parts(root):
        cpu = time.process_time()
        report_part(root, name)
        secs.append(time.process_time() - cpu)
    return secs


def _schedule(seconds: list[float], workers: int) -> float:
    """Longest-first list scheduling on ``workers``: the makespan."""
    loads = [0.0] * workers
    for s in sorted(seconds, reverse=True):
        loads[loads.index(min(loads))] += s
    return max(loads)


def account(root: Path, *, parts: bool, wall: float | None) -> dict[str, Any]:
    record = json.loads((root / "run.json").read_text(encoding="utf-8"))
    workers = int(record["workers"])
    phases = record["timing"]["phases"]
    print(f"{root}: {workers} worker(s)")
    print(f"  {'phase':<26}{'wall s':>8}{'driver CPU':>11}{'busy CPU per worker':>26}{'idle':>7}")
    idle_machine = 0.0
    for p in phases:
        secs = p["end"] - p["start"]
        cpu = p.get("driver_cpu_seconds", 0.0)
        per = p.get("busy_cpu_per_worker")
        est = max(per, default=0.0) if per is not None and workers > 1 else cpu
        if p["name"] == "report" and workers > 1 and parts:
            est = max(cpu, _schedule(_part_seconds(root), workers))
        idle_machine += min(est, secs)  # threads (Arrow, BLAS) can make CPU exceed wall
        busy = " / ".join(f"{c:.2f}" for c in per) if per else ""
        idle = f"{p['idle_seconds']:.2f}" if "idle_seconds" in p else ""
        print(f"  {p['name']:<26}{secs:8.2f}{cpu:11.2f}{busy:>26}{idle:>7}")
    end = phases[-1]["end"]
    outside = (wall - end) if wall is not None else 0.0
    print(f"  timeline {end:.2f} s; outside it (start, imports, exit) {outside:.2f} s")
    print(f"  on an idle machine: ~{idle_machine + outside:.2f} s")
    return {"workers": workers, "timeline": end, "idle_estimate": idle_machine + outside}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("outputs", nargs="+", type=Path)
    ap.add_argument("--report-parts", action="store_true", help="time the report's parts")
    ap.add_argument("--wall", type=float, nargs="*", default=[], help="measured wall per run")
    args = ap.parse_args()
    walls: list[float | None] = [*args.wall, *[None] * len(args.outputs)]
    for out, wall in zip(args.outputs, walls, strict=False):
        account(out, parts=args.report_parts, wall=wall)


if __name__ == "__main__":
    main()
