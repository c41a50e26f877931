"""``member: lingua``: Lingua picks a confusable group's member, never the acceptance."""

from __future__ import annotations

import pickle
import sys
from pathlib import Path

import pyarrow as pa
import pytest

from dataprep.errors import ConfigError
from dataprep.langid import lingua_member
from dataprep.langid.policy import DEFAULT_GROUPS
from dataprep.langid.stage import FastTextLangId, LangIdConfig
from dataprep.stages.base import StageContext

DATA = Path(__file__).parents[2] / "benchmarks" / "data" / "langid"

needs_lingua = pytest.mark.skipif(
    not lingua_member.installed(), reason="lingua-language-detector not installed"
)

# Texts of benchmarks/data/langid/ whose member lid.176 and the spelling cues get wrong
# (default label first): Malay -> id, Bosnian -> hr, Nynorsk -> no, Slovak -> cs.
MALAY = (
    "Sekolah itu dijangka siap pada pertengahan tahun 2027 dan boleh menampung kira-kira "
    "empat ratus orang murid. Datuk Bandar berkata keputusan ini perlu dibuat segera kerana "
    "sekolah sedia ada sudah terlalu sesak, dan banyak kelas terpaksa diadakan dalam dua sesi."
)
BOSNIAN = (
    "Zemaljski muzej otvara novu izložbu o starim zanatima u sarajevskoj čaršiji. Posjetioci "
    "mogu razgledati stare fotografije, kazandžijski alat i pisma porodica koje su od zanata "
    "živjele prije više od stotinu godina."
)
NYNORSK = (
    "Legen tilrår at alle over sekstifem år tek influensavaksinen i haust. Vaksinen er gratis "
    "for folk i risikogruppene og kan tingast på fastlegekontoret eller på apoteket. Det tek "
    "om lag to veker før vaksinen gjev full vern, så det løner seg å ta han før sesongen "
    "byrjar for alvor."
)
SLOVAK = "Ďalší zápas sa hrá o týždeň vonku a tréner dúfa, že"
# Their neighbours keep their label with the option.
INDONESIAN = (
    "Pemerintah kota menyetujui pembangunan jembatan sepeda baru pada hari Selasa setelah "
    "perdebatan panjang tentang biayanya. Pembangunan diperkirakan dimulai musim semi depan."
)
CROATIAN = (
    "Vlada je jučer usvojila novi zakon o obrazovanju, prema kojem će učenici od sljedeće "
    "godine imati više sati povijesti i hrvatskog jezika. Ministar je rekao da je reforma "
    "nužna jer se svijet mijenja."
)
SERBIAN = (
    "Влада Србије је јуче усвојила нови закон о образовању, који предвиђа да ученици од "  # noqa: RUF001
    "следеће године имају више часова историје и српског језика."
)
DANISH = (
    "Sådan laver du en nem fiskesuppe: Svits løg, gulerod og porre i lidt smør i en stor "
    "gryde. Hæld fiskefond over og lad det simre i et kvarter. Tilsæt fløde og smag til med "
    "salt, peber og et skvæt hvidvin."
)
GALICIAN = (
    "O concello aprobou o martes a construción dunha nova escola xunto ao vello campo de "
    "fútbol. A escola estará rematada no outono de 2027 e terá sitio para uns catrocentos "
    "alumnos."
)


def labels(texts: list[str], **options: object) -> list[str]:
    stage = FastTextLangId(LangIdConfig(**options), StageContext(name="lid"))  # type: ignore[arg-type]
    batch = pa.record_batch({"text": pa.array(texts, pa.string())})
    return list(stage.process(batch).batch.column("lang").to_pylist())


@needs_lingua
@pytest.mark.parametrize(
    ("text", "default", "gold"),
    [(MALAY, "id", "ms"), (BOSNIAN, "hr", "bs"), (NYNORSK, "no", "nn"), (SLOVAK, "cs", "sk")],
)
def test_lingua_picks_the_member_the_model_misses(text: str, default: str, gold: str) -> None:
    assert labels([text]) == [default]
    assert labels([text], member="lingua") == [gold]


@needs_lingua
@pytest.mark.parametrize(
    ("text", "gold"),
    [(INDONESIAN, "id"), (CROATIAN, "hr"), (SERBIAN, "sr"), (DANISH, "da"), (GALICIAN, "gl")],
)
def test_neighbours_keep_their_label(text: str, gold: str) -> None:
    """Galician: Lingua has no model of it, so that group is left to lid.176."""
    assert labels([text]) == labels([text], member="lingua") == [gold]


def _corpus() -> list[str]:
    """Every paragraph of the related-language and non-language evaluation texts,
    whole and cut to 60 characters."""
    texts: list[str] = []
    for path in sorted(DATA.glob("*.txt")):
        body = "\n".join(x for x in path.read_text("utf-8").splitlines() if x[:1] != "#")
        for part in body.replace("\n@@ ", "\n\n").split("\n\n"):
            if part.strip():
                texts += [part.strip(), part.strip()[:60]]
    return texts


@needs_lingua
def test_acceptance_never_changes() -> None:
    """Only the member moves: ``und`` where the default gives ``und``, the same
    confusable group otherwise, and the same scores."""
    texts = _corpus()
    ctx = StageContext(name="lid")
    batch = pa.record_batch({"text": pa.array(texts, pa.string())})
    base = FastTextLangId(LangIdConfig(), ctx).process(batch).batch.to_pylist()
    stage = FastTextLangId(LangIdConfig(member="lingua"), ctx)
    new = stage.process(batch).batch.to_pylist()
    key = stage.policy.group_key
    moved = 0
    for a, b in zip(base, new, strict=True):
        assert (a["lang"] == "und") == (b["lang"] == "und")
        assert key(a["lang"]) == key(b["lang"])
        assert (a["lang_score"], a["lang_group_score"]) == (b["lang_score"], b["lang_group_score"])
        moved += a["lang"] != b["lang"]
    assert moved > 20  # the option does move members on this text


@needs_lingua
def test_groups_lingua_reads() -> None:
    picker = lingua_member.LinguaPicker(DEFAULT_GROUPS)
    assert [picker.reads(i) for i in range(len(DEFAULT_GROUPS))] == [
        True, True, True, False, True,  # es/gl/ca/pt/ast/an/oc: no Galician, Asturian...
    ]  # fmt: skip
    assert picker.confidences(0, "12345 67890") == []  # no letters: the model's member


@needs_lingua
def test_stage_pickles_after_use_and_rebuilds_lingua() -> None:
    stage = FastTextLangId(LangIdConfig(member="lingua"), StageContext(name="lid"))
    batch = pa.record_batch({"text": pa.array([MALAY], pa.string())})
    stage.process(batch)
    copy = pickle.loads(pickle.dumps(stage))
    assert copy.process(batch).batch.column("lang").to_pylist() == ["ms"]


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
