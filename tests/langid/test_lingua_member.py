"""``member: lingua``: Lingua picks a confusable group's member, never the acceptance."""

from __future__ import annotations

import sys

import pytest
from related_texts import (
    BOSNIAN,
    MALAY,
    NYNORSK,
    SLOVAK,
    labels,
)

from dataprep.errors import ConfigError
from dataprep.langid import lingua_member
from dataprep.langid.policy import DEFAULT_GROUPS
from dataprep.langid.stage import LangIdConfig

needs_lingua = pytest.mark.skipif(
    not lingua_member.installed(), reason="lingua-language-detector not installed"
)


@needs_lingua
@pytest.mark.parametrize(
    ("text", "default", "gold"),
    [(MALAY, "id", "ms"), (BOSNIAN, "hr", "bs"), (NYNORSK, "no", "nn"), (SLOVAK, "cs", "sk")],
)
def test_lingua_picks_the_member_the_model_misses(text: str, default: str, gold: str) -> None:
    assert labels([text]) == [default]
    assert labels([text], member="lingua") == [gold]


@needs_lingua
def test_groups_lingua_reads() -> None:
    picker = lingua_member.LinguaPicker(DEFAULT_GROUPS)
    assert [picker.reads(i) for i in range(len(DEFAULT_GROUPS))] == [
        True, True, True, False, True,  # es/gl/ca/pt/ast/an/oc: no Galician, Asturian...
    ]  # fmt: skip
    assert picker.confidences(0, "12345 67890") == []  # no letters: the model's member


def test_missing_package_is_a_one_line_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "lingua", None)  # import lingua -> ImportError
    with pytest.raises(ConfigError) as err:
        LangIdConfig(member="lingua")
    message = str(err.value)
    assert "\n" not in message and err.value.exit_code == 2
    assert "lingua-language-detector" in message and "dataprep[lingua]" in message
    LangIdConfig()  # the default needs no Lingua


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"member": "cues"}, "member must be one of model, lingua"),
        ({"member": "lingua", "policy": "threshold"}, "needs policy: groups"),
    ],
)
def test_bad_member_options_are_rejected(options: dict[str, object], match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        LangIdConfig(**options)  # type: ignore[arg-type]
