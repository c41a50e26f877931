"""Progress of a whole run: one line with an ETA across passes, or plain periodic lines.

On a terminal the line is redrawn in place (``\\r``) at most twice a second and cut to
the terminal's width; each finished pass leaves a log line above it. When stderr is
not a terminal (Slurm, nohup, CI), there is no ``\\r``: the same line is logged (INFO,
so it is also in ``run.log``) every ``interval`` seconds (30 by default).

The ETA covers the passes still to run: the current pass's remaining documents plus,
for each later pass, as many documents as the current pass has (a pass reads what the
one before kept, so this is an upper bound), at the documents-per-second rate of the
run so far. A pass whose size is unknown (JSONL read for the first time) shows its
count and rate without an ETA. Time spent in fits between passes is not forecast.
"""

from __future__ import annotations

import logging
import re
import shutil
import sys
import time
from collections.abc import Callable, Sequence
from typing import TextIO

LOG = logging.getLogger("dataprep.progress")
#: Seconds between plain progress lines when stderr is not a terminal.
PLAIN_INTERVAL = 30.0
#: Seconds between redraws of the terminal line.
TTY_INTERVAL = 0.5
_VERSION = re.compile(r"_v\d+$")


def short_label(stages: Sequence[str], observe: str | None = None) -> str:
    """``"fasttext_langid +3 > minhash_dedup"``: the pass's first stage, how many more,
    and the global stage it observes for, without version suffixes (the log line of the
    pass names them all); ``"read"`` for a pass with none."""
    names = [_VERSION.sub("", n) for n in stages]
    label = names[0] + (f" +{len(names) - 1}" if len(names) > 1 else "") if names else ""
    if observe is not None:
        seen = _VERSION.sub("", observe)
        label = f"{label} > {seen}" if label else f"observe {seen}"
    return label or "read"


def _count(n: float) -> str:
    for unit, size in (("M", 1e6), ("k", 1e3)):
        if n >= size:
            return f"{n / size:.1f}{unit}"
    return str(int(n))


def _clock(seconds: float) -> str:
    s = round(seconds)
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}"


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


class RunProgress:
    """Documents through every pass of a run, shown as one line (see the module doc)."""

    def __init__(
        self,
        n_passes: int,
        *,
        enabled: bool = True,
        stream: TextIO | None = None,
        interval: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.n_passes = n_passes
        self.enabled = enabled
        self.stream = stream if stream is not None else sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.interval = interval if interval is not None else (
            TTY_INTERVAL if self.tty else PLAIN_INTERVAL
        )  # fmt: skip
        self.clock = clock
        self.index = 0
        self.label = ""
        self.total: int | None = None
        self.docs = 0
        self.nbytes = 0
        self.done_docs = 0  # in finished passes
        self.busy = 0.0  # seconds spent in finished passes
        self.started = clock()
        self.shown = 0.0
        self.drawn = False

    def start_pass(self, index: int, label: str, total: int | None) -> None:
        self.index, self.label, self.total = index, label, total
        self.docs = self.nbytes = 0
        self.started = self.shown = self.clock()

    def update(self, docs: int, nbytes: int) -> None:
        self.docs += docs
        self.nbytes += nbytes
        now = self.clock()
        if self.enabled and now - self.shown >= self.interval:
            self.shown = now
            self._show(self.line(now))

    def end_pass(self) -> float:
        """Close the pass; its seconds. The terminal line is cleared for the log line."""
        seconds = self.clock() - self.started
        self.done_docs += self.docs
        self.busy += seconds
        self.clear()
        return seconds

    def eta(self, now: float) -> float | None:
        """Seconds left in this pass and the later ones; None while unknown."""
        elapsed = self.busy + (now - self.started)
        done = self.done_docs + self.docs
        if self.total is None or done == 0 or elapsed <= 0:
            return None
        left = max(self.total - self.docs, 0) + self.total * (self.n_passes - 1 - self.index)
        return left / (done / elapsed)

    def line(self, now: float | None = None, width: int | None = None) -> str:
        """The progress line, at most ``width`` columns (the terminal's, or 80)."""
        now = self.clock() if now is None else now
        width = width or (shutil.get_terminal_size((80, 24)).columns if self.tty else 80)
        seconds = max(now - self.started, 1e-9)
        done = _count(self.docs)
        if self.total:
            done += f"/{_count(self.total)} {100 * self.docs / self.total:.0f}%"
        else:
            done += " docs"
        parts = [done, f"{self.nbytes / 1e6 / seconds:.1f}MB/s"]
        eta = self.eta(now)
        if eta is not None:
            parts.append(f"ETA {_clock(eta)}")
        tail = "  " + " ".join(parts)
        head = f"pass {self.index + 1}/{self.n_passes} "
        room = max(width - 1 - len(head) - len(tail), 8)
        return _cut(head + _cut(self.label, room) + tail, width - 1)

    def _show(self, line: str) -> None:
        if self.tty:
            self.stream.write("\r" + line + "\x1b[K")
            self.stream.flush()
            self.drawn = True
        else:
            LOG.info("%s", line)

    def clear(self) -> None:
        if self.drawn:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self.drawn = False
