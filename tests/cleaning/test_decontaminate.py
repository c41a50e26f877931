"""``decontaminate_v1``: n-gram overlap with eval sets, n per set (GPT-3), nested fields,
common n-grams ignored, short examples counted, config errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cleaning_helpers import column, make, run_global, shards

from dataprep.cleaning.decontaminate import ShortExamplesWarning
from dataprep.cleaning.eval_sets import auto_n, examples, load_tables
from dataprep.errors import ConfigError

# the fixture's sets hold short examples on purpose; one test below checks the warning
pytestmark = pytest.mark.filterwarnings(
    "ignore::dataprep.cleaning.decontaminate.ShortExamplesWarning"
)

QUESTION = "Which planet in the solar system has the largest number of known moons as of 2023"
OTHER = "The mitochondria is the powerhouse of the cell and produces most of its chemical energy"
FILLER = [f"an unrelated page about topic number {i} with ordinary words" for i in range(6)]


@pytest.fixture
def eval_sets(tmp_path: Path) -> dict[str, str]:
    qa = tmp_path / "qa.jsonl"
    qa.write_text(
        json.dumps({"question": QUESTION, "choices": ["Saturn", "Jupiter"], "id": 3}) + "\n\n"
    )
    bio = tmp_path / "bio.txt"
    bio.write_text(f"{OTHER}\nshort line\n")
    return {"qa": str(qa), "bio": str(bio)}


def decide(tmp_path: Path, texts: list[str], **options: Any) -> tuple[Any, Any]:
    stage = make("decontaminate_v1", **options)
    return run_global(stage, shards(texts, 2), tmp_path), stage


@pytest.mark.parametrize(
    ("text", "matched", "reason"),
    [
        (f"Intro. {QUESTION}? Answer: Saturn.", "qa", "decontam:qa"),
        (f"intro {QUESTION.upper()}!!!", "qa", "decontam:qa"),
        (" ".join(QUESTION.split()[:12]) + " nothing else", None, None),  # 12-gram only
        (f"Biology: {OTHER}.", "bio", "decontam:bio"),
        (f"{OTHER}. Also: {QUESTION}.", "qa", "decontam:qa"),  # first set in config order
        ("unrelated text " * 20, None, None),
    ],
)
def test_matches(
    tmp_path: Path, eval_sets: dict, text: str, matched: str | None, reason: str | None
) -> None:
    dec, _ = decide(tmp_path, [text, *FILLER], eval_sets=eval_sets, ngram=13)
    assert column(dec, "decontaminate_v1__matched_set")[0] == matched
    assert column(dec, "reason") == [reason] + [None] * len(FILLER)


def test_min_matches_and_ngram_size(tmp_path: Path, eval_sets: dict) -> None:
    text = f"x {QUESTION} y"
    dec, _ = decide(tmp_path / "a", [text], eval_sets=eval_sets, ngram=13, min_matches=100)
    assert column(dec, "decontaminate_v1__matched_ngrams") == [4]
    assert column(dec, "reason") == [None]
    dec, _ = decide(tmp_path / "b", ["it was a short line indeed"], eval_sets=eval_sets, ngram=2)
    assert column(dec, "reason") == ["decontam:bio"]


@pytest.mark.parametrize(
    ("lengths", "n"),
    [([20] * 100, 13), ([5] * 10 + [30] * 90, 8), ([10] * 5 + [11] * 95, 10), ([], 13)],
)
def test_auto_n_is_the_5th_percentile_clipped_to_8_13(lengths: list[int], n: int) -> None:
    assert auto_n(lengths) == n


def test_auto_n_per_set_checks_short_examples(tmp_path: Path) -> None:
    """A set of 10-word questions gets n = 10: with a fixed 13 none would be checked."""
    questions = [f"what is the capital city of country number {i} today" for i in range(40)]
    path = tmp_path / "short.jsonl"
    path.write_text("".join(json.dumps({"q": q}) + "\n" for q in questions))
    dec, stage = decide(
        tmp_path / "run", [f"Quiz: {questions[7]}?", *FILLER], eval_sets={"s": str(path)}
    )
    assert column(dec, "reason")[0] == "decontam:s"
    assert stage.fit_summary()["eval_sets"]["s"]["ngram"] == 10
    with pytest.warns(ShortExamplesWarning, match="40 of 40 examples are shorter than n = 13"):
        fixed, stage13 = decide(
            tmp_path / "f", [f"Quiz: {questions[7]}?"], eval_sets={"s": str(path)}, ngram=13
        )
    assert column(fixed, "reason") == [None]
    facts = stage13.fit_summary()
    assert facts["eval_sets"]["s"]["too_short"] == 40
    assert "40 of 40 examples are shorter than n = 13" in facts["notes"][0]


def test_nested_fields_are_walked(tmp_path: Path) -> None:
    answer = "the quick brown fox jumps over the lazy dog near the quiet river bank today"
    path = tmp_path / "nested.jsonl"
    path.write_text(json.dumps({"question": "q?", "choices": {"label": ["A"], "text": [answer]}}))
    assert answer in list(examples(path, ("choices",)))
    assert answer in list(examples(path, ("text",)))
    assert answer not in list(examples(path, ("question",)))
    dec, _ = decide(
        tmp_path / "r",
        [f"Story: {answer}."],
        eval_sets={"n": str(path)},
        fields=("choices",),
        ngram=13,
    )
    assert column(dec, "reason") == ["decontam:n"]


def test_ngrams_common_in_the_training_corpus_are_ignored(tmp_path: Path) -> None:
    """GPT-3: an eval passage quoting a famous text must not remove every document
    quoting it; n-grams in more than max_train_docs documents are ignored."""
    famous = "to be or not to be that is the question whether tis nobler in the mind to suffer"
    path = tmp_path / "lit.txt"
    path.write_text(f"{famous}\n")
    quoting = [f"Page {i} quotes Hamlet: {famous}." for i in range(12)]
    dec, stage = decide(tmp_path / "a", quoting, eval_sets={"lit": str(path)}, ngram=13)
    assert column(dec, "reason") == [None] * 12
    s = stage.fit_summary()
    assert s["common_ngrams_ignored"] > 0 and s["documents_matching_only_common_ngrams"] == 12
    few, _ = decide(tmp_path / "b", quoting[:3], eval_sets={"lit": str(path)}, ngram=13)
    assert column(few, "reason") == ["decontam:lit"] * 3
    off, _ = decide(
        tmp_path / "c", quoting, eval_sets={"lit": str(path)}, ngram=13, max_train_docs=None
    )
    assert column(off, "reason") == ["decontam:lit"] * 12


def test_loading_counts_short_examples_and_fields(eval_sets: dict) -> None:
    tables, facts = load_tables(eval_sets, 13, ())
    assert {k: f["too_short"] for k, f in facts.items()} == {"qa": 2, "bio": 1}
    assert sum(len(t.hashes) for t in tables) == (16 - 12) + (15 - 12)
    _, facts = load_tables(eval_sets, 13, ("question",))
    assert facts["qa"]["too_short"] == 0


def test_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="at least one"):
        make("decontaminate_v1")
    with pytest.raises(ConfigError, match="cannot read eval set"):
        make("decontaminate_v1", eval_sets={"x": str(tmp_path / "missing.jsonl")})
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{not json\n")
    with pytest.raises(ConfigError, match=r"bad.jsonl, line 1"):
        make("decontaminate_v1", eval_sets={"x": str(bad)})
    with pytest.raises(ConfigError, match="ngram must be 'auto'"):
        make("decontaminate_v1", eval_sets={"x": str(bad)}, ngram="big")
