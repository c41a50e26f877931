"""Re-decide a filter stage from its stored signals, with other thresholds.

Every filter stage stores its signals as columns ``{stage}__{signal}``, so a new
decision needs no recomputation: the filter's ``decide_batch`` runs on the stored
columns with the changed options. This is the point of annotate mode: run once
with ``annotate: true``, then try thresholds in seconds.

Population: the documents in ``data/`` (they reached every stage). Documents an
earlier run already *removed* are not brought back (their later stages never ran
on them); to explore thresholds freely, run the stage with ``annotate: true``.
:class:`Scope` says which documents a re-decision covers and which it cannot, and
:func:`format_redecision` prints it with the way to make the run re-decidable.
"""

from __future__ import annotations

import difflib
import textwrap
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import yaml

from dataprep.errors import ConfigError, InputError
from dataprep.io.writers import PartWriter
from dataprep.output.columns import LANG_COLUMN, signal_prefix
from dataprep.output.layout import Layout, part_prefix
from dataprep.output.reader import iter_batches, open_output
from dataprep.recipe.config import build_dataclass
from dataprep.recipe.registry import get_stage
from dataprep.stages.removed import REMOVED_REASON_COL, make_room


@dataclass(frozen=True)
class Scope:
    """What a re-decision of ``stage`` covers, from the run's stats.json."""

    stage: str
    annotate: bool
    removed_here: int
    """Documents the stage removed in the run: gone from data/, never re-decided."""
    removed_later: dict[str, int]
    """Documents later stages removed, per stage: not in data/ either."""
    copies: int
    """Copies made by later up-sampling stages: in data/, each re-decided as a document."""


@dataclass
class Redecision:
    """Counts of old and new reasons over the population."""

    docs: int
    old: Counter[str]
    new: Counter[str]
    newly_removed: int
    newly_kept: int
    scope: Scope | None = None


def parse_overrides(pairs: list[str]) -> dict[str, Any]:
    """``["min_words=30", "stop_words=[a, b]"]`` -> typed values (YAML scalars)."""
    out: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key:
            raise ConfigError(f"--set expects KEY=VALUE, got {pair!r}")
        out[key.strip()] = yaml.safe_load(raw)
    return out


def _scope(stats: Mapping[str, Any], stage: str) -> Scope:
    stages = stats.get("stages", {})
    names = list(stages)
    later = names[names.index(stage) + 1 :] if stage in names else []
    info = stats.get("stage_info", {}).get(stage, {})
    return Scope(
        stage=stage,
        annotate=bool(info.get("annotate", False)),
        removed_here=int(stages.get(stage, {}).get("docs_removed", 0)),
        removed_later={n: int(stages[n].get("docs_removed", 0)) for n in later},
        copies=sum(int(stages[n].get("docs_added", 0)) for n in later),
    )


