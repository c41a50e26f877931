"""classifier_v1 / classifier_top_v1 with the shipped tiny model (no training needed)."""

from __future__ import annotations

import functools
import gzip
import json
import pickle
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from classify_env import CORPUS, DATA, TINY_MODEL, simulate

from dataprep.classify.metrics import evaluate
from dataprep.classify.model import Classifier
from dataprep.classify.stage import (
    REASON_LOW,
    REASON_TOP,
    REASON_UNSCORED,
    ClassifierConfig,
    ClassifierStage,
    ClassifierTopStage,
    TopConfig,
)
from dataprep.classify.text import Preprocessing, fasttext_line, preprocess
from dataprep.classify.top import keep_count
from dataprep.engine.driver import run_pipeline
from dataprep.errors import ConfigError
from dataprep.langid import backend
from dataprep.recipe.config import build_dataclass, load_recipe, parse_recipe
from dataprep.recipe.registry import get_stage
from dataprep.stages.base import StageContext

ROOT = Path(__file__).resolve().parents[2]


def read_jsonl_gz(path: Path) -> list[dict[str, Any]]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def make(**options: Any) -> ClassifierStage:
    options.setdefault("model_path", str(TINY_MODEL))
    cfg = build_dataclass(ClassifierConfig, options, "test")
    return ClassifierStage(cfg, StageContext(name="q"))


def process(stage: ClassifierStage, rows: list[dict[str, Any]]) -> tuple[list[dict], list[Any]]:
    out = stage.process(pa.RecordBatch.from_pylist(rows))
    return out.batch.to_pylist(), out.reason.to_pylist()


TEXTS = [
    "The old museum opened the new wing in the spring.\nVisitors came.",
    "BUY NOW!!! cheap cheap casino bonus http://win-12.example.com $9.99",
    "Das alte Museum wurde im Frühling eröffnet.",
    "x",
]


def test_registered_names() -> None:
    assert get_stage("classifier_v1") is ClassifierStage
    assert get_stage("classifier_top_v1") is ClassifierTopStage


def test_scores_match_fasttext_low_level_predict_on_the_same_preprocessing() -> None:
    stage = make(label_columns=True)
    rows, _ = process(stage, [{"text": t} for t in TEXTS])
    model = backend.load_model(TINY_MODEL)
    for row, text in zip(rows, TEXTS, strict=True):
        line = fasttext_line(preprocess(text, Preprocessing()))
        # fastText's probabilities can exceed 1 by ~1e-5; the stage clips them to [0, 1]
        expected = {raw: min(p, 1.0) for p, raw in model.f.predict(line, -1, 0.0, "replace")}
        assert row["q__score"] == pytest.approx(expected["__label__positive"], abs=1e-6)
        assert row["q__p_negative"] == pytest.approx(expected["__label__negative"], abs=1e-6)
        assert row["q__label"] == max(expected, key=expected.get).removeprefix("__label__")


def test_high_level_predict_agrees(high_level_predict: None) -> None:
    model = backend.load_model(TINY_MODEL)
    prepared = preprocess(TEXTS[1], Preprocessing())
    labels, probs = model.predict(prepared, k=-1)
    low = {raw: p for p, raw in model.f.predict(fasttext_line(prepared), -1, 0.0, "replace")}
    for label, p in zip(labels, probs, strict=True):
        assert float(p) == pytest.approx(low[label], abs=1e-6)


def test_card_supplies_preprocessing_and_positive_label_and_options_override_it() -> None:
    clf = Classifier(TINY_MODEL)
    assert clf.positive_label == "positive"
    assert clf.preprocessing == Preprocessing(lowercase=True, max_chars=2000)
    other = Classifier(TINY_MODEL, positive_label="__label__negative", max_chars=10)
    assert other.positive_label == "negative"
    assert other.preprocessing.max_chars == 10


