"""Output for the training stage: what ``output.signals`` and ``keep_removed`` cost
and save, and ``dataprep export`` throughput.

The corpus is the bundled multilingual sample (417 documents, 16 languages) repeated
``--copies`` times with distinct ids, written as Parquet shards. The recipe is the
per-batch half of ``multilingual`` (language ID, Gopher repetition and quality,
FineWeb): ~33 float signal columns per kept document, about a third of the documents
removed. For each output setting it prints the bytes of ``data/``, ``signals/`` and
``removed/`` and the run's wall time (best of ``--repeat``), then times ``dataprep
export`` (Parquet and jsonl.zst) of the new default run on one worker. Last, the
cost of tokens: the same recipe with ``tokens_v1`` appended (a byte-level BPE of
``--vocab`` tokens trained on the sample texts with ``tokenizers``, nothing
downloaded), each stage's CPU seconds from ``run.json``, and the Megatron export
(tokenizing every kept document again) in docs/s and tokens/s on one worker.
Prints tables; asserts nothing (see benchmarks/README.md for the method).

    python benchmarks/bench_export.py [--copies 40] [--repeat 2] [--workers 1]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
# the tests' byte-level BPE trainer (sample texts, nothing downloaded)
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "tokens"))

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from tiny_tokenizer import train_tiny_tokenizer

from dataprep.engine.driver import run_pipeline
from dataprep.export.options import ExportOptions
from dataprep.export.run import export_run
from dataprep.recipe.config import parse_recipe
from dataprep.sample_data import sample_path
from dataprep.tokens.tokenizer import TokenizerSpec

STAGES = [
    {"stage": "fasttext_langid_v1"},
    {"stage": "gopher_repetition_v1"},
    {"stage": "gopher_quality_v1"},
    {"stage": "fineweb_v1"},
]
#: (label, output section)
SETTINGS = [
    ("signals keep, removed full (old default)", {"signals": "keep", "keep_removed": "full"}),
    ("signals keep, removed ids (new default)", {"signals": "keep", "keep_removed": "ids"}),
    ("signals separate, removed ids", {"signals": "separate", "keep_removed": "ids"}),
    ("signals drop, removed ids", {"signals": "drop", "keep_removed": "ids"}),
    ("signals drop, removed none", {"signals": "drop", "keep_removed": "none"}),
]


def make_corpus(folder: Path, copies: int) -> int:
    """The sample corpus ``copies`` times (ids ``ID~k``), one Parquet shard per copy."""
    read = folder.parent / "sample"  # every shard format of the sample, read by dataprep
    run_pipeline(parse_recipe({"stages": []}), [str(sample_path())], read, progress=False)
    rows = pq.read_table(read / "data").to_pylist()
    folder.mkdir(parents=True)
    for k in range(copies):
        table = pa.Table.from_pylist([{**r, "id": f"{r['id']}~{k}"} for r in rows])
        pq.write_table(table, folder / f"copy-{k:03d}.parquet")
    return len(rows) * copies


def folder_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*.parquet")) if path.exists() else 0


def timed_run(output: dict, corpus: Path, out: Path, workers: int, repeat: int) -> float:
    recipe = parse_recipe({"name": "bench-export", "output": output, "stages": STAGES})
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        run_pipeline(recipe, [str(corpus)], out, workers=workers, progress=False, overwrite=True)
        best = min(best, time.perf_counter() - start)
    return best


def token_costs(corpus: Path, tmp: Path, vocab: int, repeat: int) -> None:
    """CPU seconds per stage with ``tokens_v1`` appended, and the Megatron export's rate."""
    tok = train_tiny_tokenizer(tmp / "tokenizer.json", vocab)
    stages = [*STAGES, {"stage": "tokens_v1", "tokenizer": str(tok)}]
    recipe = parse_recipe({"name": "bench-tokens", "stages": stages})
    out = tmp / "out-tokens"
    best: dict[str, float] = {}
    for _ in range(repeat):
        run_pipeline(recipe, [str(corpus)], out, workers=1, progress=False, overwrite=True)
        timing = json.loads((out / "run.json").read_text())["timing"]["stages"]
        for stage, t in timing.items():
            best[stage] = min(best.get(stage, float("inf")), t["cpu_seconds"])
    total = sum(best.values())
    kept = pq.read_table(out / "data", columns=["n_tokens"]).column("n_tokens")
    tokens, docs = int(pc.sum(kept).as_py()), len(kept)
    print(f"\ntokens_v1 ({vocab}-token BPE): CPU seconds per stage, 1 worker, best of {repeat}\n")
    print("| stage | CPU s | share |")
    print("|---|---:|---:|")
    for stage, t in sorted(best.items(), key=lambda kv: -kv[1]):
        print(f"| {stage} | {t:.2f} | {t / total:.0%} |")
    tok_s = best.get("tokens_v1", 0.0)
    print(f"\ntokens_v1: {tokens:,} tokens in {docs:,} kept documents, "
          f"{tokens / max(tok_s, 1e-9):,.0f} tokens/s per core")  # fmt: skip
    spec = TokenizerSpec(tokenizer=str(tok))
    secs = float("inf")
    for _ in range(repeat):
        target = tmp / "export-megatron"
        shutil.rmtree(target, ignore_errors=True)
        start = time.perf_counter()
        export_run(out, target, ExportOptions(format="megatron", tokenizer=spec), workers=1)
        secs = min(secs, time.perf_counter() - start)
    print(f"megatron export, 1 worker: {secs:.2f} s, {docs / secs:,.0f} docs/s, "
          f"{tokens / secs:,.0f} tokens/s (shuffle, tokenize, .bin/.idx)")  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--copies", type=int, default=40)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--vocab", type=int, default=8000, help="BPE vocabulary of the token run")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-export-"))
    try:
        docs = make_corpus(tmp / "in", args.copies)
        print(f"{docs:,} documents, {args.workers} worker(s), best of {args.repeat}\n")
        head = "data/ MB | signals/ MB | removed/ MB | total MB | run s"
        print(f"| {'output setting':<42} | {head} |")
        print(f"|{'-' * 44}|---:|---:|---:|---:|---:|")
        runs = {}
        for label, output in SETTINGS:
            out = tmp / f"out-{len(runs)}"
            seconds = timed_run(output, tmp / "in", out, args.workers, args.repeat)
            sizes = [folder_bytes(out / f) / 1e6 for f in ("data", "signals", "removed")]
            print(f"| {label:<42} | {sizes[0]:.2f} | {sizes[1]:.2f} | {sizes[2]:.2f} "
                  f"| {sum(sizes):.2f} | {seconds:.1f} |")  # fmt: skip
            runs[label] = out
        run = runs[SETTINGS[1][0]]
        kept = sum(pq.read_metadata(p).num_rows for p in (run / "data").glob("*.parquet"))
        print(f"\nexport of the new-default run ({kept:,} kept documents), 1 worker:\n")
        print("| format | s | docs/s |")
        print("|---|---:|---:|")
        for fmt in ("parquet", "jsonl.zst"):
            best = float("inf")
            for _ in range(args.repeat):
                target = tmp / f"export-{fmt}"
                shutil.rmtree(target, ignore_errors=True)
                start = time.perf_counter()
                export_run(run, target, ExportOptions(format=fmt), workers=1)
                best = min(best, time.perf_counter() - start)
            print(f"| {fmt} | {best:.2f} | {kept / best:,.0f} |")
        token_costs(tmp / "in", tmp, args.vocab, args.repeat)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
