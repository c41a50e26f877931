"""End-to-end benchmark: dataprep vs datatrove 0.10.1 on the same recipe, and scaling.

    python benchmarks/e2e/run.py [--docs 5000,20000] [--cores 1,2] [--repeats 3] [--skip-peers]
    python benchmarks/e2e/run.py --scaling [--sizes 10000,100000,1000000] [--cores 1,2]
    python benchmarks/e2e/run.py --corpus short --docs 10000 --cores 1 [--no-breakdown]

Comparison: generates a deterministic corpus (``corpus.py``: ~4 KB English-like web
documents, 2% exact and 10% near duplicates, ~15% low-quality pages, 4% other
languages) as Parquet shards under ``--work``, then runs, for each core count and
``--repeats`` times, interleaved: dataprep with ``web-en-equiv.yaml`` and datatrove's
equivalent pipeline (``dt_pipeline.py``, in its own venv, created when missing). Wall
time includes process start-up on both sides; peak memory is the largest sum of RSS over
each run's process tree. The best wall per tool is kept. Stage groups: dataprep's are
the differences between runs of recipe prefixes on one core (read/write only, + language
ID, + the 4 quality filters, + exact dedup, full); datatrove's come from its own per-block
timers (core-seconds). Agreement compares the kept ids of both tools' outputs.

``--corpus short``: the same comparison on ``corpus.generate_short`` (200 B-2 KB pages
of the sample texts in 16 languages, + the same exact/near copies), stored under
``comparison_short`` in results.json (results.md renders only the 4 KB comparison).

Scaling (``--scaling``): dataprep alone on ~500-byte documents (1M x 4 KB would be 4 GB),
shards of 5,000 documents, with the per-batch recipe (``per-batch.yaml``: language ID +
4 quality filters) and the full one, for each size and core count.

Results go to ``results.json`` (each mode replaces its own section), ``results.md`` and
``results.png`` beside this file. The work folder is deleted at the end unless ``--keep``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from corpus import generate, generate_short  # noqa: E402
from report import machine, render  # noqa: E402
from tools import (  # noqa: E402
    PLOT_VENV,
    RECIPE,
    datatrove_python,
    ensure_venv,
    recipe_with,
    run_dataprep,
    run_datatrove,
)

PER_BATCH = HERE / "per-batch.yaml"
# prefix length of web-en-equiv.yaml -> stage group it adds
GROUPS = [
    (0, "read + write"),
    (1, "language ID"),
    (2, "quality (4 filters)"),
    (3, "exact dedup"),
    (None, "MinHash dedup"),
]


def _best(runs: list[Any]) -> Any:
    return min(runs, key=lambda r: r[0].wall)


def _row(tool: str, cores: int, runs: list[Any], docs: int, mb: float, kept: int) -> dict[str, Any]:
    best = _best(runs)[0]
    return {
        "tool": tool,
        "cores": cores,
        "wall": best.wall,
        "walls": [r[0].wall for r in runs],
        "docs_s_core": docs / best.wall / cores,
        "mb_s_core": mb / best.wall / cores,
        "peak_tree_mb": max(r[0].peak_tree_rss for r in runs) / 2**20,
        "peak_proc_mb": max(r[0].peak_proc_rss for r in runs) / 2**20,
        "cpu": min(r[0].cpu for r in runs),
        "docs_cpu_s": docs / min(r[0].cpu for r in runs),
        "kept": kept,
    }


def _dt_groups(blocks: dict[str, dict[str, float]], wall: float) -> dict[str, float]:
    """datatrove's per-block core-seconds, grouped like dataprep's stages."""
    flat: dict[str, float] = {}
    for step, per_block in blocks.items():
        for name, secs in per_block.items():
            flat[f"{step}|{name}"] = secs

    def pick(*words: str) -> float:
        return sum(s for k, s in flat.items() if all(w in k for w in words))

    mh1 = pick("MinHash stage 1")
    # ExactDedupFilter's timer stays open while the docs it yields go through the writer
    # and MinHash stage 1 downstream: subtract them to get its own time.
    own3 = max(0.0, pick("exact-deduplication stage 3") - pick("exact_filter", "WRITER") - mh1)
    groups = {
        "language ID": pick("Language ID"),
        "quality (4 filters)": pick("Gopher") + pick("C4 Quality") + pick("FineWeb Quality"),
        "exact dedup": pick("exact-deduplication stage 1")
        + pick("exact-deduplication stage 2")
        + own3,
        "MinHash dedup": mh1
        + pick("MinHash stage 2")
        + pick("MinHash stage 3")
        + pick("MinHash stage 4"),
    }
    groups["read + write"] = max(0.0, wall - sum(groups.values()))  # + start-up, idle workers
    return groups


def comparison(
    args: argparse.Namespace, work: Path, docs: int, *, details: bool = True
) -> dict[str, Any]:
    """Both tools on ``docs`` documents; with ``details`` also the stage-group
    breakdown and the agreement of the kept sets."""
    shutil.rmtree(work, ignore_errors=True)
    repeats = args.repeats if docs <= args.repeat_max else 1
    if args.corpus == "short":
        corpus = generate_short(work / "corpus", docs, shards=args.shards)
    else:
        corpus = generate(work / "corpus", docs, shards=args.shards, size=4000)
    mb = corpus.text_bytes / 1e6
    print(
        f"corpus: {corpus.docs:,} docs, {mb:.1f} MB of text, {args.shards} Parquet shards",
        flush=True,
    )
    dt_py = None if args.skip_peers else datatrove_python(Path(args.venv))
    rows, dp_last, dt_last = [], {}, {}
    for cores in args.cores:
        dp_runs, dt_runs = [], []
        for rep in range(repeats):
            dp_runs.append(run_dataprep(RECIPE, [corpus.folder], work / f"dp-{cores}", cores))
            print(
                f"  dataprep  {cores} core(s) run {rep + 1}: {dp_runs[-1][0].wall:8.1f} s, "
                f"CPU {dp_runs[-1][0].cpu:.1f} s",
                flush=True,
            )
            if dt_py is not None:
                dt_runs.append(
                    run_datatrove(dt_py, corpus.folder, work / f"dt-{cores}", cores, args.shards)
                )
                print(
                    f"  datatrove {cores} core(s) run {rep + 1}: {dt_runs[-1][0].wall:8.1f} s, "
                    f"CPU {dt_runs[-1][0].cpu:.1f} s",
                    flush=True,
                )
        dp_last[cores] = _best(dp_runs)
        rows.append(_row("dataprep", cores, dp_runs, corpus.docs, mb, dp_runs[0][1]["docs_out"]))
        if dt_runs:
            dt_last[cores] = _best(dt_runs)
            kept = sum(_rows(p) for p in (work / f"dt-{cores}" / "output").glob("*.parquet"))
            rows.append(_row("datatrove", cores, dt_runs, corpus.docs, mb, kept))
    out: dict[str, Any] = {
        "docs": corpus.docs,
        "mb": mb,
        "shards": args.shards,
        "repeats": repeats,
    }
    out["rows"] = rows
    if not details:
        return out
    out["corpus"] = args.corpus
    out["dataprep_stages_cpu"] = _stage_cpu(work / f"dp-{min(dp_last)}")
    if not args.no_breakdown:
        out["groups"] = _breakdown(args, work, corpus.folder, dp_last, dt_last)
    if dt_last:
        from agreement import compare

        cores = min(dt_last)
        agree = compare(work / f"dp-{cores}", work / f"dt-{cores}", corpus.labels)
        out["agreement"] = agree
    return out


def _stage_cpu(out: Path) -> Any:
    """dataprep's own per-stage timing (``run.json`` ``timing.stages``), if written."""
    path = out / "run.json"
    if not path.exists():
        return None
    return json.loads(path.read_text(encoding="utf-8")).get("timing", {}).get("stages")


