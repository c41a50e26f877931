"""The model card: a small JSON file written next to a trained model.

``models/quality.bin`` gets ``models/quality.bin.json`` holding the data (paths
and counts per label and split), the training parameters, the preprocessing
(:mod:`dataprep.classify.text`), the labels and the positive label, the held-out
metrics, the SHA-256 of the model file and the dataprep and fastText versions.
It has no timestamp, so training twice with the same inputs gives the same card.
The ``classifier_*`` stages read ``preprocessing`` and ``positive_label`` from it.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from dataprep.errors import ConfigError

CARD_SUFFIX = ".json"
CARD_FORMAT = 1


def card_path(model_path: str | Path) -> Path:
    """``quality.bin`` -> ``quality.bin.json``."""
    p = Path(model_path)
    return p.with_name(p.name + CARD_SUFFIX)


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def write_card(model_path: Path, card: dict[str, Any]) -> Path:
    """Write the card atomically (temporary ``.name.tmp`` then rename)."""
    path = card_path(model_path)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps({"format": CARD_FORMAT, **card}, indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)
    return path


def read_card(model_path: str | Path) -> dict[str, Any] | None:
    """The card of a model, or ``None`` when there is none (external models)."""
    path = card_path(model_path)
    if not path.is_file():
        return None
    try:
        card = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ConfigError(f"cannot read model card {path}: {e}") from e
    if not isinstance(card, dict):
        raise ConfigError(f"model card {path} is not a JSON object")
    return card
