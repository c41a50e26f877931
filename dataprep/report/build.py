"""Build ``report.json`` and ``report.html`` from an output folder.

``build_report(root)`` returns the report as a dict following
``report.schema.json`` (version :data:`dataprep.report.REPORT_VERSION`). Everything
in it is a function of the output folder's deterministic content, except the
``run.timing`` key (seconds, workers), so two identical runs give identical
reports apart from that key. ``write_reports(root)`` writes both files atomically.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

import pyarrow.compute as pc

from dataprep.io.writers import atomic_write_bytes
from dataprep.output.columns import INPUT_STAGE, reason_column
from dataprep.output.reader import Output, iter_batches, open_output
from dataprep.report import REPORT_VERSION
from dataprep.report.cost import stage_seconds, tokens
from dataprep.report.duplicates import duplicate_evidence
from dataprep.report.overlap import overlaps
from dataprep.report.rewrites import rewrites_section
from dataprep.report.samples import LANG_COLUMN, sample
from dataprep.report.signals import all_histograms, reached
from dataprep.report.store import merged_rewrites

#: Documents shown per (stage, reason), and kept documents shown.
SAMPLES_PER_REASON = 3
KEPT_SAMPLES = 5
#: Languages with kept samples of their own (largest first), and documents shown per language.
KEPT_LANGUAGES = 8
KEPT_PER_LANGUAGE = 3
#: Characters of text kept per sampled document.
SAMPLE_CHARS = 600

_STAGE_KEYS = (
    "docs_in",
    "docs_kept",
    "docs_removed",
    "docs_added",
    "docs_out",
    "bytes_in",
    "bytes_kept",
    "bytes_removed",
    "bytes_added",
    "bytes_out",
    "bytes_rewritten_away",
)


def _run_section(out: Output) -> dict[str, Any]:
    stats, run = out.stats, out.run
    recipe = run.get("recipe", {})
    return {
        "recipe": stats.get("recipe"),
        "recipe_sha256": stats.get("recipe_sha256"),
        "description": recipe.get("description", ""),
        "input_files": [
            {"name": i.get("name"), "bytes": i.get("size")} for i in run.get("inputs", [])
        ]
        or [{"name": n, "bytes": None} for n in stats.get("input_files", [])],
        "versions": {k: run.get(k) for k in ("dataprep_version", "python", "pyarrow")},
        "seed": recipe.get("run", {}).get("seed"),
        "text_column": out.text_column,
        "timing": {
            "seconds": run.get("seconds"),
            "workers": run.get("workers"),
            "finished": bool(run.get("finished", False)),
            "stages": stage_seconds(out),
        },
    }


def _stages_section(out: Output) -> list[dict[str, Any]]:
    rows = []
    for name, st in out.stats["stages"].items():
        info = out.stage_info(name)
        rows.append(
            {
                "name": name,
                "stage": info.get("stage", name),
                "kind": "input" if name == INPUT_STAGE else info.get("kind", "batch"),
                "annotate": bool(info.get("annotate", False)),
                **{k: int(st.get(k, 0)) for k in _STAGE_KEYS},
                "removed_by_reason": dict(st.get("removed_by_reason", {})),
                "flagged_by_reason": dict(st.get("flagged_by_reason", {})),
                "docs_flagged": sum(int(n) for n in st.get("flagged_by_reason", {}).values()),
            }
        )
    return rows


def _languages_section(out: Output) -> list[dict[str, Any]]:
    """Per language: documents in and removed at each stage that saw a language."""
    table: dict[str, dict[str, dict[str, int]]] = {}
    for name, st in out.stats["stages"].items():
        for lang, n in st.get("docs_in_by_lang", {}).items():
            cell = table.setdefault(lang, {}).setdefault(name, {"docs_in": 0, "removed": 0})
            cell["docs_in"] = int(n)
        for lang, n in st.get("removed_by_lang", {}).items():
            cell = table.setdefault(lang, {}).setdefault(name, {"docs_in": 0, "removed": 0})
            cell["removed"] = int(n)
    return [{"lang": lang, "by_stage": table[lang]} for lang in sorted(table)]


def _kept_langs(out: Output) -> dict[str, int]:
    counts: dict[str, int] = {}
    for part in out.kept_files():
        for batch in iter_batches(out, part, [LANG_COLUMN]):
            vc = pc.value_counts(batch.column(0).fill_null("und"))
            for item in vc.to_pylist():
                counts[item["values"]] = counts.get(item["values"], 0) + item["counts"]
    return counts


def _balance_summaries(out: Output) -> list[tuple[str, dict[str, Any]]]:
    found = []
    for name, summary in out.stats.get("global_stages", {}).items():
        langs = summary.get("languages") if isinstance(summary, dict) else None
        if isinstance(langs, dict) and all(isinstance(v, dict) for v in langs.values()):
            found.append((name, summary))
    return found


def language_mix(out: Output) -> dict[str, Any] | None:
    """Language mix before, targeted by and after balancing, and in the output."""
    before: dict[str, int] = {}
    for st in out.stats["stages"].values():
        if st.get("docs_in_by_lang"):
            before = {k: int(v) for k, v in st["docs_in_by_lang"].items()}
            break
    after = _kept_langs(out)
    balances = _balance_summaries(out)
    bal_name, bal = balances[0] if balances else (None, {})
    per_lang = bal.get("languages", {})
    langs = sorted(set(before) | set(after) | set(per_lang))
    if not langs:
        return None
    n_before, n_after = max(sum(before.values()), 1), max(sum(after.values()), 1)
    # Shares in the balancing unit (what the target is in) when the stage gives them.
    in_unit = bool(per_lang) and all("share_before" in v for v in per_lang.values())
    rows = []
    for lang in langs:
        b = per_lang.get(lang, {})
        rows.append(
            {
                "lang": lang,
                "docs_before": before.get(lang, 0),
                "share_before": (
                    b.get("share_before", 0.0) if in_unit else before.get(lang, 0) / n_before
                ),
                "target_share": b.get("target_share"),
                "docs_balanced": b.get("docs_after"),
                "repeats": b.get("repeats"),
                "docs_after": after.get(lang, 0),
                "share_after": b.get("share_after", 0.0)
                if in_unit
                else after.get(lang, 0) / n_after,
            }
        )
    rows.sort(key=lambda r: (-r["docs_before"], -r["docs_after"], r["lang"]))
    return {
        "balance_stage": bal_name,
        "mode": bal.get("mode"),
        "unit": bal.get("unit"),
        "share_unit": bal.get("unit") if in_unit else None,
        "notes": list(bal.get("notes", [])),
        "languages": rows,
    }


def _bucket_low(key: str) -> int:
    try:
        return int(str(key).split("-")[0])
    except ValueError:
        return 0


def _dedup_section(out: Output) -> list[dict[str, Any]]:
    rows = []
    for name, s in out.stats.get("global_stages", {}).items():
        if not isinstance(s, dict) or not isinstance(s.get("cluster_size_histogram"), dict):
            continue
        hist = s["cluster_size_histogram"]
        buckets = sorted(hist, key=_bucket_low)
        evidence = duplicate_evidence(out, name, [str(k) for k in buckets])
        rows.append(
            {
                "stage": name,
                "documents": s.get("documents"),
                "duplicates_removed": s.get("duplicates_removed"),
                "duplicate_rate": s.get("duplicate_rate"),
                "clusters": s.get("clusters"),
                "largest_cluster": s.get("largest_cluster"),
                "cluster_size_histogram": [
                    {
                        "size": str(k),
                        "clusters": int(hist[k]),
                        "example": evidence["examples"].get(str(k)),
                    }
                    for k in buckets
                ],
                "partner_by": evidence["partner_by"],
                "note": evidence["note"],
                "pairs": evidence["pairs"],
            }
        )
    return rows


def _samples_section(out: Output) -> dict[str, Any]:
    removed_parts = [p for s in out.stage_names for p in out.removed_files(s)]
    removed = sample(out, removed_parts, SAMPLES_PER_REASON)
    flagged: dict[Any, Any] = {}
    for s in out.stage_names:
        if out.stage_info(s).get("annotate"):
            flag = reason_column(s)
            flagged.update(
                sample(
                    out,
                    reached(out, s),
                    SAMPLES_PER_REASON,
                    reason_column=flag,
                    stage=s,
                    flagged=True,
                )
            )
    kept = sample(out, out.kept_files(), KEPT_SAMPLES, reason_column=None)
    order = {s: i for i, s in enumerate(out.stage_names)}

    def groups(found: dict[Any, Any]) -> list[dict[str, Any]]:
        keys = sorted(found, key=lambda k: (order.get(k[0], -1), str(k[1])))
        return [
            {
                "stage": k[0],
                "reason": k[1],
                "docs": [d.to_dict(SAMPLE_CHARS) for d in found[k]],
            }
            for k in keys
        ]

    return {
        "max_chars": SAMPLE_CHARS,
        "removed": groups(removed),
        "flagged": groups(flagged),
        "kept": [d.to_dict(SAMPLE_CHARS) for docs in kept.values() for d in docs],
        "kept_by_lang": _kept_by_lang(out),
    }


def _kept_by_lang(out: Output) -> list[dict[str, Any]]:
    """Kept samples of the KEPT_LANGUAGES languages with most kept documents."""
    counts = _kept_langs(out)
    if len(counts) < 2:
        return []
    top = sorted(counts, key=lambda k: (-counts[k], k))[:KEPT_LANGUAGES]
    found = sample(
        out,
        out.kept_files(),
        KEPT_PER_LANGUAGE,
        reason_column=LANG_COLUMN,
        keep=lambda d: (d.lang or "und") in top,
    )
    by_lang: dict[str, list[Any]] = {}
    for (_, lang), docs in found.items():
        by_lang.setdefault(lang or "und", []).extend(docs)
    return [
        {
            "lang": lang,
            "docs_kept": counts[lang],
            "docs": [replace(d, reason=None).to_dict(SAMPLE_CHARS) for d in by_lang.get(lang, [])],
        }
        for lang in top
    ]


#: ``run_parts(root, names)``: :func:`report_part` of each name, in order, wherever
#: it runs (the run's worker processes: ``Executor.map_report``).
PartsRunner = Callable[[Path, list[str]], list[Any]]


def report_parts(root: str | Path) -> list[str]:
    """The report's costly parts, each a function of the output folder alone, so they
    can be built in parallel: the signal histograms of each stage (``signals:STAGE``)
    and the samples. The same parts whoever builds them, so the report does not
    depend on the number of workers."""
    out = open_output(root)
    return ["samples", *(f"signals:{s}" for s in out.stage_names if s != INPUT_STAGE)]


def report_part(root: str | Path, name: str) -> Any:
    """One part named by :func:`report_parts` (JSON-like, picklable)."""
    out = open_output(root)
    if name == "samples":
        return _samples_section(out)
    kind, _, stage = name.partition(":")
    if kind != "signals" or stage not in out.stage_names:
        raise ValueError(f"unknown report part {name!r}")
    return all_histograms(out, [stage])


def _inline(root: Path, names: list[str]) -> list[Any]:
    return [report_part(root, n) for n in names]


def build_report(root: str | Path, run_parts: PartsRunner | None = None) -> dict[str, Any]:
    """The content of ``report.json`` for the output folder ``root``.

    ``run_parts`` builds the costly parts (:func:`report_parts`), on other processes
    while this one builds the rest; by default they are built here, one after another.
    """
    names = report_parts(root)
    out = open_output(root)
    merged_rewrites(out.root, out.stage_names)  # saved before the parts read it
    if run_parts is None:
        report = _report_body(out)
        results = _inline(Path(root), names)
    else:
        with ThreadPoolExecutor(1) as waiter:  # only waits while other processes work
            pending = waiter.submit(run_parts, Path(root), names)
            report = _report_body(out)
            results = pending.result()
    parts = dict(zip(names, results, strict=True))
    hists: list[dict[str, Any]] = []
    unmatched: list[dict[str, Any]] = []
    for name in names:
        if name.startswith("signals:"):
            hists += parts[name][0]
            unmatched += parts[name][1]
    report["signals"], report["unmatched_thresholds"] = hists, unmatched
    report["samples"] = parts["samples"]
    return report


def _report_body(out: Output) -> dict[str, Any]:
    """Every section but the parts of :func:`report_parts` (filled in as placeholders,
    in their place in the key order)."""
    stats = out.stats
    first = stats["stages"].get(INPUT_STAGE, {})
    return {
        "report_version": REPORT_VERSION,
        "stats_version": stats.get("version"),
        "run": _run_section(out),
        "totals": {
            "docs_read": int(stats.get("docs_read", 0)),
            "docs_out": int(stats.get("docs_out", 0)),
            "bytes_read": int(first.get("bytes_in", 0)),
            "bytes_out": int(list(stats["stages"].values())[-1].get("bytes_out", 0)),
        },
        "stages": _stages_section(out),
        "languages": _languages_section(out),
        "language_mix": language_mix(out),
        "dedup": _dedup_section(out),
        "global_stages": stats.get("global_stages", {}),
        "signals": None,
        "unmatched_thresholds": None,
        "overlaps": overlaps(out),
        "rewrites": rewrites_section(out),
        "tokens": tokens(out),
        "samples": None,
    }


def _finite(value: Any) -> Any:
    """The value with NaN and infinities (not JSON) replaced by None."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def write_reports(root: Path, run_parts: PartsRunner | None = None) -> None:
    """Write ``report.json`` and ``report.html`` into ``root`` (``run_parts``: see
    :func:`build_report`)."""
    from dataprep.report.html import render_html

    report = _finite(build_report(root, run_parts))
    text = json.dumps(report, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    atomic_write_bytes(Path(root) / "report.json", text.encode("utf-8"))
    atomic_write_bytes(Path(root) / "report.html", render_html(report).encode("utf-8"))


__all__ = ["build_report", "language_mix", "report_part", "report_parts", "write_reports"]
