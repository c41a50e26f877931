"""Wall time and peak memory of a child process and all its descendants (Linux /proc).

``run_measured`` starts the command, samples every ``interval`` seconds the resident
set size of every process in its tree (found through ``/proc/PID/stat`` parent ids)
and keeps the largest sum: the memory the whole run held at once, workers included.
Shared pages (libraries, a model mapped by two workers) count once per process, so
the sum errs high. The largest single process is sampled the same way (``ru_maxrss``
is not used: Linux carries it across ``exec``, so a child would inherit the harness's
own peak). CPU seconds (user + system) are the sum over the tree of each process's
last sampled ``utime + stime`` (``/proc/PID/stat``): less sensitive than wall time to
other jobs on a shared machine, since time spent waiting for a core is not counted; a
process's last <50 ms before it exits can be missed. Short memory spikes between two
samples can be missed too; 50 ms is far below the length of any stage here.
"""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

_PAGE = os.sysconf("SC_PAGE_SIZE")
_TICK = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Measured:
    wall: float  # seconds
    peak_tree_rss: int  # bytes, largest sum over the process tree
    peak_proc_rss: int  # bytes, largest single process
    cpu: float  # seconds of user + system time over the tree


def _children() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
        kids.setdefault(ppid, []).append(int(entry.name))
    return kids


def _sample(root: int, cpu: dict[int, float]) -> tuple[int, int]:
    """(sum, largest) resident bytes over ``root`` and its descendants; updates ``cpu``."""
    kids, todo, total, top = _children(), [root], 0, 0
    while todo:
        pid = todo.pop()
        todo.extend(kids.get(pid, ()))
        try:
            rss = int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * _PAGE
            stat = Path(f"/proc/{pid}/stat").read_text()
        except (OSError, IndexError, ValueError):
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        cpu[pid] = (int(fields[11]) + int(fields[12])) / _TICK
        total, top = total + rss, max(top, rss)
    return total, top


def run_measured(
    cmd: list[str], *, log: Path, env: dict[str, str] | None = None, interval: float = 0.05
) -> Measured:
    """Run ``cmd`` (stdout and stderr to ``log``); raise if it fails."""
    with log.open("wb") as out:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env)
        peak = top = 0
        cpu: dict[int, float] = {}
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            total, largest = _sample(proc.pid, cpu)
            peak, top = max(peak, total), max(top, largest)
            time.sleep(interval)
        wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        tail = log.read_text(encoding="utf-8", errors="replace")[-2000:]
        raise RuntimeError(f"{cmd[:4]} failed with exit code {proc.returncode}:\n{tail}")
    # wait4 counts the root and the descendants it reaped, exactly; the samples also
    # count descendants that were never reaped by it (e.g. a forkserver's workers)
    waited = usage.ru_utime + usage.ru_stime
    return Measured(wall, peak, top, max(sum(cpu.values()), waited))
