"""Local vs Ray executor throughput (docs/s) on the same machine and the same corpus.

Generates a deterministic corpus of Parquet shards of ~2 KB English-like documents
(2% exact duplicates across shards), then runs the same recipe (exact dedup, then
the Gopher quality and FineWeb filters: two passes over the data) with each
executor and 1 and 2 workers, and checks that the two executors wrote the same
bytes. The Ray executor starts (and stops) its own local Ray instance inside the
timed run, as ``dataprep run --executor ray`` does; that start-up is measured on
its own too and printed, with the throughput once it is taken away.

    python benchmarks/bench_executors.py [--shards 40] [--docs 2000] [--workers 1 2] [--repeat 3]
"""

from __future__ import annotations

import argparse
import hashlib
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pyarrow as pa
import pyarrow.parquet as pq

STAGES = [
    {"stage": "exact_dedup_v1"},
    {"stage": "gopher_quality_v1"},
    {"stage": "fineweb_v1"},
]
_SYLLABLES = ["ka", "lo", "mi", "ner", "ta", "sen", "vo", "ri", "da", "pel", "ul", "gra", "en"]
_FUNCTION = ["the", "of", "and", "to", "a", "in", "that", "is", "was", "for", "it", "with"]


def _vocabulary(rng: random.Random, n: int = 4000) -> list[str]:
    words = {"".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(1, 4))) for _ in range(n)}
    return sorted(words)


def _document(rng: random.Random, vocab: list[str], weights: list[float], size: int) -> str:
    paragraphs, length = [], 0
    while length < size:
        sentences = []
        for _ in range(rng.randint(3, 7)):
            n = rng.randint(8, 22)
            words = [
                rng.choice(_FUNCTION) if rng.random() < 0.45 else w
                for w in rng.choices(vocab, weights, k=n)
            ]
            sentences.append(" ".join(words).capitalize() + ".")
        para = " ".join(sentences)
        paragraphs.append(para)
        length += len(para) + 1
    return "\n".join(paragraphs)


def make_corpus(root: Path, shards: int, docs: int, seed: int = 0) -> int:
    """``shards`` Parquet files of ``docs`` documents each; returns the total bytes of text."""
    rng = random.Random(seed)
    vocab = _vocabulary(rng)
    weights = [1.0 / (i + 1) for i in range(len(vocab))]
    pool = [_document(rng, vocab, weights, 2000) for _ in range(docs)]
    total = 0
    for s in range(shards):
        texts = []
        for i in range(docs):
            if rng.random() < 0.02:  # an exact duplicate of a document of any shard
                texts.append(pool[rng.randrange(len(pool))])
            else:  # fresh documents: reuse the pool's paragraphs, reshuffled
                paras = pool[(s * docs + i) % len(pool)].split("\n")
                rng.shuffle(paras)
                texts.append("\n".join(paras) + f"\nDocument {s}-{i}.")
        total += sum(len(t.encode()) for t in texts)
        ids = [f"s{s}-{i}" for i in range(docs)]
        pq.write_table(pa.table({"id": ids, "text": texts}), root / f"shard-{s:03d}.parquet")
    return total


def _digest(root: Path) -> str:
    h = hashlib.sha256()
    for sub in ("data", "removed"):
        for p in sorted((root / sub).rglob("*")):
            if p.is_file():
                h.update(str(p.relative_to(root)).encode() + p.read_bytes())
    h.update((root / "stats.json").read_bytes())
    return h.hexdigest()


def timed_run(recipe: object, inputs: Path, out: Path, workers: int, mode: str) -> float:
    """Seconds of one ``run_pipeline`` with executor ``local``, ``ray-cold`` or ``ray-warm``.

    ``ray-cold`` is what ``dataprep run --executor ray`` does: the executor starts a
    local Ray instance and stops it, inside the timed run. ``ray-warm`` connects to
    an instance started beforehand (not timed), as with ``--ray-address`` on a
    running cluster; the run still starts its actors.
    """
    from dataprep.engine.driver import run_pipeline

    kind = "local" if mode == "local" else "ray"
    warm = mode == "ray-warm"
    if warm:
        import ray

        ray.init(
            address="local",
            num_cpus=workers,
            include_dashboard=False,
            log_to_driver=False,
            logging_level="ERROR",
        )
    try:
        started = time.perf_counter()
        run_pipeline(recipe, [str(inputs)], out, workers=workers, executor=kind, progress=False)
        return time.perf_counter() - started
    finally:
        if warm:
            ray.shutdown()


def ray_startup_seconds(workers: int) -> float:
    """Start a local Ray instance and its actors, then stop it, as the executor does."""
    from dataprep.engine.executors.ray import RayExecutor

    started = time.perf_counter()
    with RayExecutor(workers, ()) as ex:
        ex.warm_up()
    return time.perf_counter() - started


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shards", type=int, default=40)
    ap.add_argument("--docs", type=int, default=2000, help="documents per shard")
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--repeat", type=int, default=3, help="rounds (modes interleaved)")
    args = ap.parse_args()

    from dataprep.recipe.config import parse_recipe

    tmp = Path(tempfile.mkdtemp(prefix="bench-executors-"))
    try:
        (tmp / "in").mkdir()
        t0 = time.perf_counter()
        nbytes = make_corpus(tmp / "in", args.shards, args.docs, args.seed)
        n_docs = args.shards * args.docs
        print(
            f"corpus: {args.shards} shards x {args.docs} docs = {n_docs:,} docs, "
            f"{nbytes / 1e6:.0f} MB of text (generated in {time.perf_counter() - t0:.1f} s)"
        )
        print(f"recipe: {' -> '.join(s['stage'] for s in STAGES)} (2 passes)\n")
        recipe = parse_recipe({"name": "bench", "stages": STAGES})
        modes = ("local", "ray-cold", "ray-warm")
        times: dict[tuple[str, int], list[float]] = {}
        for workers in args.workers:
            digests = {}
            for _ in range(args.repeat):
                for mode in modes:
                    out = tmp / f"out-{mode}-{workers}"
                    seconds = timed_run(recipe, tmp / "in", out, workers, mode)
                    times.setdefault((mode, workers), []).append(seconds)
                    digests[mode] = _digest(out)
                    shutil.rmtree(out)
            same = len(set(digests.values())) == 1
            print(
                f"workers={workers}: outputs of {', '.join(modes)}: "
                f"{'same bytes' if same else 'DIFFER'}"
            )
        startup = {w: ray_startup_seconds(w) for w in args.workers}
        print()
        print(
            f"{'executor':<9} {'workers':>7} {'median s':>8} {'min s':>6} "
            f"{'docs/s (median)':>15} {'docs/s (best)':>13}"
        )
        for (mode, workers), secs in times.items():
            med, best = statistics.median(secs), min(secs)
            print(
                f"{mode:<9} {workers:>7} {med:>8.1f} {best:>6.1f} "
                f"{n_docs / med:>15,.0f} {n_docs / best:>13,.0f}"
            )
        print()
        for w, sec in startup.items():
            print(f"Ray start-up alone (ray.init + {w} actor(s) ready + shutdown): {sec:.1f} s")
        print(
            "\nray-cold = 'dataprep run --executor ray' (starts and stops a private local "
            "Ray instance inside the timed run); ray-warm = Ray already running (as with "
            "--ray-address on a cluster), actors still started per run. The local executor "
            "with 1 worker runs in the driver process, with no worker start-up at all; "
            "with 2 it spawns 2 processes. Same machine (2 cores, shared with other jobs: "
            "noisy); rounds interleave the modes."
        )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
