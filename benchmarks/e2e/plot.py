"""results.json -> results.png (runs in a throw-away venv with matplotlib, not a dependency).

/tmp/e2e-plot-venv/bin/python plot.py results.json results.png
"""

from __future__ import annotations

import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt


def main(src: str, dst: str) -> None:
    with open(src, encoding="utf-8") as fh:
        res = json.load(fh)
    fig, axes = plt.subplots(1, 3, figsize=(16, 4.8))
    c = res.get("comparison")
    if c:
        ax = axes[0]
        labels = [f"{r['tool']}\n{r['cores']} core(s)" for r in c["rows"]]
        vals = [r["docs_s_core"] for r in c["rows"]]
        colors = ["tab:blue" if r["tool"] == "dataprep" else "tab:orange" for r in c["rows"]]
        ax.bar(labels, vals, color=colors)
        ax.set_yscale("log")
        ax.set_ylim(bottom=1)
        ax.set_ylabel("docs/s per core (log)")
        ax.set_title(f"End to end, {c['docs']:,} docs of ~4 KB")
        for i, v in enumerate(vals):
            ax.text(i, v, f"{v:,.0f}", ha="center", va="bottom")
        g = c.get("groups", {})
        if g.get("datatrove_s"):
            ax = axes[1]
            names = list(g["dataprep_s"])
            for j, (_tool, key) in enumerate(
                (("dataprep", "dataprep_s"), ("datatrove", "datatrove_s"))
            ):
                left = 0.0
                total = sum(g[key].values())
                for k, name in enumerate(names):
                    share = g[key][name] / total * 100
                    ax.barh(j, share, left=left, color=f"C{k}", label=name if j == 0 else None)
                    left += share
            ax.set_yticks([0, 1], ["dataprep", "datatrove"])
            ax.set_xlabel("% of one-core time")
            ax.set_title("Where time goes")
            ax.legend(fontsize=7, loc="lower right")
    s = res.get("scaling")
    if s:
        ax = axes[2]
        ax2 = ax.twinx()
        series: dict[tuple[str, int], list[dict]] = {}
        for r in s["rows"]:
            series.setdefault((r["recipe"], r["cores"]), []).append(r)
        for k, ((recipe, cores), rows) in enumerate(sorted(series.items())):
            x = [r["docs"] for r in rows]
            ax.plot(
                x,
                [r["docs_s_core"] for r in rows],
                "o-",
                color=f"C{k}",
                label=f"{recipe.split()[0]}, {cores} core(s)",
            )
            ax2.plot(x, [r["peak_tree_mb"] for r in rows], "s--", color=f"C{k}", alpha=0.6)
        ax.set_xscale("log")
        ax.set_xlabel(f"documents (~{s['doc_bytes']:.0f} B each)")
        ax.set_ylabel("docs/s per core (solid)")
        ax2.set_ylabel("peak RSS of process tree, MB (dashed)")
        ax.set_ylim(bottom=0)
        ax2.set_ylim(bottom=0)
        ax.set_title("dataprep scaling")
        ax.legend(fontsize=7, loc="lower left")
    fig.tight_layout()
    fig.savefig(dst, dpi=110)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