def test_model_without_card_needs_a_positive_label(tmp_path: Path) -> None:
    bare = tmp_path / "external.ftz"
    shutil.copy(TINY_MODEL, bare)
    with pytest.raises(ConfigError, match=r"set positive_label.*negative, positive"):
        _ = Classifier(bare).positive_label
    with pytest.raises(ConfigError, match="'hq' is not one of"):
        _ = Classifier(bare, positive_label="hq").positive_label
    assert Classifier(bare, positive_label="positive").preprocessing == Preprocessing()


def test_threshold_reasons_unscored_and_annotate_only() -> None:
    rows = [{"text": TEXTS[0]}, {"text": TEXTS[1]}, {"text": " \n "}]
    out, reasons = process(make(min_score=0.5), rows)
    assert reasons == [None, REASON_LOW, None]
    assert out[2]["q__score"] is None and out[2]["q__label"] is None
    _, reasons = process(make(min_score=0.5, unscored="drop"), rows)
    assert reasons == [None, REASON_LOW, REASON_UNSCORED]
    _, reasons = process(make(), rows)
    assert reasons == [None, None, None]
    assert make(min_score=0.5).thresholds() == {"q__score": 0.5}
    assert make().thresholds() == {}


def test_per_language_models_and_thresholds(tmp_path: Path) -> None:
    de_model = tmp_path / "de.ftz"
    shutil.copy(TINY_MODEL, de_model)  # no card: its positive label comes from the option
    stage = make(
        model_path=None,
        models_per_lang={"deu": str(de_model), "en": str(TINY_MODEL)},
        positive_label="negative",
        min_score=0.5,
        min_score_per_lang={"de": 0.0},
    )
    rows = [
        {"text": TEXTS[0], "lang": "en"},
        {"text": TEXTS[2], "lang": "de"},
        {"text": TEXTS[0], "lang": "fr"},
        {"text": TEXTS[0], "lang": None},
    ]
    out, reasons = process(stage, rows)
    neg = Classifier(TINY_MODEL, positive_label="negative").probabilities(TEXTS[0])
    assert neg is not None
    assert out[0]["q__score"] == pytest.approx(neg["negative"], abs=1e-6)
    assert reasons[0] == REASON_LOW  # a good text has a low "negative" score
    assert reasons[1] is None  # threshold 0 for German
    assert out[2]["q__score"] is None and out[3]["q__score"] is None  # no model, no fallback
    assert stage.required_columns() == ("text", "lang")
    with pytest.raises(ConfigError, match="language column 'lang'"):
        process(stage, [{"text": "a"}])
    fallback = make(models_per_lang={"de": str(de_model)}, positive_label="positive")
    out, _ = process(fallback, [{"text": TEXTS[0], "lang": "fr"}])
    assert out[0]["q__score"] is not None


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"model_path": None}, "set model_path, models_per_lang, or both"),
        ({"model_path": "/nonexistent/q.bin"}, "classifier model file not found"),
        ({"min_score": 1.5}, "min_score"),
        ({"max_chars": -1}, "max_chars"),
        ({"unscored": "maybe"}, "unscored"),
    ],
)
def test_bad_options_fail_before_any_work(options: dict[str, Any], match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        make(**options)


def test_stage_pickles_without_the_model_and_reloads_lazily() -> None:
    stage = make(min_score=0.5)
    stage.setup()
    assert stage.scorer.fallback is not None and stage.scorer.fallback._labels is not None
    _ = stage.scorer.fallback.model  # the fastText model too (the per-document path)
    blob = pickle.dumps(stage)
    assert len(blob) < 10_000  # the ~150 KB model is not in it
    copy = pickle.loads(blob)
    assert copy.scorer.fallback._model is None
    rows = [{"text": t} for t in TEXTS]
    assert process(copy, rows)[0] == process(stage, rows)[0]


def test_model_is_loaded_once_per_process(monkeypatch: pytest.MonkeyPatch) -> None:
    backend.clear_model_cache()
    calls = Counter[str]()
    real = backend._load_cached.__wrapped__

    def counting(path: str) -> Any:
        calls[path] += 1
        return real(path)

    from dataprep.langid import fasttext_batch

    batch_calls = Counter[str]()
    real_batch = fasttext_batch._cached_predictor.__wrapped__

    def counting_batch(path: str) -> Any:
        batch_calls[path] += 1
        return real_batch(path)

    monkeypatch.setattr(backend, "_load_cached", backend.functools.lru_cache(maxsize=4)(counting))
    monkeypatch.setattr(
        fasttext_batch, "_cached_predictor", functools.lru_cache(maxsize=4)(counting_batch)
    )
    a, b = make(), make(min_score=0.2)
    for stage in (a, b):
        stage.setup()
        process(stage, [{"text": t} for t in TEXTS])
    assert list(batch_calls.values()) == [1]  # looked up once (no subwords: not used)
    assert list(calls.values()) == [1]  # fastText scores: no subwords, it is faster here


def test_tiny_model_held_out_f1() -> None:
    card = json.loads((DATA / "quality-tiny.ftz.json").read_text())
    assert card["metrics"]["positive"]["f1"] >= 0.9
    # re-score the shipped positives/negatives through the stage: F1 >= 0.9 on all of them
    stage = make()
    truth, pred = [], []
    for label in ("positive", "negative"):
        rows = read_jsonl_gz(DATA / "train" / label / "part-0.jsonl.gz")
        out, _ = process(stage, [{"text": r["text"]} for r in rows])
        truth += [label] * len(out)
        pred += [r["q__label"] for r in out]
    assert evaluate(truth, pred, ["negative", "positive"], "positive")["positive"]["f1"] >= 0.9


# -- classifier_top_v1 -------------------------------------------------------------


def make_top(**options: Any) -> ClassifierTopStage:
    options.setdefault("model_path", str(TINY_MODEL))
    cfg = build_dataclass(TopConfig, options, "test")
    return ClassifierTopStage(cfg, StageContext(name="top"))


@pytest.mark.parametrize("n_shards", [1, 3])
def test_top_fraction_keeps_exactly_the_share(tmp_path: Path, n_shards: int) -> None:
    rows = read_jsonl_gz(CORPUS / "part-0.jsonl.gz")[:200]
    shards = [rows[i::n_shards] for i in range(n_shards)]
    stage = make_top(fraction=0.1)
    result = simulate(stage, shards, tmp_path, batch_size=37)
    assert len(result.kept) == keep_count(0.1, 200) == 20
    reasons = Counter(result.reasons.values())
    assert reasons == {None: 20, REASON_TOP: 180}
    scores = {k: d["top__score"] for k, d in result.decisions.items()}
    kept_keys = {k for k, d in result.decisions.items() if d["reason"] is None}
    cutoff = min(scores[k] for k in kept_keys)
    assert all(scores[k] <= cutoff for k in scores if k not in kept_keys)
    assert stage.thresholds() == {"top__score": pytest.approx(cutoff)}
    assert stage.fit_summary()["groups"]["all"]["kept_by_score"] == 20


def test_top_fraction_within_groups_and_unscored(tmp_path: Path) -> None:
    rows = read_jsonl_gz(CORPUS / "part-0.jsonl.gz")[:300]
    rows += [{"id": "blank-1", "text": "  ", "domain": "general"}]
    stage = make_top(fraction=0.2, within="domain", unscored="drop")
    result = simulate(stage, [rows], tmp_path)
    by_domain = Counter(d["domain"] for d in rows if d["text"].strip())
    kept = Counter(d["domain"] for d in result.kept)
    assert kept == {k: keep_count(0.2, n) for k, n in by_domain.items()}
    assert result.reasons["blank-1"] == REASON_UNSCORED
    assert set(stage.thresholds()["top__score"]) == set(by_domain)


def test_top_stage_pickles_without_the_model() -> None:
    stage = make_top()
    stage.setup()
    copy = pickle.loads(pickle.dumps(stage))
    assert copy.scorer.fallback._model is None


# -- the shipped recipe, end to end --------------------------------------------------


def test_quality_classifier_recipe_end_to_end(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pipelines/quality-classifier.yaml as the README runs it, with the tiny model."""
    recipe_path = ROOT / "pipelines" / "quality-classifier.yaml"
    assert load_recipe(str(recipe_path)).stages  # validates without the model file
    (tmp_path / "models").mkdir()
    shutil.copy(TINY_MODEL, tmp_path / "models" / "quality.bin")
    shutil.copy(DATA / "quality-tiny.ftz.json", tmp_path / "models" / "quality.bin.json")
    monkeypatch.chdir(tmp_path)  # model_path models/quality.bin is relative to the cwd
    data = yaml.safe_load(recipe_path.read_text())
    recipe = parse_recipe(data, source=str(recipe_path))
    res = run_pipeline(recipe, [str(CORPUS)], tmp_path / "out", workers=1, progress=False)
    stats = json.loads((tmp_path / "out" / "stats.json").read_text())
    top = stats["global_stages"]["quality"]
    for group in top["groups"].values():
        assert group["kept_by_score"] == group["expected_kept"] == keep_count(0.1, group["scored"])
    mix = stats["global_stages"]["domain_mix"]["categories"]
    amounts = {k: v["amount_after"] for k, v in mix.items()}
    total = sum(amounts.values())
    weights = {"general": 0.50, "math": 0.25, "code": 0.17, "multilingual": 0.08}
    for k, w in weights.items():
        assert amounts[k] / total == pytest.approx(w, abs=0.06)  # whole documents
    kept = pq.read_table(tmp_path / "out" / "data").to_pylist()
    assert len(kept) == res.stats["domain_mix"].docs_kept
    assert all(r["quality__score"] is not None for r in kept)
    info = stats["stage_info"]["quality"]["thresholds"]["quality__score"]
    assert set(info) == set(weights)
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert "quality__score" in json.dumps(report)


def test_missing_model_is_a_one_line_config_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dataprep.cli import main

    monkeypatch.chdir(tmp_path)
    recipe = ROOT / "pipelines" / "quality-classifier.yaml"
    code = main(["run", str(recipe), "-i", str(CORPUS), "-o", "out", "-q", "--no-progress"])
    assert code == 2
    assert not (tmp_path / "out").exists()


def test_batch_scoring_equals_fasttext_per_document(monkeypatch: pytest.MonkeyPatch) -> None:
    """The batch predictor's scores equal fastText's per document (the reference, and the
    path for model files the batch reader leaves to fastText or where it does not pay:
    this word-bigram model has no character n-grams, so the batch path is forced here)."""
    import dataprep.classify.model as model_module
    from dataprep.langid.fasttext_batch import FastTextBatchPredictor
    from dataprep.langid.fasttext_file import read_fasttext_file

    forced = FastTextBatchPredictor(read_fasttext_file(TINY_MODEL))
    monkeypatch.setattr(model_module, "load_batch_predictor", lambda path: forced)

    texts: list[str | None] = [*TEXTS, None, "", "   "]
    for path in sorted(CORPUS.glob("*.jsonl.gz")):
        texts += [r["text"] for r in read_jsonl_gz(path)]
    clf = Classifier(TINY_MODEL)
    batch = clf.probabilities_batch(texts)
    for text, got in zip(texts, batch, strict=True):
        ref = clf.probabilities(text)
        assert (got is None) == (ref is None)
        if ref is not None and got is not None:
            assert got.keys() == ref.keys()
            for label, p in ref.items():
                assert got[label] == pytest.approx(p, abs=2e-5)
    monkeypatch.setattr(model_module, "load_batch_predictor", lambda path: None)
    fallback = Classifier(TINY_MODEL)
    assert fallback.labels == clf.labels
    assert fallback.probabilities_batch(texts) == [clf.probabilities(t) for t in texts]
