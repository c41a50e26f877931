"""``logging`` for the command line: messages on stderr at the level ``-v``/``-q`` ask.

Library code logs to the ``dataprep`` logger and never configures handlers; only
the command line adds this stderr handler (the engine adds ``OUT/run.log`` for the
length of a run, see :mod:`dataprep.engine.runlog`).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager

LOGGER = "dataprep"


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to the current ``sys.stderr`` (tests swap it), message only."""

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(logging.Formatter("%(message)s"))

    @property  # type: ignore[override]
    def stream(self):  # type: ignore[no-untyped-def]
        return sys.stderr

    @stream.setter
    def stream(self, value: object) -> None:
        pass


def level_for(verbose: int, quiet: int) -> int:
    """INFO by default; ``-q`` WARNING, ``-qq`` ERROR; ``-v`` or more DEBUG."""
    if quiet:
        return logging.WARNING if quiet == 1 else logging.ERROR
    return logging.DEBUG if verbose else logging.INFO


@contextmanager
def stderr_logging(verbose: int, quiet: int) -> Iterator[logging.Logger]:
    """The ``dataprep`` logger with one stderr handler at the asked level, for the length
    of one command: the logger is left as it was found afterwards, so a later call in the
    same process (tests, notebooks) does not print through a handler of an earlier one."""
    logger = logging.getLogger(LOGGER)
    level, propagate = logger.level, logger.propagate
    handler = _StderrHandler()
    handler.setLevel(level_for(verbose, quiet))
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    try:
        yield logger
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
        logger.propagate = propagate
