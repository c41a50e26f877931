"""Benchmark dataprep's dedup stages against datasketch and rensa.

    /tmp/dpvenv/bin/python benchmarks/bench_dedup.py            # small, ~1-2 minutes
    /tmp/dpvenv/bin/python benchmarks/bench_dedup.py --signatures-only --rounds 5
    /tmp/dpvenv/bin/python benchmarks/bench_dedup.py --docs 1000000   # memory at 1M short docs

Prints: MinHash signatures against rensa 0.5.0 on two corpora (generated ~4.4 KB
documents, and ``bench_short_multilingual.py``'s 200 B-2 KB documents in 16
languages): dataprep's signature path (normalize, batch shingles, signatures) and
its whole ``observe``, CPU time, in ``--rounds`` rounds in which dataprep and rensa
take turns; rensa runs in its own venv (``--rensa-venv``, made when missing) via
``_rensa_worker.py``, fed shingle strings built in Python as its README shows; the
load average after every round. Then datasketch (``MinHash`` per document +
``update_batch``), LSH insert + query throughput against ``datasketch.MinHashLSH``
and rensa's ``RMinHashLSH`` (when rensa is installed in this venv); whole-stage
(observe + fit) docs/s; recall by true Jaccard band and precision; and peak memory
per document of ``fit``.
The machines are shared and noisy: compare rows of one run, not across runs.
"""

from __future__ import annotations

import argparse
import itertools
import json
import resource
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

import numpy as np
import pyarrow as pa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dataprep.output.columns import REPEAT_COL, ROW_COL, SHARD_COL  # noqa: E402
from dataprep.recipe.registry import get_stage  # noqa: E402
from dataprep.stages.base import StageContext  # noqa: E402

RENSA_PACKAGES = ["rensa==0.5.0"]


def vocabulary(rng: np.random.Generator, size: int = 30_000) -> list[str]:
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))
    return ["".join(rng.choice(letters, int(rng.integers(2, 10)))) for _ in range(size)]


