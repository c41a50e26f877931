"""MinHash fit on boilerplate-heavy pages: the cost of large LSH buckets, and recall.

``--pages`` pages (default 20,000) of *one* site of ``bench_dedup_hard.py``'s
boilerplate class: the same ~80-word header and footer around a body of 3-30
words drawn from the sample corpus's English sentences (fixed seed). Pages share
most of their shingles, so their bands fill buckets of 30 to 11,000 members: the
case that makes candidate generation expensive (every pair of a bucket) or lossy
(a star and a chain, which greedy centers cannot use fully; ``dedup/candidates.py``).

For each threshold: ``minhash_dedup_v1``'s single-process ``fit`` (observations
written once, outside the timing), CPU seconds (``time.process_time``), best of
``--rounds``; its counters (distinct candidate pairs, pairs checked exactly,
pairs accepted, removals); with ``--truth``, precision and recall of the removals
against brute-force keep-first center clustering over the exact Jaccard of all
pairs (scipy sparse products, ~2 CPU minutes per threshold at 20,000 pages).
The 1-minute load average is printed with each row: the machine is shared.

    PYTHONPATH=. python benchmarks/bench_dedup_buckets.py [--pages 20000] [--truth]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from bench_dedup import make_stage, observe_to_files  # noqa: E402
from bench_dedup_hard import SEED, _material, site_pages  # noqa: E402

from dataprep.dedup.corpus import open_observation  # noqa: E402
from dataprep.dedup.near import SHINGLE_COL  # noqa: E402
from dataprep.output.columns import ROW_COL, SHARD_COL  # noqa: E402


def pages(n: int) -> list[str]:
    _, sents = _material()
    return site_pages(random.Random(SEED), sents, 0, n)


def truth_removed(paths: list[Path], threshold: float) -> np.ndarray:
    """Keep-first center clustering over exact Jaccard >= threshold (input order)."""
    import scipy.sparse as sp

    sets: list[np.ndarray] = []
    for path in paths:
        col = open_observation(path).read_all().column(SHINGLE_COL)
        sets += [np.asarray(x, dtype=np.uint64) for x in col.to_pylist()]
    n = len(sets)
    values = np.concatenate(sets)
    _, col_of = np.unique(values, return_inverse=True)
    row_of = np.repeat(np.arange(n), [len(s) for s in sets])
    x = sp.csr_matrix((np.ones(len(values)), (row_of, col_of.reshape(-1))))
    xt = x.T.tocsc()
    size = np.array([len(s) for s in sets], dtype=np.float64)
    kept = np.zeros(n, dtype=bool)
    step = 500
    for lo in range(0, n, step):
        inter = (x[lo : lo + step] @ xt).toarray()
        jac = inter / (size[lo : lo + step, None] + size[None, :] - inter)
        for r in range(jac.shape[0]):
            v = lo + r
            kept[v] = not (kept[:v] & (jac[r, :v] >= threshold - 1e-12)).any()
    return ~kept


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=20_000)
    ap.add_argument("--thresholds", type=float, nargs="+", default=[0.7, 0.8, 0.9])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--truth", action="store_true", help="score against brute force")
    args = ap.parse_args()
    docs = pages(args.pages)
    print(f"{len(docs)} pages of one site, {sum(map(len, docs)) / 1e6:.1f} MB\n")
    print(
        "| J >= | fit CPU s (best of rounds) | candidate pairs | checked | accepted | removed "
        "| precision | recall | 1-min load |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        for t in args.thresholds:
            stage = make_stage("minhash_dedup_v1", threshold=t)
            paths = observe_to_files(stage, docs, Path(tmp) / f"obs{t}")
            best = float("inf")
            for r in range(args.rounds):
                start = time.process_time()
                dec = pa.Table.from_batches(list(stage.fit(paths, Path(tmp) / f"fit{t}-{r}")))
                best = min(best, time.process_time() - start)
            s = stage.fit_summary()
            dec = dec.sort_by([(SHARD_COL, "ascending"), (ROW_COL, "ascending")])
            removed = np.array([x is not None for x in dec.column("reason").to_pylist()])
            p = rec = "-"
            if args.truth:
                truth = truth_removed(paths, t)
                hit = int((removed & truth).sum())
                p = f"{hit / max(int(removed.sum()), 1):.4f}"
                rec = f"{hit / max(int(truth.sum()), 1):.4f}"
            print(
                f"| {t} | {best:.2f} | {s['candidate_pairs']} | {s['checked_pairs']} "
                f"| {s['accepted_pairs']} | {int(removed.sum())} | {p} | {rec} "
                f"| {os.getloadavg()[0]:.2f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
