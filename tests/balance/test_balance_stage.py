"""balance_v1 end to end through a simulated runner (see balance_harness.py)."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from balance_harness import Result, simulate
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dataprep.balance.stage import REASON_DOWNSAMPLED, REASON_NOT_IN_MIX, Balance, BalanceConfig
from dataprep.errors import ConfigError
from dataprep.stages.base import StageContext

Run = Callable[..., Result]


@pytest.fixture
def run_global(tmp_path: Path) -> Run:
    """Run a global stage through the simulated runner, each call in a fresh folder."""
    counter = iter(range(1_000_000))

    def go(stage: Balance, shards: Any, **kw: Any) -> Result:
        return simulate(stage, shards, tmp_path / f"run{next(counter)}", **kw)

    return go


def docs(counts: dict[str, int], *, size: int = 10, seed: int = 0) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    rows = [
        {"id": f"{lang}-{i}", "lang": lang, "text": "x" * rng.randint(1, size)}
        for lang, n in counts.items()
        for i in range(n)
    ]
    rng.shuffle(rows)
    return rows


def make(seed: int = 0, **options: Any) -> Balance:
    return Balance(BalanceConfig(**options), StageContext(name="balance", seed=seed))


def split(rows: list[dict[str, Any]], n: int) -> list[list[dict[str, Any]]]:
    return [rows[i::n] for i in range(n)] if n > 1 else [rows]


def kept_by_lang(result: Result) -> Counter[str]:
    return Counter(d["lang"] for d in result.kept)


def test_temperature_hand_computed(run_global: Run) -> None:
    stage = make(unit="docs", alpha=0.5, budget=40)
    result = run_global(stage, split(docs({"en": 90, "de": 10}), 3))
    assert kept_by_lang(result) == {"en": 30, "de": 10}
    dropped = Counter(r for r in result.reasons.values() if r)
    assert dropped == {REASON_DOWNSAMPLED: 60}
    summary = stage.fit_summary()
    en = summary["languages"]["en"]
    assert en["docs_before"] == 90
    assert en["docs_after"] == 30
    assert en["target_share"] == pytest.approx(0.75)
    assert en["target_amount"] == pytest.approx(30)
    assert en["repeats"] == 0
    assert summary["budget_reached"]


def test_unimax_upsamples_within_max_repeats(run_global: Run) -> None:
    stage = make(mode="unimax", unit="docs", budget=60, max_repeats=3)
    result = run_global(stage, split(docs({"en": 100, "de": 10, "sw": 2}), 2))
    assert kept_by_lang(result) == {"en": 27, "de": 27, "sw": 6}
    copies = result.copies_by_id()
    assert Counter(v for k, v in copies.items() if k.startswith("de")) == {3: 7, 2: 3}
    assert all(copies[f"sw-{i}"] == 3 for i in range(2))
    repeats = sorted(d["repeat"] for d in result.kept if d["id"] == "sw-0")
    assert repeats == [0, 1, 2]
    summary = stage.fit_summary()["languages"]
    assert summary["de"]["repeats"] == 17
    assert summary["de"]["max_copies"] == 3
    assert summary["sw"]["unique_docs_after"] == 2


def test_weights_drop_or_keep_unlisted(run_global: Run) -> None:
    rows = docs({"en": 50, "de": 50, "fr": 7})
    drop = run_global(
        make(mode="weights", weights={"en": 1, "de": 1}, unit="docs", budget=20), [rows]
    )
    assert kept_by_lang(drop) == {"en": 10, "de": 10}
    assert Counter(r for r in drop.reasons.values() if r) == {
        REASON_DOWNSAMPLED: 80,
        REASON_NOT_IN_MIX: 7,
    }
    stage = make(
        mode="weights", weights={"en": 1, "de": 1}, unit="docs", budget=20, unlisted="keep"
    )
    keep = run_global(stage, [rows])
    assert kept_by_lang(keep) == {"en": 10, "de": 10, "fr": 7}
    assert stage.fit_summary()["languages"]["fr"]["status"] == "not_in_mix_keep"


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    counts=st.dictionaries(st.sampled_from(["en", "de", "sw"]), st.integers(1, 80), min_size=1),
    budget=st.integers(0, 300),
    repeats=st.integers(1, 3),
    alpha=st.floats(0, 1),
)
def test_docs_unit_hits_the_budget_exactly(
    run_global: Run, counts: dict[str, int], budget: int, repeats: int, alpha: float
) -> None:
    stage = make(unit="docs", budget=budget, max_repeats=repeats, alpha=alpha)
    result = run_global(stage, [docs(counts)])
    assert len(result.kept) == min(budget, repeats * sum(counts.values()))
    assert max(result.copies_by_id().values(), default=1) <= repeats
    summary = stage.fit_summary()
    assert summary["docs_after"] == len(result.kept)
    assert summary["budget_reached"] == (budget <= repeats * sum(counts.values()))


def test_bytes_and_tokens_units_give_the_same_mix(run_global: Run) -> None:
    rows = docs({"en": 200, "de": 40, "th": 10}, size=300)
    total = sum(len(r["text"]) for r in rows)
    by_bytes = run_global(make(unit="bytes", budget=total / 2), [rows])
    by_tokens = run_global(make(unit="tokens", budget=total / 8), [rows])
    assert by_bytes.reasons == by_tokens.reasons
    assert any(r is not None for r in by_bytes.reasons.values())


def test_bytes_budget_is_met_within_one_document(run_global: Run) -> None:
    rows = docs({"en": 300, "de": 60}, size=500)
    stage = make(unit="bytes", budget=20_000, alpha=0.3)
    result = run_global(stage, [rows])
    langs = stage.fit_summary()["languages"]
    for lang in ("en", "de"):
        target = langs[lang]["target_amount"]
        assert abs(langs[lang]["bytes_after"] - target) <= 500 / 2
    assert sum(len(d["text"].encode()) for d in result.kept) == sum(
        v["bytes_after"] for v in langs.values()
    )


def test_default_config_is_a_noop_and_says_so(run_global: Run) -> None:
    stage = make()
    result = run_global(stage, [docs({"en": 30, "de": 3})])
    assert all(r is None for r in result.reasons.values())
    assert len(result.kept) == 33
    assert any("nothing was rebalanced" in n for n in stage.fit_summary()["notes"])


def test_seed_changes_selection_but_not_counts(run_global: Run) -> None:
    rows = docs({"en": 100, "de": 100})
    a = run_global(make(seed=1, unit="docs", budget=50), [rows])
    b = run_global(make(seed=2, unit="docs", budget=50), [rows])
    assert kept_by_lang(a) == kept_by_lang(b)
    assert a.copies_by_id() != b.copies_by_id()


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    counts=st.dictionaries(
        st.sampled_from(["en", "de", "fr", "ja", "und"]), st.integers(1, 60), min_size=1
    ),
    shards=st.integers(1, 5),
    batch=st.integers(1, 64),
    budget=st.floats(0.1, 2.5),
    repeats=st.integers(1, 3),
    mode=st.sampled_from(["temperature", "unimax"]),
)
def test_deterministic_across_shard_splits_and_batch_sizes(
    run_global: Run,
    counts: dict[str, int],
    shards: int,
    batch: int,
    budget: float,
    repeats: int,
    mode: str,
) -> None:
    rows = docs(counts, size=50)
    total = sum(len(r["text"]) for r in rows)
    options = {"mode": mode, "budget": budget * total, "max_repeats": repeats}
    ref = run_global(make(**options), [rows], batch_size=1000)
    shuffled = rows[:]
    random.Random(shards).shuffle(shuffled)
    other = run_global(make(**options), split(shuffled, shards), batch_size=batch)
    assert ref.copies_by_id() == other.copies_by_id()
    assert max(ref.copies_by_id().values(), default=1) <= repeats


def test_missing_id_column_hashes_the_text(run_global: Run) -> None:
    rows = [{"lang": "en", "text": f"document number {i}"} for i in range(40)]
    stage = make(unit="docs", budget=10)
    ref = run_global(stage, [[{**r, "id": r["text"]} for r in rows]])
    assert sum(1 for r in ref.reasons.values() if r is None) == 10
    obs = stage.observe(pa.RecordBatch.from_pylist(rows))
    assert obs.schema.names == ["lang", "bytes", "hash"]
    assert obs.column("hash").type == pa.uint64()


def test_missing_lang_column_suggests_langid(run_global: Run) -> None:
    stage = make()
    with pytest.raises(ConfigError, match="fasttext_langid_v1"):
        stage.observe(pa.record_batch({"id": [1], "text": ["hello"]}))
    assert list(stage.required_columns()) == ["text", "lang"]


def test_null_lang_and_text(run_global: Run) -> None:
    rows = [{"id": 1, "lang": None, "text": None}, {"id": 2, "lang": "en", "text": "abc"}]
    stage = make(unit="bytes")
    result = run_global(stage, [rows])
    assert set(stage.fit_summary()["languages"]) == {"und", "en"}
    assert result.reasons == {1: REASON_DOWNSAMPLED, 2: None}  # und has 0 bytes: target 0


def test_empty_corpus(run_global: Run) -> None:
    stage = make()
    result = run_global(stage, [])
    assert result.kept == []
    assert stage.fit_summary()["languages"] == {}


def test_fit_summary_keys(run_global: Run) -> None:
    stage = make(unit="docs", budget=5)
    run_global(stage, [docs({"en": 10})])
    summary = stage.fit_summary()
    assert set(summary) == {
        "mode", "unit", "alpha", "max_repeats", "budget", "budget_reached",
        "docs_before", "docs_after", "languages", "notes",
    }  # fmt: skip
    assert set(summary["languages"]["en"]) == {
        "status", "docs_before", "bytes_before", "amount_before", "prior_share",
        "target_share", "target_amount", "docs_after", "unique_docs_after", "bytes_after",
        "amount_after", "repeats", "max_copies", "share_before", "share_after",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"mode": "magic"}, "mode must be one of"),
        ({"unit": "lines"}, "unit must be one of"),
        ({"alpha": -1}, "alpha"),
        ({"max_repeats": 0}, "max_repeats"),
        ({"budget": -5}, "budget"),
        ({"mode": "weights"}, "needs `weights`"),
        ({"weights": {"en": 1}}, "only used with mode 'weights'"),
        ({"mode": "weights", "weights": {"en": -1, "de": 2}}, "weights must be >= 0"),
        ({"caps": {"en": -1}}, "caps"),
        ({"unlisted": "ignore"}, "unlisted"),
    ],
)
def test_bad_config_is_rejected(options: dict[str, Any], match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        make(**options)


def test_minimums_beyond_budget_is_a_config_error(run_global: Run) -> None:
    stage = make(unit="docs", budget=10, minimums={"en": 8, "de": 8})
    with pytest.raises(ConfigError, match="minimums"):
        run_global(stage, [docs({"en": 20, "de": 20})])


def test_registered_name() -> None:
    from dataprep.recipe import registry

    assert Balance.registered_name == "balance_v1"
    assert registry.get("balance_v1") is Balance


def test_caps_are_hard_limits_after_rounding(run_global: Run) -> None:
    # 100-byte documents and a 1,080-byte cap on en: rounding to the nearest document
    # would give 1,100 bytes; a cap is a limit, so en gets 1,000.
    rows = [{"id": f"en-{i}", "lang": "en", "text": "e" * 100} for i in range(50)]
    rows += [{"id": f"de-{i}", "lang": "de", "text": "d" * 100} for i in range(50)]
    stage = make(unit="bytes", budget=3000, caps={"en": 1080}, max_repeats=3)
    run_global(stage, [rows])
    langs = stage.fit_summary()["languages"]
    assert langs["en"]["bytes_after"] == 1000
    assert langs["de"]["bytes_after"] == 1900  # 1,920 targeted, rounded to documents
    by_docs = make(unit="docs", budget=30, caps={"en": 10.5})
    run_global(by_docs, [rows])
    assert by_docs.fit_summary()["languages"]["en"]["docs_after"] == 10
    assert by_docs.fit_summary()["docs_after"] == 30


def test_und_and_null_languages_are_not_upsampled_unless_asked(run_global: Run) -> None:
    rows = docs({"en": 100, "de": 10})
    rows += [{"id": f"und-{i}", "lang": "und", "text": "x"} for i in range(3)]
    rows += [{"id": f"null-{i}", "lang": None, "text": "x"} for i in range(3)]
    stage = make(mode="unimax", unit="docs", budget=60, max_repeats=3)
    result = run_global(stage, [rows])
    copies = result.copies_by_id()
    assert all(copies.get(f"{k}-{i}", 0) <= 1 for k in ("und", "null") for i in range(3))
    assert max(copies[f"de-{i}"] for i in range(10)) == 3  # de is up-sampled
    assert kept_by_lang(result)["und"] + kept_by_lang(result)[None] == 6
    assert any("'und' (6 documents" in n for n in stage.fit_summary()["notes"])
    asked = make(mode="unimax", unit="docs", budget=60, max_repeats=3, upsample_und=True)
    assert max(run_global(asked, [rows]).copies_by_id()[f"und-{i}"] for i in range(3)) == 3


def test_null_category_of_another_column_is_not_upsampled(run_global: Run) -> None:
    rows = [{"id": i, "lang": "en", "domain": "code", "text": "x"} for i in range(20)]
    rows += [{"id": 100 + i, "lang": "en", "domain": None, "text": "x"} for i in range(2)]
    stage = make(column="domain", mode="unimax", unit="docs", budget=20, max_repeats=5)
    result = run_global(stage, [rows])
    assert {result.copies_by_id()[100 + i] for i in range(2)} == {1}
    assert stage.fit_summary()["categories"]["code"]["docs_after"] == 18


def test_unmeetable_minimum_is_lowered_with_a_note(run_global: Run) -> None:
    stage = make(unit="docs", budget=40, minimums={"de": 25, "fr": 3}, max_repeats=2)
    result = run_global(stage, [docs({"en": 90, "de": 10})])
    assert kept_by_lang(result)["de"] == 20  # 2 epochs of 10 documents, not 25
    notes = stage.fit_summary()["notes"]
    assert any("minimum for 'de' (25 docs) cannot be met: only 20" in n for n in notes)
    assert any("minimums for categories with no documents ignored: ['fr']" in n for n in notes)


def test_weight_of_an_absent_language_is_dropped_with_a_note(run_global: Run) -> None:
    stage = make(
        mode="weights", weights={"en": 0.5, "de": 0.25, "sw": 0.25}, unit="docs", budget=30
    )
    result = run_global(stage, [docs({"en": 60, "de": 60})])
    assert kept_by_lang(result) == {"en": 20, "de": 10}
    (note,) = [n for n in stage.fit_summary()["notes"] if "weights for" in n]
    assert "['sw']" in note
    assert "renormalised to de=0.333, en=0.667" in note


def test_unlisted_outside_weights_mode_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="`unlisted` is only used with mode 'weights'"):
        make(mode="temperature", unlisted="keep")


def test_shipped_recipes_set_unlisted_only_in_weights_mode() -> None:
    from dataprep.recipe.config import load_recipe, shipped_recipes, stage_config

    for name in shipped_recipes():  # multilingual set `unlisted: keep` with temperature
        for spec in load_recipe(name).stages:
            if spec.stage == "balance_v1":
                stage_config(spec)


def test_budget_covering_only_listed_languages_says_so(run_global: Run) -> None:
    stage = make(
        mode="weights", weights={"en": 1, "de": 1}, unit="docs", budget=20, unlisted="keep"
    )
    result = run_global(stage, [docs({"en": 50, "de": 50, "fr": 7})])
    assert len(result.kept) == 27
    summary = stage.fit_summary()
    assert summary["budget_reached"]
    (note,) = [n for n in summary["notes"] if "covers only the listed" in n]
    assert "['fr']" in note
    assert "add 7 docs, 27 in all" in note


def test_unimax_counts_characters_by_default(run_global: Run) -> None:
    # Thai letters are 3 UTF-8 bytes: in bytes Thai would get a third of English's documents.
    rows = [{"id": f"en-{i}", "lang": "en", "text": "a" * 100} for i in range(100)]
    rows += [{"id": f"th-{i}", "lang": "th", "text": "ก" * 100} for i in range(100)]
    stage = make(mode="unimax", budget=5000)
    result = run_global(stage, [rows])
    summary = stage.fit_summary()
    assert summary["unit"] == "chars"
    assert kept_by_lang(result) == {"en": 25, "th": 25}
    assert summary["languages"]["th"]["amount_after"] == 2500
    assert summary["languages"]["th"]["bytes_after"] == 7500
    by_bytes = run_global(make(mode="unimax", unit="bytes", budget=15000), [rows])
    assert kept_by_lang(by_bytes) == {"en": 75, "th": 25}  # equal bytes: a third of the text


def test_tokens_unit_reads_n_tokens_exactly(run_global: Run) -> None:
    # Short German texts with many tokens, long English ones with few: the counts rule.
    rows = [{"id": f"en-{i}", "lang": "en", "text": "e" * 400, "n_tokens": 2} for i in range(50)]
    rows += [{"id": f"de-{i}", "lang": "de", "text": "d" * 4, "n_tokens": 20} for i in range(50)]
    stage = make(mode="unimax", unit="tokens", budget=200)
    result = run_global(stage, [rows])
    langs = stage.fit_summary()["languages"]
    assert langs["en"]["amount_before"] == 100
    assert langs["de"]["amount_before"] == 1000
    assert kept_by_lang(result) == {"en": 50, "de": 5}
    assert not any("approximated" in n for n in stage.fit_summary()["notes"])


def test_tokens_without_counts_are_approximated_with_a_note(run_global: Run) -> None:
    rows = [{"id": f"en-{i}", "lang": "en", "text": "e" * 400} for i in range(10)]
    stage = make(unit="tokens", budget=500)
    result = run_global(stage, [rows])
    assert len(result.kept) == 5
    assert stage.fit_summary()["languages"]["en"]["amount_before"] == 1000
    assert any(
        "approximated as UTF-8 bytes / 4 for 10 of 10" in n for n in stage.fit_summary()["notes"]
    )


def _again(result: Result) -> list[dict[str, Any]]:
    """The output of one stage as the input of the next (one shard, positions kept)."""
    return [{k: v for k, v in d.items() if k != "repeat"} for d in result.kept]


def test_chained_stages_bound_copies_of_one_input_document(run_global: Run) -> None:
    rows = docs({"en": 100, "sw": 4})
    first = make(mode="unimax", unit="docs", budget=24, max_repeats=3)
    once = run_global(first, [rows])
    assert Counter(once.copies_by_id()[f"sw-{i}"] for i in range(4)) == {3: 4}
    second = make(mode="unimax", unit="docs", budget=24, max_repeats=3)
    twice = run_global(second, [_again(once)])
    assert Counter(twice.copies_by_id()[f"sw-{i}"] for i in range(4)) == {3: 4}  # was 9
    assert second.fit_summary()["languages"]["sw"]["max_copies"] == 3
    # A stricter second stage cannot take copies back, and says how many there are.
    stricter = make(mode="unimax", unit="docs", budget=24, max_repeats=2)
    run_global(stricter, [_again(once)])
    summary = stricter.fit_summary()
    assert summary["languages"]["sw"]["max_copies"] == 3
    assert any("up to 3 of one input document" in n for n in summary["notes"])


def test_chained_copies_split_the_remaining_repeats(run_global: Run) -> None:
    rows = docs({"en": 100, "sw": 4})
    once = run_global(make(mode="unimax", unit="docs", budget=16, max_repeats=2), [rows])
    assert set(once.copies_by_id()[f"sw-{i}"] for i in range(4)) == {2}
    second = make(mode="unimax", unit="docs", budget=40, max_repeats=5)
    twice = run_global(second, [_again(once)])
    assert {twice.copies_by_id()[f"sw-{i}"] for i in range(4)} == {5}
    assert second.fit_summary()["languages"]["sw"]["max_copies"] == 5


def test_without_an_id_column_resharding_does_not_change_the_selection(run_global: Run) -> None:
    # dataprep names documents of a file without ids `FILE:ROW`; that name depends on
    # how the corpus is split into files, so the text is hashed instead.
    texts = [f"document number {i}" for i in range(60)]

    def sharded(n: int) -> list[list[dict[str, Any]]]:
        parts = split([{"lang": "en", "text": t} for t in texts], n)
        return [
            [{**d, "id": f"part-{s}.jsonl:{row}"} for row, d in enumerate(part)]
            for s, part in enumerate(parts)
        ]

    def selected(n: int) -> set[str]:
        result = run_global(make(unit="docs", budget=20), sharded(n))
        return {d["text"] for d in result.kept}

    assert len(selected(1)) == 20
    assert selected(1) == selected(3) == selected(4)


def test_shares_before_and_after_are_in_the_unit_of_the_target(run_global: Run) -> None:
    # en: 90 short documents, de: 10 long ones; in bytes de is half the corpus.
    rows = [{"id": f"en-{i}", "lang": "en", "text": "e" * 10} for i in range(90)]
    rows += [{"id": f"de-{i}", "lang": "de", "text": "d" * 90} for i in range(10)]
    stage = make(unit="bytes", alpha=0.0, budget=1000)
    run_global(stage, [rows])
    langs = stage.fit_summary()["languages"]
    assert langs["de"]["share_before"] == pytest.approx(0.5)  # 10% of the documents
    assert langs["de"]["target_share"] == pytest.approx(0.5)
    assert langs["de"]["share_after"] == pytest.approx(langs["de"]["amount_after"] / 1000, abs=0.05)
    assert sum(v["share_after"] for v in langs.values()) == pytest.approx(1.0)
