"""The stage contract is declared once per class and checked, for every registered stage.

A stage says its kind (by subclassing BatchStage or GlobalStage), its typed config
(``BatchStage[XConfig]``) and whether it rewrites text; the registry refuses a class
that breaks this, and the table below runs every registered batch stage on sample
text to catch a stage that changes the text while declaring ``rewrites_text=False``
(C4 did until the flag was derived from ``filters.Rewriter``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from dataprep.errors import ConfigError
from dataprep.output.columns import LANG_COLUMN
from dataprep.recipe import registry
from dataprep.recipe.config import parse_recipe
from dataprep.recipe.registry import StageRegistry
from dataprep.stages.base import BatchStage, GlobalStage, StageConfig, StageContext, StageOutput
from dataprep.stages.build import make_stages

TESTS = Path(__file__).resolve().parents[1]

SAMPLE = [
    "The committee met on Tuesday to discuss the new budget for the city library.\n"
    "Members agreed that the reading room needs better lighting and more chairs.\n"
    "Please enable JavaScript to view this page.\n"
    "Lorem ipsum dolor sit amet.\nok\n"
    "The final vote is planned for next month, after a public hearing.",
    "Der Ausschuss hat am Dienstag über den neuen Haushalt der Stadtbibliothek beraten.\n"
    "Die Mitglieder waren sich einig, dass der Lesesaal mehr Licht braucht.",
    "function() { return 1; }\nshort\nCookie policy: we use cookies.\n" * 3,
    "badword " * 40,
    "",
]
LANGS = ["en", "de", "en", "en", None]


def _options(tmp_path: Path) -> dict[str, dict[str, Any]]:
    """Options for the stages that cannot run with their defaults."""
    evals = tmp_path / "eval.jsonl"
    evals.write_text('{"q": "' + SAMPLE[1].splitlines()[0] + '"}\n', encoding="utf-8")
    return {
        "classifier_v1": {"model_path": str(TESTS / "data" / "classify" / "quality-tiny.ftz")},
        "decontaminate_v1": {"eval_sets": {"qa": str(evals)}, "ngram": 5},
        "dirty_words_v1": {
            "blocklists": {"*": str(TESTS / "cleaning" / "data" / "blocklist_test.txt")}
        },
    }


def _batch() -> pa.RecordBatch:
    return pa.record_batch(
        {
            "id": [f"d{i}" for i in range(len(SAMPLE))],
            "text": pa.array(SAMPLE, pa.large_string()),
            "url": [f"https://example.com/{i}" for i in range(len(SAMPLE))],
            LANG_COLUMN: LANGS,
        }
    )


def _run(name: str, options: dict[str, Any]) -> StageOutput:
    cls = registry.get(name)
    stage = cls(cls.Config(**options), StageContext(name=name))
    stage.setup()
    out = stage.process(_batch())
    assert isinstance(out, StageOutput)
    return out


def _non_rewriting_batch_stages() -> list[str]:
    return [r.name for r in registry.items() if r.cls.kind == "batch" and not r.cls.rewrites_text]


@pytest.mark.parametrize("name", _non_rewriting_batch_stages())
def test_a_batch_stage_that_changes_text_declares_rewrites_text(name: str, tmp_path: Path) -> None:
    # A new stage that cannot run on the sample with its defaults fails here: give it
    # options in _options rather than leaving it unchecked.
    options = _options(tmp_path).get(name, {})
    if name == "tokens_v1":
        from tokens.tiny_tokenizer import train_tiny_tokenizer

        options = {"tokenizer": str(train_tiny_tokenizer(tmp_path / "tokenizer.json"))}
    out = _run(name, options)
    assert out.batch.column("text").to_pylist() == SAMPLE, (
        f"{name} changed the text but declares rewrites_text = False"
    )


def test_the_sample_text_is_rewritten_by_c4_so_the_check_above_can_fail() -> None:
    assert registry.get("c4_v1").rewrites_text is True
    out = _run("c4_v1", {})
    assert out.batch.column("text").to_pylist() != SAMPLE


@pytest.mark.parametrize("entry", registry.items(), ids=lambda e: e.name)
def test_every_registered_stage_declares_kind_and_a_frozen_config(
    entry: registry.Registered,
) -> None:
    cls = entry.cls
    assert cls.kind == ("global" if issubclass(cls, GlobalStage) else "batch")
    assert issubclass(cls, BatchStage) != issubclass(cls, GlobalStage)
    assert dataclasses.is_dataclass(cls.Config) and cls.Config is not StageConfig
    assert cls.Config.__dataclass_params__.frozen  # type: ignore[attr-defined]
    assert cls.registered_name == entry.name


@dataclass(frozen=True, kw_only=True)
class _Opts(StageConfig):
    n: int = 1


def test_the_config_class_comes_from_the_type_argument() -> None:
    class Typed(BatchStage[_Opts]):
        def process(self, batch: pa.RecordBatch) -> StageOutput:
            return StageOutput(batch, pa.nulls(batch.num_rows, pa.string()))

    assert Typed.Config is _Opts
    assert Typed.kind == "batch"
    assert StageRegistry("none").register("typed_v1")(Typed) is Typed


def test_a_stage_without_a_config_fails_at_registration() -> None:
    class NoConfig(BatchStage):  # type: ignore[type-arg]
        def process(self, batch: pa.RecordBatch) -> StageOutput:
            return StageOutput(batch, pa.nulls(batch.num_rows, pa.string()))

    with pytest.raises(TypeError, match=r"NoConfig declares no config: subclass BatchStage\["):
        StageRegistry("none").register("no_config_v1")(NoConfig)


def test_kind_cannot_be_declared_against_the_base() -> None:
    with pytest.raises(TypeError, match="kind is set by subclassing"):

        class Liar(GlobalStage[_Opts]):
            kind = "batch"


def test_a_global_stage_that_rewrites_must_say_so() -> None:
    class Sneaky(GlobalStage[_Opts]):
        def observe(self, batch: pa.RecordBatch) -> pa.RecordBatch:
            return batch

        def fit(self, observations: Sequence[Path], workdir: Path) -> Iterator[pa.RecordBatch]:
            yield from ()

        def rewrite(self, batch: pa.RecordBatch) -> pa.RecordBatch:
            return batch

    with pytest.raises(TypeError, match=r"overrides rewrite\(\) but declares rewrites_text"):
        StageRegistry("none").register("sneaky_v1")(Sneaky)


def test_a_stage_given_another_stages_config_is_a_config_error() -> None:
    cls = registry.get("toy_min_words_v0")
    with pytest.raises(
        ConfigError, match=r"stage s: ToyMinWords needs a MinWordsConfig, got _Opts"
    ):
        cls(_Opts(), StageContext(name="s"))


def test_global_stages_share_the_fit_summary_store() -> None:
    cls = registry.get("url_dedup_v1")
    stage = cls(cls.Config(), StageContext(name="u"))
    assert stage.fit_summary() == {}


def test_built_stages_read_the_language_from_the_shared_column_name() -> None:
    recipe = parse_recipe({"stages": ["toy_min_words_v0", "toy_exact_dedup_v0"]})
    assert [s.ctx.lang_column for s in make_stages(recipe)] == [LANG_COLUMN, LANG_COLUMN]


@pytest.mark.parametrize(
    ("stage", "options", "message"),
    [
        ("minhash_dedup_v1", {"threshold": 2}, r"threshold must be in \(0, 1\), got 2"),
        ("line_dedup_apply_v1", {"source": ""}, r"source must name the line_dedup_v1 stage"),
        ("classifier_v1", {}, r"set model_path, models_per_lang, or both"),
        (
            "quality_stack_v1",
            {"filters": ["gopher_qualty_v1"]},
            r"unknown filter 'gopher_qualty_v1'",
        ),
    ],
)
def test_a_bad_stage_option_is_one_config_error_naming_stage_and_key(
    stage: str, options: dict[str, Any], message: str
) -> None:
    with pytest.raises(ConfigError, match=rf"^stages\[0\] \({stage}\): {message}") as e:
        parse_recipe({"stages": [{"stage": stage, **options}]})
    assert "\n" not in str(e.value)
