"""The CLI, run in-process: one-line errors, exit codes, no partial output."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import one_line_error

from corpus_helpers import write_shard
from dataprep.cli import main


def test_run_then_stats(
    corpus: Path, recipe_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    code = main(
        ["run", str(recipe_file), "-i", str(corpus), "-o", str(out), "-j", "1", "--no-progress"]
    )
    assert code == 0
    printed = capsys.readouterr().out
    assert "toy_min_words_v0" in printed and "toy_exact_dedup_v0" in printed
    assert (out / "stats.json").is_file() and (out / "data").is_dir()
    assert main(["stats", str(out)]) == 0
    assert "toy_exact_dedup_v0" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("recipe_text", "message"),
    [
        ("stages:\n  - stage: toy_min_words_v0\n    min_wrds: 2\n", "did you mean 'min_words'"),
        ("stages:\n  - stage: no_such_stage_v1\n", "unknown stage 'no_such_stage_v1'"),
        ("stages: [\n", "bad.yaml"),
        ("run: {workers: many}\n", "run.workers: expected int"),
    ],
)
def test_bad_recipe_is_one_line_exit_2(
    corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], recipe_text: str, message: str
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(recipe_text)
    out = tmp_path / "out"
    assert main(["run", str(bad), "-i", str(corpus), "-o", str(out), "--no-progress"]) == 2
    assert message in one_line_error(capsys)
    assert not out.exists()


def test_missing_text_column_is_one_line_exit_3(
    tmp_path: Path, recipe_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_shard(tmp_path / "in" / "a.parquet", [{"body": "x"}])
    out = tmp_path / "out"
    assert (
        main(["run", str(recipe_file), "-i", str(tmp_path / "in"), "-o", str(out), "--no-progress"])
        == 3
    )
    line = one_line_error(capsys)
    assert "a.parquet" in line and "no text column 'text'" in line
    assert not out.exists()


def test_corrupt_shard_is_one_line_exit_3(
    corpus: Path, tmp_path: Path, recipe_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (corpus / "zz.parquet").write_bytes(b"PAR1 this is not parquet")
    out = tmp_path / "out"
    assert main(["run", str(recipe_file), "-i", str(corpus), "-o", str(out), "--no-progress"]) == 3
    assert "zz.parquet" in one_line_error(capsys)
    assert not out.exists()


def test_bad_record_mid_file_names_the_line_and_leaves_no_output(
    tmp_path: Path, recipe_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "in" / "a.jsonl"
    path.parent.mkdir()
    good = b'{"text": "some words here"}\n'
    path.write_bytes(good * 50 + b'{"text": "bad \xc3\x28 byte"}\n' + good * 50)
    out = tmp_path / "out"
    assert (
        main(
            [
                "run",
                str(recipe_file),
                "-i",
                str(path.parent),
                "-o",
                str(out),
                "-j",
                "1",
                "--no-progress",
            ]
        )
        == 3
    )
    assert "a.jsonl:51: invalid UTF-8" in one_line_error(capsys)
    assert not out.exists()


def test_non_empty_output_is_refused_exit_4(
    corpus: Path, tmp_path: Path, recipe_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    assert main(["run", str(recipe_file), "-i", str(corpus), "-o", str(out), "--no-progress"]) == 4
    assert "--overwrite" in one_line_error(capsys)
    assert (out / "keep.txt").read_text() == "mine"


def test_debug_shows_the_traceback(
    corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("stagse: []\n")
    assert main(["--debug", "run", str(bad), "-i", str(corpus), "-o", str(tmp_path / "o")]) == 2
    assert "Traceback" in capsys.readouterr().err
