"""The language-ID decision rules and the paragraph vote, on hand-made model outputs."""

from __future__ import annotations

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dataprep.langid.labels import UND, Label
from dataprep.langid.mix import chunks, vote
from dataprep.langid.policy import DEFAULT_GROUPS, LabelPolicy, letter_share, letter_shares


def policy(kind: str = "groups", **options: object) -> LabelPolicy:
    args: dict[str, object] = {
        "policy": kind,
        "min_score": 0.65,
        "min_score_per_lang": {},
        "groups": DEFAULT_GROUPS,
        "weights": {},
        "min_letter_share": 0.65,
    }
    args.update(options)
    return LabelPolicy(**args)  # type: ignore[arg-type]


def cands(*pairs: tuple[str, float]) -> list[tuple[Label, float]]:
    return [(Label(lang, None), p) for lang, p in pairs]


BOKMAL = cands(("no", 0.57), ("da", 0.28), ("nn", 0.12), ("sv", 0.02), ("en", 0.004))


def test_threshold_rejects_a_split_group_that_groups_accepts() -> None:
    assert policy("threshold").decide(BOKMAL, 1.0) == (Label(UND, None), 0.57)
    label, mass = policy().decide(BOKMAL, 1.0)
    assert label.lang == "no"
    assert mass == pytest.approx(0.99)


def test_labels_outside_groups_decide_as_the_threshold() -> None:
    english = cands(("en", 0.60), ("fr", 0.30), ("de", 0.05))
    assert policy().decide(english, 1.0)[0].lang == UND
    assert policy().decide(cands(("en", 0.70), ("fr", 0.2)), 1.0)[0].lang == "en"


def test_mass_of_other_groups_does_not_count() -> None:
    # es + gl + pt = 0.60 < 0.65; the Czech 0.3 belongs to another group
    split = cands(("es", 0.35), ("cs", 0.30), ("gl", 0.15), ("pt", 0.10))
    assert policy().decide(split, 1.0) == (Label(UND, None), pytest.approx(0.60))


def test_text_that_is_mostly_not_letters_is_undetermined() -> None:
    confident = cands(("en", 0.79), ("km", 0.01))
    assert policy().decide(confident, 0.58)[0].lang == UND
    assert policy().decide(confident, 0.90)[0].lang == "en"
    assert policy("threshold").decide(confident, 0.0)[0].lang == "en"  # datatrove's rule


def test_weights_choose_the_member_not_the_acceptance() -> None:
    nynorsk = cands(("no", 0.52), ("nn", 0.34), ("da", 0.10))
    assert policy().decide(nynorsk, 1.0)[0].lang == "no"
    assert policy(weights={"nn": 2.0}).decide(nynorsk, 1.0)[0].lang == "nn"
    weak = cands(("no", 0.30), ("nn", 0.20), ("en", 0.2))
    assert policy(weights={"nn": 4.0}).decide(weak, 1.0)[0].lang == UND


def test_per_language_minimum_applies_to_the_chosen_member() -> None:
    assert policy(min_score_per_lang={"no": 0.995}).decide(BOKMAL, 1.0)[0].lang == UND
    assert policy(min_score_per_lang={"da": 0.995}).decide(BOKMAL, 1.0)[0].lang == "no"


def test_letter_shares() -> None:
    texts = pa.array(["abc def", "12 34", "日本語です。", "", None, "ab 1234567890"], pa.string())
    got = letter_shares(texts, None)
    assert got[:2] == [1.0, 0.0]
    assert got[2] == pytest.approx(5 / 6)
    assert got[3:5] == [0.0, 0.0]
    assert letter_shares(texts, 3)[-1] == 1.0  # only the first 3 characters are read


@settings(max_examples=200, deadline=None)
@given(
    texts=st.lists(st.one_of(st.none(), st.text(max_size=60)), max_size=6),
    max_chars=st.sampled_from([None, 1, 5, 30]),
)
def test_letter_shares_equal_the_per_text_definition(
    texts: list[str | None], max_chars: int | None
) -> None:
    """The vectorized shares (code-point table) are exactly ``letter_share``'s."""
    cut = [t[:max_chars] if t and max_chars is not None else t for t in texts]
    assert letter_shares(texts, max_chars) == [letter_share(t) for t in cut]
    marks = "e\u0301 \u0915\u093f \U0001d167x 1 \u200b"  # combining, Devanagari, astral mark
    assert letter_shares([marks], None) == [letter_share(marks)]


def test_chunks_merge_short_lines_and_fold_a_short_tail() -> None:
    text = "a" * 150 + "\n" + "b" * 100 + "\n\n" + "c" * 250 + "\n" + "d" * 20
    assert chunks(text, min_bytes=200, max_chars=None) == [
        "a" * 150 + "\n" + "b" * 100,
        "c" * 250 + "\n" + "d" * 20,
    ]
    assert chunks(text, min_bytes=200, max_chars=100) == ["a" * 100]
    assert chunks("\n \n", min_bytes=10, max_chars=None) == []
    cjk = "中" * 70  # 210 bytes: a chunk of its own
    assert chunks(cjk + "\n" + "e" * 200, min_bytes=200, max_chars=None) == [cjk, "e" * 200]
    # a change of script kind ends a chunk whatever its size
    assert chunks("e" * 50 + "\n" + "中" * 20 + "\n" + "f" * 50, min_bytes=300, max_chars=None) == [
        "e" * 50,
        "中" * 20,
        "f" * 50,
    ]


def key(lang: str) -> str:
    return policy().group_key(lang)


def test_vote_shares_mixed_flag_and_majority() -> None:
    parts = ["x" * 600, "y" * 300, "z" * 100]
    labels = [Label("en", None), Label("zh", None), Label(UND, None)]
    mix = vote(parts, labels, Label("en", None), key, 0.2)
    assert mix.shares == [("en", 0.6), ("zh", 0.3), (UND, 0.1)]
    assert mix.mixed and mix.label == Label("en", None)
    assert not vote(parts, labels, Label("en", None), key, 0.31).mixed


def test_vote_replaces_a_whole_text_label_of_a_minority_group() -> None:
    # an English header then German paragraphs; the whole-text label saw the header
    parts = ["h" * 200, "d" * 500, "e" * 400]
    labels = [Label("en", None), Label("de", None), Label("de", None)]
    assert vote(parts, labels, Label("en", None), key, 0.2).label == Label("de", None)


def test_vote_keeps_the_whole_text_member_of_the_winning_group() -> None:
    parts = ["a" * 300, "b" * 300, "c" * 300]
    labels = [Label("da", None), Label("no", None), Label("no", None)]
    mix = vote(parts, labels, Label("no", None), key, 0.2)
    assert mix.label == Label("no", None) and not mix.mixed  # one group: not mixed
    assert vote(parts, labels, Label(UND, None), key, 0.2).label == Label("no", None)


def test_no_majority_no_vote() -> None:
    parts = ["a" * 300, "b" * 300, "c" * 400]
    labels = [Label("en", None), Label("fr", None), Label(UND, None)]
    assert vote(parts, labels, Label("en", None), key, 0.2).label is None
