"""``decontaminate_v1``: n-gram overlap with eval sets, which set matched, config errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cleaning_helpers import column, make, run_batch

from dataprep.cleaning.decontaminate import load_eval_ngrams
from dataprep.errors import ConfigError

QUESTION = "Which planet in the solar system has the largest number of known moons as of 2023"
OTHER = "The mitochondria is the powerhouse of the cell and produces most of its chemical energy"


@pytest.fixture
def eval_sets(tmp_path: Path) -> dict[str, str]:
    qa = tmp_path / "qa.jsonl"
    qa.write_text(
        json.dumps({"question": QUESTION, "choices": ["Saturn", "Jupiter"], "id": 3}) + "\n\n"
    )
    bio = tmp_path / "bio.txt"
    bio.write_text(f"{OTHER}\nshort line\n")
    return {"qa": str(qa), "bio": str(bio)}


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
def test_matches(eval_sets: dict, text: str, matched: str | None, reason: str | None) -> None:
    out = run_batch(make("decontaminate_v1", eval_sets=eval_sets), [text])
    assert column(out.batch, "decontaminate_v1__matched_set") == [matched]
    assert out.reason.to_pylist() == [reason]


def test_min_matches_and_ngram_size(eval_sets: dict) -> None:
    text = f"x {QUESTION} y"
    stage = make("decontaminate_v1", eval_sets=eval_sets, min_matches=100)
    out = run_batch(stage, [text])
    assert column(out.batch, "decontaminate_v1__matched_ngrams") == [4]
    assert out.reason.to_pylist() == [None]
    stage = make("decontaminate_v1", eval_sets=eval_sets, ngram=2)
    assert run_batch(stage, ["it was a short line indeed"]).reason.to_pylist() == ["decontam:bio"]


def test_loading_counts_short_examples_and_fields(eval_sets: dict) -> None:
    hashes, masks, short = load_eval_ngrams(eval_sets, 13, ())
    assert short == {"qa": 2, "bio": 1}  # the two one-word choices, the short line
    assert len(hashes) == len(masks) == (16 - 12) + (15 - 12)
    _, _, short = load_eval_ngrams(eval_sets, 13, ("question",))
    assert short["qa"] == 0


def test_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="at least one"):
        make("decontaminate_v1")
    with pytest.raises(ConfigError, match="cannot read eval set"):
        make("decontaminate_v1", eval_sets={"x": str(tmp_path / "missing.jsonl")})
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{not json\n")
    with pytest.raises(ConfigError, match=r"bad.jsonl, line 1"):
        make("decontaminate_v1", eval_sets={"x": str(bad)})