def english_like(n: int, words: int, seed: int, near_dup_rate: float = 0.1) -> list[str]:
    """Zipf-distributed words; ``near_dup_rate`` of docs are edited copies of earlier ones."""
    rng = np.random.default_rng(seed)
    vocab = vocabulary(rng)
    docs: list[str] = []
    for _ in range(n):
        if docs and rng.random() < near_dup_rate:
            w = docs[int(rng.integers(len(docs)))].split()
            for _ in range(int(rng.integers(0, max(len(w) // 40, 1)))):
                w[int(rng.integers(len(w)))] = vocab[int(rng.integers(len(vocab)))]
            docs.append(" ".join(w))
        else:
            idx = (rng.zipf(1.3, words) - 1) % len(vocab)
            docs.append(" ".join(vocab[i] for i in idx))
    return docs


def shingle_strings(text: str, n: int = 5) -> list[str]:
    w = text.casefold().split()
    return [" ".join(w[i : i + n]) for i in range(max(len(w) - n + 1, 1))]


def make_stage(name: str, **opts: object):
    cls = get_stage(name)
    return cls(cls.Config(**opts), StageContext(name=name))


def timed(fn, *args):
    t = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - t, out


def row(name: str, docs: int, seconds: float, mbytes: float | None = None, note: str = "") -> None:
    rate = docs / seconds
    mb = f"{mbytes / seconds:8.1f}" if mbytes is not None else "       -"
    print(f"| {name:44s} | {rate:10,.0f} | {mb} | {note}")


# --------------------------------------------------------------------------- signatures
def _rensa():
    """rensa if installed (an optional comparison), else None."""
    try:
        import rensa
    except ImportError:
        print("(rensa not installed: its rows are skipped)")
        return None
    return rensa


def _load() -> str:
    with open("/proc/loadavg", encoding="ascii") as f:
        return " ".join(f.read().split()[:3])


class RensaWorker:
    """rensa in its own venv (``_rensa_worker.py``), timing a corpus on request."""

    def __init__(self, venv: Path, corpora: dict[str, list[str]], folder: Path) -> None:
        sys.path.insert(0, str(ROOT / "benchmarks" / "e2e"))
        from tools import ensure_venv

        py = ensure_venv(venv, RENSA_PACKAGES, "import rensa")
        data = folder / "corpora.json"
        data.write_text(json.dumps(corpora), encoding="utf-8")
        worker = ROOT / "benchmarks" / "_rensa_worker.py"
        self.proc = subprocess.Popen(
            [str(py), str(worker), str(data)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None and self.proc.stdout.readline().strip() == "ready"

    def cpu_seconds(self, corpus: str) -> float:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(corpus + "\n")
        self.proc.stdin.flush()
        return float(self.proc.stdout.readline())

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        self.proc.wait()


def _cpu(fn) -> float:
    t0 = time.process_time()
    fn()
    return time.process_time() - t0


def bench_datasketch(docs: list[str]) -> None:
    from datasketch import MinHash

    sub = docs[: max(len(docs) // 4, 50)]

    def ds() -> None:
        for d in sub:
            m = MinHash(num_perm=128, seed=1)
            m.update_batch([s.encode() for s in shingle_strings(d)])

    stage = make_stage("minhash_dedup_v1")
    stage.setup()
    batches = pa.table({"text": sub}).to_batches(max_chunksize=1024)
    ours = min(_cpu(lambda: [stage.observe(b) for b in batches]) for _ in range(3))
    theirs = _cpu(ds)
    print(
        f"\ndatasketch MinHash per doc + update_batch (sha1): {len(sub) / theirs:,.0f} docs/s, "
        f"dataprep observe {len(sub) / ours:,.0f} docs/s: {theirs / ours:.1f}x (CPU time)"
    )


def bench_signatures(corpora: dict[str, list[str]], rounds: int, venv: Path) -> None:
    """dataprep's signature path and observe vs rensa, CPU time, rounds interleaved."""
    from dataprep.dedup.minhash import MinHasher
    from dataprep.dedup.normalize import normalize
    from dataprep.dedup.shingle_batch import shingle_batch

    stage = make_stage("minhash_dedup_v1")
    stage.setup()
    cfg = stage.config
    opts = cfg.normalize_options()
    split_later = replace(opts, collapse_whitespace=False)
    hasher = MinHasher(cfg.num_perm, 1)
    batches = {
        name: pa.table({"text": docs}).to_batches(max_chunksize=1024)
        for name, docs in corpora.items()
    }

    def signatures(name: str) -> None:
        for b in batches[name]:
            sh = shingle_batch(
                [normalize(t, split_later) for t in b.column("text").to_pylist()],
                word_n=cfg.ngram,
                char_n=cfg.char_ngram,
                char_fraction=cfg.char_script_fraction,
                collapse_whitespace=opts.collapse_whitespace,
            )
            hasher.signatures_flat(sh.values, sh.offsets)

    def observe(name: str) -> None:
        for b in batches[name]:
            stage.observe(b)

    times: dict[tuple[str, str], list[float]] = defaultdict(list)
    loads = [_load()]
    with tempfile.TemporaryDirectory() as tmp:
        rensa = RensaWorker(venv, corpora, Path(tmp))
        for name in corpora:
            signatures(name)  # warm-up (code-point table, caches)
            observe(name)
        for _ in range(rounds):
            for name in corpora:
                times[name, "signatures"].append(_cpu(lambda n=name: signatures(n)))
                times[name, "observe"].append(_cpu(lambda n=name: observe(n)))
                times[name, "rensa"].append(rensa.cpu_seconds(name))
            loads.append(_load())
        rensa.close()
    print(
        f"\n## MinHash signatures vs rensa 0.5.0, num_perm=128, word 5-grams, one core, "
        f"CPU time, {rounds} interleaved rounds\n"
    )
    print(f"load average (1/5/15 min) before and after each round: {' | '.join(loads)}\n")
    print("| corpus | docs | KB/doc | method | docs/s best | docs/s median | vs rensa, per round |")
    print("|---|---:|---:|---|---:|---:|---|")
    for name, docs in corpora.items():
        kb = sum(len(d.encode()) for d in docs) / len(docs) / 1000
        rensa_t = times[name, "rensa"]
        for method in ("signatures", "observe", "rensa"):
            t = times[name, method]
            ratios = [r / m for r, m in zip(rensa_t, t, strict=True)]
            vs = "-" if method == "rensa" else f"{min(ratios):.2f}-{max(ratios):.2f}x"
            label = {
                "signatures": "dataprep normalize + shingle_batch + signatures_flat",
                "observe": "dataprep observe (+ n_shingles, sorted shingle sets)",
                "rensa": "rensa RMinHash, shingle strings built in Python",
            }[method]
            print(
                f"| {name} | {len(docs)} | {kb:.2f} | {label} | {len(docs) / min(t):,.0f} "
                f"| {len(docs) / float(np.median(t)):,.0f} | {vs} |"
            )


# --------------------------------------------------------------------------- LSH
def bench_lsh(n: int) -> None:
    from datasketch import MinHash, MinHashLSH

    from dataprep.dedup.lsh import band_keys, bucket_edges, unique_edges

    rng = np.random.default_rng(0)
    sigs = rng.integers(0, 2**32, (n, 128), dtype=np.uint32)
    dup = rng.random(n) < 0.1
    src = rng.integers(0, n, n)
    sigs[dup, :96] = sigs[src[dup], :96]
    print(f"\n## LSH insert + query, threshold 0.8, {n} signatures (one core)\n")
    print("| method | docs/s | MB/s | note")
    print("|---|---:|---:|---|")

    def ours() -> int:
        keys = band_keys(sigs, 16, 8)
        ids = np.repeat(np.arange(n), 16)
        u, v = bucket_edges(keys.reshape(-1), ids)
        return len(unique_edges(u, v, n)[0])

    t, pairs = timed(ours)
    row("dataprep band_keys + sort-group (16x8)", n, t, None, f"{pairs} candidate pairs")

    mhs = [MinHash(num_perm=128, seed=1, hashvalues=s, scheme="affine32") for s in sigs]
    lsh = MinHashLSH(threshold=0.8, num_perm=128)
    t, _ = timed(lambda: [lsh.insert(i, m) for i, m in enumerate(mhs)])
    row(f"datasketch MinHashLSH insert ({lsh.b}x{lsh.r})", n, t)
    t, _ = timed(lambda: [lsh.query(m) for m in mhs])
    row("datasketch MinHashLSH query", n, t)

    rensa = _rensa()
    if rensa is None:
        return
    r = rensa.RMinHashLSH(threshold=0.8, num_perm=128, num_bands=16)
    rmh = []
    for s in sigs[: min(n, 20000)]:
        m = rensa.RMinHash(num_perm=128, seed=1)
        m.update([str(x) for x in s[:4]])  # rensa cannot take given values; contents irrelevant
        rmh.append(m)
    t, _ = timed(lambda: [r.insert(i, m) for i, m in enumerate(rmh)])
    row("rensa RMinHashLSH insert (16 bands)", len(rmh), t)
    t, _ = timed(lambda: [r.query(m) for m in rmh])
    row("rensa RMinHashLSH query", len(rmh), t)


# --------------------------------------------------------------------------- stage
def observe_to_files(stage, docs: list[str], folder: Path, shards: int = 4) -> list[Path]:
    stage.setup()
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    bounds = [len(docs) * i // shards for i in range(shards + 1)]
    for s in range(shards):
        table = pa.table({"text": docs[bounds[s] : bounds[s + 1]]})
        path = folder / f"obs-{s}.arrow"
        writer, r = None, 0
        for batch in table.to_batches(max_chunksize=1024):
            obs = stage.observe(batch)
            k = obs.num_rows
            obs = obs.append_column(SHARD_COL, pa.array(np.full(k, s, np.int32)))
            obs = obs.append_column(ROW_COL, pa.array(np.arange(r, r + k, dtype=np.int64)))
            obs = obs.append_column(REPEAT_COL, pa.array(np.zeros(k, np.int32)))
            r += k
            writer = writer or pa.ipc.new_file(path, obs.schema)
            writer.write_batch(obs)
        if writer is not None:
            writer.close()
            paths.append(path)
    return paths


def run_stage(name: str, docs: list[str], tmp: Path, **opts: object):
    stage = make_stage(name, **opts)
    t_obs, paths = timed(observe_to_files, stage, docs, tmp / "obs")
    t_fit, dec = timed(lambda: pa.Table.from_batches(list(stage.fit(paths, tmp / "fit"))))
    dec = dec.sort_by([(SHARD_COL, "ascending"), (ROW_COL, "ascending")])
    return t_obs, t_fit, dec, stage.fit_summary()


def bench_stage(docs: list[str]) -> None:
    mb = sum(len(d.encode()) for d in docs) / 1e6
    print(f"\n## Whole stage (observe + fit), {len(docs)} docs, 10% near duplicates (one core)\n")
    print("| stage | docs/s | MB/s | note")
    print("|---|---:|---:|---|")
    for name in ("exact_dedup_v1", "minhash_dedup_v1"):
        with tempfile.TemporaryDirectory() as d:
            t_obs, t_fit, _, summary = run_stage(name, docs, Path(d))
        row(
            name,
            len(docs),
            t_obs + t_fit,
            mb,
            f"observe {t_obs:.2f}s, fit {t_fit:.2f}s, removed {summary['duplicates_removed']}",
        )


# --------------------------------------------------------------------------- accuracy
def edited_corpus(families: int, seed: int) -> list[str]:
    rng = np.random.default_rng(seed)
    vocab = vocabulary(rng, 5000)
    docs = []
    for _ in range(families):
        base = [vocab[i] for i in rng.integers(0, len(vocab), int(rng.integers(120, 400)))]
        docs.append(" ".join(base))
        for _ in range(int(rng.integers(0, 4))):
            target = float(rng.uniform(0.4, 1.0))
            sh = max(len(base) - 4, 1)
            edits = round((sh - 2 * sh * target / (1 + target)) / 5)
            w = list(base)
            for _ in range(edits):
                w[int(rng.integers(len(w)))] = vocab[int(rng.integers(len(vocab)))]
            docs.append(" ".join(w))
    return [docs[i] for i in rng.permutation(len(docs))]


def bench_accuracy(families: int) -> None:
    docs = edited_corpus(families, 7)
    sets = [frozenset(zip(*(t.split()[k:] for k in range(5)), strict=False)) for t in docs]
    index: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for i, s in enumerate(sets):
        for g in s:
            index[g].append(i)
    pairs = {(a, b) for ds in index.values() for k, a in enumerate(ds) for b in ds[k + 1 :]}
    truth = {p: len(sets[p[0]] & sets[p[1]]) / len(sets[p[0]] | sets[p[1]]) for p in pairs}
    with tempfile.TemporaryDirectory() as d:
        _, _, dec, _ = run_stage("minhash_dedup_v1", docs, Path(d))
    removed = np.array([r is not None for r in dec.column("reason").to_pylist()])
    print(f"\n## Recall vs true Jaccard (word 5-grams), threshold 0.8, {len(docs)} docs\n")
    print("| true Jaccard | pairs | caught (not both kept) |")
    print("|---|---:|---:|")
    edges = [0.4, 0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1.0001]
    for lo, hi in itertools.pairwise(edges):
        sel = [p for p, j in truth.items() if lo <= j < hi]
        caught = sum(bool(removed[a] or removed[b]) for a, b in sel)
        label = f"{lo:.2f}-{min(hi, 1.0):.2f}"
        print(f"| {label} | {len(sel)} | {caught / max(len(sel), 1):.3f} |")
    high = [p for p, j in truth.items() if j >= 0.85]
    recall = sum(bool(removed[a] or removed[b]) for a, b in high) / max(len(high), 1)
    ok07 = np.zeros(len(docs), bool)
    for (a, b), j in truth.items():
        if j >= 0.7:
            ok07[a] = ok07[b] = True
    precision = 1 - (removed & ~ok07).sum() / max(removed.sum(), 1)
    print(
        f"\nrecall(J>=0.85) = {recall:.4f}, precision (removed doc has a J>=0.7 partner) = "
        f"{precision:.4f}, removed = {removed.sum()}"
    )


# --------------------------------------------------------------------------- memory
def memory_child(n: int) -> None:
    import tracemalloc

    docs = english_like(n, 60, seed=3, near_dup_rate=0.1)  # short docs, ~350 bytes
    with tempfile.TemporaryDirectory() as d:
        for name in ("exact_dedup_v1", "minhash_dedup_v1"):
            stage = make_stage(name)
            t0 = time.perf_counter()
            paths = observe_to_files(stage, docs, Path(d) / name / "obs", shards=8)
            t_obs = time.perf_counter() - t0
            obs_bytes = sum(p.stat().st_size for p in paths)
            rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
            tracemalloc.start()
            pool0 = pa.default_memory_pool().max_memory()
            t0 = time.perf_counter()
            rows = sum(b.num_rows for b in stage.fit(paths, Path(d) / name / "fit"))
            t_fit = time.perf_counter() - t0
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
            print(
                f"| {name} | {n:,} | {t_obs:.1f} | {t_fit:.1f} | {peak / n:.0f} | "
                f"{max(rss1 - rss0, 0) / n:.0f} | {pa.default_memory_pool().max_memory() - pool0:,}"
                f" | {obs_bytes / n:.0f} | {rows == n} |"
            )


def bench_memory(n: int) -> None:
    print(f"\n## Memory of fit, {n:,} short docs (~60 words), separate process\n")
    print(
        "| stage | docs | observe s | fit s | numpy+Python peak B/doc | RSS growth B/doc "
        "| Arrow pool peak growth B | observation B/doc | complete |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---|")
    sys.stdout.flush()
    subprocess.run([sys.executable, __file__, "--memory-child", str(n)], check=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=20_000, help="documents for the memory test")
    ap.add_argument("--sig-docs", type=int, default=2_000, help="~4 KB documents for speed tests")
    ap.add_argument("--short-docs", type=int, default=4_000, help="bench_short_multilingual docs")
    ap.add_argument("--rounds", type=int, default=5, help="interleaved signature rounds")
    ap.add_argument("--rensa-venv", default="/tmp/rensa-venv", help="made when missing")
    ap.add_argument("--signatures-only", action="store_true", help="only the rensa comparison")
    ap.add_argument("--lsh-docs", type=int, default=20_000)
    ap.add_argument("--families", type=int, default=2_000, help="accuracy corpus base documents")
    ap.add_argument("--memory-child", type=int, default=0, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.memory_child:
        memory_child(args.memory_child)
        return
    docs = english_like(args.sig_docs, 680, seed=1)
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bench_short_multilingual import make_corpus

    short = [t for _, t in make_corpus(args.short_docs)]
    bench_signatures({"generated": docs, "short": short}, args.rounds, Path(args.rensa_venv))
    if args.signatures_only:
        return
    bench_datasketch(docs)
    bench_lsh(args.lsh_docs)
    bench_stage(docs)
    bench_accuracy(args.families)
    bench_memory(args.docs)


if __name__ == "__main__":
    main()