def _stage_filter(root: Path, stage: str, overrides: Mapping[str, Any]) -> Any:
    out = open_output(root)
    if not out.run:
        raise InputError(f"{out.layout.run} not found: is {root} a finished dataprep output?")
    info = out.stats.get("stage_info", {})
    if stage not in info:
        names = [n for n, i in info.items() if i.get("kind") == "batch"]
        close = difflib.get_close_matches(stage, names, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise ConfigError(
            f"no stage named {stage!r} in {root}{hint} (filter stages: {', '.join(names)})"
        )
    cls = get_stage(info[stage]["stage"])
    if not hasattr(cls, "filter_cls"):
        raise ConfigError(f"stage {stage!r} is not a filter; only filters can be re-decided")
    recipe = out.run["recipe"]
    options = next(dict(s["options"]) for s in recipe["stages"] if s["name"] == stage)
    options.update(overrides)
    config = build_dataclass(cls.Config, options, f"stage {stage}")
    return cls.filter_cls(config)


def _batches(root: Path) -> Iterator[pa.RecordBatch]:
    """Kept documents with every column, side-table signals joined (``output/reader``)."""
    out = open_output(root)
    for part in out.kept_files():
        yield from iter_batches(out, part, out.schema(part).names)


def redecide(
    root: Path, stage: str, overrides: Mapping[str, Any], *, output: Path | None = None
) -> Redecision:
    """Apply new options to ``stage``'s stored signals; optionally write the result."""
    filt = _stage_filter(root, stage, overrides)
    prefix = signal_prefix(stage)
    signal_cols = [prefix + n for n in filt.signal_names]
    old_reason_col = prefix + "reason"
    result = Redecision(0, Counter(), Counter(), 0, 0, _scope(open_output(root).stats, stage))
    kept_w = removed_w = None
    if output is not None:
        if output.exists() and any(output.iterdir()):
            raise ConfigError(f"output folder {output} is not empty")
        target = Layout(output)
        kept_w = PartWriter(target.data, part_prefix(0), max_bytes=256 << 20)
        removed_w = PartWriter(target.removed_stage(stage), part_prefix(0), max_bytes=256 << 20)
    for batch in _batches(root):
        missing = [c for c in signal_cols if c not in batch.schema.names]
        if missing:
            raise InputError(
                f"{root}/data: signal column {missing[0]!r} is missing (was the run's "
                "output.signals 'drop'? 'keep' or 'separate' keeps signals for redecide)"
            )
        signals = pa.table({n: batch.column(prefix + n) for n in filt.signal_names})
        langs = batch.column(LANG_COLUMN) if LANG_COLUMN in batch.schema.names else None
        new = filt.decide_batch(signals, langs)
        old = (
            batch.column(old_reason_col)
            if old_reason_col in batch.schema.names
            else pa.nulls(batch.num_rows, pa.string())
        )
        _tally(result, old, new)
        if kept_w is not None and removed_w is not None:
            rest = (
                batch.drop_columns([old_reason_col])
                if old_reason_col in batch.schema.names
                else batch
            )
            removed = pc.is_valid(new)
            kept_w.write(rest.filter(pc.invert(removed)))
            gone = make_room(rest.filter(removed), (REMOVED_REASON_COL,))
            removed_w.write(gone.append_column(REMOVED_REASON_COL, pc.filter(new, removed)))
    for w in (kept_w, removed_w):
        if w is not None:
            w.close()
            w.commit()
    return result


def _tally(result: Redecision, old: pa.Array, new: pa.Array) -> None:
    result.docs += len(new)
    for counter, values in ((result.old, old), (result.new, new)):
        for item in pc.value_counts(pc.drop_null(values)).to_pylist():
            counter[str(item["values"])] += int(item["counts"])
    old_set, new_set = pc.is_valid(old), pc.is_valid(new)
    result.newly_removed += int(pc.sum(pc.and_(new_set, pc.invert(old_set))).as_py() or 0)
    result.newly_kept += int(pc.sum(pc.and_(old_set, pc.invert(new_set))).as_py() or 0)


def format_redecision(r: Redecision) -> str:
    reasons = sorted(set(r.old) | set(r.new))
    lines = [f"{'reason':<44}{'before':>10}{'after':>10}", "-" * 64]
    lines += [f"{name:<44}{r.old[name]:>10,}{r.new[name]:>10,}" for name in reasons]
    lines.append("-" * 64)
    lines.append(f"{'documents re-decided':<44}{r.docs:>20,}")
    lines.append(f"{'newly removed / newly kept':<44}{r.newly_removed:>10,}{r.newly_kept:>10,}")
    if r.scope is not None:
        lines.append("")
        lines += [
            textwrap.fill(n, 88, subsequent_indent="  ") for n in scope_notes(r.scope, r.docs)
        ]
    return "\n".join(lines)


def scope_notes(scope: Scope, docs: int) -> list[str]:
    """What was and was not re-decided, and how to make a run re-decidable."""
    name = scope.stage
    notes = [f"re-decided: the {docs:,} documents in data/ (they reached every stage)."]
    if scope.annotate:
        notes.append(
            f"{name} ran with annotate: true, so it removed nothing: every document it "
            "judged is here unless a later stage removed it."
        )
    else:
        notes.append(
            f"not re-decided: the {scope.removed_here:,} documents {name} removed "
            f"(in removed/{name}/; later stages never saw them): new settings can remove "
            "more documents but cannot keep any of those."
        )
        notes.append(
            f"to re-decide every document, rerun with annotate: true on this stage "
            f"(dataprep run RECIPE ... --set stages.{name}.annotate=true: it flags "
            "instead of removing) and redecide that run."
        )
    gone = {n: k for n, k in scope.removed_later.items() if k}
    if gone:
        listed = ", ".join(f"{n} {k:,}" for n, k in gone.items())
        notes.append(f"not re-decided either: documents later stages removed ({listed}).")
    if scope.copies:
        notes.append(
            f"{scope.copies:,} of the re-decided documents are copies made by up-sampling."
        )
    return notes
