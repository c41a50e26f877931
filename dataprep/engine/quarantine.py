"""Quarantine mode's ledger for one shard: the units set aside, listed and counted."""

from __future__ import annotations

from collections import Counter
from typing import Any

from dataprep.engine.accounting import StageStats
from dataprep.errors import InputError
from dataprep.io.bad_units import BAD_FILE, BadUnit
from dataprep.io.discover import Shard


class Quarantine:
    """Bad units of the input (records, row groups, the rest of a stream, files) set
    aside and counted.

    Each entry names its unit (``line``, ``row``, ``row_group``, ``offset``; a whole
    file has ``"line": None``), the documents in it (``None`` when they cannot be
    known, e.g. after a break in a compressed stream) and why. The documents are
    counted in the ``input`` stage as read and removed, under the unit's reason, so
    ``read = kept + removed`` still holds with quarantined documents among the removed.
    """

    LIMIT = 1000  # entries listed per shard; all of them are counted

    def __init__(self, shard: Shard) -> None:
        self.shard = shard
        self.entries: list[dict[str, Any]] = []
        self.pending: Counter[str] = Counter()

    def _entry(
        self, unit: str, position: int | None, docs: int | None, reason: str, error: str
    ) -> dict[str, Any]:
        return {
            "file": self.shard.name,
            unit: position,
            "docs": docs,
            "reason": reason,
            "error": error.replace(str(self.shard.path), self.shard.name),
        }

    def record(self, unit: BadUnit) -> None:
        if unit.docs:
            self.pending[unit.reason] += unit.docs
        if len(self.entries) < self.LIMIT:
            entry = self._entry(unit.unit, unit.position, unit.docs, unit.reason, unit.error)
            if unit.line is not None:
                entry["line"] = unit.line
            self.entries.append(entry)

    def set_aside_file(self, error: InputError, docs: int | None) -> None:
        """The whole file, instead of whatever was recorded for it so far."""
        self.entries = [self._entry("line", None, docs, BAD_FILE, str(error))]
        self.pending = Counter({BAD_FILE: docs} if docs else {})

    def flush_into(self, stats: StageStats) -> None:
        """Count documents set aside since the last flush as read and removed."""
        n = sum(self.pending.values())
        stats.docs_in += n
        stats.docs_removed += n
        stats.removed_by_reason.update(self.pending)
        self.pending.clear()
