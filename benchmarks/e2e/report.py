"""Markdown tables from ``results.json`` (both the comparison and the scaling sections)."""

from __future__ import annotations

import os
import platform
import subprocess
from typing import Any


def machine() -> dict[str, Any]:
    cpu = "?"
    with open("/proc/cpuinfo", encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo", encoding="utf-8") as fh:
        mem_kb = int(fh.readline().split()[1])
    load = os.getloadavg()[0]
    kernel = subprocess.run(["uname", "-r"], capture_output=True, text=True).stdout.strip()
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "ram_gib": round(mem_kb / 2**20, 1),
        "python": platform.python_version(),
        "kernel": kernel,
        "load_1min_at_end": round(load, 2),
    }


def _comparison(c: dict[str, Any]) -> list[str]:
    out = [
        f"### dataprep vs datatrove 0.10.1, {c['docs']:,} docs ({c['mb']:.1f} MB), "
        f"best of {c['repeats']}",
        "",
        "| tool | cores | wall s | docs/s | docs/s/core | MB/s/core | CPU s | docs/CPU-s "
        "| peak RSS tree MB | peak RSS 1 proc MB | kept |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    by = {(r["tool"], r["cores"]): r for r in c["rows"]}
    for r in c["rows"]:
        out.append(
            f"| {r['tool']} | {r['cores']} | {r['wall']:.1f} "
            f"| {r['docs_s_core'] * r['cores']:,.1f} "
            f"| {r['docs_s_core']:,.1f} | {r['mb_s_core']:.3f} | {_f(r, 'cpu', '.1f')} "
            f"| {_f(r, 'docs_cpu_s', ',.1f')} | {r['peak_tree_mb']:,.0f} "
            f"| {r['peak_proc_mb']:,.0f} | {r['kept']:,} |"
        )
    for (tool, cores), r in sorted(by.items()):
        peer = by.get(("datatrove", cores))
        if tool == "dataprep" and peer:
            cpu = ""
            if "docs_cpu_s" in r and "docs_cpu_s" in peer:
                cpu = f"**{r['docs_cpu_s'] / peer['docs_cpu_s']:.1f}x**"
            out.append(
                f"| **ratio dataprep/datatrove** | {cores} | | | "
                f"**{r['docs_s_core'] / peer['docs_s_core']:.1f}x** | | | {cpu} | | | |"
            )
    g = c.get("groups")
    if g:
        out += ["", "#### Where time goes (CPU seconds, see the method in README.md)", ""]
        out += [
            "| stage group | docs in | dataprep CPU s | dataprep docs/CPU-s | datatrove CPU s "
            "| datatrove docs/CPU-s | ratio |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        dt = g.get("datatrove_s", {})
        for name, secs in g["dataprep_s"].items():
            n = g["docs_in"][name]
            rate = f"{n / secs:,.0f}" if secs > 0.05 else "-"
            if name in dt:
                dts = dt[name]
                ratio = f"{dts / secs:.0f}x" if secs > 0.05 else "-"
                dtcols = f"{dts:.1f} | {n / dts:,.1f} | {ratio}" if dts > 0 else "- | - | -"
            else:
                dtcols = "- | - | -"
            out.append(f"| {name} | {n:,} | {secs:.2f} | {rate} | {dtcols} |")
        tot = sum(g["dataprep_s"].values())
        dtt = sum(dt.values()) if dt else 0
        out.append(f"| **total** | | {tot:.1f} | | {dtt:.1f} | | {dtt / tot:.0f}x |" if dt else "")
    a = c.get("agreement")
    if a:
        out += [
            "",
            "#### Agreement of the kept documents",
            "",
            f"dataprep kept {a['dataprep_kept']:,}, datatrove {a['datatrove_kept']:,}, both "
            f"{a['both_kept']:,}: Jaccard of kept ids **{a['jaccard']:.4f}**.",
            "",
            "| kept only by | removed by the other tool at | docs |",
            "|---|---|---:|",
        ]
        for why, n in a["datatrove_removed_because"]:
            out.append(f"| dataprep | datatrove {why} | {n} |")
        for why, n in a["dataprep_removed_because"]:
            out.append(f"| datatrove | dataprep {why} | {n} |")
        if a.get("removed_by_both_at_other_stages"):
            both = ", ".join(f"{k} ({n})" for k, n in a["removed_by_both_at_other_stages"])
            out += ["", f"Removed by both, at different stages: {both}."]
    return out


def _f(row: dict[str, Any], key: str, fmt: str) -> str:
    return format(row[key], fmt) if key in row else "-"


def _scaling(s: dict[str, Any]) -> list[str]:
    out = [
        f"### dataprep scaling, ~{s['doc_bytes']:.0f}-byte documents, shards of "
        f"{s['shard_docs']:,} documents",
        "",
        "| recipe | docs | cores | runs | wall s | docs/s/core | µs per doc per core "
        "| MB/s/core | peak RSS tree MB | peak RSS 1 proc MB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in s["rows"]:
        out.append(
            f"| {r['recipe']} | {r['docs']:,} | {r['cores']} | {r['repeats']} | {r['wall']:.1f} "
            f"| {r['docs_s_core']:,.0f} | {1e6 / r['docs_s_core']:,.0f} | {r['mb_s_core']:.2f} "
            f"| {r['peak_tree_mb']:,.0f} | {r['peak_proc_mb']:,.0f} |"
        )
    return out


def render(results: dict[str, Any]) -> str:
    m = results.get("machine", {})
    out = [
        "## End-to-end results",
        "",
        f"Machine: {m.get('nproc')} cores ({m.get('cpu')}), {m.get('ram_gib')} GiB RAM, "
        f"Python {m.get('python')}, Linux {m.get('kernel')}; shared and noisy (1-min load "
        f"{m.get('load_1min_at_end')} at the end of the last run).",
        "",
    ]
    if "comparison" in results:
        out += [*_comparison(results["comparison"]), ""]
    for more in results.get("comparison_more") or []:
        out += [*_comparison(more), ""]
    if "scaling" in results:
        out += [*_scaling(results["scaling"]), ""]
    return "\n".join(out)
