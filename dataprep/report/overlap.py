"""How many documents two stages would both remove (pairwise overlaps).

A stage that removes documents hides them from every later stage, so an overlap
``A ∩ B`` (A before B) is measurable only when A runs in annotate mode: then every
document A flags still reaches B, and its ``A__reason`` column survives on the
kept documents and on those a later stage removes. One streaming pass over the
``*__reason`` columns builds a boolean hit matrix per batch and sums ``M.T @ M``.
Counts are over the documents that reached the later stage of each pair; the
diagonal is each stage's own removed (or flagged) count.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dataprep.output.columns import INPUT_STAGE, reason_column
from dataprep.output.reader import Output, PartFile, iter_batches, num_rows
from dataprep.report.signals import REPEAT_COLUMN, before_upsampling

NOTE = (
    "The overlap of stages A and B (A first) is measured only when A runs with "
    "annotate: true; otherwise A removes its documents before B sees them (shown as n/a)."
)


def _candidates(out: Output) -> list[str]:
    """Stages that removed or flagged anything, in pipeline order."""
    names = []
    for name, st in out.stats.get("stages", {}).items():
        if name != INPUT_STAGE and (st.get("docs_removed") or st.get("flagged_by_reason")):
            names.append(name)
    return names


def _add_part(
    out: Output, part: PartFile, stages: list[str], annotate: list[bool], counts: np.ndarray
) -> None:
    """Add one part's pair counts; up-sampled copies count only for stages after up-sampling."""
    flags = [reason_column(s) for s in stages]
    names = set(out.schema(part).names)
    present = [f for f, a in zip(flags, annotate, strict=True) if a and f in names]
    if not present:
        if part.stage in stages:
            j = stages.index(part.stage)
            counts[j, j] += num_rows(part)
        return
    originals_only = np.array([before_upsampling(out, s) for s in stages])
    for batch in iter_batches(out, part, [*present, REPEAT_COLUMN]):
        hit = np.zeros((batch.num_rows, len(stages)), dtype=np.int64)
        for j, s in enumerate(stages):
            if part.stage == s:
                hit[:, j] = 1
            elif flags[j] in present:
                hit[:, j] = batch.column(flags[j]).is_valid().to_numpy(zero_copy_only=False)
        if REPEAT_COLUMN in batch.schema.names:
            copy = batch.column(REPEAT_COLUMN).fill_null(0).to_numpy(zero_copy_only=False) > 0
            hit[np.ix_(copy, originals_only)] = 0
        counts += hit.T @ hit


def how_to_measure(stages: list[str], annotate: list[bool]) -> tuple[list[str], str | None]:
    """The stages whose ``annotate: true`` would fill the n/a cells, and a sentence saying so.

    Cell (A, B), A first, is measured only when A annotates: B does not need to. So the
    stages to switch are those before the last candidate that do not annotate yet.
    """
    missing = [s for s, a in zip(stages[:-1], annotate[:-1], strict=True) if not a]
    if not missing:
        return [], None
    listed = ", ".join(missing)
    return missing, (
        f"n/a: {listed} removed documents before the later stages saw them. To measure "
        f"these cells, set annotate: true on {listed} (the earlier stage of each pair; "
        "the later one need not annotate) and rerun."
    )


def overlaps(out: Output) -> dict[str, Any]:
    """``{"stages", "annotate", "counts", "note", "unmeasured", "how_to_measure"}``.

    ``counts[i][j]`` is None when unknown; ``unmeasured`` lists the stages that would
    need ``annotate: true`` to know it, and ``how_to_measure`` says so in a sentence.
    """
    stages = _candidates(out)
    annotate = [bool(out.stage_info(s).get("annotate")) for s in stages]
    k = len(stages)
    counts = np.zeros((k, k), dtype=np.int64)
    if any(annotate):
        for part in out.all_files():
            _add_part(out, part, stages, annotate, counts)
    else:
        for j, s in enumerate(stages):
            st = out.stats["stages"][s]
            counts[j, j] = st.get("docs_removed", 0)
    matrix = [
        [int(counts[i, j]) if i == j or annotate[min(i, j)] else None for j in range(k)]
        for i in range(k)
    ]
    missing, how = how_to_measure(stages, annotate)
    return {
        "stages": stages,
        "annotate": annotate,
        "counts": matrix,
        "note": NOTE,
        "unmeasured": missing,
        "how_to_measure": how,
    }
