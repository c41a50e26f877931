"""Texts in closely related languages, shared by the member-picker tests."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from dataprep.langid.stage import FastTextLangId, LangIdConfig
from dataprep.stages.base import StageContext

DATA = Path(__file__).parents[2] / "benchmarks" / "data" / "langid"

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


def evaluation_paragraphs() -> list[str]:
    """Every paragraph of the related-language and non-language evaluation texts,
    whole and cut to 60 characters."""
    texts: list[str] = []
    for path in sorted(DATA.glob("*.txt")):
        body = "\n".join(x for x in path.read_text("utf-8").splitlines() if x[:1] != "#")
        for part in body.replace("\n@@ ", "\n\n").split("\n\n"):
            if part.strip():
                texts += [part.strip(), part.strip()[:60]]
    return texts