def _breakdown(
    args: argparse.Namespace, work: Path, inputs: Path, dp_last: dict, dt_last: dict
) -> dict[str, Any]:
    """CPU seconds per stage group, and the documents entering each group.

    dataprep: differences of the CPU time of recipe prefixes run on one core. datatrove:
    its per-block timers (in-process wall time summed over tasks), scaled by its measured
    CPU time / (wall x workers) so that time spent waiting for a core is not counted.
    """
    stats = dp_last[min(dp_last)][1]["stages"]
    walls: dict[int | None, float] = {}
    for n, _ in GROUPS:  # CPU seconds of each prefix of the recipe, least of the repeats
        recipe = recipe_with(n, work)
        runs = [
            run_dataprep(recipe, [inputs], work / f"dp-prefix-{n}", 1) for _ in range(args.repeats)
        ]
        walls[n] = min(r[0].cpu for r in runs)
        print(f"  dataprep prefix {n} stage(s), 1 core: {walls[n]:.1f} CPU s", flush=True)
    dp: dict[str, float] = {}
    prev = 0.0
    for n, name in GROUPS:
        dp[name] = max(walls[n] - prev, 0.0)
        prev = walls[n]
    first = {"read + write": "input", "language ID": "fasttext_langid_v1"}
    first |= {"quality (4 filters)": "quality", "exact dedup": "exact_dedup_v1"}
    first["MinHash dedup"] = "minhash_dedup_v1"
    docs_in = {g: stats[s]["docs_in"] for g, s in first.items()}
    out: dict[str, Any] = {
        "dataprep_s": dp,
        "docs_in": docs_in,
        "prefix_walls": {str(k): v for k, v in walls.items()},
    }
    if dt_last:  # its block timers are summed over tasks: core-seconds at any worker count
        cores = min(dt_last)
        m, res = dt_last[cores]
        scale = min(1.0, m.cpu / (m.wall * cores))
        groups = _dt_groups(res["blocks"], m.wall * cores)
        out["datatrove_s"] = {k: v * scale for k, v in groups.items()}
        out["datatrove_cpu_scale"] = scale
        out["datatrove_cores"] = cores
        out["datatrove_walls"] = res["walls"]
    return out


