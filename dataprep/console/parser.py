"""An ``argparse`` parser with did-you-mean hints and global flags after the verb.

``dataprep rnu`` says "did you mean 'run'?"; ``dataprep run ... --workerz 2`` is
reported by ``run``'s parser (its usage, not the top-level one) with "did you mean
'--workers'?". ``--debug``, ``-v``/``--verbose`` and ``-q``/``--quiet`` are added to
every verb's parser with suppressed defaults, so they work before or after it.
Usage errors exit 2, like recipe and option errors.
"""

from __future__ import annotations

import argparse
import difflib
import re
import sys
from collections.abc import Sequence
from typing import NoReturn

_INVALID_CHOICE = re.compile(r"invalid choice: '([^']*)' \(choose from (.*)\)")


def suggest(word: str, valid: Sequence[str]) -> str:
    """``"; did you mean 'run'?"`` or ``""`` (stdlib :func:`difflib.get_close_matches`)."""
    close = difflib.get_close_matches(word, list(valid), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


class Parser(argparse.ArgumentParser):
    """``ArgumentParser`` whose errors suggest the closest valid word."""

    def error(self, message: str) -> NoReturn:
        found = _INVALID_CHOICE.search(message)
        if found:
            choices = [c.strip().strip("'") for c in found.group(2).split(",")]
            hint = suggest(found.group(1), choices)
            message = message.replace(found.group(0), f"invalid choice: {found.group(1)!r}{hint}")
            message += f" (choose from {', '.join(choices)})"
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\n")

    def unrecognized(self, extras: Sequence[str]) -> NoReturn:
        """Report arguments this (sub-)parser does not know, with the closest option."""
        options = [s for a in self._actions for s in a.option_strings if s.startswith("--")]
        hints = [suggest(x.split("=", 1)[0], options) for x in extras if x.startswith("-")]
        hint = next((h for h in hints if h), "")
        self.error(f"unrecognized arguments: {' '.join(extras)}{hint}")


def add_global_flags(p: argparse.ArgumentParser, *, top: bool) -> None:
    """``--debug``, ``-v``, ``-q`` on ``p``; a verb's copies leave the top's values
    alone unless given (``argparse.SUPPRESS`` defaults)."""
    default = {} if top else {"default": argparse.SUPPRESS}
    p.add_argument(
        "--debug",
        action="store_true",
        help="show tracebacks for errors",
        **({"default": False} if top else default),  # type: ignore[arg-type]
    )
    p.add_argument(
        "-v",
        "--verbose",
        action="count",
        help="more messages (-vv: debug); with 'stages': every option",
        **({"default": 0} if top else default),  # type: ignore[arg-type]
    )
    p.add_argument(
        "-q",
        "--quiet",
        action="count",
        help="only warnings and errors; 'run' prints nothing on success",
        **({"default": 0} if top else default),  # type: ignore[arg-type]
    )


def parse(parser: Parser, argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse ``argv``; unknown arguments are reported by the verb that got them."""
    args, extras = parser.parse_known_args(argv)
    if extras:
        sub = next((a for a in parser._actions if isinstance(a, argparse._SubParsersAction)), None)
        verb = getattr(args, "command", None)
        target = sub.choices.get(verb) if sub is not None and verb else None
        (target if isinstance(target, Parser) else parser).unrecognized(extras)
    return args
