"""Precision, recall and F1 on held-out predictions (pure; every ratio is total)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def _ratio(num: int, den: int) -> float:
    return num / den if den else 0.0


def label_scores(truth: Sequence[str], pred: Sequence[str], label: str) -> dict[str, Any]:
    """Precision, recall, F1 and support of one label (0.0 when undefined)."""
    tp = sum(t == label and p == label for t, p in zip(truth, pred, strict=True))
    fp = sum(t != label and p == label for t, p in zip(truth, pred, strict=True))
    fn = sum(t == label and p != label for t, p in zip(truth, pred, strict=True))
    precision, recall = _ratio(tp, tp + fp), _ratio(tp, tp + fn)
    f1 = _ratio(2 * tp, 2 * tp + fp + fn)
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "support": tp + fn,
    }


def evaluate(
    truth: Sequence[str], pred: Sequence[str], labels: Sequence[str], positive: str | None
) -> dict[str, Any]:
    """Accuracy, per-label scores, macro F1, and the positive label's scores."""
    per_label = {label: label_scores(truth, pred, label) for label in sorted(labels)}
    correct = sum(t == p for t, p in zip(truth, pred, strict=True))
    out: dict[str, Any] = {
        "heldout_docs": len(truth),
        "accuracy": _ratio(correct, len(truth)),
        "macro_f1": _ratio(sum(s["f1"] for s in per_label.values()), len(per_label)),
        "per_label": per_label,
    }
    if positive is not None:
        out["positive"] = {"label": positive, **per_label.get(positive, label_scores([], [], ""))}
    return out
