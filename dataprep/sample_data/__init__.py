"""The bundled sample corpus: a small, labelled slice of a multilingual web crawl.

``dataprep run multilingual --input <sample_path()> --output out`` runs on it out of
the box. The shards in ``corpus/`` are generated from the hand-written texts in
``texts/`` by ``python -m dataprep.sample_data.build``; ``labels.jsonl`` (beside
``corpus/``, so readers never pick it up as input) holds the ground truth for every
document: language, kind (``good`` or the kind of low-quality page) and whether it
is an exact or near duplicate of another document. See ``README.md``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent

#: Folder holding the sample shards (the ``--input`` of a sample run).
SAMPLE_DIR: Path = HERE / "corpus"
#: Ground truth, one JSON object per document, sorted by ``id``.
LABELS_PATH: Path = HERE / "labels.jsonl"


def sample_path() -> Path:
    """The folder of sample shards, ready to pass as ``--input``."""
    return SAMPLE_DIR


def load_labels() -> list[dict[str, Any]]:
    """The ground-truth labels of the sample corpus (one dict per document)."""
    with LABELS_PATH.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


__all__ = ["LABELS_PATH", "SAMPLE_DIR", "load_labels", "sample_path"]
