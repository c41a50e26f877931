"""The CLI's error boundary: whatever goes wrong, the user sees one line and an exit
code they can act on; a traceback only with ``--debug``."""

from __future__ import annotations

import errno
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

import dataprep.engine.driver
from corpus_helpers import make_docs, write_shard
from dataprep.cli import main
from dataprep.stages.removed import REMOVED_COLUMNS, make_room, with_removal_columns

TOY = "stages:\n  - stage: toy_min_words_v0\n    min_words: 2\n"


def _run(recipe: Path, corpus: Path, out: Path, *extra: str) -> int:
    argv = ["run", str(recipe), "-i", str(corpus), "-o", str(out), "-j", "1", "--no-progress"]
    return main([*extra, *argv])


def _recipe(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "recipe.yaml"
    path.write_text(text)
    return path


def _one_line(capsys: pytest.CaptureFixture[str], prefix: str = "dataprep: error:") -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert not any("Traceback" in line for line in err), err
    lines = [line for line in err if line.startswith(prefix)]
    assert len(lines) == 1, err
    return lines[0]


def _raising(exc: BaseException) -> Any:
    def run_pipeline(*args: Any, **kwargs: Any) -> Any:
        raise exc

    return run_pipeline


# -- unexpected exceptions ---------------------------------------------------------------


def test_unexpected_exception_is_one_line_internal_error_exit_1(
    corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: Any
) -> None:
    monkeypatch.setattr(
        dataprep.engine.driver, "run_pipeline", _raising(ZeroDivisionError("first\nsecond"))
    )
    assert _run(_recipe(tmp_path, TOY), corpus, tmp_path / "out") == 1
    line = _one_line(capsys, "dataprep: internal error:")
    assert "ZeroDivisionError" in line and "first" in line and "second" not in line
    assert "--debug" in line


def test_unexpected_exception_with_debug_shows_the_traceback(
    corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: Any
) -> None:
    monkeypatch.setattr(dataprep.engine.driver, "run_pipeline", _raising(RuntimeError("boom")))
    assert _run(_recipe(tmp_path, TOY), corpus, tmp_path / "out", "--debug") == 1
    assert "Traceback" in capsys.readouterr().err


# -- operating-system errors that escaped the library ------------------------------------


@pytest.mark.parametrize(
    "make_error",
    [
        lambda out: OSError(errno.ENOSPC, "No space left on device", str(out / "data" / "p")),
        # pyarrow's I/O errors carry the errno only in their message
        lambda out: OSError("Error writing bytes to file. Detail: [errno 28] No space left"),
    ],
    ids=["python", "pyarrow"],
)
def test_disk_full_is_one_line_exit_4(
    corpus: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: Any,
    make_error: Any,
) -> None:
    out = tmp_path / "out"
    monkeypatch.setattr(dataprep.engine.driver, "run_pipeline", _raising(make_error(out)))
    assert _run(_recipe(tmp_path, TOY), corpus, out) == 4
    line = _one_line(capsys)
    assert "disk full" in line and "--resume" in line


@pytest.mark.parametrize("code", [errno.EACCES, errno.EROFS])
def test_output_not_writable_is_one_line_exit_4_naming_the_path(
    corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: Any, code: int
) -> None:
    out = tmp_path / "out"
    target = out / "data" / "part-0000.parquet"
    error = OSError(code, "denied", str(target))
    monkeypatch.setattr(dataprep.engine.driver, "run_pipeline", _raising(error))
    assert _run(_recipe(tmp_path, TOY), corpus, out) == 4
    assert str(target) in _one_line(capsys)


# -- recipe mistakes found before any work ------------------------------------------------


@pytest.mark.parametrize(
    ("codec", "message"),
    [
        ("bogus", "valid: none, snappy, gzip, brotli, lz4, zstd"),
        ("zstdd", "did you mean 'zstd'"),
    ],
)
def test_unknown_compression_is_one_line_exit_2(
    corpus: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    codec: str,
    message: str,
) -> None:
    out = tmp_path / "out"
    recipe = _recipe(tmp_path, f"output: {{compression: {codec}}}\n{TOY}")
    assert _run(recipe, corpus, out) == 2
    line = _one_line(capsys)
    assert "compression" in line and message in line
    assert not out.exists()


@pytest.mark.parametrize("codec", ["none", "snappy"])
def test_codecs_without_levels_run_with_the_default_level(
    corpus: Path, tmp_path: Path, codec: str
) -> None:
    recipe = _recipe(tmp_path, f"output: {{compression: {codec}}}\n{TOY}")
    assert _run(recipe, corpus, tmp_path / "out") == 0


def test_compression_level_out_of_range_is_one_line_exit_2(
    corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    recipe = _recipe(tmp_path, f"output: {{compression: gzip, compression_level: 99}}\n{TOY}")
    assert _run(recipe, corpus, tmp_path / "out") == 2
    assert "compression_level 99" in _one_line(capsys)


def _blocklist_recipe(stage: str, path: Path) -> str:
    option = {
        "dirty_words_v1": f"blocklists: {{'*': '{path}'}}",
        "blocklist_v1": f"word_files: {{'*': '{path}'}}",
        "blocklist_v1 urls": f"url_files: ['{path}']",
    }[stage]
    return f"stages:\n  - stage: {stage.split()[0]}\n    {option}\n"


@pytest.mark.parametrize("stage", ["dirty_words_v1", "blocklist_v1", "blocklist_v1 urls"])
@pytest.mark.parametrize("kind", ["missing", "directory"])
def test_unreadable_blocklist_is_one_line_exit_2_before_any_work(
    corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], stage: str, kind: str
) -> None:
    path = tmp_path / "lists" / "en.txt"
    if kind == "directory":
        path.mkdir(parents=True)
    out = tmp_path / "out"
    assert _run(_recipe(tmp_path, _blocklist_recipe(stage, path)), corpus, out) == 2
    line = _one_line(capsys)
    option = {"dirty_words_v1": "blocklists", "blocklist_v1": "word_files"}.get(stage, "url_files")
    assert option in line and str(path) in line
    assert not out.exists()


# -- input columns named like dataprep's own ----------------------------------------------


def test_removal_columns_keep_colliding_input_columns_under_input_names() -> None:
    batch = pa.record_batch(
        {
            "text": ["a", "b"],
            "stage": ["crawl", "crawl"],
            "reason": ["ok", "spam"],
            "input_stage": [1, 2],
        }
    )
    out = with_removal_columns(batch, "gopher_quality_v1", pa.array(["short", "long"]))
    assert out.schema.names == [
        "text",
        "input_input_stage",
        "input_reason",
        "input_stage",
        "stage",
        "reason",
    ]
    assert out.column("input_input_stage").to_pylist() == ["crawl", "crawl"]
    assert out.column("input_reason").to_pylist() == ["ok", "spam"]
    assert out.column("input_stage").to_pylist() == [1, 2]
    assert out.column("stage").to_pylist() == ["gopher_quality_v1"] * 2
    assert out.column("reason").to_pylist() == ["short", "long"]


def test_removal_columns_leave_other_batches_as_they_are() -> None:
    batch = pa.record_batch({"text": ["a"], "url": ["u"]})
    assert make_room(batch, REMOVED_COLUMNS) is batch
    out = with_removal_columns(batch, "s", pa.array(["r"]))
    assert out.schema.names == ["text", "url", "stage", "reason"]


def test_input_columns_named_stage_and_reason_give_readable_removed_files(
    tmp_path: Path,
) -> None:
    docs = make_docs(30)
    for i, doc in enumerate(docs):
        doc["stage"], doc["reason"] = f"crawl-{i}", f"user-{i}"
    write_shard(tmp_path / "in" / "a.parquet", docs)
    out = tmp_path / "out"
    assert _run(_recipe(tmp_path, TOY), tmp_path / "in", out) == 0
    removed = sorted((out / "removed").rglob("*.parquet"))
    assert removed
    by_id = {d["id"]: d for d in docs}
    for path in removed:
        table = pq.read_table(path)
        assert pl.read_parquet(path).columns == table.schema.names
        assert len(set(table.schema.names)) == len(table.schema.names)
        assert set(table.column("stage").to_pylist()) == {path.parent.name}
        for row in table.select(["id", "input_stage", "input_reason"]).to_pylist():
            assert row["input_stage"] == by_id[row["id"]]["stage"]
            assert row["input_reason"] == by_id[row["id"]]["reason"]
    kept = ds.dataset(out / "data").to_table()
    for row in kept.select(["id", "stage", "reason"]).to_pylist():
        assert (row["stage"], row["reason"]) == (
            by_id[row["id"]]["stage"],
            by_id[row["id"]]["reason"],
        )
