"""Train a fastText supervised classifier from labelled shards (``train-classifier``).

Steps: read and preprocess the documents and split them
(:mod:`~dataprep.classify.data`), write the training lines to a temporary file
next to the output, call ``fasttext.train_supervised``, save the model
(optionally quantized to a small ``.ftz``), score the held-out documents with the
same low-level call the stages use, and write the model card
(:mod:`~dataprep.classify.card`).

Determinism: with ``threads=1`` (the default) and a fixed ``seed``, training is
deterministic: the same inputs give a byte-identical model file on the same
machine and fastText build (tested). It is *not* deterministic with
``threads > 1`` (fastText's lock-free "Hogwild" SGD updates shared weights in a
race) and is not promised across fastText builds or CPUs (floating-point code
paths differ). Quantization (product quantization, k-means with the same seed) is
deterministic under the same conditions.

Training needs the full ``fasttext`` module: ``fasttext-wheel``, dataprep's one
fastText dependency (a predict-only ``fasttext-predict`` that another package
installs later overwrites the same module files). Memory: the
preprocessed texts are held in memory (at most ``max_chars`` characters each).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path
from typing import Any, Literal

from dataprep.classify.card import file_sha256, write_card
from dataprep.classify.data import Dataset, Source, load_dataset
from dataprep.classify.metrics import evaluate
from dataprep.classify.model import LABEL_PREFIX, strip_label
from dataprep.classify.text import Preprocessing, fasttext_line
from dataprep.errors import ConfigError, OutputError
from dataprep.langid import backend

FIX_TRAIN_ENV = (
    "training needs the full fastText module that dataprep installs (fasttext-wheel); "
    "another package (fasttext-predict) has installed a predict-only build over it: run "
    "`pip install --force-reinstall --no-deps fasttext-wheel` in this environment"
)


@dataclass(frozen=True, kw_only=True)
class TrainParams:
    """fastText ``train_supervised`` parameters (fastText's names in comments)."""

    epoch: int = 5
    lr: float = 0.1
    dim: int = 64
    word_ngrams: int = 2  # wordNgrams
    min_count: int = 1  # minCount
    bucket: int = 200_000
    """Hash buckets for word n-grams; the model has (vocabulary + bucket) x dim floats."""
    loss: Literal["softmax", "ova", "hs"] = "softmax"
    threads: int = 1  # thread; > 1 is faster but not deterministic
    seed: int = 0
    quantize: bool = False
    """Product-quantize the model (a ``.ftz``, ~10-50x smaller, slightly less accurate)."""

    def __post_init__(self) -> None:
        for name in ("epoch", "dim", "word_ngrams", "min_count", "threads"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} must be >= 1, got {getattr(self, name)}")
        if self.bucket < 0 or not self.lr > 0:
            raise ConfigError(f"bucket must be >= 0 and lr > 0, got {self.bucket}, {self.lr}")
        if self.loss not in ("softmax", "ova", "hs"):
            raise ConfigError(f"loss must be softmax, ova or hs, got {self.loss!r}")


def training_backend() -> Any:
    """The ``fasttext`` module if it can train, else a one-line ConfigError saying how to fix."""
    fasttext = backend.check_fasttext_backend()
    if not callable(getattr(fasttext, "train_supervised", None)):
        raise ConfigError(f"the installed `fasttext` is predict-only: {FIX_TRAIN_ENV}")
    return fasttext


def _versions() -> dict[str, str | None]:
    import dataprep

    found: dict[str, str | None] = {"dataprep": dataprep.__version__}
    for dist in ("fasttext-wheel", "fasttext-predict"):
        try:
            found[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            found[dist] = None
    return found


def _fit(fasttext: Any, data: Dataset, params: TrainParams, out: Path) -> Any:
    fd, name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".train.tmp", dir=out.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", errors="replace") as f:
            for label, text in data.train:
                f.write(f"{LABEL_PREFIX}{label} {fasttext_line(text)}")
        model = fasttext.train_supervised(
            input=name,
            epoch=params.epoch,
            lr=params.lr,
            dim=params.dim,
            wordNgrams=params.word_ngrams,
            minCount=params.min_count,
            bucket=params.bucket,
            loss=params.loss,
            thread=params.threads,
            seed=params.seed,
            verbose=0,
        )
        if params.quantize:
            model.quantize(input=name, qnorm=True, retrain=False, cutoff=0, thread=params.threads)
        return model
    finally:
        Path(name).unlink(missing_ok=True)


def predict_labels(model: Any, texts: Sequence[str]) -> list[str]:
    """Top label of each preprocessed text (the low-level call the stages use)."""
    return [strip_label(backend.predict_line(model, fasttext_line(t), 1)[0][1]) for t in texts]


def train_classifier(
    sources: Sequence[Source],
    output: str | Path,
    *,
    preprocessing: Preprocessing = Preprocessing(),  # noqa: B008
    params: TrainParams = TrainParams(),
    holdout: float = 0.1,
    split_key: Literal["text", "id"] = "text",
    positive_label: str | None = None,
    text_column: str = "text",
    id_column: str = "id",
    overwrite: bool = False,
    log: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Train, evaluate on the held-out split, save model and card; return the card."""
    fasttext = training_backend()
    out = Path(output).expanduser()
    if out.exists() and not overwrite:
        raise OutputError(f"{out} exists; pass --overwrite to replace it")
    if not out.parent.is_dir():
        out.parent.mkdir(parents=True, exist_ok=True)
    data = load_dataset(
        sources,
        preprocessing=preprocessing,
        holdout=holdout,
        seed=params.seed,
        split_key=split_key,
        text_column=text_column,
        id_column=id_column,
    )
    labels = sorted({label for label, _ in data.train})
    if len(labels) < 2:
        raise ConfigError(f"training needs at least two labels with documents, got {labels}")
    if positive_label is not None and positive_label not in labels:
        raise ConfigError(f"positive label {positive_label!r} has no training documents")
    if not data.heldout:
        raise ConfigError("the held-out split is empty: add documents or raise --holdout")
    if log:
        log(f"training on {len(data.train):,} documents, holding out {len(data.heldout):,}")
    model = _fit(fasttext, data, params, out)
    tmp = out.with_name(f".{out.name}.tmp")
    model.save_model(str(tmp))
    tmp.replace(out)
    backend.clear_model_cache()  # a model cached under this path is now stale
    truth = [label for label, _ in data.heldout]
    pred = predict_labels(model, [text for _, text in data.heldout])
    card = {
        "model": out.name,
        "model_sha256": file_sha256(out),
        "labels": labels,
        "positive_label": positive_label,
        "preprocessing": preprocessing.to_dict(),
        "data": {
            "sources": [
                {"inputs": list(s.inputs), "label": s.label, "label_column": s.label_column}
                for s in sources
            ],
            "text_column": text_column,
            "id_column": id_column,
            "holdout": holdout,
            "split_key": split_key,
            "counts": data.counts(),
            "skipped": dict(sorted(data.skipped.items())),
        },
        "parameters": asdict(params),
        "metrics": evaluate(truth, pred, labels, positive_label),
        "versions": _versions(),
    }
    write_card(out, card)
    return card
