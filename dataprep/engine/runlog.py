"""``OUT/run.log``: the messages of every run, with UTC timestamps, in the output folder.

Library code logs to the ``dataprep`` logger (:mod:`dataprep.console.logs` shows it on
stderr at the level ``-v``/``-q`` ask). While a run holds its output folder, the engine
adds a file handler at INFO, whatever the stderr level, so the log holds the passes,
the fits with their seconds, warnings and the progress lines; a resumed run appends
to it. A run that ends with an error writes it as the last line, the one line the
command line prints (an internal error adds its traceback, for the bug report).
A run stopped by a recipe or input error leaves no output folder, so no log either.
"""

from __future__ import annotations

import logging
import sys
import time
import traceback
from pathlib import Path
from types import TracebackType

import dataprep
from dataprep.errors import DISK_FULL_HINT, DataprepError, Terminated, is_disk_full

LOGGER = "dataprep"


def describe_error(e: BaseException) -> str:
    """The one line a run ends with when ``e`` stopped it."""
    if isinstance(e, KeyboardInterrupt):
        return "interrupted; continue later with 'dataprep run ... --resume'"
    if isinstance(e, Terminated):
        return "terminated; continue later with 'dataprep run ... --resume'"
    if isinstance(e, DataprepError):
        return f"error: {e}"
    if is_disk_full(e):  # the CLI maps an escaped one to the same output error
        return f"error: disk full ({e}); {DISK_FULL_HINT}"
    first = (str(e).strip().splitlines() or [""])[0][:200]
    return f"internal error: {type(e).__name__}: {first}"


class RunLog:
    """A file handler on the ``dataprep`` logger for the length of a run."""

    def __init__(self, path: Path, *, append: bool) -> None:
        self.path = path
        self.logger = logging.getLogger(LOGGER)
        handler = logging.FileHandler(path, mode="a" if append else "w", encoding="utf-8")
        formatter = logging.Formatter("%(asctime)s %(levelname)-7s %(message)s")
        formatter.converter = time.gmtime
        formatter.default_time_format = "%Y-%m-%dT%H:%M:%SZ"
        formatter.default_msec_format = None  # type: ignore[assignment]
        handler.setFormatter(formatter)
        handler.setLevel(logging.INFO)
        self.handler = handler
        self._level = self.logger.level

    def __enter__(self) -> RunLog:
        if self.logger.getEffectiveLevel() > logging.INFO:
            self.logger.setLevel(logging.INFO)  # the file gets INFO even from the API
        self.logger.addHandler(self.handler)
        command = " ".join(sys.argv) if sys.argv and sys.argv[0] else "(python)"
        self._write(logging.INFO, f"dataprep {dataprep.__version__}: {command}")
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if error is not None:
            line = describe_error(error)
            expected = (DataprepError, KeyboardInterrupt, Terminated)
            if not isinstance(error, expected) and not is_disk_full(error):
                line += "\n" + "".join(traceback.format_exception(kind, error, tb)).rstrip()
            self._write(logging.ERROR, line)
        self.close()

    def _write(self, level: int, message: str) -> None:
        """A line in the file only (stderr shows its own version of it)."""
        record = logging.LogRecord(LOGGER, level, __file__, 0, message, None, None)
        self.handler.handle(record)

    def close(self) -> None:
        self.logger.removeHandler(self.handler)
        self.handler.close()
        self.logger.setLevel(self._level)
