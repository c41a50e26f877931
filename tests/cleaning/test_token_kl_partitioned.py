"""``token_kl_v1``'s partitioned fit decides exactly what its single-process ``fit`` does.

The engine fits the stage as executor tasks (``cleaning/token_kl_fit.py``): token
counts shuffled by bucket, per-partition ``log Q``, per-unit KLs, radix-selected
quantiles, length bins scored per partition, a decision file per unit. Here corpora
with several languages (one rare, one null), documents without tokens and outliers
run through the engine with 1 and 2 workers and different unit sizes; the decision
files are compared row for row with the stage's own ``fit`` on the same observation
files, and the fit summary with its summary.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from global_harness import assert_partitioned_equals_reference, write_halves

LANGS = ["en", "fr", "de", None, "xx"]


def kl_corpus(folder: Path, seed: int, n: int = 600) -> Path:
    """Documents of five languages (one null, a rare one), a few hex blobs, some
    documents of punctuation only (no tokens), in two Parquet files."""
    rng = np.random.default_rng(seed)
    vocab = [f"w{i}" for i in range(300)]
    texts, langs = [], []
    for i in range(n):
        words = rng.choice(vocab[: 100 if i % 3 else 300], int(rng.integers(0, 60)))
        text = " ".join(words.tolist())
        if i % 37 == 0:
            text += " " + "".join(rng.choice(list("abcdef0123456789"), 200).tolist())
        texts.append("!!! ???" if i % 41 == 0 else text)
        langs.append(LANGS[i % 5] if i % 50 else "rare")
    table = pa.table({"id": [f"d{i}" for i in range(n)], "text": texts, "lang": langs})
    return write_halves(table, folder, row_group_size=40)


@pytest.mark.parametrize(
    ("options", "workers", "unit_bytes"),
    [
        ({}, 2, 1),
        ({"drop_top_fraction": 0.05, "bin_docs": 5}, 1, 1),
        ({"per_language": False, "max_kl": 2.0}, 2, 4000),
        ({"min_group_docs": 130, "bin_docs": 3, "drop_top_fraction": 0.2}, 2, 1),
        ({"min_group_docs": 1000}, 1, 4000),
        ({"alpha": 0.0, "num_buckets": 64, "max_token_chars": None}, 2, 1),
    ],
)
def test_partitioned_token_kl_equals_the_single_process_fit(
    tmp_path: Path, options: dict[str, Any], workers: int, unit_bytes: int
) -> None:
    src = kl_corpus(tmp_path / "in", seed=len(options))
    summary = assert_partitioned_equals_reference(
        tmp_path, src, {"stage": "token_kl_v1", **options}, workers, unit_bytes
    )
    assert summary["documents_without_tokens"] > 0
    if options.get("min_group_docs") == 1000:
        assert summary["groups_too_small"] and summary["documents_removed"] == 0
    else:
        assert summary["documents_removed"] > 0


def test_partitioned_token_kl_is_the_same_for_any_worker_count_and_unit_size(
    tmp_path: Path,
) -> None:
    src = kl_corpus(tmp_path / "in", seed=9)
    cfg = {"stage": "token_kl_v1", "drop_top_fraction": 0.02}
    runs = [
        assert_partitioned_equals_reference(tmp_path / f"r{w}-{u}", src, cfg, w, u)
        for w, u in ((1, 1), (2, 6000))
    ]
    assert runs[0] == runs[1]
