"""``balance_v1``'s partitioned fit decides exactly what its single-process ``fit`` does.

The engine fits the stage as executor tasks (``balance/partitioned.py``): per-unit
tallies, targets on the driver, the cut of each segment's last epoch found by radix
selection over the seeded hashes (then gids, when documents share a hash), and a
decision file per unit. Here a corpus with five languages and null ones, empty texts,
a third of the documents sharing one selection hash (same text, no id) and token
counts on most documents runs through the engine with 1 and 2 workers and different
unit sizes, for every mode and limit; each pass's decision files are compared row for
row with the stage's own ``fit`` on the same observation files, and the summaries
(values and key order) with its summary.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from dataprep.engine.driver import run_pipeline
from dataprep.recipe.config import parse_recipe
from dataprep.stages.base import GlobalStage
from dataprep.stages.build import make_stages
from global_harness import partitioned_and_reference, write_halves


def balance_corpus(folder: Path, n: int = 900) -> Path:
    rng = np.random.default_rng(3)
    langs = rng.choice(
        ["en", "fr", "de", "sw", "und", "-"], n, p=[0.5, 0.2, 0.15, 0.05, 0.05, 0.05]
    )
    texts = ["x" * int(rng.integers(0, 300)) + f" doc {i}" if i % 53 else "" for i in range(n)]
    ids: list[str | None] = [f"d{i}" if i % 7 else None for i in range(n)]
    for i in range(0, n, 3):
        texts[i], ids[i] = "same text", None  # one selection hash for a third of them
    tokens = [len(t) // 3 if i % 5 else None for i, t in enumerate(texts)]
    table = pa.table(
        {
            "id": ids,
            "text": texts,
            "lang": [None if x == "-" else x for x in langs.tolist()],
            "domain": rng.choice(["web", "code", "-"], n).tolist(),
            "n_tokens": pa.array(tokens, pa.int64()),
        }
    )
    return write_halves(table, folder, row_group_size=60)


CASES = [
    [{"budget": "exact_mix"}],
    [{"budget": 50000, "max_repeats": 3}],
    [{"unit": "docs", "budget": 400}],
    [
        {
            "mode": "weights",
            "weights": {"en": 0.5, "fr": 0.3, "sw": 0.2},
            "max_repeats": 4,
            "caps": {"sw": 9000},
        }
    ],
    [
        {
            "mode": "weights",
            "weights": {"en": 0.5, "fr": 0.5},
            "unlisted": "keep",
            "unit": "docs",
            "budget": 300,
        }
    ],
    [
        {
            "mode": "unimax",
            "budget": 80000,
            "max_repeats": 5,
            "minimums": {"de": 20000},
            "caps": {"en": 30000},
        }
    ],
    [{"unit": "tokens", "budget": 20000, "max_repeats": 2, "upsample_und": True}],
    [
        {"max_repeats": 3, "budget": 120000},
        {"column": "domain", "within": "lang", "budget": "exact_mix", "max_repeats": 4},
    ],
    [
        {"unit": "docs", "budget": 1500, "max_repeats": 3, "caps": {"en": 500}},
        {"unit": "docs", "max_repeats": 5, "budget": 2000, "caps": {"fr": 301}},
    ],
]


@pytest.mark.parametrize("case", range(len(CASES)))
def test_partitioned_balance_equals_the_single_process_fit(tmp_path: Path, case: int) -> None:
    stages = [
        {"stage": "balance_v1", **({"name": f"b{i}"} if i else {}), **opts}
        for i, opts in enumerate(CASES[case])
    ]
    recipe = parse_recipe(
        {"run": {"unit_bytes": 5000 if case % 3 == 2 else 1, "batch_size": 32}, "stages": stages}
    )
    out = tmp_path / "out"
    result = run_pipeline(
        recipe,
        [str(balance_corpus(tmp_path / "in"))],
        out,
        workers=1 + case % 2,
        progress=False,
        keep_work=True,
    )
    for p, stage in enumerate(s for s in make_stages(recipe) if isinstance(s, GlobalStage)):
        assert stage.partitioned
        got, reference = partitioned_and_reference(stage, out, p, tmp_path / f"r{p}")
        assert got.schema == reference.schema
        assert got.to_pylist() == reference.to_pylist()
        summary: dict[str, Any] = json.loads(json.dumps(stage.fit_summary()))
        assert json.dumps(result.fit_summaries[stage.name]) == json.dumps(summary)
        assert summary["docs_after"] != summary["docs_before"]
