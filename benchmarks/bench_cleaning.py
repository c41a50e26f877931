"""Throughput of every cleaning stage, and fit memory of the global ones, on generated docs.

    /tmp/dpvenv/bin/python benchmarks/bench_cleaning.py                 # 100k docs, ~1-2 min
    /tmp/dpvenv/bin/python benchmarks/bench_cleaning.py --docs 1000000  # memory at 1M docs

Documents are short (~5 lines, ~300 characters): words from a Zipf-like vocabulary, one
boilerplate line in a third of them, an email or IP in some, a URL per document with
10% duplicates. Batch stages are timed on ``--batch-docs`` documents (one core).
Global stages: ``observe`` is timed over all documents (one core), written as
observation files the way the runner does (one per shard of 100k documents); then
``fit`` runs in a fresh subprocess that reports its wall time and peak RSS (``VmHWM``)
above the RSS it had after imports (``ru_maxrss`` would be inherited across exec).
The machines are shared and noisy.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dataprep.output.columns import REPEAT_COL, ROW_COL, SHARD_COL  # noqa: E402
from dataprep.recipe.registry import get_stage  # noqa: E402
from dataprep.stages.base import StageContext  # noqa: E402

SHARD_DOCS = 100_000
BOILER = ["Subscribe to our newsletter", "All rights reserved", "Share this article"]


def make_docs(n: int, seed: int = 0) -> tuple[list[str], list[str]]:
    rng = np.random.default_rng(seed)
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))
    vocab = ["".join(rng.choice(letters, int(rng.integers(2, 9)))) for _ in range(20_000)]
    probs = 1.0 / np.arange(1, len(vocab) + 1)
    probs /= probs.sum()
    words = rng.choice(len(vocab), size=n * 50, p=probs)
    texts, urls = [], []
    for i in range(n):
        w = [vocab[j] for j in words[i * 50 : (i + 1) * 50]]
        lines = [" ".join(w[k : k + 10]) + "." for k in range(0, 50, 10)]
        if i % 3 == 0:
            lines.append(BOILER[i % len(BOILER)])
        if i % 20 == 0:
            lines.append(f"Contact {w[0]}@example-mail.com or 93.184.{i % 250}.{i % 199}")
        texts.append("\n".join(lines))
        j = i if i % 10 else i - 1  # every 10th document repeats the previous URL
        urls.append(f"https://site{j % 997}.com/p/{j}?utm_source=x")
    return texts, urls


def stage(name: str, **options: object) -> object:
    cls = get_stage(name)
    st = cls(cls.Config(**options), StageContext(name=name))
    st.setup()
    return st


def bench_batch(texts: list[str], tmp: Path) -> list[tuple[str, float, float]]:
    blocklist = tmp / "block.txt"
    blocklist.write_text("badword\nnaughty phrase\n")
    stages = [
        ("ngram_coverage_v1", {}),
        ("dirty_words_v1", {"blocklists": {"*": str(blocklist)}}),
        ("pii_redact_v1", {}),
    ]
    rows = []
    mb = sum(map(len, texts)) / 1e6
    for name, opts in stages:
        st = stage(name, **opts)
        t0 = time.perf_counter()
        for lo in range(0, len(texts), 1024):
            st.process(
                pa.record_batch({"text": pa.array(texts[lo : lo + 1024], pa.large_string())})
            )
        dt = time.perf_counter() - t0
        rows.append((name, len(texts) / dt, mb / dt))
    return rows


def observe_all(name: str, opts: dict, texts: list[str], urls: list[str], out: Path) -> float:
    st = stage(name, **opts)
    out.mkdir(parents=True)
    t0 = time.perf_counter()
    for s, lo in enumerate(range(0, len(texts), SHARD_DOCS)):
        writer = None
        hi = min(lo + SHARD_DOCS, len(texts))
        for b0 in range(lo, hi, 1024):
            b1 = min(b0 + 1024, hi)
            batch = pa.record_batch(
                {
                    "text": pa.array(texts[b0:b1], pa.large_string()),
                    "url": pa.array(urls[b0:b1]),
                }
            )
            obs = st.observe(batch)
            obs = obs.append_column(SHARD_COL, pa.array(np.full(b1 - b0, s, np.int32)))
            obs = obs.append_column(ROW_COL, pa.array(np.arange(b0 - lo, b1 - lo, dtype=np.int64)))
            obs = obs.append_column(REPEAT_COL, pa.array(np.zeros(b1 - b0, np.int32)))
            writer = writer or pa.ipc.new_file(out / f"part-{s:05d}.arrow", obs.schema)
            writer.write_batch(obs)
        writer.close()
    return time.perf_counter() - t0


FIT_CHILD = """
import json, sys, time
from pathlib import Path
sys.path.insert(0, {root!r})
from dataprep.recipe.registry import get_stage
from dataprep.stages.base import StageContext
cls = get_stage({name!r})
st = cls(cls.Config(**{opts!r}), StageContext(name={name!r}))
paths = sorted(Path({obs!r}).glob("part-*.arrow"))
def hwm():  # this process's peak RSS (ru_maxrss survives exec: it would show the parent's)
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
base = hwm()
t0 = time.perf_counter()
removed = sum(b.column("reason").null_count for b in st.fit(paths, Path({work!r})))
dt = time.perf_counter() - t0
peak = hwm()
print(json.dumps({{"seconds": dt, "peak_kb": peak, "base_kb": base, "summary": st.fit_summary()}}))
"""


def bench_global(texts: list[str], urls: list[str], tmp: Path) -> list[dict]:
    evals = tmp / "eval.txt"
    evals.write_text("\n".join(" ".join(t.split()[:20]) for t in texts[:50:7]) + "\n")
    stages: list[tuple[str, dict]] = [
        ("url_dedup_v1", {}),
        ("line_dedup_v1", {}),
        ("token_kl_v1", {}),
        ("decontaminate_v1", {"eval_sets": {"e": str(evals)}}),
    ]
    rows = []
    for name, opts in stages:
        obs = tmp / f"obs-{name}"
        t_obs = observe_all(name, opts, texts, urls, obs)
        obs_bytes = sum(p.stat().st_size for p in obs.iterdir())
        work = tmp / f"work-{name}"
        work.mkdir()
        code = FIT_CHILD.format(root=str(ROOT), name=name, opts=opts, obs=str(obs), work=str(work))
        res = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )
        fit = json.loads(res.stdout.strip().splitlines()[-1])
        rows.append(
            {
                "stage": name,
                "observe_docs_s": len(texts) / t_obs,
                "obs_bytes_per_doc": obs_bytes / len(texts),
                "fit_s": fit["seconds"],
                "fit_peak_mb": fit["peak_kb"] / 1024,
                "fit_extra_mb": (fit["peak_kb"] - fit["base_kb"]) / 1024,
                "summary": fit["summary"],
            }
        )
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--docs", type=int, default=100_000)
    ap.add_argument("--batch-docs", type=int, default=20_000)
    args = ap.parse_args()
    t0 = time.perf_counter()
    texts, urls = make_docs(args.docs)
    print(
        f"generated {len(texts):,} docs, {sum(map(len, texts)) / 1e6:.1f} MB "
        f"in {time.perf_counter() - t0:.1f} s"
    )
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        print(f"\nbatch stages ({args.batch_docs:,} docs, one core)")
        print(f"{'stage':<22}{'docs/s':>10}{'MB/s':>8}")
        for name, dps, mbs in bench_batch(texts[: args.batch_docs], tmp):
            print(f"{name:<22}{dps:>10,.0f}{mbs:>8.2f}")
        print(f"\nglobal stages ({len(texts):,} docs)")
        print(
            f"{'stage':<16}{'observe docs/s':>15}{'obs B/doc':>10}{'fit s':>8}"
            f"{'fit peak MB':>12}{'fit +MB':>9}{'+B/doc':>8}"
        )
        for r in bench_global(texts, urls, tmp):
            per_doc = r["fit_extra_mb"] * 1024 * 1024 / len(texts)
            print(
                f"{r['stage']:<16}{r['observe_docs_s']:>15,.0f}{r['obs_bytes_per_doc']:>10.0f}"
                f"{r['fit_s']:>8.1f}{r['fit_peak_mb']:>12.0f}{r['fit_extra_mb']:>9.0f}"
                f"{per_doc:>8.0f}"
            )
            keys = (
                "duplicates_removed",
                "lines_dropped",
                "docs_with_dropped_lines",
                "documents_removed",
                "buckets_used",
            )
            facts = {k: v for k, v in r["summary"].items() if k in keys}
            print(f"{'':<16}{facts}")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\ndriver peak RSS (generation + observe) {rss:.0f} MB")


if __name__ == "__main__":
    main()
