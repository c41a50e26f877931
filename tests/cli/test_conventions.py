"""Command-line conventions a data engineer expects, run in-process."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from cli_helpers import one_line_error

from dataprep import __version__
from dataprep.cli import main
from dataprep.sample_data import sample_path


def run_exit(argv: list[str]) -> int:
    """The exit status of ``main(argv)``, whether it returns or argparse exits."""
    try:
        return main(argv)
    except SystemExit as e:
        return int(e.code or 0)


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_exit(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"dataprep {__version__}"


def test_a_mistyped_verb_gets_a_suggestion_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_exit(["rnu"]) == 2
    assert "did you mean 'run'?" in capsys.readouterr().err


def test_an_unknown_option_is_reported_by_its_verb_with_a_suggestion(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert run_exit(["run", "multilingual", "-o", "x", "--workerz", "2"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: dataprep run ")
    assert "unrecognized arguments: --workerz 2; did you mean '--workers'?" in err


@pytest.mark.parametrize("where", ["before", "after"])
def test_global_flags_work_before_and_after_the_verb(
    where: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    verb = ["run", str(tmp_path / "missing.yaml"), "-o", str(tmp_path / "o")]
    argv = ["--debug", *verb] if where == "before" else [*verb, "--debug"]
    assert main(argv) == 2
    assert "Traceback" in capsys.readouterr().err
    assert main(["-q", "stages"] if where == "before" else ["stages", "-q"]) == 0


def test_input_takes_several_values_and_globs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = sample_path()
    files = sorted(str(p) for p in corpus.iterdir() if p.name.startswith("shard-"))
    out1, out2 = tmp_path / "a", tmp_path / "b"
    common = ["-j", "1", "--no-progress", "-q"]
    assert main(["run", "dedup", "-o", str(out1), "-i", *files[:2], "-i", files[2], *common]) == 0
    assert main(["run", "dedup", "-o", str(out2), "-i", f"{corpus}/shard-00[0-2]*", *common]) == 0
    one = json.loads((out1 / "stats.json").read_text())
    two = json.loads((out2 / "stats.json").read_text())
    assert one["docs_read"] == two["docs_read"] > 0
    assert len(one["input_files"]) == 3


def _recipe_of(out: Path) -> dict:
    return json.loads((out / "run.json").read_text())["recipe"]


def test_set_changes_a_stage_option_and_is_recorded(tmp_path: Path) -> None:
    out = tmp_path / "o"
    argv = ["run", "multilingual", "-o", str(out), "-j", "1", "--no-progress", "-q"]
    argv += ["--set", "stages.gopher_quality_v1.min_words=30", "--set", "run.batch_size=64"]
    assert main(argv) == 0
    recipe = _recipe_of(out)
    stage = next(s for s in recipe["stages"] if s["name"] == "gopher_quality_v1")
    assert stage["options"]["min_words"] == 30
    assert recipe["run"]["batch_size"] == 64


@pytest.mark.parametrize(
    ("assignment", "message"),
    [
        ("stages.gopher_qualty_v1.min_words=30", "did you mean 'gopher_quality_v1'?"),
        ("stages.gopher_quality_v1.min_wrds=30", "did you mean 'min_words'?"),
        ("stages.gopher_quality_v1.min_words=many", "min_words: expected int"),
        ("run.workerz=2", "did you mean 'workers'?"),
        ("run.workers=-1", "workers must be 0 (all cores) or more"),
        ("min_words", "--set expects DOTTED.KEY=VALUE"),
    ],
)
def test_set_is_validated_like_the_yaml(
    assignment: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["run", "multilingual", "-o", str(tmp_path / "o"), "--set", assignment, "--no-progress"]
    assert main(argv) == 2
    assert message in one_line_error(capsys)
    assert not (tmp_path / "o").exists()


def test_text_and_id_columns_on_the_command_line(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    inp = tmp_path / "in"
    inp.mkdir()
    body = "A plain sentence about the weather in the mountains this week. " * 3
    pq.write_table(pa.table({"body": [body, body, "other " + body], "key": ["a", "b", "c"]}),
                   inp / "x.parquet")  # fmt: skip
    out = tmp_path / "o"
    argv = ["run", "dedup", "-i", str(inp), "-o", str(out), "--text-column", "body"]
    assert main([*argv, "--id-column", "key", "-j", "1", "--no-progress", "-q"]) == 0
    assert _recipe_of(out)["input"] == {**_recipe_of(out)["input"], "text_column": "body",
                                        "id_column": "key"}  # fmt: skip
    stats = json.loads((out / "stats.json").read_text())
    assert stats["stages"]["exact_dedup_v1"]["docs_removed"] == 1


def test_recipe_extends_a_shipped_recipe(tmp_path: Path) -> None:
    child = tmp_path / "mine.yaml"
    child.write_text(
        "extends: multilingual\nname: mine\nrun: {batch_size: 100}\n"
        "stages:\n  - stage: gopher_quality_v1\n    min_words: 30\n"
        "  - stage: fineweb_v1\n    remove: true\n"
        "  - stage: length_v1\n"
    )
    from dataprep.recipe.config import load_recipe

    base, mine = load_recipe("multilingual"), load_recipe(str(child))
    assert mine.name == "mine"
    assert mine.run.batch_size == 100 and mine.run.seed == base.run.seed
    names = [s.name for s in mine.stages]
    assert names == [*(n for n in (s.name for s in base.stages) if n != "fineweb_v1"),
                     "length_v1"]  # fmt: skip
    gopher = next(s for s in mine.stages if s.name == "gopher_quality_v1")
    assert gopher.options["min_words"] == 30
    assert mine.input == base.input


def test_extends_a_relative_path_and_refuses_cycles(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "base.yaml").write_text("name: base\nstages: [length_v1]\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "child.yaml").write_text("extends: ../base.yaml\nrun: {seed: 3}\n")
    from dataprep.recipe.config import load_recipe

    r = load_recipe(str(tmp_path / "sub" / "child.yaml"))
    assert (r.name, r.run.seed, [s.name for s in r.stages]) == ("base", 3, ["length_v1"])
    (tmp_path / "a.yaml").write_text("extends: b.yaml\n")
    (tmp_path / "b.yaml").write_text("extends: a.yaml\n")
    assert main(["run", str(tmp_path / "a.yaml"), "-o", str(tmp_path / "o")]) == 2
    assert "makes a cycle" in one_line_error(capsys)


def test_an_extended_recipe_with_a_typo_fails_like_a_plain_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "c.yaml").write_text("extends: multilingual\nrun: {bacth_size: 3}\n")
    assert main(["run", str(tmp_path / "c.yaml"), "-o", str(tmp_path / "o")]) == 2
    assert "did you mean 'batch_size'?" in one_line_error(capsys)


@pytest.mark.parametrize("verb", ["stages", "recipes"])
def test_json_listings(verb: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([verb, "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert isinstance(doc, list) and doc
    if verb == "stages":
        gopher = next(d for d in doc if d["stage"] == "gopher_quality_v1")
        min_words = next(o for o in gopher["options"] if o["name"] == "min_words")
        assert min_words == {"name": "min_words", "type": "int | None", "default": "50",
                             "help": min_words["help"]}  # fmt: skip
        assert "word_count" in min_words["help"]
    else:
        web = next(d for d in doc if d["recipe"] == "multilingual")
        assert {"name": "gopher_quality_v1", "stage": "gopher_quality_v1"} in web["stages"]


def test_stats_json(finished_run: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["stats", str(finished_run), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["stages"]["input"]["docs_in"] > 0


def test_stages_verbose_shows_types_defaults_descriptions_without_markup(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["stages", "-v"]) == 0
    out = capsys.readouterr().out
    assert "    min_words: int | None = 50" in out
    assert "    lang_overrides: Mapping[str, Mapping[str, float | None]] = {}" in out
    assert "…" not in out.replace("…\n", "\n")  # only long descriptions end with …
    assert "``" not in out and ":class:`" not in out
    assert "Temperature exponent" in out


def test_train_classifier_help_is_written_for_users(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_exit(["train-classifier", "--help"]) == 0
    out = capsys.readouterr().out
    assert "add_commands" not in out and "POSITIVE_LABEL_GIVEN" not in out
    assert "--positive-label LABEL" in out and 'pip install -e ".[train]"' in out


def test_help_lists_the_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_exit(["--help"]) == 0
    out = capsys.readouterr().out
    for code in ("0 ", "1 ", "2 ", "3 ", "4 ", "5 ", "6 ", "130"):
        assert f"\n  {code}" in out


def test_inspect_suggests_stages_reasons_and_languages(
    finished_run: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cases = [
        (["--stage", "gopher_qualty_v1"], "did you mean 'gopher_quality_v1'?"),
        (["--reason", "word_count_lo"], "did you mean 'gopher_quality:word_count_low'?"),
        (["--lang", "jp"], "did you mean 'ja'?"),
    ]
    for extra, message in cases:
        assert main(["inspect", str(finished_run), *extra]) == 2
        line = one_line_error(capsys)
        assert message in line
    assert main(["inspect", str(finished_run), "--reason", "word_count_lo"]) == 2
    assert "reasons: " in one_line_error(capsys)


def test_inspect_with_no_match_is_not_an_error(
    finished_run: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["inspect", str(finished_run), "--stage", "fineweb_v1", "--lang", "de"]
    assert main(argv) == 0
    assert "no removed documents match" in capsys.readouterr().err


def test_redecide_suggests_a_stage(finished_run: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["redecide", str(finished_run), "--stage", "gopher_qualty_v1", "--set", "min_words=3"]
    assert main(argv) == 2
    assert "did you mean 'gopher_quality_v1'?" in one_line_error(capsys)


def test_the_overrides_module_reads_yaml_values() -> None:
    from dataprep.recipe.overrides import apply_overrides

    data = yaml.safe_load("stages: [length_v1, {stage: c4_v1, name: c4}]")
    out = apply_overrides(data, ["stages.0.min_words=3", "stages.c4.lang_overrides.de.x=null",
                                 "output.compression=gzip"])  # fmt: skip
    assert out["stages"][0] == {"stage": "length_v1", "min_words": 3}
    assert out["stages"][1]["lang_overrides"] == {"de": {"x": None}}
    assert out["output"] == {"compression": "gzip"}
    assert data["stages"][0] == "length_v1"  # the input is not changed
