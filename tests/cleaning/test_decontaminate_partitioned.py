"""``decontaminate_v1``'s partitioned fit decides exactly what its single-process ``fit`` does.

The engine fits the stage as executor tasks (``cleaning/decontaminate_fit.py``): a
``count`` task per work unit (documents per eval n-gram), summed on the driver, then a
``decide`` task per unit. Here corpora quoting several eval sets (some quotes so
frequent that their n-grams are common, some sets with examples shorter than n) run
through the engine with 1 and 2 workers and different unit sizes; the decision files
are compared row for row with the stage's own ``fit`` on the same observation files,
and the fit summary with its summary.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from global_harness import (
    assert_partitioned_equals_reference,
    assert_same_files_as_the_single_process_fit,
    write_halves,
)

pytestmark = pytest.mark.filterwarnings(
    "ignore::dataprep.cleaning.decontaminate.ShortExamplesWarning"
)


def _sentence(rng: np.random.Generator, vocab: list[str], n: int) -> str:
    return " ".join(rng.choice(vocab, n).tolist())


def eval_sets(folder: Path, seed: int) -> dict[str, str]:
    """Three sets: JSONL questions, a text file with a few short lines, JSONL passages."""
    rng = np.random.default_rng(seed)
    vocab = [f"e{i}" for i in range(400)]
    folder.mkdir(parents=True)
    qa = folder / "qa.jsonl"
    qa.write_text(
        "".join(
            json.dumps({"question": _sentence(rng, vocab, 20), "answer": "x"}) + "\n"
            for _ in range(30)
        )
    )
    lines = folder / "lines.txt"
    lines.write_text(
        "".join(_sentence(rng, vocab, int(rng.integers(4, 25))) + "\n" for _ in range(30))
    )
    passages = folder / "passages.jsonl"
    passages.write_text(
        "".join(json.dumps({"p": {"text": _sentence(rng, vocab, 60)}}) + "\n" for _ in range(10))
    )
    return {"qa": str(qa), "lines": str(lines), "passages": str(passages)}


def corpus(folder: Path, sets: dict[str, str], seed: int, n: int = 600) -> Path:
    """Documents of filler words; some quote an eval example (a few examples very
    often, so that their n-grams become common), a few are empty."""
    rng = np.random.default_rng(seed)
    vocab = [f"w{i}" for i in range(500)]
    quotes: list[str] = []
    for path in sets.values():
        for line in Path(path).read_text().splitlines():
            if line:
                quotes.append(
                    " ".join(str(v) for v in _strings(json.loads(line)))
                    if line.startswith("{")
                    else line
                )
    texts = []
    for i in range(n):
        text = _sentence(rng, vocab, int(rng.integers(5, 80)))
        if i % 7 == 0:
            text += " " + quotes[int(rng.integers(len(quotes)))] + " " + text
        elif i % 5 == 0:
            text = quotes[i % 3] + " " + text  # 3 quotes in ~100 documents: common
        texts.append("" if i % 43 == 0 else text)
    table = pa.table({"id": [f"d{i}" for i in range(n)], "text": texts})
    return write_halves(table, folder, row_group_size=40)


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    return []


@pytest.mark.parametrize(
    ("options", "workers", "unit_bytes"),
    [
        ({}, 2, 1),
        ({"ngram": 8, "max_train_docs": 3}, 1, 1),
        ({"ngram": 13, "max_train_docs": None, "min_matches": 2}, 2, 3000),
        ({"fields": ["question"], "max_train_docs": 30}, 1, 3000),
    ],
)
def test_partitioned_decontaminate_equals_the_single_process_fit(
    tmp_path: Path, options: dict[str, Any], workers: int, unit_bytes: int
) -> None:
    sets = eval_sets(tmp_path / "eval", seed=len(options))
    src = corpus(tmp_path / "in", sets, seed=len(options))
    summary = assert_partitioned_equals_reference(
        tmp_path,
        src,
        {"stage": "decontaminate_v1", "eval_sets": sets, **options},
        workers,
        unit_bytes,
    )
    assert summary["documents_removed"] > 0
    assert summary["eval_sets"]["lines"]["too_short"] > 0 or options.get("ngram") == 8
    if options.get("max_train_docs") is not None and options["max_train_docs"] < 10:
        assert summary["common_ngrams_ignored"] > 0
        assert summary["documents_matching_only_common_ngrams"] > 0


def test_partitioned_decontaminate_is_the_same_for_any_worker_count_and_unit_size(
    tmp_path: Path,
) -> None:
    sets = eval_sets(tmp_path / "eval", seed=5)
    src = corpus(tmp_path / "in", sets, seed=5)
    cfg = {"stage": "decontaminate_v1", "eval_sets": sets}
    runs = [
        assert_partitioned_equals_reference(tmp_path / f"r{w}-{u}", src, cfg, w, u)
        for w, u in ((1, 1), (2, 6000))
    ]
    assert runs[0] == runs[1]


def test_partitioned_decontaminate_writes_the_same_files_as_the_single_process_fit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sets = eval_sets(tmp_path / "eval", seed=3)
    src = corpus(tmp_path / "in", sets, seed=3)
    cfg = {"stage": "decontaminate_v1", "eval_sets": sets, "max_train_docs": 3}
    assert_same_files_as_the_single_process_fit(tmp_path, src, cfg, monkeypatch)
