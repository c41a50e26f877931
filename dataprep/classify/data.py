"""Labelled training documents: reading them and the deterministic held-out split.

Documents come from folders (or globs, or files) in any format dataprep reads,
either with one label per source (``--positive DIR --negative DIR``) or with a
label column (``--input DIR --label-column COL``). Every text goes through
:func:`~dataprep.classify.text.preprocess` here, so training sees exactly what
scoring will see. Texts that are empty after preprocessing and rows whose label
is null are skipped and counted, never silently dropped.

Split: a document is held out when ``xxhash64(key, seed) / 2**64 < holdout``. The
key is the preprocessed text by default, so exact duplicates never straddle the
split (a duplicate in both halves would inflate the held-out scores), or the id
column (``split_key="id"``; rows without an id fall back to the text). The same
hash, salted, orders the training lines: fastText's SGD is order-dependent, and
the order must not depend on how the inputs were listed or sharded.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from dataprep.balance.observe import selection_hashes
from dataprep.classify.text import Preprocessing, preprocess
from dataprep.errors import ConfigError, InputError
from dataprep.io.discover import discover
from dataprep.io.readers import iter_raw_batches

_LABEL_RE = re.compile(r"[^\s]+")
_BATCH = 4096
_ORDER_SALT = 0x5EED


@dataclass(frozen=True)
class Source:
    """Inputs and how to label them: a fixed ``label`` or a ``label_column``."""

    inputs: tuple[str, ...]
    label: str | None = None
    label_column: str | None = None


@dataclass
class Dataset:
    """Preprocessed documents, split into train and held-out parts."""

    train: list[tuple[str, str]] = field(default_factory=list)
    """(label, preprocessed text) in training order."""
    heldout: list[tuple[str, str]] = field(default_factory=list)
    """(label, preprocessed text) in input order."""
    skipped: Counter[str] = field(default_factory=Counter)
    """Rows not used, by reason (``empty_text``, ``null_label``)."""

    def counts(self) -> dict[str, dict[str, int]]:
        def by_label(rows: list[tuple[str, str]]) -> dict[str, int]:
            return dict(sorted(Counter(label for label, _ in rows).items()))

        return {"train": by_label(self.train), "heldout": by_label(self.heldout)}


def check_label(label: Any, where: str) -> str:
    """A label as fastText needs it: non-empty, no whitespace; prefix removed."""
    text = str(label)
    if text.startswith("__label__"):
        text = text[len("__label__") :]
    if not _LABEL_RE.fullmatch(text):
        raise ConfigError(f"{where}: label {label!r} must be non-empty and have no whitespace")
    return text


def _rows(
    source: Source, text_column: str, id_column: str
) -> Iterator[tuple[str | None, str | None, Any]]:
    """(label, text, id) for every row of a source, in sorted file order."""
    for shard in discover(list(source.inputs)):
        for batch in iter_raw_batches(shard, batch_size=_BATCH):
            names = batch.schema.names
            if text_column not in names:
                raise InputError(f"{shard.path}: no text column {text_column!r}")
            if source.label_column is not None and source.label_column not in names:
                raise InputError(f"{shard.path}: no label column {source.label_column!r}")
            texts = batch.column(text_column).to_pylist()
            ids = batch.column(id_column).to_pylist() if id_column in names else [None] * len(texts)
            if source.label_column is not None:
                labels = batch.column(source.label_column).to_pylist()
            else:
                labels = [source.label] * len(texts)
            for label, text, doc_id in zip(labels, texts, ids, strict=True):
                yield (None if label is None else str(label)), text, doc_id


def load_dataset(
    sources: Sequence[Source],
    *,
    preprocessing: Preprocessing,
    holdout: float,
    seed: int,
    split_key: Literal["text", "id"] = "text",
    text_column: str = "text",
    id_column: str = "id",
) -> Dataset:
    """Read, preprocess and split every source (see the module docstring)."""
    if not 0.0 < holdout < 1.0:
        raise ConfigError(f"holdout must be between 0 and 1 (exclusive), got {holdout}")
    data = Dataset()
    labels: list[str] = []
    texts: list[str] = []
    keys: list[Any] = []
    for source in sources:
        for label, text, doc_id in _rows(source, text_column, id_column):
            if label is None:
                data.skipped["null_label"] += 1
                continue
            prepared = preprocess(text, preprocessing)
            if not prepared:
                data.skipped["empty_text"] += 1
                continue
            labels.append(check_label(label, f"{source.inputs[0]}"))
            texts.append(prepared)
            keys.append(doc_id if split_key == "id" else None)
    zeros = [0] * len(texts)
    split = selection_hashes(keys, texts, zeros, seed)
    order = selection_hashes(keys, texts, zeros, seed ^ _ORDER_SALT)
    held = split.astype(np.float64) / 2.0**64 < holdout
    train_idx = [i for i in range(len(texts)) if not held[i]]
    train_idx.sort(key=lambda i: (int(order[i]), labels[i], texts[i]))
    data.train = [(labels[i], texts[i]) for i in train_idx]
    data.heldout = [(labels[i], texts[i]) for i in range(len(texts)) if held[i]]
    return data
