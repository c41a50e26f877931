"""Rewrite evidence for ``report.json``: per rewriting stage, what share of each changed
document's characters it removed, and sampled documents shown as a line diff.

The facts come from the run-time sample store (:mod:`.store`), since a rewritten
document's original text is gone once the stage ran. Lines are compared with
:mod:`difflib`; unchanged runs are shortened to ``CONTEXT_LINES`` around each change
and each sample's diff is cut at ``DIFF_CHARS`` characters.
"""

from __future__ import annotations

import difflib
from typing import Any

from dataprep.output.reader import Output
from dataprep.report.store import SHARE_BINS, STORE_CHARS, merged_rewrites

SAMPLES_SHOWN = 5
CONTEXT_LINES = 1
DIFF_CHARS = 3000
LINE_CHARS = 400


def _line(text: str) -> str:
    return text if len(text) <= LINE_CHARS else text[: LINE_CHARS - 1] + "…"


def line_diff(before: str, after: str) -> dict[str, Any]:
    """``ops`` of ``[tag, lines before, lines after]`` (tags as :func:`difflib.SequenceMatcher`
    gives them; an ``equal`` run is shortened to its context and ``[… N unchanged lines …]``),
    the numbers of lines removed and added, and whether the diff was cut."""
    a, b = before.splitlines(), after.splitlines()
    codes = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    ops: list[list[Any]] = []
    budget, clipped = DIFF_CHARS, False
    removed = added = 0
    for k, (tag, i1, i2, j1, j2) in enumerate(codes):
        if tag != "equal":
            removed += i2 - i1
            added += j2 - j1
        if clipped:
            continue
        if tag == "equal":
            lines = a[i1:i2]
            keep_head = 0 if k == 0 else CONTEXT_LINES
            keep_tail = 0 if k == len(codes) - 1 else CONTEXT_LINES
            if len(lines) > keep_head + keep_tail + 1:
                cut = len(lines) - keep_head - keep_tail
                lines = [
                    *lines[:keep_head],
                    f"[… {cut} unchanged lines …]",
                    *lines[len(lines) - keep_tail :],
                ]
            old, new = [_line(x) for x in lines], []
        else:
            old, new = [_line(x) for x in a[i1:i2]], [_line(x) for x in b[j1:j2]]
        item: list[Any] = [tag, old, new]
        size = sum(len(x) + 1 for x in old + new)
        if size > budget:
            clipped = True
            continue
        budget -= size
        ops.append(item)
    return {"ops": ops, "lines_removed": removed, "lines_added": added, "truncated": clipped}


def rewrites_section(out: Output) -> list[dict[str, Any]]:
    """One entry per rewriting stage, in pipeline order."""
    store = merged_rewrites(out.root, out.stage_names)
    rows = []
    for name, d in store.get("stages", {}).items():
        samples = []
        for s in d.get("samples", [])[:SAMPLES_SHOWN]:
            before, after = s.get("before") or "", s.get("after") or ""
            cut = max(s.get("chars_before", 0), s.get("chars_after", 0)) > STORE_CHARS
            diff = line_diff(before, after)
            diff["truncated"] = diff["truncated"] or cut
            samples.append(
                {
                    "id": s.get("id"),
                    "lang": s.get("lang"),
                    "reason": s.get("reason"),
                    "chars_before": int(s.get("chars_before", 0)),
                    "chars_after": int(s.get("chars_after", 0)),
                    "diff": diff,
                }
            )
        rows.append(
            {
                "stage": name,
                "docs_seen": int(d.get("docs_seen", 0)),
                "docs_changed": int(d.get("docs_changed", 0)),
                "docs_longer": int(d.get("docs_longer", 0)),
                "chars_before": int(d.get("chars_before", 0)),
                "chars_after": int(d.get("chars_after", 0)),
                "share_removed": {
                    "edges": [i / SHARE_BINS for i in range(SHARE_BINS + 1)],
                    "counts": [int(c) for c in d.get("share_removed", [])],
                },
                "samples": samples,
            }
        )
    return rows
