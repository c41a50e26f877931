"""Per-stage accounting: documents and bytes in, kept, removed by reason.

The invariant ``docs_in == docs_kept + docs_removed`` holds for every stage by
construction (the runner counts a batch once before and once after a stage) and
is checked again when stats are merged. Up-sampling stages also report
``docs_added`` (extra copies), so ``docs_out = docs_kept + docs_added``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any


@dataclass
class StageStats:
    """Counters of one stage, summable across shards and workers."""

    docs_in: int = 0
    bytes_in: int = 0
    docs_kept: int = 0
    bytes_kept: int = 0
    docs_removed: int = 0
    bytes_removed: int = 0
    docs_added: int = 0
    bytes_added: int = 0
    chars_rewritten: int = 0
    """Bytes of text removed from kept documents by a rewriting stage."""
    removed_by_reason: Counter[str] = field(default_factory=Counter)
    flagged_by_reason: Counter[str] = field(default_factory=Counter)
    """Annotate mode: what would have been removed."""
    docs_in_by_lang: Counter[str] = field(default_factory=Counter)
    removed_by_lang: Counter[str] = field(default_factory=Counter)
    counts_tokens: bool = False
    """The documents carried ``n_tokens`` (``tokens_v1`` ran before or at this stage)."""
    tokens_in: int = 0
    tokens_kept: int = 0
    tokens_in_by_lang: Counter[str] = field(default_factory=Counter)
    tokens_kept_by_lang: Counter[str] = field(default_factory=Counter)

    def add(self, other: StageStats) -> None:
        for name in (
            "docs_in",
            "bytes_in",
            "docs_kept",
            "bytes_kept",
            "docs_removed",
            "bytes_removed",
            "docs_added",
            "bytes_added",
            "chars_rewritten",
            "tokens_in",
            "tokens_kept",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.counts_tokens = self.counts_tokens or other.counts_tokens
        self.tokens_in_by_lang.update(other.tokens_in_by_lang)
        self.tokens_kept_by_lang.update(other.tokens_kept_by_lang)
        self.removed_by_reason.update(other.removed_by_reason)
        self.flagged_by_reason.update(other.flagged_by_reason)
        self.docs_in_by_lang.update(other.docs_in_by_lang)
        self.removed_by_lang.update(other.removed_by_lang)

    def check(self, stage: str) -> None:
        """Raise when the accounting does not balance (a bug, never a user error)."""
        if self.docs_in != self.docs_kept + self.docs_removed:
            raise RuntimeError(
                f"accounting error in stage {stage}: {self.docs_in} in != "
                f"{self.docs_kept} kept + {self.docs_removed} removed"
            )
        if sum(self.removed_by_reason.values()) != self.docs_removed:
            raise RuntimeError(f"accounting error in stage {stage}: reasons do not sum up")

    def to_dict(self) -> dict[str, Any]:
        tokens: dict[str, Any] = {}
        if self.counts_tokens:
            tokens = {
                "tokens_in": self.tokens_in,
                "tokens_kept": self.tokens_kept,
                "tokens_in_by_lang": dict(sorted(self.tokens_in_by_lang.items())),
                "tokens_kept_by_lang": dict(sorted(self.tokens_kept_by_lang.items())),
            }
        return {
            "docs_in": self.docs_in,
            "docs_kept": self.docs_kept,
            "docs_removed": self.docs_removed,
            "docs_added": self.docs_added,
            "docs_out": self.docs_kept + self.docs_added,
            "bytes_in": self.bytes_in,
            "bytes_kept": self.bytes_kept,
            "bytes_removed": self.bytes_removed,
            "bytes_added": self.bytes_added,
            "bytes_out": self.bytes_kept + self.bytes_added - self.chars_rewritten,
            "bytes_rewritten_away": self.chars_rewritten,
            "removed_by_reason": dict(sorted(self.removed_by_reason.items())),
            "flagged_by_reason": dict(sorted(self.flagged_by_reason.items())),
            "docs_in_by_lang": dict(sorted(self.docs_in_by_lang.items())),
            "removed_by_lang": dict(sorted(self.removed_by_lang.items())),
            **tokens,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StageStats:
        return cls(
            docs_in=data["docs_in"],
            bytes_in=data["bytes_in"],
            docs_kept=data["docs_kept"],
            bytes_kept=data["bytes_kept"],
            docs_removed=data["docs_removed"],
            bytes_removed=data["bytes_removed"],
            docs_added=data["docs_added"],
            bytes_added=data["bytes_added"],
            chars_rewritten=data["bytes_rewritten_away"],
            removed_by_reason=Counter(data["removed_by_reason"]),
            flagged_by_reason=Counter(data["flagged_by_reason"]),
            docs_in_by_lang=Counter(data["docs_in_by_lang"]),
            removed_by_lang=Counter(data["removed_by_lang"]),
            counts_tokens="tokens_in" in data,
            tokens_in=data.get("tokens_in", 0),
            tokens_kept=data.get("tokens_kept", 0),
            tokens_in_by_lang=Counter(data.get("tokens_in_by_lang", {})),
            tokens_kept_by_lang=Counter(data.get("tokens_kept_by_lang", {})),
        )


RunStats = dict[str, StageStats]


def merge(into: RunStats, other: RunStats) -> None:
    """Add ``other``'s counters into ``into`` (stage order of first appearance)."""
    for name, st in other.items():
        into.setdefault(name, StageStats()).add(st)


def format_table(stats: RunStats) -> str:
    """A short plain-text table for the end of a run and ``dataprep stats``.

    An annotate-mode stage removes nothing; its ``flagged`` column counts the documents
    it would have removed (kept, with a reason column), and its top reason says
    ``flagged`` so a large count never reads as a removal.
    """
    header = (
        f"{'stage':<24}{'docs in':>10}{'kept':>10}{'removed':>10}{'flagged':>10}{'%':>7}"
        f"{'MB out':>9}  top reason"
    )
    lines = [header, "-" * len(header)]
    for name, st in stats.items():
        pct = 100.0 * st.docs_removed / max(st.docs_in, 1)
        flagged = sum(st.flagged_by_reason.values())
        top = st.removed_by_reason.most_common(1)
        top_flagged = st.flagged_by_reason.most_common(1)
        if top:
            reason = f"{top[0][0]} ({top[0][1]:,})"
        elif top_flagged:
            reason = f"{top_flagged[0][0]} ({top_flagged[0][1]:,} flagged)"
        else:
            reason = ""
        if st.docs_added:
            reason = (reason + f" +{st.docs_added} copies").strip()
        mb_out = st.to_dict()["bytes_out"] / 1e6
        lines.append(
            f"{name:<24}{st.docs_in:>10,}{st.docs_kept:>10,}{st.docs_removed:>10,}{flagged:>10,}"
            f"{pct:>6.1f}%{mb_out:>9.2f}  {reason}"
        )
    return "\n".join(lines)
