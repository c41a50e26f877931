"""Scale: the partitioned MinHash fit over 1M (and 10M) documents, 1 vs 2 workers.

The observe pass is replaced by synthetic observations so that the fit alone is
measured at sizes whose text would take hours to generate and hash here. How they
are made: document ``g`` has 32 word-5-gram hashes, ``splitmix64(base * 32 + k)``;
with probability ``--dup-rate`` it is a near-duplicate whose ``base`` is an earlier
document (1 to 20,000 before, so families cross work units) with 1-3 of its hashes
replaced (true Jaccard 0.94 / 0.88 / 0.83), else ``base = g``. Its signature is
dataprep's real MinHash of those hashes (128 permutations, seed 0), and the shuffle
rows are written by the engine's own ``ShuffleSink``, in units of ``--unit-docs``
documents. Partitions: one per 256 MiB of input as if each document were 4 KB
(the engine's rule), so 16 for 1M documents and 150 for 10M.

Each fit runs in a fresh process (``--fit-only``) on the local executor with a pool
of K worker processes (K = 1 too, so the driver is measured alone; the workers are
warmed up by a 2,000-document fit first, as the observe pass would), once with the
default ``driver_budget_bytes`` (components by union-find on the driver) and once
with 0 (large-star/small-star tasks). Reported: fit wall time, driver peak RSS
and its growth during the fit, worker peak RSS (``ru_maxrss`` of the
largest child), and the fit's temporary disk per document (shuffle files of the
observe pass plus everything under ``_work/pass-0/fit`` at its end). The driver's
resident set is sampled every 5 ms during the fit. Prints a table;
asserts nothing.

    python benchmarks/bench_scale.py [--docs 1000000,10000000] [--workers 1,2] [--unit-docs 50000]
    python benchmarks/bench_scale.py --verify    # exact Jaccard of pairs: per pair vs batched
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
import pyarrow as pa

SHINGLES = 32
MAX_BACK = 20_000
BYTES_PER_PARTITION = 256 * 1024 * 1024
DOC_BYTES = 4096


def _recipe(budget: int | None) -> Any:
    from dataprep.recipe.config import parse_recipe

    stage: dict[str, Any] = {"stage": "minhash_dedup_v1"}
    if budget is not None:
        stage["driver_budget_bytes"] = budget
    return parse_recipe({"stages": [stage]})


def _plan(docs: int) -> Any:
    from dataprep.engine.plan import PassPlan

    parts = max(4, -(-docs * DOC_BYTES // BYTES_PER_PARTITION))
    return PassPlan(index=0, apply_global=None, batch_stages=(), observe_global=0, partitions=parts)


def _shards(docs: int, unit_docs: int) -> tuple[list[Any], dict[int, list[Any]]]:
    from dataprep.io.discover import Shard
    from dataprep.io.units import Unit

    count = -(-docs // unit_docs)
    shards = [Shard(index=i, path=Path(f"s{i}"), name=f"s{i}", format="x") for i in range(count)]
    return shards, {i: [Unit()] for i in range(count)}


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64 finalizer (uint64 in, uint64 out)."""
    z = x + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def _unit_batch(first: int, n: int, rng: np.random.Generator, dup_rate: float) -> pa.RecordBatch:
    from dataprep.dedup.minhash import MinHasher
    from dataprep.output.columns import REPEAT_COL, ROW_COL, SHARD_COL

    gid = np.arange(first, first + n, dtype=np.int64)
    dup = rng.random(n) < dup_rate
    base = np.where(dup, np.maximum(gid - rng.integers(1, MAX_BACK, n), 0), gid)
    k = np.arange(SHINGLES, dtype=np.uint64)
    sets = _mix(base.astype(np.uint64)[:, None] * np.uint64(SHINGLES) + k)
    changed = np.arange(SHINGLES)[None, :] < rng.integers(1, 4, n)[:, None]
    own = _mix((gid.astype(np.uint64)[:, None] * np.uint64(SHINGLES) + k) ^ np.uint64(1 << 63))
    sets = np.sort(np.where(dup[:, None] & changed, own, sets), axis=1)
    hasher = MinHasher(128, 0)
    sig = np.concatenate([hasher.signatures(list(sets[i : i + 32])) for i in range(0, n, 32)])
    offsets = pa.array(np.arange(0, (n + 1) * SHINGLES, SHINGLES, dtype=np.int32))
    return pa.record_batch(
        {
            SHARD_COL: pa.array(np.full(n, first, dtype=np.int32)),
            ROW_COL: pa.array(np.arange(n, dtype=np.int64)),
            REPEAT_COL: pa.array(np.zeros(n, dtype=np.int32)),
            "minhash": pa.FixedSizeListArray.from_arrays(pa.array(sig.reshape(-1)), 128),
            "n_shingles": pa.array(np.full(n, SHINGLES, dtype=np.int32)),
            "shingle_set": pa.ListArray.from_arrays(offsets, pa.array(sets.reshape(-1))),
            "length": pa.array(np.full(n, DOC_BYTES, dtype=np.int64)),
        }
    )


