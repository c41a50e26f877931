"""Precision and recall of :func:`.pii.find_pii` per type on a labelled set (JSON lines of
``{"lang", "text", "pii": [[kind, exact substring], ...]}``); a prediction counts as
correct when kind and matched text both equal a label of the same string."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from .pii import KINDS, PIIOptions, find_pii
from .pii_phones import regions_for


@dataclass
class Score:
    """Counts of one PII type."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / max(self.tp + self.fp, 1)

    @property
    def recall(self) -> float:
        return self.tp / max(self.tp + self.fn, 1)


def evaluate(path: Path, opts: PIIOptions | None = None) -> tuple[dict[str, Score], list[str]]:
    """Scores per type (and ``all``) and one line per error, for the labelled file ``path``."""
    opts = opts or PIIOptions()
    scores = {k: Score() for k in (*KINDS, "all")}
    errors: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        text = row["text"]
        gold = Counter((k, v) for k, v in row["pii"])
        found = find_pii(text, opts, regions=regions_for(row.get("lang")))
        pred = Counter((m.kind, text[m.start : m.end]) for m in found)
        for key in gold | pred:
            tp = min(gold[key], pred[key])
            fp, fn = pred[key] - tp, gold[key] - tp
            for s in (scores[key[0]], scores["all"]):
                s.tp, s.fp, s.fn = s.tp + tp, s.fp + fp, s.fn + fn
            if fp:
                errors.append(f"false positive {key} in {text!r}")
            if fn:
                errors.append(f"missed {key} in {text!r}")
    return scores, errors
