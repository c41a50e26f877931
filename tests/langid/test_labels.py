"""Label normalization: one code scheme whatever model produced the label."""

from __future__ import annotations

import pytest

from dataprep.langid.labels import UND, Label, normalize_code, normalize_label


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("__label__de", Label("de", None)),
        ("__label__en", Label("en", None)),
        ("__label__deu_Latn", Label("de", "Latn")),
        ("__label__zho_Hans", Label("zh", "Hans")),
        ("__label__zho_Hant", Label("zh", "Hant")),
        ("__label__cmn_Hani", Label("zh", "Hani")),
        ("__label__arb_Arab", Label("ar", "Arab")),
        ("__label__zsm_Latn", Label("ms", "Latn")),
        ("__label__als_Latn", Label("sq", "Latn")),  # GlotLID/OpenLID: Tosk Albanian
        ("__label__als", Label("als", None)),  # lid.176: Alemannic, left alone
        ("__label__yue_Hant", Label("yue", "Hant")),  # no 639-1 code: kept
        ("__label__ceb", Label("ceb", None)),
        ("__label__srp_Cyrl", Label("sr", "Cyrl")),
        ("__label__hbs_Latn", Label("sh", "Latn")),
        ("deu_Latn", Label("de", "Latn")),  # no prefix
        ("zh-Hans", Label("zh", "Hans")),
        ("__label__FRA_latn", Label("fr", "Latn")),
        ("__label__pt_BR", Label("pt_br", None)),  # not a script: kept whole
        ("__label__", Label(UND, None)),
    ],
)
def test_normalize_label(raw: str, expected: Label) -> None:
    assert normalize_label(raw) == expected


def test_normalize_label_without_iso639_1_mapping() -> None:
    assert normalize_label("__label__deu_Latn", to_iso639_1=False) == Label("deu", "Latn")


@pytest.mark.parametrize(
    ("code", "expected"),
    [("deu", "de"), ("ger", "de"), ("DE", "de"), ("jpn", "ja"), ("arb", "arb"), ("yue", "yue")],
)
def test_normalize_code(code: str, expected: str) -> None:
    assert normalize_code(code) == expected
