"""balance_v1 over any categorical column: weights (a Llama 3-style mix), exact_mix, nesting."""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from balance_harness import simulate

from dataprep.balance.stage import REASON_NOT_IN_MIX, Balance, BalanceConfig
from dataprep.errors import ConfigError
from dataprep.recipe.config import build_dataclass
from dataprep.stages.base import StageContext

LLAMA3 = {"general": 0.50, "math": 0.25, "code": 0.17, "multilingual": 0.08}


def make(**options: Any) -> Balance:
    cfg = build_dataclass(BalanceConfig, options, "test")
    return Balance(cfg, StageContext(name="mix"))


def corpus(counts: dict[tuple[str, str], int], seed: int = 0) -> list[dict[str, Any]]:
    """Documents of 10 bytes each with ``lang`` and ``domain``."""
    rows = [
        {"id": f"{lang}-{dom}-{i}", "lang": lang, "domain": dom, "text": "x" * 10}
        for (lang, dom), n in counts.items()
        for i in range(n)
    ]
    random.Random(seed).shuffle(rows)
    return rows


def test_weights_on_a_domain_column_with_exact_mix(tmp_path: Path) -> None:
    rows = corpus({("en", "general"): 1000, ("en", "math"): 100, ("en", "code"): 400,
                   ("en", "multilingual"): 500, ("en", "spam"): 50})  # fmt: skip
    stage = make(column="domain", mode="weights", weights=LLAMA3, unit="docs", budget="exact_mix")
    result = simulate(stage, [rows[::2], rows[1::2]], tmp_path)
    kept = Counter(d["domain"] for d in result.kept)
    # math is the scarcest for its weight: 100 / 0.25 = 400 documents in all
    assert kept == {"general": 200, "math": 100, "code": 68, "multilingual": 32}
    assert Counter(result.reasons.values())[REASON_NOT_IN_MIX] == 50
    summary = stage.fit_summary()
    assert summary["column"] == "domain" and "languages" not in summary
    assert summary["budget"] == pytest.approx(400)
    assert summary["categories"]["math"]["target_share"] == pytest.approx(0.25)


def test_category_shares_in_tokens_follow_the_weights(tmp_path: Path) -> None:
    rng = random.Random(3)
    rows = [
        {"id": f"d{i}", "domain": dom, "text": "y" * rng.randint(50, 500)}
        for i, dom in enumerate(rng.choice(list(LLAMA3)) for _ in range(4000))
    ]
    stage = make(column="domain", mode="weights", weights=LLAMA3, unit="tokens", budget="exact_mix")
    result = simulate(stage, [rows], tmp_path)
    amount = Counter[str]()
    for d in result.kept:
        amount[d["domain"]] += len(d["text"]) / 4
    total = sum(amount.values())
    for dom, w in LLAMA3.items():
        assert amount[dom] / total == pytest.approx(w, abs=0.01)


def test_temperature_on_a_category_column(tmp_path: Path) -> None:
    rows = corpus({("en", "a"): 900, ("en", "b"): 100})
    stage = make(column="domain", alpha=0.5, unit="docs", budget=40)
    result = simulate(stage, [rows], tmp_path)
    assert Counter(d["domain"] for d in result.kept) == {"a": 30, "b": 10}


def test_nested_language_then_domain_within_language(tmp_path: Path) -> None:
    rows = corpus({("en", "general"): 600, ("en", "code"): 400, ("de", "general"): 100,
                   ("de", "code"): 20})  # fmt: skip
    weights = {"general": 0.5, "code": 0.5}
    stage = make(column="domain", within="lang", mode="weights", weights=weights,
                 unit="docs", budget="exact_mix")  # fmt: skip
    result = simulate(stage, [rows], tmp_path)
    kept = Counter((d["lang"], d["domain"]) for d in result.kept)
    assert kept == {("en", "general"): 400, ("en", "code"): 400, ("de", "general"): 20,
                    ("de", "code"): 20}  # fmt: skip
    summary = stage.fit_summary()
    assert summary["within"] == "lang" and set(summary["groups"]) == {"de", "en"}
    assert summary["groups"]["de"]["categories"]["code"]["docs_after"] == 20
    # without exact_mix (and no repeats) each language keeps its own amount
    keep_all = make(column="domain", within="lang", mode="weights", weights=weights, unit="docs")
    assert len(simulate(keep_all, [rows], tmp_path / "b").kept) == len(rows)


def test_null_categories_are_named_null_and_lang_nulls_und() -> None:
    batch = pa.RecordBatch.from_pylist(
        [{"id": 1, "text": "a", "lang": None, "domain": None}],
        schema=pa.schema(
            [
                ("id", pa.int64()),
                ("text", pa.string()),
                ("lang", pa.string()),
                ("domain", pa.string()),
            ]
        ),
    )
    assert make(column="domain").observe(batch).column("lang").to_pylist() == ["null"]
    assert make().observe(batch).column("lang").to_pylist() == ["und"]
    grouped = make(column="domain", within="lang").observe(batch)
    assert grouped.column("group").to_pylist() == ["null"]


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"budget": "all"}, "budget"),
        ({"column": "domain", "within": "lang", "budget": 100.0}, "within"),
        ({"column": "lang", "within": "lang"}, "must differ"),
    ],
)
def test_bad_category_options(options: dict[str, Any], match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        make(**options)


def test_missing_category_column_names_it() -> None:
    stage = make(column="domain")
    assert stage.required_columns() == ("text", "domain")
    with pytest.raises(ConfigError, match="'domain'"):
        stage.observe(pa.record_batch({"id": [1], "text": ["x"]}))
