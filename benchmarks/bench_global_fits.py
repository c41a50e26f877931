"""Fit time and driver memory of ``decontaminate_v1`` and ``classifier_top_v1``:
partitioned (executor tasks) against the single-process fit.

    python benchmarks/bench_global_fits.py --docs 200000 1000000 --workers 2

Documents are those of ``bench_cleaning.py`` (50 Zipf words in 5 lines) with a
``domain`` column (4 values), in Parquet files of ``--file-docs`` documents (one work
unit each). ``decontaminate_v1`` checks them against an eval set of 2,000 examples,
half of them 20-word quotes of corpus documents (defaults: ``ngram: auto``,
``max_train_docs: 10``); ``classifier_top_v1`` keeps the top 10% per domain by the
tiny test model's score. Each runs alone through ``run_pipeline`` with K worker
processes; the single-process fit is forced by turning the stage's ``partitioned``
property off. Reported: the fit's wall seconds (``run.json`` timing), the driver's
resident memory when the fit starts and its peak during the fit (``VmRSS`` sampled
every 20 ms), and whether both modes wrote the same output (digest of the kept and
removed rows). The load average is printed with each row: the machine is shared.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_cleaning import make_docs  # noqa: E402

from dataprep.classify.stage import ClassifierTopStage  # noqa: E402
from dataprep.cleaning.decontaminate import Decontaminate  # noqa: E402
from dataprep.engine.driver import run_pipeline  # noqa: E402
from dataprep.recipe.config import parse_recipe  # noqa: E402

MODEL = ROOT / "tests" / "data" / "classify" / "quality-tiny.ftz"
DOMAINS = np.array(["general", "math", "code", "multilingual"])


def write_corpus(folder: Path, docs: int, file_docs: int) -> list[str]:
    texts, _ = make_docs(docs)
    rng = np.random.default_rng(1)
    domains = rng.choice(DOMAINS, size=docs, p=[0.5, 0.25, 0.17, 0.08]).tolist()
    folder.mkdir(parents=True)
    for f, lo in enumerate(range(0, docs, file_docs)):
        hi = min(lo + file_docs, docs)
        table = pa.table(
            {"id": [f"d{i}" for i in range(lo, hi)], "text": texts[lo:hi], "domain": domains[lo:hi]}
        )
        pq.write_table(table, folder / f"part{f:04d}.parquet")
    return texts


def write_eval(path: Path, texts: list[str]) -> None:
    rng = np.random.default_rng(2)
    quotes = [" ".join(texts[int(i)].split()[3:23]) for i in rng.integers(len(texts), size=1000)]
    made = [" ".join(f"q{int(x)}" for x in rng.integers(50_000, size=20)) for _ in range(1000)]
    path.write_text("".join(q + "\n" for q in quotes + made))


def output_digest(out: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(out.rglob("*.parquet")):
        h.update(str(p.relative_to(out)).encode())
        h.update(p.read_bytes())
    h.update(json.dumps(json.loads((out / "stats.json").read_text())["global_stages"]).encode())
    return h.hexdigest()[:12]


class RssProbe:
    """The driver's VmRSS when a fit starts and its peak until it ends."""

    def __init__(self) -> None:
        self.start = self.peak = 0.0
        self.active = False
        self.stop = False
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    @staticmethod
    def rss() -> float:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0

    def _loop(self) -> None:
        while not self.stop:
            if self.active:
                self.peak = max(self.peak, self.rss())
            time.sleep(0.02)

    def begin(self) -> None:
        self.start = self.peak = self.rss()
        self.active = True

    def end(self) -> None:
        self.peak = max(self.peak, self.rss())
        self.active = False


def _wrap(cls: type, probe: RssProbe, partitioned: bool) -> Callable[[], None]:
    """Make ``cls``'s fit report to ``probe``; returns the undo."""
    saved = {k: cls.__dict__.get(k) for k in ("partitioned", "fit", "fit_partitioned")}
    fit, fit_partitioned = cls.fit, cls.fit_partitioned  # type: ignore[attr-defined]

    def probed_fit(self: Any, *args: Any) -> Iterator[pa.RecordBatch]:
        probe.begin()
        try:
            yield from fit(self, *args)
        finally:
            probe.end()

    def probed_partitioned(self: Any, runner: Any) -> None:
        probe.begin()
        try:
            fit_partitioned(self, runner)
        finally:
            probe.end()

    cls.fit = probed_fit  # type: ignore[attr-defined]
    cls.fit_partitioned = probed_partitioned  # type: ignore[attr-defined]
    if not partitioned:
        cls.partitioned = property(lambda self: False)  # type: ignore[attr-defined]

    def undo() -> None:
        for k, v in saved.items():
            if v is None:
                if k in cls.__dict__:
                    delattr(cls, k)
            else:
                setattr(cls, k, v)

    return undo


def run_once(
    name: str, stage: dict[str, Any], src: Path, out: Path, workers: int, partitioned: bool
) -> dict[str, Any]:
    cls = Decontaminate if name == "decontaminate_v1" else ClassifierTopStage
    probe = RssProbe()
    undo = _wrap(cls, probe, partitioned)
    try:
        recipe = parse_recipe({"run": {"batch_size": 1024}, "stages": [stage]})
        run_pipeline(recipe, [str(src)], out, workers=workers, progress=False)
    finally:
        undo()
        probe.stop = True
    fit_s = json.loads((out / "run.json").read_text())["timing"]["fits"][name]
    return {"fit_s": fit_s, "start": probe.start, "peak": probe.peak, "digest": output_digest(out)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--docs", type=int, nargs="+", default=[200_000])
    ap.add_argument("--workers", type=int, nargs="+", default=[2])
    ap.add_argument("--file-docs", type=int, default=25_000)
    ap.add_argument("--stages", nargs="+", default=["decontaminate_v1", "classifier_top_v1"])
    args = ap.parse_args()
    print(
        f"{'stage':<18} {'docs':>8} {'K':>2} {'fit':<12} {'fit s':>7} "
        f"{'RSS at fit MB':>13} {'peak MB':>8} output       load"
    )
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        for docs in args.docs:
            src = tmp / f"in-{docs}"
            texts = write_corpus(src, docs, args.file_docs)
            write_eval(tmp / "eval.txt", texts)
            del texts
            stages = {
                "decontaminate_v1": {
                    "stage": "decontaminate_v1",
                    "eval_sets": {"quotes": str(tmp / "eval.txt")},
                },
                "classifier_top_v1": {
                    "stage": "classifier_top_v1",
                    "model_path": str(MODEL),
                    "within": "domain",
                    "fraction": 0.1,
                },
            }
            for name in args.stages:
                for k in args.workers:
                    for partitioned in (False, True):
                        out = tmp / f"out-{name}-{docs}-{k}-{partitioned}"
                        r = run_once(name, stages[name], src, out, k, partitioned)
                        load = Path("/proc/loadavg").read_text().split()[0]
                        mode = "partitioned" if partitioned else "single"
                        print(
                            f"{name:<18} {docs:>8} {k:>2} {mode:<12} {r['fit_s']:>7.2f} "
                            f"{r['start']:>13.0f} {r['peak']:>8.0f} {r['digest']} {load}",
                            flush=True,
                        )


if __name__ == "__main__":
    main()
