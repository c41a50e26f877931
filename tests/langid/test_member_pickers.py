"""What every ``member`` picker (``lingua``, ``cld2``) must keep: the acceptance."""

from __future__ import annotations

import pickle

import pyarrow as pa
import pytest
from related_texts import (
    CROATIAN,
    DANISH,
    GALICIAN,
    INDONESIAN,
    MALAY,
    SERBIAN,
    evaluation_paragraphs,
    labels,
)

from dataprep.langid import cld2_member, lingua_member
from dataprep.langid.stage import FastTextLangId, LangIdConfig
from dataprep.stages.base import StageContext

PICKERS = [
    pytest.param(
        name,
        marks=pytest.mark.skipif(not module.installed(), reason=f"{module.PACKAGE} not installed"),
    )
    for name, module in (("lingua", lingua_member), ("cld2", cld2_member))
]


@pytest.mark.parametrize("member", PICKERS)
def test_acceptance_never_changes(member: str) -> None:
    """Only the member moves: ``und`` where the default gives ``und``, the same
    confusable group otherwise, and the same scores."""
    texts = evaluation_paragraphs()
    ctx = StageContext(name="lid")
    batch = pa.record_batch({"text": pa.array(texts, pa.string())})
    base = FastTextLangId(LangIdConfig(), ctx).process(batch).batch.to_pylist()
    stage = FastTextLangId(LangIdConfig(member=member), ctx)
    new = stage.process(batch).batch.to_pylist()
    key = stage.policy.group_key
    moved = 0
    for a, b in zip(base, new, strict=True):
        assert (a["lang"] == "und") == (b["lang"] == "und")
        assert key(a["lang"]) == key(b["lang"])
        assert (a["lang_score"], a["lang_group_score"]) == (b["lang_score"], b["lang_group_score"])
        moved += a["lang"] != b["lang"]
    assert moved > 20  # the option does move members on this text


@pytest.mark.parametrize("member", PICKERS)
@pytest.mark.parametrize(
    ("text", "gold"),
    [(INDONESIAN, "id"), (CROATIAN, "hr"), (SERBIAN, "sr"), (DANISH, "da"), (GALICIAN, "gl")],
)
def test_neighbours_keep_their_label(member: str, text: str, gold: str) -> None:
    """Galician: Lingua has no model of it, so Lingua leaves that group to lid.176."""
    assert labels([text]) == labels([text], member=member) == [gold]


@pytest.mark.parametrize("member", PICKERS)
def test_stage_pickles_after_use_and_picks_again(member: str) -> None:
    """Detectors are built on first use in a process and rebuilt after pickling."""
    stage = FastTextLangId(LangIdConfig(member=member), StageContext(name="lid"))
    batch = pa.record_batch({"text": pa.array([MALAY], pa.string())})
    stage.process(batch)
    copy = pickle.loads(pickle.dumps(stage))
    assert copy.process(batch).batch.column("lang").to_pylist() == ["ms"]
