"""fasttext_langid_v1's ``groups`` policy with the real lid.176 model: related
languages kept, non-language text rejected, paragraph vote and ``lang_mix``."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pytest

from dataprep.errors import ConfigError
from dataprep.langid.stage import FastTextLangId, LangIdConfig
from dataprep.stages.base import StageContext

BOKMAL = (
    "Kommunestyret vedtok på tirsdag å bygge en ny barneskole på tomten ved den gamle "
    "idrettsplassen. Skolen skal stå ferdig høsten 2027 og får plass til rundt fire hundre "
    "elever. Ordføreren sier at vedtaket var nødvendig fordi dagens skole er altfor liten."
)
KERNEL_LOG = (
    "Mar 12 10:22:01 host1 kernel: [12345.678901] eth0: link up, 1000Mbps, full-duplex\n"
    "Mar 12 10:22:04 host1 systemd[1]: Started nginx.service.\n"
    "Mar 12 10:22:05 host1 sshd[2211]: Accepted publickey for deploy from 10.0.0.5 port 51822\n"
    "Mar 12 10:22:09 host1 CRON[2290]: (root) CMD (/usr/local/bin/rotate.sh)"
)
ENGLISH = (
    "The city council approved the new cycling bridge on Tuesday after a long debate about "
    "its cost. Construction is expected to start next spring and to take about two years, "
    "and the old ferry will keep running until the bridge opens to the public."
)
CHINESE = (
    "市政府周二批准了新的自行车桥建设计划，经过长时间的讨论，工程预计明年春天开工，工期大约两年。"  # noqa: RUF001
    "在大桥建成通车之前，原有的渡轮将继续运营，为两岸居民提供便利。"  # noqa: RUF001
)
GERMAN = (
    "Nach rund drei Jahren Bauzeit ist am Samstag die neue Fuß- und Radwegbrücke zwischen der "
    "Altstadt und dem Stadtteil Rheinau offiziell eröffnet worden. Mehrere tausend Menschen "
    "kamen bei sonnigem Wetter zu dem Fest."
)
GERMAN_2 = (
    "Die Kosten des Projekts sind deutlich gestiegen. Ursprünglich waren 18 Millionen Euro "
    "eingeplant, am Ende wurden es knapp 27 Millionen. Als Gründe nannte die Stadtverwaltung "
    "höhere Preise für Stahl und Beton sowie Verzögerungen durch ein Hochwasser."
)
NAV = (
    "Home | News | Sport | Weather | Business | Contact us | Log in | Sign up for our "
    "newsletter | Search this site | We use cookies to improve your experience on our website."
)


# the two Bokmål and one Nynorsk texts of benchmarks/eval_langid.py that lid.176 gives
# to Danish, and a Danish one of the same kind
BOKMAL_TO_DANISH = (
    "Har du glemt passordet ditt, kan du tilbakestille det fra innloggingssiden. Trykk på "
    "lenken «Glemt passord», skriv inn e-postadressen din og følg instruksjonene i e-posten "
    "du får tilsendt. Lenken er gyldig i tjue minutter."
)
NYNORSK_TO_DANISH = (
    "Slik lagar du ei enkel fiskesuppe: Fres lauk, gulrot og purre i litt smør i ei stor "
    "gryte. Hell over fiskekraft og la det småkoke i eit kvarter. Tilset fløyte og smak til "
    "med salt, pepar og ein skvett kvitvin."
)
DANISH = (
    "Hvis du har glemt din adgangskode, kan du nulstille den fra login-siden. Tryk på "
    "linket »Glemt adgangskode«, skriv din e-mailadresse, og følg vejledningen i den e-mail, "
    "du får tilsendt. Linket er gyldigt i tyve minutter."
)


def run(texts: list[str | None], **options: Any) -> list[dict[str, Any]]:
    stage = FastTextLangId(LangIdConfig(**options), StageContext(name="lid"))
    out = stage.process(pa.record_batch({"text": pa.array(texts, pa.string())}))
    return out.batch.to_pylist()


def test_bokmal_split_with_danish_is_kept_as_norwegian() -> None:
    old = run([BOKMAL], policy="threshold")[0]
    new = run([BOKMAL])[0]
    assert old["lang"] == "und" and old["lang_score"] < 0.65  # the model's mass is split
    assert new["lang"] == "no"
    assert new["lang_score"] == pytest.approx(old["lang_score"])  # raw top score kept
    assert new["lang_group_score"] > 0.95


def test_spelling_cues_move_norwegian_from_danish() -> None:
    texts: list[str | None] = [BOKMAL_TO_DANISH, NYNORSK_TO_DANISH, DANISH]
    assert [r["lang"] for r in run(texts, cue_margin=None)] == ["da", "da", "da"]
    assert [r["lang"] for r in run(texts)] == ["no", "nn", "da"]
    stage = FastTextLangId(LangIdConfig(), StageContext(name="lid"))
    assert [stage.predict(t)[0].lang for t in texts] == ["no", "nn", "da"]


def test_log_lines_the_threshold_keeps_are_rejected() -> None:
    assert run([KERNEL_LOG], policy="threshold")[0]["lang"] == "en"
    assert run([KERNEL_LOG])[0]["lang"] == "und"


@pytest.mark.parametrize(
    "text",
    [
        "3.14159 2.71828 1.41421 1.73205 0.57721 1.61803 2.50290 4.66920 0.91596 1.20205",
        "Pos  Nr  Pkt  W  D  L  GF  GA\n1    12  34   11 1  2  31  12\n2    7   31   10 1  3  28",
        "src/main.rs\nsrc/lib.rs\nsrc/io/mod.rs\nsrc/io/reader.rs\ntests/it_reader.rs",
        "/var/data/run45/part-09994-756a01a4.parquet\n/var/data/run45/part-00012-0badf00d.parquet",
    ],
)
def test_numbers_tables_and_file_lists_are_undetermined(text: str) -> None:
    assert run([text])[0]["lang"] == "und"


def test_mixed_english_chinese_document() -> None:
    row = run([ENGLISH + "\n\n" + CHINESE])[0]
    shares = {m["lang"]: m["share"] for m in row["lang_mix"]}
    assert set(shares) == {"en", "zh"}
    assert shares["en"] > shares["zh"] > 0.2
    assert row["lang"] == "en" and row["lang_mixed"] is True
    assert sum(shares.values()) == pytest.approx(1.0)


def test_one_language_in_several_paragraphs_is_not_mixed() -> None:
    row = run(["\n\n".join([GERMAN, GERMAN_2, GERMAN])])[0]
    assert row["lang"] == "de" and row["lang_mixed"] is False
    assert row["lang_mix"] == [{"lang": "de", "share": 1.0}]


def test_vote_outweighs_a_header_in_another_language() -> None:
    text = "\n".join([NAV, GERMAN, GERMAN, GERMAN])
    # reading the first 200 characters, the whole-text decision sees only the header
    assert run([text], max_chars=200, policy="threshold")[0]["lang"] != "de"
    assert run([text], max_chars=200, vote=False)[0]["lang"] != "de"
    row = run([text], max_chars=200)[0]
    assert row["lang"] == "de"
    assert row["lang_mix"][0]["lang"] == "de"


def test_vote_off_has_no_mix_columns() -> None:
    assert set(run([ENGLISH], vote=False)[0]) == {
        "text", "lang", "lang_script", "lang_score", "lang_group_score",
    }  # fmt: skip


def test_batch_path_equals_per_line_fasttext_with_the_vote() -> None:
    texts: list[str | None] = [
        ENGLISH + "\n\n" + CHINESE,
        "\n".join([NAV, GERMAN, GERMAN]),
        BOKMAL + "\n" + BOKMAL,
        KERNEL_LOG,
        None,
        "",
        BOKMAL_TO_DANISH + "\n" + NYNORSK_TO_DANISH,
        DANISH,
    ]
    fast = FastTextLangId(LangIdConfig(max_chars=200), StageContext(name="lid"))
    assert fast.batch_predictor is not None
    slow = FastTextLangId(LangIdConfig(max_chars=200), StageContext(name="lid"))
    slow._batch, slow._batch_looked_up = None, True  # fastText reads every line itself
    batch = pa.record_batch({"text": pa.array(texts, pa.string())})
    a = fast.process(batch).batch.to_pylist()
    b = slow.process(batch).batch.to_pylist()
    for x, y in zip(a, b, strict=True):
        assert (x["lang"], x["lang_mixed"]) == (y["lang"], y["lang_mixed"])
        assert [m["lang"] for m in x["lang_mix"]] == [m["lang"] for m in y["lang_mix"]]
        assert x["lang_group_score"] == pytest.approx(y["lang_group_score"], abs=1e-4)


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"policy": "max"}, "policy must be one of threshold, groups"),
        ({"min_letter_share": 2}, "min_letter_share"),
        ({"mixed_share": -0.1}, "mixed_share"),
        ({"paragraph_bytes": 0}, "paragraph_bytes"),
        ({"vote_max_chars": 0}, "vote_max_chars"),
        ({"weights": {"nn": 0}}, "'nn'"),
        ({"groups": "no,da"}, "groups must be a list"),
        ({"cue_margin": 0}, "cue_margin must be >= 1"),
    ],
)
def test_bad_policy_options_are_rejected(options: dict[str, Any], match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        LangIdConfig(**options)


def test_columns_do_not_depend_on_how_documents_are_batched() -> None:
    """Same bytes whatever the batch (work unit) size: scores, mix and vote."""
    texts: list[str | None] = [
        ENGLISH + "\n\n" + CHINESE,
        "\n".join([NAV, GERMAN, GERMAN_2]),
        BOKMAL,
        KERNEL_LOG,
        None,
        GERMAN_2,
        ENGLISH,
    ] * 3
    stage = FastTextLangId(LangIdConfig(max_chars=200), StageContext(name="lid"))
    whole = stage.process(pa.record_batch({"text": pa.array(texts, pa.string())})).batch
    parts = [
        stage.process(pa.record_batch({"text": pa.array(texts[i : i + 4], pa.string())})).batch
        for i in range(0, len(texts), 4)
    ]
    assert pa.Table.from_batches(parts).equals(pa.Table.from_batches([whole]))
