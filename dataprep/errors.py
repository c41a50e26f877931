"""Exceptions keyed by what the user can do about them.

The CLI maps each class to a one-line message and an exit code; tracebacks are
shown only with ``--debug``. Library code raises these (``from`` the original
error) with the file, key, row group or line that caused them.
"""

from __future__ import annotations

import errno
import re


class DataprepError(Exception):
    """Base class: an error the user can act on. ``str(e)`` is one line."""

    exit_code = 1


class ConfigError(DataprepError):
    """The recipe or a command-line option is wrong: fix the recipe."""

    exit_code = 2


class InputError(DataprepError):
    """An input file is missing, unreadable, corrupt or lacks a column."""

    exit_code = 3


class OutputError(DataprepError):
    """The output folder cannot be used (not empty, not writable, disk full)."""

    exit_code = 4


class ResumeError(DataprepError):
    """A ``--resume`` was asked for a run that cannot be resumed safely."""

    exit_code = 5


class InfrastructureError(DataprepError):
    """A machine, process or cluster node failed: finished shards are kept; rerun
    with ``--resume`` to continue."""

    exit_code = 6


#: errno values of a full disk or an exhausted quota.
DISK_FULL_ERRNOS = (errno.ENOSPC, errno.EDQUOT)
#: What the user does after a full disk (every disk-full message ends with it).
DISK_FULL_HINT = "free space and rerun with --resume"
_ARROW_ERRNO = re.compile(r"\[errno (\d+)\]", re.IGNORECASE)


def errno_of(e: OSError) -> int | None:
    """The errno of ``e``; some pyarrow I/O errors carry it only in their message."""
    if e.errno is not None:
        return int(e.errno)
    found = _ARROW_ERRNO.search(str(e))
    return int(found.group(1)) if found else None


def is_disk_full(e: BaseException) -> bool:
    return isinstance(e, OSError) and errno_of(e) in DISK_FULL_ERRNOS


def write_error(what: str, e: OSError) -> OutputError:
    """The one-line error for a failed write of ``what`` (a file, named with its path):
    a full disk says so and how to go on; anything else names the cause."""
    if is_disk_full(e):
        return OutputError(f"disk full while writing {what}; {DISK_FULL_HINT}")
    return OutputError(f"cannot write {what}: {e}")


class Terminated(Exception):
    """SIGTERM was received: stop like Ctrl-C (exit 143); finished shards are kept."""
