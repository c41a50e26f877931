"""fasttext_langid_v1: accuracy on a 19-language fixture, thresholds, allow/block lists."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from dataprep.errors import ConfigError
from dataprep.langid import backend
from dataprep.langid.stage import (
    REASON_BLOCKED,
    REASON_NOT_ALLOWED,
    REASON_UNDETERMINED,
    FastTextLangId,
    LangIdConfig,
)
from dataprep.stages.base import StageContext

FIXTURE = Path(__file__).parents[1] / "data" / "langid" / "fixture.jsonl"


def load_fixture() -> list[dict[str, Any]]:
    with FIXTURE.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def make(ctx: StageContext | None = None, **options: Any) -> FastTextLangId:
    stage = FastTextLangId(LangIdConfig(**options), ctx or StageContext(name="lid"))
    stage.setup()
    return stage


def run(stage: FastTextLangId, texts: list[str | None]) -> tuple[list[dict[str, Any]], list[Any]]:
    out = stage.process(pa.record_batch({"text": pa.array(texts, pa.string())}))
    return out.batch.to_pylist(), out.reason.to_pylist()


def test_fixture_covers_enough_languages() -> None:
    counts = Counter(r["lang"] for r in load_fixture())
    assert len(counts) >= 15
    assert min(counts.values()) >= 5


@pytest.mark.parametrize("max_chars", [None, 1000, 200])
def test_per_language_accuracy_on_fixture(max_chars: int | None) -> None:
    rows = load_fixture()
    stage = make(max_chars=max_chars)
    out, reasons = run(stage, [r["text"] for r in rows])
    assert reasons == [None] * len(rows)  # annotate only
    hits: Counter[str] = Counter()
    totals: Counter[str] = Counter()
    for row, pred in zip(rows, out, strict=True):
        totals[row["lang"]] += 1
        hits[row["lang"]] += pred["lang"] == row["lang"]
    per_lang = {lang: hits[lang] / totals[lang] for lang in totals}
    assert all(acc >= 5 / 6 for acc in per_lang.values()), per_lang
    assert sum(hits.values()) / sum(totals.values()) >= 0.97, per_lang


def test_output_columns_and_types() -> None:
    stage = make(top_k=3)
    batch = pa.record_batch({"id": [1, 2], "text": ["Guten Morgen, wie geht es Ihnen?", ""]})
    out = stage.process(batch)
    schema = out.batch.schema
    assert schema.names == [
        "id", "text", "lang", "lang_script", "lang_score", "lang_topk",
        "lang_group_score", "lang_mix", "lang_mixed",
    ]  # fmt: skip
    assert schema.field("lang_score").type == pa.float32()
    assert schema.field("lang_group_score").type == pa.float32()
    assert schema.field("lang_mixed").type == pa.bool_()
    rows = out.batch.to_pylist()
    assert rows[0]["lang"] == "de"
    assert rows[0]["lang_script"] is None  # lid.176 has no scripts
    assert len(rows[0]["lang_topk"]) == 3
    assert rows[0]["lang_topk"][0]["lang"] == "de"
    scores = [c["score"] for c in rows[0]["lang_topk"]]
    assert scores == sorted(scores, reverse=True)
    assert rows[0]["lang_mix"] == [{"lang": "de", "share": 1.0}]
    assert rows[0]["lang_mixed"] is False
    assert rows[1] | {"id": 2} == {
        "id": 2,
        "text": "",
        "lang": "und",
        "lang_script": None,
        "lang_score": 0.0,
        "lang_topk": [],
        "lang_group_score": 0.0,
        "lang_mix": [],
        "lang_mixed": False,
    }


def test_threshold_policy_keeps_the_old_columns() -> None:
    """policy: threshold is datatrove's rule with dataprep's original output."""
    stage = make(policy="threshold")
    out = stage.process(pa.record_batch({"text": ["Guten Morgen, wie geht es Ihnen?"]}))
    assert out.batch.schema.names == ["text", "lang", "lang_script", "lang_score"]
    assert stage.thresholds() == {"lang_score": 0.65}


def test_no_topk_column_by_default_and_custom_lang_column() -> None:
    stage = make(StageContext(name="lid", lang_column="language"))
    out = stage.process(pa.record_batch({"text": ["Bonjour tout le monde, ça va bien ?"]}))
    assert out.batch.schema.names == [
        "text", "language", "language_script", "language_score",
        "language_group_score", "language_mix", "language_mixed",
    ]  # fmt: skip
    assert stage.thresholds() == {"language_group_score": 0.65}


def test_existing_lang_column_is_replaced() -> None:
    stage = make()
    batch = pa.record_batch({"text": ["Dit is een Nederlandse zin over het weer."], "lang": ["xx"]})
    out = stage.process(batch)
    assert out.batch.schema.names[:4] == ["text", "lang", "lang_script", "lang_score"]
    assert out.batch.column("lang").to_pylist() == ["nl"]


def test_null_empty_and_blank_texts_are_und() -> None:
    out, reasons = run(make(), [None, "", "   \n\t "])
    assert [r["lang"] for r in out] == ["und"] * 3
    assert [r["lang_score"] for r in out] == [0.0] * 3
    assert reasons == [None] * 3


def test_newlines_do_not_hide_the_rest_of_the_text() -> None:
    # fastText reads one line: without newline collapsing it would see only "OK".
    text = "OK\n" + "Die Regierung hat am Montag neue Maßnahmen für den Klimaschutz vorgestellt."
    out, _ = run(make(), [text])
    assert out[0]["lang"] == "de"


def test_min_score_gives_und_but_keeps_the_score() -> None:
    text = "Hello"
    low, _ = run(make(min_score=0.0), [text])
    score = low[0]["lang_score"]
    assert 0.0 < score < 0.999
    high, _ = run(make(min_score=0.999), [text])
    assert high[0]["lang"] == "und"
    assert high[0]["lang_score"] == pytest.approx(score)


def test_min_score_per_lang_overrides_default() -> None:
    text = "Das Wetter ist heute schön und warm."
    strict, _ = run(make(min_score_per_lang={"deu": 0.9999999}), [text])
    assert strict[0]["lang"] == "und"  # key "deu" normalized to "de"
    other, _ = run(make(min_score_per_lang={"fr": 0.9999999}), [text])
    assert other[0]["lang"] == "de"


TEXTS = {
    "de": "Die Katze schläft auf dem Sofa, während draußen der Regen fällt.",
    "fr": "Le chat dort sur le canapé pendant que la pluie tombe dehors.",
    "ja": "猫は外で雨が降っている間、ソファの上で寝ています。",
    "und": "",
}


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({}, {"de": None, "fr": None, "ja": None, "und": None}),
        (
            {"allow": ["de", "fra"]},
            {"de": None, "fr": None, "ja": REASON_NOT_ALLOWED, "und": REASON_UNDETERMINED},
        ),
        ({"allow": ["de", "und"]}, {"de": None, "fr": REASON_NOT_ALLOWED, "und": None}),
        ({"block": ["jpn"]}, {"de": None, "fr": None, "ja": REASON_BLOCKED, "und": None}),
        ({"block": ["und"]}, {"de": None, "und": REASON_BLOCKED}),
        ({"drop_und": True}, {"de": None, "ja": None, "und": REASON_UNDETERMINED}),
        ({"allow": ["de"], "block": ["ja"]}, {"fr": REASON_NOT_ALLOWED, "ja": REASON_BLOCKED}),
    ],
)
def test_allow_block_reasons(options: dict[str, Any], expected: dict[str, str | None]) -> None:
    stage = make(**options)
    out, reasons = run(stage, [TEXTS[k] for k in expected])
    assert [r["lang"] for r in out] == list(expected)
    assert reasons == list(expected.values())


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"allow": ["de"], "block": ["deu"]}, "both allowed and blocked: de"),
        ({"allow": "de"}, "list of language codes"),
        ({"min_score": 1.5}, r"\[0, 1\]"),
        ({"min_score_per_lang": {"de": -0.1}}, "'de'"),
        ({"top_k": -1}, "top_k"),
        ({"max_chars": 0}, "max_chars"),
        ({"model_path": "/nonexistent/lid.bin"}, "/nonexistent/lid.bin"),
    ],
)
def test_bad_config_is_rejected(options: dict[str, Any], match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        FastTextLangId(LangIdConfig(**options), StageContext(name="lid"))


def test_model_loads_once_per_process(monkeypatch: pytest.MonkeyPatch) -> None:
    import fasttext

    calls: list[str] = []
    real = fasttext.load_model

    def counting(path: str) -> Any:
        calls.append(path)
        return real(path)

    backend.clear_model_cache()
    monkeypatch.setattr(fasttext, "load_model", counting)
    try:
        first = make()
        second = make(StageContext(name="lid2"), min_score=0.5, top_k=2)
        run(first, ["Hola, ¿cómo estás?"])
        run(second, ["Olá, como vai você?"])
        assert first.model is second.model
        assert len(calls) == 1
    finally:
        backend.clear_model_cache()


def test_user_supplied_model_path(tmp_path: Path) -> None:
    copy = tmp_path / "my-lid.ftz"
    copy.write_bytes(backend.default_model_path().read_bytes())
    out, _ = run(
        make(model_path=str(copy)),
        ["Jag brukar cykla till jobbet varje morgon när vädret är fint."],
    )
    assert out[0]["lang"] == "sv"
    backend.clear_model_cache()


def test_registered_name() -> None:
    from dataprep.recipe import registry

    assert FastTextLangId.registered_name == "fasttext_langid_v1"
    assert registry.get("fasttext_langid_v1") is FastTextLangId


def test_stage_pickles_without_its_model() -> None:
    import pickle

    stage = make()
    clone = pickle.loads(pickle.dumps(stage))
    assert clone._model is None
    out, _ = run(clone, ["Dit is een Nederlandse zin over het weer van vandaag."])
    assert out[0]["lang"] == "nl"


@pytest.mark.parametrize("options", [{}, {"max_chars": None, "top_k": 3}, {"min_score": 0.9}])
def test_batch_path_equals_per_document_fastText(options: dict[str, Any]) -> None:
    """process() predicts a batch at once; predict() is the per-document reference."""
    texts: list[str | None] = [d["text"] for d in load_fixture()]
    texts += [None, "", "   ", "\u3000", "</s> x", "__label__en", "mixed Text und Wörter 日本"]
    fast = make(**options)
    assert fast.batch_predictor is not None
    slow = make(**options)
    slow._batch, slow._batch_looked_up = None, True  # as for a file only fastText reads
    got_fast, reasons_fast = run(fast, texts)
    got_slow, reasons_slow = run(slow, texts)
    assert reasons_fast == reasons_slow
    for a, b in zip(got_fast, got_slow, strict=True):
        assert a["lang"] == b["lang"] and a["lang_script"] == b["lang_script"]
        assert a["lang_score"] == pytest.approx(b["lang_score"], abs=2e-5)
        pairs = zip(a.get("lang_topk") or [], b.get("lang_topk") or [], strict=True)
        for i, (x, y) in enumerate(pairs):
            assert x["score"] == pytest.approx(y["score"], abs=2e-5)
            scores = [c["score"] for c in b["lang_topk"]]
            near_tie = any(abs(scores[i] - s) < 1e-4 for j, s in enumerate(scores) if j != i)
            assert x["lang"] == y["lang"] or near_tie
