"""Spelling cues inside the Danish/Norwegian group: counts, the margin, and the decision."""

from __future__ import annotations

import pytest

from dataprep.langid import cues
from dataprep.langid.labels import Label
from dataprep.langid.policy import DEFAULT_GROUPS, LabelPolicy

# Bokmål that lid.176 gives to Danish (0.63) at 200 characters; its Danish translation.
BOKMAL = (
    "Slik lager du en enkel fiskesuppe: Fres løk, gulrot og purre i litt smør i en stor "
    "kjele. Hell over fiskekraft og la det småkoke i et kvarter. Tilsett fløte og smak til "
    "med salt, pepper og en skvett hvitvin."
)
DANISH = (
    "Sådan laver du en nem fiskesuppe: Svits løg, gulerod og porre i lidt smør i en stor "
    "gryde. Hæld fiskefond over og lad det simre i et kvarter. Tilsæt fløde og smag til med "
    "salt, peber og et skvæt hvidvin."
)
NYNORSK = (
    "Dersom du ikkje får nokon e-post, bør du sjå etter i søppelposten eller kontakte "
    "kundeservice. Vi tilrår at du vel eit langt passord som du ikkje brukar på andre "
    "nettstader."
)


def lab(*pairs: tuple[str, float]) -> list[tuple[Label, float]]:
    return [(Label(lang, None), p) for lang, p in pairs]


def policy(margin: int | None) -> LabelPolicy:
    return LabelPolicy(
        policy="groups",
        min_score=0.65,
        min_score_per_lang={},
        groups=DEFAULT_GROUPS,
        weights={},
        min_letter_share=0.65,
        cue_margin=margin,
    )


def test_words_are_lower_case_runs_of_letters() -> None:
    assert cues.words("Oslo og Aker: 12 katter, «takk» av-og-til") == [
        "og", "katter", "takk", "av", "og", "til",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "counts"),
    [
        # word-final double consonants (Norwegian) and the Danish forms of function words
        ("litt smør i en stor kjele", (0, 1)),
        ("lidt smør i en stor gryde", (0, 0)),
        ("hun har glemt passordet ditt og takk for det", (0, 2)),
        ("han gik ud af huset efter frokost", (3, 0)),
        ("han gikk ut av huset etter frokost", (0, 4)),  # gikk, ut, av, etter
        ("for å sjekke det", (0, 1)),
        ("Takk Ditt", (0, 0)),  # capitalized words may be names
    ],
)
def test_danish_norwegian_counts(text: str, counts: tuple[int, int]) -> None:
    assert cues.DANISH_NORWEGIAN.counts(cues.words(text)) == counts


def test_nynorsk_bokmal_counts() -> None:
    assert cues.NYNORSK_BOKMAL.counts(cues.words(NYNORSK)) == (4, 0)  # ikkje x2, nokon, eit
    assert cues.NYNORSK_BOKMAL.counts(cues.words(BOKMAL)) == (0, 4)  # en x3, et


def test_resolve_moves_to_the_other_side_by_the_margin() -> None:
    members = lab(("da", 0.63), ("no", 0.26), ("nn", 0.11))
    two = "hun gikk ut"  # Norwegian 2, Danish 0
    assert cues.resolve(Label("da", None), members, two, 2).lang == "no"
    assert cues.resolve(Label("da", None), members, two, 3).lang == "da"
    # Danish cues cancel Norwegian ones
    assert cues.resolve(Label("da", None), members, two + " af mig", 1).lang == "da"
    # the other side must have a probability: no Norwegian label among the members
    assert cues.resolve(Label("da", None), lab(("da", 0.9)), two, 1).lang == "da"


def test_resolve_picks_the_norwegian_standard_too() -> None:
    members = lab(("da", 0.64), ("nn", 0.29), ("no", 0.06))
    # Norwegian against Danish (litt, ikkje has no Danish form), then Nynorsk over Bokmål
    assert cues.resolve(Label("da", None), members, NYNORSK + " litt", 2).lang == "nn"
    bokmal = lab(("nn", 0.5), ("no", 0.4), ("da", 0.1))
    assert cues.resolve(Label("nn", None), bokmal, BOKMAL, 2).lang == "no"


def test_resolve_leaves_other_languages_alone() -> None:
    assert cues.resolve(Label("sv", None), lab(("sv", 0.6), ("no", 0.3)), "gikk ut av", 1) == (
        Label("sv", None)
    )
    assert cues.resolve(Label("en", None), lab(("en", 0.9)), "gikk ut av", 1).lang == "en"