def scaling(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    per_shard = 5000
    biggest = max(args.sizes)
    print(f"generating {biggest:,} docs of ~500 bytes ...", flush=True)
    corpus = generate(work / "scale", biggest, shards=max(biggest // per_shard, 1), size=500)
    shards = sorted(corpus.folder.glob("*.parquet"))
    rows = []
    for n in sorted(args.sizes):
        files = shards[: max(n // per_shard, 1)]
        mb = sum(_text_bytes(f) for f in files) / 1e6
        for recipe, label in (
            (PER_BATCH, "per-batch (langid + 4 filters)"),
            (RECIPE, "full (+ exact + MinHash)"),
        ):
            for cores in args.cores:
                if cores == 1 and n > args.single_core_max:
                    continue
                reps = args.repeats if n <= args.repeat_max else 1
                runs = [run_dataprep(recipe, files, work / "scale-out", cores) for _ in range(reps)]
                row = _row("dataprep", cores, runs, n, mb, runs[0][1]["docs_out"])
                row |= {"docs": n, "mb": mb, "recipe": label, "repeats": reps}
                rows.append(row)
                print(
                    f"  {n:>9,} docs {label:<32} {cores} core(s): {row['wall']:7.1f} s "
                    f"{row['docs_s_core']:8.0f} docs/s/core, peak {row['peak_tree_mb']:.0f} MB",
                    flush=True,
                )
    return {"rows": rows, "doc_bytes": corpus.text_bytes / corpus.docs, "shard_docs": per_shard}


def _rows(path: Path) -> int:
    import pyarrow.parquet as pq

    return pq.ParquetFile(path).metadata.num_rows


def _text_bytes(path: Path) -> int:
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    col = pq.read_table(path, columns=["text"]).column("text")
    return int(pc.sum(pc.binary_length(col)).as_py())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--docs",
        default="5000,20000",
        help="documents of the peer comparison; a comma list compares at each size "
        "(breakdown and agreement at the first; sizes above --repeat-max run once)",
    )
    ap.add_argument("--cores", default="1,2", help="comma-separated core counts")
    ap.add_argument("--repeats", type=int, default=3, help="runs per measurement (best kept)")
    ap.add_argument("--shards", type=int, default=8)
    ap.add_argument(
        "--corpus",
        choices=["web", "short"],
        default="web",
        help="web: ~4 KB generated web pages (corpus.generate); short: 200 B-2 KB pages of "
        "the sample texts in 16 languages (bench_short_multilingual), + the same copies",
    )
    ap.add_argument("--no-breakdown", action="store_true", help="skip the prefix runs")
    ap.add_argument("--skip-peers", action="store_true", help="dataprep only")
    ap.add_argument("--scaling", action="store_true", help="dataprep scaling series instead")
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument(
        "--single-core-max", type=int, default=100_000, help="largest size run on 1 core"
    )
    ap.add_argument("--repeat-max", type=int, default=10_000, help="larger sizes run once")
    ap.add_argument("--venv", default="/tmp/dt-venv", help="datatrove's venv (created if missing)")
    ap.add_argument(
        "--work", default="/tmp/dataprep-e2e", help="corpora and outputs (deleted after)"
    )
    ap.add_argument("--keep", action="store_true", help="keep the work folder")
    args = ap.parse_args()
    args.cores = [int(c) for c in args.cores.split(",")]
    args.sizes = [int(s) for s in args.sizes.split(",")]
    args.docs = [int(d) for d in args.docs.split(",")]
    work = Path(args.work)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    path = HERE / "results.json"
    results = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    try:
        if args.scaling:
            results["scaling"] = scaling(args, work)
        else:
            key = "comparison" if args.corpus == "web" else f"comparison_{args.corpus}"
            results[key] = comparison(args, work / "c0", args.docs[0])
            results[f"{key}_more"] = [
                comparison(args, work / f"c{i}", n, details=False)
                for i, n in enumerate(args.docs[1:], start=1)
            ]
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    results["machine"] = machine()
    path.write_text(json.dumps(results, indent=1, default=str) + "\n", encoding="utf-8")
    text = render(results)
    (HERE / "results.md").write_text(text, encoding="utf-8")
    print(text)
    py = ensure_venv(PLOT_VENV, ["matplotlib"], "import matplotlib")
    subprocess.run(
        [str(py), str(HERE / "plot.py"), str(path), str(HERE / "results.png")], check=True
    )


if __name__ == "__main__":
    main()
