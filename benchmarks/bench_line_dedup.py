"""Fit time of ``line_dedup_v1``: partitioned (executor tasks) against the single-process fit.

    python benchmarks/bench_line_dedup.py --docs 40000 400000 --workers 1 2

Documents are those of ``bench_cleaning.py`` (~6 lines, one boilerplate line in a third
of them) with a language column (en 60%, fr 30%, de 10%), in Parquet files of
``--file-docs`` documents (one work unit each). The recipe is ``line_dedup_v1``
(``per: lang``, as in ``llama3-web``) + ``line_dedup_apply_v1``, run by ``run_pipeline``
with K worker processes; the single-process fit is forced by turning the stage's
``partitioned`` property off. Reported: the fit's wall seconds (``run.json`` timing; the
partitioned fit's shuffle is written during the observe pass and is not in it), the
run's wall seconds, and whether both modes gave the same output rows. The load
average of the machine is printed with each row: the machines are shared.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_cleaning import make_docs  # noqa: E402

from dataprep.cleaning.line_dedup import LineDedup  # noqa: E402
from dataprep.engine.driver import run_pipeline  # noqa: E402
from dataprep.recipe.config import parse_recipe  # noqa: E402

RECIPE = {
    "run": {"batch_size": 1024},
    "stages": [{"stage": "line_dedup_v1", "per": "lang"}, {"stage": "line_dedup_apply_v1"}],
}


def write_corpus(folder: Path, docs: int, file_docs: int) -> None:
    texts, _ = make_docs(docs)
    rng = np.random.default_rng(1)
    langs = rng.choice(np.array(["en", "fr", "de"]), size=docs, p=[0.6, 0.3, 0.1]).tolist()
    folder.mkdir(parents=True)
    for f, lo in enumerate(range(0, docs, file_docs)):
        hi = min(lo + file_docs, docs)
        table = pa.table(
            {"id": [f"d{i}" for i in range(lo, hi)], "text": texts[lo:hi], "lang": langs[lo:hi]}
        )
        pq.write_table(table, folder / f"part{f:04d}.parquet")


def output_digest(out: Path) -> str:
    h = hashlib.sha256()
    rows = sorted(
        (r["id"], r["text"]) for p in out.rglob("*.parquet") for r in pq.read_table(p).to_pylist()
    )
    h.update(json.dumps(rows).encode())
    return h.hexdigest()[:12]


def run_once(src: Path, out: Path, workers: int, partitioned: bool) -> dict[str, float | str]:
    original = LineDedup.partitioned
    if not partitioned:
        LineDedup.partitioned = property(lambda self: False)  # type: ignore[method-assign,assignment]
    try:
        t0 = time.perf_counter()
        result = run_pipeline(
            parse_recipe(RECIPE), [str(src)], out, workers=workers, progress=False
        )
        wall = time.perf_counter() - t0
    finally:
        LineDedup.partitioned = original  # type: ignore[method-assign]
    timing = json.loads((out / "run.json").read_text())["timing"]["fits"]
    summary = result.fit_summaries["line_dedup_v1"]
    return {
        "fit_s": timing["line_dedup_v1"],
        "run_s": wall,
        "lines_dropped": summary["lines_dropped"],
        "digest": output_digest(out),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--docs", type=int, nargs="+", default=[40_000, 400_000])
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--file-docs", type=int, default=10_000)
    args = ap.parse_args()
    print(f"{'docs':>8} {'K':>2} {'fit':<12} {'fit s':>7} {'run s':>7} {'dropped':>9} output  load")
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        for docs in args.docs:
            src = tmp / f"in-{docs}"
            write_corpus(src, docs, args.file_docs)
            for k in args.workers:
                for partitioned in (False, True):
                    out = tmp / f"out-{docs}-{k}-{partitioned}"
                    r = run_once(src, out, k, partitioned)
                    load = Path("/proc/loadavg").read_text().split()[0]
                    mode = "partitioned" if partitioned else "single"
                    print(
                        f"{docs:>8} {k:>2} {mode:<12} {r['fit_s']:>7.2f} {r['run_s']:>7.1f} "
                        f"{r['lines_dropped']:>9} {r['digest']} {load}",
                        flush=True,
                    )


if __name__ == "__main__":
    main()
