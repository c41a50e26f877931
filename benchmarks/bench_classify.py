"""fastText classifier speed: scoring docs/s per core, and training time.

Scoring runs ``classifier_v1`` (annotate only, so the loop includes preprocessing,
the low-level predict and building the Arrow columns) on one core over documents
made by ``tests/classify/classify_corpus.py`` joined to ~4 KB (a typical web
page), for ``max_chars`` 500, 2000 (the default) and 0 (whole document). It uses
the shipped tiny model (dim 8, quantized) and, when the training backend is
installed, a model trained here with the default parameters (dim 64, bucket
200k): the model's size barely changes the cost, the characters read do.
Training time is measured with ``threads=1`` (deterministic) on N documents.

    PYTHONPATH=. python benchmarks/bench_classify.py [--seconds 1.5] [--train-docs 2000]

Each setting is timed through the stage's default path (the batch predictor,
its token cache emptied before every round) and through fastText per document.
Speed is the best of repeated rounds (the machines are shared and noisy).
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pyarrow as pa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "classify"))

from classify_corpus import good_text, spam_text  # noqa: E402

from dataprep.classify.stage import ClassifierConfig, ClassifierStage  # noqa: E402
from dataprep.stages.base import StageContext  # noqa: E402

TINY = ROOT / "tests" / "data" / "classify" / "quality-tiny.ftz"


def long_docs(n: int, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    docs = []
    for _ in range(n):
        parts: list[str] = []
        make = good_text if rng.random() < 0.5 else spam_text
        while sum(map(len, parts)) < 4000:
            parts.append(make(rng))
        docs.append("\n".join(parts))
    return docs


def _round_time(model: Path, docs: list[str], max_chars: int, seconds: float) -> float:
    from dataprep.langid.fasttext_batch import load_batch_predictor

    cfg = ClassifierConfig(model_path=str(model), max_chars=max_chars, positive_label="positive")
    stage = ClassifierStage(cfg, StageContext(name="q"))
    stage.setup()
    batch = pa.RecordBatch.from_pylist([{"text": t} for t in docs])
    best = float("inf")
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        fast = load_batch_predictor(model)
        if fast is not None:  # every round starts cold, as for a stream of new documents
            fast.clear_cache()
        t = time.perf_counter()
        stage.process(batch)
        best = min(best, time.perf_counter() - t)
    return best


def score_speed(model: Path, docs: list[str], max_chars: int, seconds: float) -> dict[str, Any]:
    """The stage's default (batch) path, and fastText per document (the reference)."""
    import dataprep.classify.model as model_module

    best = _round_time(model, docs, max_chars, seconds)
    real = model_module.load_batch_predictor
    model_module.load_batch_predictor = lambda path: None  # type: ignore[assignment]
    try:
        per_doc = _round_time(model, docs, max_chars, seconds)
    finally:
        model_module.load_batch_predictor = real  # type: ignore[assignment]
    mb = sum(len(d.encode()) for d in docs) / 1e6
    return {
        "max_chars": max_chars,
        "docs_per_s": round(len(docs) / best),
        "mb_per_s": round(mb / best, 1),
        "fasttext_per_doc_docs_per_s": round(len(docs) / per_doc),
        "batch_speedup": round(per_doc / best, 1),
    }


def train_time(n_docs: int, workdir: Path) -> tuple[Path, dict[str, Any]] | None:
    from dataprep.classify.data import Source
    from dataprep.classify.train import TrainParams, train_classifier
    from dataprep.errors import ConfigError

    rng = random.Random(1)
    for label, make in (("positive", good_text), ("negative", spam_text)):
        folder = workdir / label
        folder.mkdir()
        with gzip.open(folder / "part-0.jsonl.gz", "wt", encoding="utf-8") as f:
            for i in range(n_docs // 2):
                f.write(json.dumps({"id": f"{label}-{i}", "text": make(rng)}) + "\n")
    sources = [Source((str(workdir / "positive"),), label="positive"),
               Source((str(workdir / "negative"),), label="negative")]  # fmt: skip
    out = workdir / "model.bin"
    t = time.perf_counter()
    try:
        card = train_classifier(sources, out, params=TrainParams(), positive_label="positive")
    except ConfigError as e:
        print(f"training skipped: {e}", file=sys.stderr)
        return None
    seconds = time.perf_counter() - t
    return out, {
        "train_docs": n_docs,
        "seconds_incl_reading_and_eval": round(seconds, 2),
        "model_mb": round(out.stat().st_size / 1e6, 1),
        "heldout_f1": round(card["metrics"]["positive"]["f1"], 4),
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seconds", type=float, default=1.5)
    p.add_argument("--docs", type=int, default=500)
    p.add_argument("--train-docs", type=int, default=2000)
    args = p.parse_args()
    docs = long_docs(args.docs)
    results: dict[str, Any] = {"docs": len(docs), "avg_chars": sum(map(len, docs)) // len(docs)}
    with tempfile.TemporaryDirectory() as tmp:
        trained = train_time(args.train_docs, Path(tmp))
        models = {"tiny (dim 8, quantized)": TINY}
        if trained is not None:
            results["training"] = trained[1]
            models["default (dim 64, bucket 200k)"] = trained[0]
        for name, path in models.items():
            results[name] = [score_speed(path, docs, m, args.seconds) for m in (500, 2000, 0)]
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