def generate(root: Path, docs: int, unit_docs: int, dup_rate: float) -> None:
    """The observation and shuffle files of a finished observe pass over ``docs``."""
    from dataprep.engine.partitioned import ShuffleSink
    from dataprep.output.layout import Layout, part_prefix
    from dataprep.stages.base import GlobalStage
    from dataprep.stages.build import make_stages

    layout, plan = Layout(root), _plan(docs)
    stage = cast(GlobalStage[Any], make_stages(_recipe(None))[0])
    shards, units = _shards(docs, unit_docs)
    folder = layout.pass_observe(0)
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for shard in shards:
        first = shard.index * unit_docs
        batch = _unit_batch(first, min(unit_docs, docs - first), rng, dup_rate)
        unit = units[shard.index][0]
        path = folder / f"{part_prefix(shard.index, unit.index, unit.count)}-0000.arrow"
        with pa.ipc.new_file(str(path), batch.schema) as w:
            w.write_batch(batch)
        job = SimpleNamespace(layout=layout, plan=plan, shard=shard, unit=unit)
        sink = ShuffleSink(cast(Any, job), stage)
        sink.write(batch)
        sink.close()
        sink.commit()


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def _rss() -> int:
    """This process's resident set now (bytes; Linux)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize()


class _RssPeak:
    """The driver's largest resident set while the fit runs, sampled every 5 ms
    (``ru_maxrss`` would keep the peak of the warm-up before it)."""

    def __init__(self) -> None:
        self.start = self.peak = _rss()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        while not self._done.wait(0.005):
            self.peak = max(self.peak, _rss())

    def stop(self) -> None:
        self._done.set()
        self._thread.join()
        self.peak = max(self.peak, _rss())


def fit_only(root: Path, docs: int, unit_docs: int, workers: int, budget: int | None) -> dict:
    """Run the partitioned fit once (this process is the driver); its measurements."""
    import dataprep.engine.partitioned as partitioned
    from dataprep.engine.executors.local import LocalExecutor
    from dataprep.engine.executors.pool import WorkerPool
    from dataprep.output.layout import Layout
    from dataprep.stages.base import GlobalStage
    from dataprep.stages.build import make_stages

    layout, plan, recipe = Layout(root), _plan(docs), _recipe(budget)
    stage = cast(GlobalStage[Any], make_stages(recipe)[0])
    shards, units = _shards(docs, unit_docs)
    decisions = layout.pass_decisions(0)
    shutil.rmtree(decisions, ignore_errors=True)
    shutil.rmtree(layout.pass_dir(0) / "fit", ignore_errors=True)
    fit_dir = layout.pass_dir(0) / "fit"
    kept_disk: list[int] = []
    keep = SimpleNamespace(rmtree=lambda p, **k: kept_disk.append(_size(p)))
    partitioned.shutil = cast(Any, keep)  # measure the fit's files instead of deleting them
    ex = LocalExecutor(workers)
    ex._pool = WorkerPool(workers).start()  # one worker too runs in a child process
    ex.open()
    with tempfile.TemporaryDirectory() as warm:  # workers start and import, as in a run
        generate(Path(warm), 2000, 500, 0.1)
        small, small_units = _shards(2000, 500)
        partitioned.run_partitioned_fit(
            ex, recipe, 0, stage, Layout(Path(warm)), _plan(2000), small, small_units
        )
    kept_disk.clear()
    rss = _RssPeak()
    started = time.perf_counter()
    try:
        summary = partitioned.run_partitioned_fit(ex, recipe, 0, stage, layout, plan, shards, units)
    finally:
        wall = time.perf_counter() - started
        rss.stop()
        ex.close()
    shutil.rmtree(fit_dir, ignore_errors=True)
    shuffle = _size(layout.pass_dir(0) / "shuffle")
    return {
        "wall": wall,
        "driver_before_mb": rss.start / 2**20,
        "driver_peak_mb": rss.peak / 2**20,
        "worker_peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
        "disk_per_doc": (shuffle + (kept_disk[0] if kept_disk else 0) + _size(decisions)) / docs,
        "removed": summary.get("duplicates_removed"),
        "partitions": plan.partitions,
    }


def bench_verify(pairs: int = 20_000) -> None:
    """Exact Jaccard of candidate pairs: one Python step per pair (the former loop over
    ``exact_jaccard``) vs :func:`dataprep.dedup.jaccard.pair_jaccard`, short and long sets:
    all pairs batched, long pairs one by one (no anchor groups), and the default."""
    from dataprep.dedup.jaccard import exact_jaccard, pair_jaccard

    print(
        "| shingles per document | pairs | per pair s | all batched s | long one by one s "
        "| pair_jaccard s |"
    )
    print("|---:|---:|---:|---:|---:|---:|")
    for size in (30, 700):
        rng = np.random.default_rng(size)
        docs = 4000
        base = rng.integers(0, 2**63, (docs, size)).astype(np.uint64)
        base[1::2] = base[::2]  # odd documents copy the even ones, then change 10%
        hit = rng.random((docs, size)) < 0.1
        base[hit] = rng.integers(0, 2**63, int(hit.sum())).astype(np.uint64)
        sets = np.sort(base, axis=1)
        offsets = np.arange(0, (docs + 1) * size, size, dtype=np.int64)
        values = sets.reshape(-1)
        u = rng.integers(0, docs, pairs)
        v = np.where(rng.random(pairs) < 0.5, u ^ 1, rng.integers(0, docs, pairs))
        t = time.perf_counter()
        loop = [
            exact_jaccard(sets[a], sets[b]) for a, b in zip(u.tolist(), v.tolist(), strict=True)
        ]
        t_loop = time.perf_counter() - t
        t = time.perf_counter()
        vec = pair_jaccard(offsets, values, u, v, small_pair=1 << 30)
        t_vec = time.perf_counter() - t
        t = time.perf_counter()
        single = pair_jaccard(offsets, values, u, v, group_pairs=1 << 30)
        t_single = time.perf_counter() - t
        t = time.perf_counter()
        chosen = pair_jaccard(offsets, values, u, v)
        t_chosen = time.perf_counter() - t
        assert vec.tolist() == loop == single.tolist() == chosen.tolist()
        print(
            f"| {size} | {pairs:,} | {t_loop:.2f} | {t_vec:.2f} | {t_single:.2f} | {t_chosen:.2f} |"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--docs", default="1000000")
    ap.add_argument("--workers", default="1,2")
    ap.add_argument("--unit-docs", type=int, default=50_000)
    ap.add_argument("--dup-rate", type=float, default=0.1)
    ap.add_argument("--budgets", default="default,0", help="driver_budget_bytes values to run")
    ap.add_argument("--verify", action="store_true", help="time pair verification only")
    ap.add_argument("--fit-only", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--budget", type=int, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.verify:
        bench_verify()
        return
    if args.fit_only is not None:
        k = int(args.workers)
        print(json.dumps(fit_only(args.fit_only, int(args.docs), args.unit_docs, k, args.budget)))
        return
    rows = []
    for docs in (int(d) for d in args.docs.split(",")):
        root = Path(tempfile.mkdtemp(prefix=f"bench-scale-{docs}-"))
        try:
            t = time.perf_counter()
            generate(root, docs, args.unit_docs, args.dup_rate)
            print(f"{docs:,} documents generated in {time.perf_counter() - t:.0f} s", flush=True)
            budgets = [None if b == "default" else int(b) for b in args.budgets.split(",")]
            for budget in budgets:
                for k in (int(w) for w in args.workers.split(",")):
                    cmd = [sys.executable, __file__, "--fit-only", str(root), "--docs", str(docs)]
                    cmd += ["--workers", str(k), "--unit-docs", str(args.unit_docs)]
                    cmd += [] if budget is None else ["--budget", str(budget)]
                    done = subprocess.run(cmd, capture_output=True, text=True, check=True)
                    got = json.loads(done.stdout.strip().splitlines()[-1])
                    got.update(docs=docs, workers=k, cc="tasks" if budget == 0 else "driver")
                    print(json.dumps(got), flush=True)
                    rows.append(got)
        finally:
            shutil.rmtree(root, ignore_errors=True)
    print()
    print(
        "| documents | components | workers | partitions | fit wall s | driver peak MB "
        "(growth in fit) | worker peak MB | temp disk B/doc | removed |"
    )
    print("|---:|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        growth = r["driver_peak_mb"] - r["driver_before_mb"]
        print(
            f"| {r['docs']:,} | {r['cc']} | {r['workers']} | {r['partitions']} | {r['wall']:.1f} "
            f"| {r['driver_peak_mb']:.0f} (+{growth:.0f}) | {r['worker_peak_mb']:.0f} "
            f"| {r['disk_per_doc']:.0f} | {r['removed']:,} |"
        )


if __name__ == "__main__":
    main()
