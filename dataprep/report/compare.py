"""Compare two runs: ``dataprep report --compare RUN_A RUN_B``.

``build_compare(a, b)`` returns ``compare.json`` as a dict following
``compare.schema.json`` (version :data:`dataprep.report.COMPARE_VERSION`): the two
funnels (documents and bytes per stage), reason counts per stage, the language mixes
with the change in output documents per language, per stage the difference in kept
documents (B minus A), the cost (seconds per stage, when a run recorded them) and
tokens in/kept per stage (when both runs counted tokens). Stages are aligned by
instance name; a stage present in one run only has ``null`` for the other. Like
``report.json`` it is a function of the two folders' content (the seconds come from
``run.json`` and differ between otherwise identical runs).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from dataprep.io.writers import atomic_write_bytes
from dataprep.output.reader import Output, open_output
from dataprep.report import COMPARE_VERSION
from dataprep.report.build import language_mix
from dataprep.report.cost import finite_number, stage_seconds, tokens

#: Labels of the two runs, in the order given on the command line.
RUNS = ("a", "b")
_COUNTS = ("docs_in", "docs_kept", "docs_removed", "docs_out", "bytes_in", "bytes_out")


def align(first: list[str], second: list[str]) -> list[str]:
    """Stage names of both runs: ``first``'s order, each name only in ``second`` placed
    after the nearest stage before it in ``second`` that is already placed."""
    merged = list(first)
    for i, name in enumerate(second):
        if name in merged:
            continue
        before = [s for s in second[:i] if s in merged]
        merged.insert(merged.index(before[-1]) + 1 if before else 0, name)
    return merged


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict) and value:
        flat: dict[str, Any] = {}
        for k in sorted(value):
            flat.update(_flatten(value[k], f"{prefix}.{k}" if prefix else str(k)))
        return flat
    return {prefix: value}


def _stage_settings(out: Output) -> dict[str, dict[str, Any]]:
    stages = out.run.get("recipe", {}).get("stages", [])
    return {
        str(s.get("name")): _flatten({k: v for k, v in s.items() if k != "name"})
        for s in stages
        if isinstance(s, dict)
    }


def _changed(a: dict[str, Any] | None, b: dict[str, Any] | None) -> list[dict[str, Any]]:
    if a is None or b is None:
        return []
    return [
        {"key": k, "a": a.get(k), "b": b.get(k)}
        for k in sorted(set(a) | set(b))
        if a.get(k) != b.get(k)
    ]


def _counts(st: dict[str, Any] | None) -> dict[str, int] | None:
    if st is None:
        return None
    row = {k: int(st.get(k, 0)) for k in _COUNTS}
    row["docs_flagged"] = sum(int(n) for n in st.get("flagged_by_reason", {}).values())
    return row


def _get(row: dict[str, int] | None, key: str) -> int | None:
    return None if row is None else row[key]


def _diff(a: int | None, b: int | None) -> int | None:
    return None if a is None or b is None else b - a


def _stages(outs: tuple[Output, Output]) -> list[dict[str, Any]]:
    a, b = (o.stats["stages"] for o in outs)
    settings = [_stage_settings(o) for o in outs]
    rows = []
    for name in align(list(a), list(b)):
        ca, cb = _counts(a.get(name)), _counts(b.get(name))
        rows.append(
            {
                "name": name,
                "in_runs": [r for r, st in zip(RUNS, (a, b), strict=True) if name in st],
                "a": ca,
                "b": cb,
                "docs_kept_diff": _diff(_get(ca, "docs_kept"), _get(cb, "docs_kept")),
                "docs_out_diff": _diff(_get(ca, "docs_out"), _get(cb, "docs_out")),
                "settings_changed": _changed(settings[0].get(name), settings[1].get(name)),
            }
        )
    return rows


def _reasons(outs: tuple[Output, Output], names: list[str]) -> list[dict[str, Any]]:
    a, b = (o.stats["stages"] for o in outs)
    rows = []
    for name in names:
        for action, key in (("removed", "removed_by_reason"), ("flagged", "flagged_by_reason")):
            ra, rb = a.get(name, {}).get(key, {}), b.get(name, {}).get(key, {})
            for reason in sorted(set(ra) | set(rb)):
                na = int(ra.get(reason, 0)) if name in a else None
                nb = int(rb.get(reason, 0)) if name in b else None
                rows.append(
                    {
                        "stage": name,
                        "reason": reason,
                        "action": action,
                        "a": na,
                        "b": nb,
                        "diff": _diff(na, nb),
                    }
                )
    return rows


def _languages(outs: tuple[Output, Output]) -> list[dict[str, Any]]:
    mixes = [language_mix(o) for o in outs]
    rows: dict[str, dict[str, Any]] = {}
    for run, mix in zip(RUNS, mixes, strict=True):
        langs = (mix or {}).get("languages", [])
        # Document shares in both runs (a run's share_after may be in its balancing unit).
        total = max(sum(r["docs_after"] for r in langs), 1)
        for r in langs:
            row = rows.setdefault(r["lang"], {"lang": r["lang"], "a": None, "b": None})
            row[run] = {
                "docs_before": r["docs_before"],
                "docs_out": r["docs_after"],
                "share_out": r["docs_after"] / total,
            }
    for row in rows.values():  # a language one run has and the other lacks counts 0 there
        for run, mix in zip(RUNS, mixes, strict=True):
            if row[run] is None and mix is not None:
                row[run] = {"docs_before": 0, "docs_out": 0, "share_out": 0.0}
        row["docs_out_diff"] = _diff(*((row[r] or {}).get("docs_out") for r in RUNS))

    def size(row: dict[str, Any]) -> tuple[int, str]:
        return (-max((row[r] or {}).get("docs_out", 0) for r in RUNS), row["lang"])

    return sorted(rows.values(), key=size)


def _side_by_side(
    names: list[str], per_run: tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]
) -> list[dict[str, Any]]:
    """One row per aligned stage: run A's and run B's values (null where it has none)."""
    rows = []
    for name in names:
        a, b = (values.get(name) for values in per_run)
        if a is not None or b is not None:
            rows.append({"name": name, "a": a, "b": b})
    return rows


def _cost(outs: tuple[Output, Output], names: list[str]) -> dict[str, Any] | None:
    """Seconds per stage of each run; None when neither run recorded any."""
    a, b = ({r.pop("name"): r for r in stage_seconds(o)} for o in outs)
    if not a and not b:
        return None
    return {"recorded": [r for r, t in zip(RUNS, (a, b), strict=True) if t],
            "stages": _side_by_side(names, (a, b))}  # fmt: skip


def _tokens(outs: tuple[Output, Output], names: list[str]) -> dict[str, Any] | None:
    """Tokens in/kept per stage of both runs; None unless both counted tokens."""
    counted = [c for c in (tokens(o) for o in outs) if c is not None]
    if len(counted) < len(outs):
        return None
    a, b = ({r.pop("name"): r for r in c["stages"]} for c in counted)
    rows = _side_by_side(names, (a, b))
    for row in rows:
        row["tokens_kept_diff"] = _diff(*((row[r] or {}).get("tokens_kept") for r in RUNS))
    return {"stages": rows}


def _run(out: Output, given: str | Path) -> dict[str, Any]:
    stats = out.stats
    stages = list(stats["stages"].values())
    return {
        "path": str(given),
        "name": out.root.name,
        "recipe": stats.get("recipe"),
        "recipe_sha256": stats.get("recipe_sha256"),
        "docs_read": int(stats.get("docs_read", 0)),
        "docs_out": int(stats.get("docs_out", 0)),
        "bytes_read": int(stages[0].get("bytes_in", 0)) if stages else 0,
        "bytes_out": int(stages[-1].get("bytes_out", 0)) if stages else 0,
        "seconds": finite_number(out.run.get("seconds")),
    }


def build_compare(run_a: str | Path, run_b: str | Path) -> dict[str, Any]:
    """The content of ``compare.json`` for two output folders (B is compared with A)."""
    outs = (open_output(run_a), open_output(run_b))
    stages = _stages(outs)
    names = [s["name"] for s in stages]
    return {
        "compare_version": COMPARE_VERSION,
        "runs": [_run(o, given) for o, given in zip(outs, (run_a, run_b), strict=True)],
        "same_recipe": outs[0].stats.get("recipe_sha256") == outs[1].stats.get("recipe_sha256"),
        "stages": stages,
        "reasons": _reasons(outs, names),
        "languages": _languages(outs),
        "cost": _cost(outs, names),
        "tokens": _tokens(outs, names),
    }


def write_compare(run_a: str | Path, run_b: str | Path, html_path: Path) -> tuple[Path, Path]:
    """Write the comparison page to ``html_path`` and ``compare.json`` beside it."""
    from dataprep.report.compare_html import render_compare

    data = build_compare(run_a, run_b)
    json_path = html_path.with_name("compare.json")
    text = json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    html_path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(json_path, text.encode("utf-8"))
    atomic_write_bytes(html_path, render_compare(data).encode("utf-8"))
    return html_path, json_path


__all__ = ["align", "build_compare", "write_compare"]
