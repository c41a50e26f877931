"""Exceptions keyed by what the user can do about them.

The CLI maps each class to a one-line message and an exit code; tracebacks are
shown only with ``--debug``. Library code raises these (``from`` the original
error) with the file, key, row group or line that caused them.
"""

from __future__ import annotations


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


class Terminated(Exception):
    """SIGTERM was received: stop like Ctrl-C (exit 143); finished shards are kept."""
