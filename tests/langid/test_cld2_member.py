"""``member: cld2``: CLD2 picks a confusable group's member, never the acceptance."""

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
from dataprep.langid import cld2_member
from dataprep.langid.labels import Label
from dataprep.langid.policy import DEFAULT_GROUPS
from dataprep.langid.stage import LangIdConfig

needs_cld2 = pytest.mark.skipif(not cld2_member.installed(), reason="pycld2 not installed")

#: Serbian in Latin script (ekavian) that lid.176 and the cues label Croatian: a
#: paragraph of the second writer's held-out texts.
SERBIAN_LATIN = (
    "Narodni muzej u Beogradu od subote otvara izložbu posvećenu srpskom slikarstvu s kraja "
    "devetnaestog veka, sa delima Paje Jovanovića, Uroša Predića i Đorđa Krstića. Postavka "
    "obuhvata više od sedamdeset slika, skica i pisama, od kojih se neka prvi put prikazuju "
    "javnosti."
)


@needs_cld2
@pytest.mark.parametrize(
    ("text", "default", "gold"),
    [
        (MALAY, "id", "ms"),
        (BOSNIAN, "hr", "bs"),
        (NYNORSK, "no", "nn"),
        (SLOVAK, "cs", "sk"),
        (SERBIAN_LATIN, "hr", "sr"),
    ],
)
def test_cld2_picks_the_member_the_model_misses(text: str, default: str, gold: str) -> None:
    assert labels([text]) == [default]
    assert labels([text], member="cld2") == [gold]


@needs_cld2
def test_every_default_group_is_read_and_nothing_found_keeps_the_models_member() -> None:
    picker = cld2_member.Cld2Picker(DEFAULT_GROUPS)
    assert all(picker.reads(i) for i in range(len(DEFAULT_GROUPS)))
    assert picker.shares(0, "12345 67890") == []
    best = Label("id", None)
    members = [(best, 0.7), (Label("ms", None), 0.2)]
    assert picker.pick(1, "12345 67890", best, members) == (best, members)


@needs_cld2
def test_control_characters_do_not_stop_cld2() -> None:
    """CLD2 calls C0 control characters invalid UTF-8; they are dropped before it reads."""
    noisy = MALAY.replace(" ", "\x07 ", 3) + "\x00"
    assert labels([noisy], member="cld2") == ["ms"]


def test_missing_package_is_a_one_line_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pycld2", None)  # import pycld2 -> ImportError
    with pytest.raises(ConfigError) as err:
        LangIdConfig(member="cld2")
    message = str(err.value)
    assert "\n" not in message and err.value.exit_code == 2
    assert "pycld2" in message and "dataprep[cld2]" in message


def test_cld2_needs_the_groups_policy() -> None:
    with pytest.raises(ConfigError, match="needs policy: groups"):
        LangIdConfig(member="cld2", policy="threshold")
