"""Work units: one big Parquet file, -j 1 vs -j 2 (wall time).

Writes one Parquet file of 40,000 generated ~1 KB documents in several scripts (Latin,
Cyrillic, Greek; function words, varied vocabulary, some exact duplicates) with many
row groups, then times a quality-filter recipe (Gopher quality + repetition, C4,
FineWeb) with 1 and 2 workers: as one unit (128 MiB, the default before
``unit_bytes: 0``: -j 2 could not be faster than -j 1), with the default (0: units
sized from the corpus, 4 MiB here) and with units of ``--unit-mb`` MiB.
Prints a table; asserts nothing (see benchmarks/README.md for the method).

    python benchmarks/bench_units.py [--docs 40000] [--groups 40] [--unit-mb 4] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
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
    {"stage": "gopher_quality_v1"},
    {"stage": "gopher_repetition_v1"},
    {"stage": "c4_v1"},
    {"stage": "fineweb_v1"},
]
_EN_FUNCTION = ["the", "of", "and", "to", "in", "is", "that", "for"]
#: Letters per script (Latin, Cyrillic, Greek), spelled as code points.
_SCRIPTS = {
    "en": "abcdefghijklmnopqrstuvwxyz",
    "ru": "".join(chr(c) for c in range(0x430, 0x450)),
    "el": "".join(chr(c) for c in range(0x3B1, 0x3CA)),
}


def make_docs(n: int, seed: int = 0) -> list[dict[str, str]]:
    """~1 KB documents: sentences of words from a per-language vocabulary."""
    rng = random.Random(seed)
    vocab = {
        lang: ["".join(rng.choice(letters) for _ in range(rng.randint(2, 9))) for _ in range(3000)]
        for lang, letters in _SCRIPTS.items()
    }
    docs: list[dict[str, str]] = []
    for i in range(n):
        if i % 50 == 7 and docs:
            docs.append({"id": f"d{i}", "text": docs[rng.randrange(len(docs))]["text"]})
            continue
        lang = rng.choice(list(_SCRIPTS))
        words = vocab[lang]
        function = _EN_FUNCTION if lang == "en" else words[:8]
        lines = []
        while sum(len(s) for s in lines) < 1000:
            sent = [rng.choice(words if rng.random() < 0.6 else function) for _ in range(12)]
            lines.append(" ".join(sent).capitalize() + ".")
        docs.append({"id": f"d{i}", "text": "\n".join(lines), "lang_hint": lang})
    return docs


def time_run(src: Path, out: Path, workers: int, unit_mb: int) -> float:
    from dataprep.engine.driver import run_pipeline
    from dataprep.engine.executors.pool import WorkerPool
    from dataprep.recipe.config import parse_recipe

    recipe = parse_recipe(
        {"run": {"unit_bytes": unit_mb * 1024 * 1024}, "stages": STAGES}, source="bench"
    )
    shutil.rmtree(out, ignore_errors=True)
    started = time.perf_counter()
    pool = WorkerPool(workers) if workers > 1 else None
    run_pipeline(recipe, [str(src)], out, workers=workers, progress=False, pool=pool)
    return time.perf_counter() - started


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=40_000)
    ap.add_argument("--groups", type=int, default=40)
    ap.add_argument("--unit-mb", type=int, default=4)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-units-"))
    try:
        src = tmp / "in" / "big.parquet"
        src.parent.mkdir()
        table = pa.Table.from_pylist(make_docs(args.docs))
        pq.write_table(table, src, row_group_size=-(-args.docs // args.groups))
        size = src.stat().st_size / 1e6
        print(f"{args.docs} docs, {args.groups} row groups, {size:.1f} MB on disk, ", end="")
        print(f"{table.column('text').nbytes / 1e6:.1f} MB of text; unit_bytes {args.unit_mb} MiB")
        load = f"{os.getloadavg()[0]:.2f}"
        time_run(src, tmp / "out", 1, 128)  # warm-up: imports and stage set-up, untimed
        configs = [(128, "one unit (128 MiB)", 1), (128, "one unit (128 MiB)", 2)]
        configs += [(0, "default (0: from corpus)", w) for w in (1, 2)]
        configs += [(args.unit_mb, f"{args.unit_mb} MiB units", w) for w in (1, 2)]
        times: dict[int, list[float]] = {k: [] for k in range(len(configs))}
        for _ in range(args.repeat):  # interleaved, so a busy moment hits every config
            for k, (unit_mb, _label, workers) in enumerate(configs):
                times[k].append(time_run(src, tmp / "out", workers, unit_mb))
        print(f"load average before/after: {load} / {os.getloadavg()[0]:.2f} (2 cores shared?)")
        print(f"{'units':<26}{'-j':>4}{'min s':>8}{'median s':>10}{'docs/s (min)':>14}")
        for k, (_unit_mb, label, workers) in enumerate(configs):
            best, mid = min(times[k]), statistics.median(times[k])
            print(f"{label:<26}{workers:>4}{best:>8.2f}{mid:>10.2f}{args.docs / best:>14.0f}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
