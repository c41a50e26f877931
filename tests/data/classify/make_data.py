"""Rebuild the files of tests/data/classify deterministically (run from the repository root).

    python tests/data/classify/make_data.py            # data and, with fasttext-wheel, the model

* ``train/positive/part-0.jsonl.gz``, ``train/negative/part-0.jsonl.gz``: 600 quality
  paragraphs and 600 spam texts (tests/classify/classify_corpus.py, seed 0);
* ``corpus/part-0.jsonl.gz``: 1,200 mixed documents with a ``domain`` column (general
  with half spam, math, code, multilingual), for the README walkthrough;
* ``quality-tiny.ftz`` + ``quality-tiny.ftz.json``: a tiny quantized classifier trained on
  ``train/`` with ``dim=8, bucket=20000`` (threads=1, seed 0), so tests can score in an
  environment without the training backend. Needs ``fasttext-wheel``; skipped otherwise.

gzip is written with ``mtime=0`` so the same content gives the same bytes.
"""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
sys.path.insert(0, str(ROOT / "tests" / "classify"))
sys.path.insert(0, str(ROOT))

from classify_corpus import domain_docs, quality_docs  # noqa: E402

N_PER_CLASS = 600
CORPUS = {"general": 600, "math": 250, "code": 200, "multilingual": 150}
TINY = {"dim": 8, "bucket": 20_000, "epoch": 10, "word_ngrams": 2, "quantize": True}


def write_jsonl_gz(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode()
    with path.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as f:
        f.write(payload)


def main() -> int:
    docs = quality_docs(N_PER_CLASS, seed=0)
    write_jsonl_gz(HERE / "train" / "positive" / "part-0.jsonl.gz", docs["positive"])
    write_jsonl_gz(HERE / "train" / "negative" / "part-0.jsonl.gz", docs["negative"])
    write_jsonl_gz(HERE / "corpus" / "part-0.jsonl.gz", domain_docs(CORPUS, seed=1))
    from dataprep.classify.data import Source
    from dataprep.classify.train import TrainParams, train_classifier
    from dataprep.errors import ConfigError

    rel = HERE.relative_to(ROOT)
    sources = [
        Source((str(rel / "train" / "positive"),), label="positive"),
        Source((str(rel / "train" / "negative"),), label="negative"),
    ]
    try:
        card = train_classifier(
            sources,
            rel / "quality-tiny.ftz",
            params=TrainParams(**TINY),
            positive_label="positive",
            overwrite=True,
        )
    except ConfigError as e:
        print(f"model not rebuilt: {e}", file=sys.stderr)
        return 0
    print(json.dumps(card["metrics"]["positive"], indent=2))
    return 0


if __name__ == "__main__":
    import os

    os.chdir(ROOT)
    sys.exit(main())