def test_policy_uses_the_text_only_with_a_margin() -> None:
    split = lab(("da", 0.63), ("no", 0.26), ("nn", 0.11), ("es", 0.001))
    assert policy(2).decide(split, 0.9, BOKMAL)[0].lang == "no"
    assert policy(2).decide(split, 0.9, DANISH)[0].lang == "da"
    assert policy(2).decide(split, 0.9)[0].lang == "da"  # no text: the model's member
    assert policy(None).decide(split, 0.9, BOKMAL)[0].lang == "da"
    assert policy(2).reads_text(split) and not policy(None).reads_text(split)
    assert not policy(2).reads_text(lab(("en", 0.9), ("no", 0.05)))
    # the group score still decides acceptance
    assert policy(2).decide(lab(("da", 0.4), ("no", 0.2)), 0.9, BOKMAL)[0].lang == "und"


def test_malay_and_indonesian_spellings() -> None:
    malay = "Harga tiket bas naik kerana kos minyak, kata pegawai pejabat itu."
    indonesian = "Harga karcis bus naik karena biaya bensin, kata pegawai kantor itu."
    assert cues.MALAY_INDONESIAN.counts(cues.words(malay)) == (3, 0)  # bas, kerana, pejabat
    assert cues.MALAY_INDONESIAN.counts(cues.words(indonesian)) == (0, 4)  # karcis, bus, ...
    # "tiket" is written in both
    members = lab(("id", 0.7), ("ms", 0.25))
    assert cues.resolve(Label("id", None), members, malay, 2).lang == "ms"
    assert cues.resolve(Label("id", None), members, indonesian, 2).lang == "id"


def test_one_loan_word_does_not_move_danish_at_the_default_margin() -> None:
    # "app" ends in a doubled consonant like Norwegian words; Danish writes none
    danish = "Hent vores app og se, hvornår bussen kommer"
    members = lab(("da", 0.8), ("no", 0.15))
    assert cues.DANISH_NORWEGIAN.counts(cues.words(danish)) == (0, 1)
    assert cues.resolve(Label("da", None), members, danish, 2).lang == "da"
    assert cues.resolve(Label("da", None), members, danish, 1).lang == "no"  # why 2 is the default


def test_croatian_against_bosnian_and_serbian_by_stems() -> None:
    croatian = "Utakmica nogometnog kluba igra se idućeg tjedna, tijekom vikenda."
    bosnian = "Utakmica fudbalskog kluba igra se naredne sedmice, tokom vikenda."
    assert cues.CROATIAN_BOSNIAN_SERBIAN.counts(cues.words(croatian)) == (3, 0)
    assert cues.CROATIAN_BOSNIAN_SERBIAN.counts(cues.words(bosnian)) == (0, 3)
    members = lab(("hr", 0.49), ("sh", 0.24), ("bs", 0.14), ("sr", 0.10))
    # Croatian ruled out, then ijekavian (prije, vrijeme) picks Bosnian over sh
    text = bosnian + " Prije utakmice vrijeme je lijepo."
    assert cues.resolve(Label("hr", None), members, text, 2).lang == "bs"
    assert cues.resolve(Label("hr", None), members, croatian, 2).lang == "hr"


def test_a_neutral_label_moves_to_either_side() -> None:
    members = lab(("sh", 0.4), ("sr", 0.3), ("bs", 0.2))
    ekavian = "pre podne je vreme bilo lepo, posle kiša"  # pre, vreme, posle
    ijekavian = "prije podne je vrijeme bilo lijepo, poslije kiša"
    assert cues.resolve(Label("sh", None), members, ekavian, 2).lang == "sr"
    assert cues.resolve(Label("sh", None), members, ijekavian, 2).lang == "bs"
    assert cues.resolve(Label("sh", None), members, "kiša pada", 2).lang == "sh"


@pytest.mark.parametrize("contrast", cues.CONTRASTS)
def test_the_two_sides_of_a_contrast_do_not_share_a_cue(contrast: cues.Contrast) -> None:
    assert not contrast.left_words & contrast.right_words
    assert not [w for w in contrast.left_words if w.startswith(contrast.right_stems)]
    assert not [w for w in contrast.right_words if w.startswith(contrast.left_stems)]
    assert not [s for s in contrast.left_stems if s.startswith(contrast.right_stems)]
    assert not [s for s in contrast.right_stems if s.startswith(contrast.left_stems)]
    assert not (contrast.left | contrast.right) & contrast.neutral


@pytest.mark.parametrize(
    ("contrast", "left", "right"),
    [
        (
            cues.MALAY_INDONESIAN,
            "bahawa iaitu sahaja universiti",
            "bahwa yaitu silakan universitas",
        ),
        (cues.CROATIAN_BOSNIAN_SERBIAN, "sustav suradnja ponovno", "sistem saradnja ponovo"),
    ],
)
def test_documented_spelling_pairs_count_on_their_own_side(
    contrast: cues.Contrast, left: str, right: str
) -> None:
    assert contrast.counts(cues.words(left)) == (len(left.split()), 0)
    assert contrast.counts(cues.words(right)) == (0, len(right.split()))
