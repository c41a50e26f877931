"""What a run tells: OUT/run.log, seconds per stage and fit in run.json, the progress line."""

from __future__ import annotations

import io
import itertools
import json
import logging
from pathlib import Path

import pytest

from dataprep.cli import main
from dataprep.engine.progress import RunProgress, short_label
from dataprep.errors import OutputError


def run(recipe: Path, corpus: Path, out: Path, *extra: str) -> int:
    return main(["run", str(recipe), "-i", str(corpus), "-o", str(out), "-j", "1", *extra])


def message(line: str) -> str:
    """A run.log line without its time and level."""
    return line.split(None, 2)[2]


def log_lines(out: Path) -> list[str]:
    return (out / "run.log").read_text(encoding="utf-8").splitlines()


def test_run_log_holds_passes_and_fits_with_utc_times(
    recipe_file: Path, corpus: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    assert run(recipe_file, corpus, out, "-q") == 0  # -q: the file still gets INFO
    lines = log_lines(out)
    assert message(lines[0]).startswith("dataprep ")  # version and command line
    assert all(line[:20].endswith("Z") and line[4] == "-" for line in lines)
    text = "\n".join(lines)
    assert "pass 1/2: toy_min_words_v0; observe toy_exact_dedup_v0" in text
    assert "pass 2/2: toy_exact_dedup_v0 (" in text
    assert "fit toy_exact_dedup_v0:" in text
    assert "seconds per stage, CPU/wall summed over workers: input " in text
    assert message(lines[-1]).startswith("finished in ")


def test_seconds_per_stage_and_fit_go_to_run_json_not_stats_json(
    recipe_file: Path, corpus: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    assert run(recipe_file, corpus, out, "-q") == 0
    timing = json.loads((out / "run.json").read_text())["timing"]
    names = ["input", "toy_min_words_v0", "toy_exact_dedup_v0"]
    assert sorted(timing["stages"]) == sorted(names)
    for row in timing["stages"].values():
        assert set(row) == {"cpu_seconds", "wall_seconds"}
        assert row["cpu_seconds"] >= 0 and row["wall_seconds"] >= 0
    assert set(timing["fits"]) == {"toy_exact_dedup_v0"}
    assert "seconds" not in (out / "stats.json").read_text()
    # The report's cost section reads them (report/cost.py).
    report = json.loads((out / "report.json").read_text())
    rows = {r["name"]: r for r in report["run"]["timing"]["stages"]}
    wall = timing["stages"]["toy_min_words_v0"]["wall_seconds"]
    assert rows["toy_min_words_v0"]["wall_seconds"] == wall
    assert rows["toy_exact_dedup_v0"]["fit_seconds"] == timing["fits"]["toy_exact_dedup_v0"]


def test_a_run_that_fails_ends_its_log_with_the_one_line_error(
    recipe_file: Path,
    corpus: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    why = "disk full while writing stats.json; free space and rerun with --resume"

    def full(*args: object, **kwargs: object) -> None:
        raise OutputError(why)

    monkeypatch.setattr("dataprep.engine.driver.stats_document", full)
    out = tmp_path / "out"
    assert run(recipe_file, corpus, out, "--no-progress") == 4
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1] == f"dataprep: error: {why}"
    last = log_lines(out)[-1]
    assert " ERROR " in last and last.endswith(err[-1].removeprefix("dataprep: "))


def test_an_internal_error_is_logged_with_its_traceback_and_resume_appends(
    recipe_file: Path, corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from toy_stages import ToyMinWords

    def boom(self: object, batch: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(ToyMinWords, "process", boom)
    out = tmp_path / "out"
    assert run(recipe_file, corpus, out, "-q") == 1
    text = (out / "run.log").read_text()
    assert "ERROR   internal error: RuntimeError: boom" in text
    assert "Traceback" in text
    monkeypatch.undo()
    assert run(recipe_file, corpus, out, "-q", "--resume") == 0
    after = (out / "run.log").read_text()
    assert after.startswith(text)
    assert after.count(" INFO    dataprep ") == 2  # one header per invocation
    assert message(after.rstrip().splitlines()[-1]).startswith("finished in ")


def test_quiet_run_prints_nothing_and_verbose_prints_the_passes(
    recipe_file: Path, corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(recipe_file, corpus, tmp_path / "a", "-q") == 0
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""
    assert run(recipe_file, corpus, tmp_path / "b", "--no-progress") == 0
    err = capsys.readouterr().err
    assert "pass 2/2 done:" in err and "\r" not in err


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_plain_periodic_lines_when_stderr_is_not_a_terminal(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock, stream = FakeClock(), io.StringIO()
    bar = RunProgress(2, stream=stream, interval=10, clock=clock)
    bar.start_pass(0, "toy_min_words_v0 > toy_exact_dedup_v0", 1000)
    with caplog.at_level(logging.INFO, logger="dataprep"):
        for _ in range(10):
            clock.now += 4
            bar.update(100, 10_000)
    assert stream.getvalue() == ""  # no \r updates: log lines instead
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 3  # every 10 s of 40
    assert all(line.startswith("pass 1/2 toy_min_words_v0") for line in lines)


def test_one_line_on_a_terminal_with_an_eta_across_passes() -> None:
    clock, term = FakeClock(), Terminal()
    bar = RunProgress(3, stream=term, interval=0.5, clock=clock)
    bar.start_pass(0, "read", 1000)
    clock.now = 10.0
    bar.update(500, 5_000_000)
    # 500 docs in 10 s; 500 left in this pass + 1000 in each of the 2 later passes.
    assert bar.eta(clock.now) == pytest.approx(50.0)
    assert term.getvalue().startswith("\rpass 1/3 read  500/1.0k 50% 0.5MB/s ETA 0:00:50")
    bar.end_pass()
    assert term.getvalue().endswith("\r\x1b[K")  # cleared for the pass's log line
    bar.start_pass(1, "a +2", 400)
    clock.now = 14.0
    bar.update(400, 1)
    # 900 docs in 14 s; 0 left here, 400 in the last pass.
    assert bar.eta(clock.now) == pytest.approx(400 / (900 / 14))


def test_the_line_fits_80_columns_whatever_the_stage_names() -> None:
    stages = [f"a_very_long_stage_name_number_{i}_v1" for i in range(6)]
    label = short_label(stages, "minhash_dedup_with_a_long_instance_name_v1")
    assert label.startswith("a_very_long_stage_name_number_0 +5 > ")
    bar = RunProgress(12, stream=io.StringIO(), clock=FakeClock())
    bar.start_pass(10, label, 123_456_789)
    bar.docs, bar.nbytes = 99_999_999, 10**12
    line = bar.line(1.0, width=80)
    assert len(line) <= 79 and line.startswith("pass 11/12 a_very") and "ETA" in line
    assert short_label([], None) == "read" and short_label([], "x_v2") == "observe x"
    # A realistic pass fits whole in 80 columns.
    bar = RunProgress(3, stream=io.StringIO(), clock=FakeClock())
    bar.start_pass(1, short_label(["fasttext_langid_v1", "a", "b", "c"], "minhash_dedup_v1"), 20000)
    bar.docs, bar.nbytes = 7000, 5_600_000
    assert "fasttext_langid +3 > minhash_dedup  7.0k/20.0k 35%" in bar.line(1.0, width=80)


def test_unknown_pass_size_shows_count_and_rate_without_eta() -> None:
    clock = FakeClock()
    bar = RunProgress(2, stream=io.StringIO(), clock=clock)
    bar.start_pass(0, "read", None)
    clock.now = 2.0
    bar.update(2500, 4_000_000)
    assert bar.line(width=80) == "pass 1/2 read  2.5k docs 2.0MB/s"


def test_the_last_log_line_names_each_kind_of_stop() -> None:
    import errno

    from dataprep.engine.runlog import describe_error
    from dataprep.errors import InputError, Terminated

    assert describe_error(InputError("a.jsonl line 3: bad")) == "error: a.jsonl line 3: bad"
    assert describe_error(KeyboardInterrupt()).startswith("interrupted; continue later")
    assert describe_error(Terminated()).startswith("terminated; continue later")
    full = describe_error(OSError(errno.ENOSPC, "No space left on device"))
    assert full.startswith("error: disk full") and full.endswith(
        "free space and rerun with --resume"
    )
    assert describe_error(ValueError("x\ny")) == "internal error: ValueError: x"


def test_run_json_timeline_phases_are_contiguous_and_account_for_the_workers(
    recipe_file: Path, corpus: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    assert run(recipe_file, corpus, out, "-q") == 0
    record = json.loads((out / "run.json").read_text())
    phases = record["timing"]["phases"]
    names = [p["name"] for p in phases]
    assert names == [
        "plan",
        "start workers",
        "pass 1",
        "fit toy_exact_dedup_v0",
        "pass 2",
        "merge",
        "write stats",
        "report",
        "clean up",
        "stop workers",  # after the report: its parts are built on the workers
    ]
    # Contiguous from the run's start: the phases add up to the whole wall time.
    assert phases[0]["start"] == 0
    for before, after in itertools.pairwise(phases):
        assert before["end"] == after["start"]
    assert all(p["end"] >= p["start"] and p["driver_cpu_seconds"] >= 0 for p in phases)
    total = sum(p["end"] - p["start"] for p in phases)
    assert total == pytest.approx(phases[-1]["end"], abs=0.01)
    assert phases[-1]["end"] >= record["seconds"] - 0.01  # the report comes after "seconds"
    for p in phases:
        if not p["name"].startswith("pass "):
            continue
        wall = p["end"] - p["start"]
        assert p["units"] >= 1
        assert sum(p["busy_per_worker"]) == pytest.approx(p["busy_wall_seconds"], abs=0.01)
        assert len(p["busy_per_worker"]) == record["workers"] == 1
        # busy + idle = workers x the pass's wall time (busy cannot exceed it)
        assert p["busy_wall_seconds"] <= wall + 0.01
        assert p["busy_wall_seconds"] + p["idle_seconds"] == pytest.approx(wall, abs=0.01)
        assert sum(p["busy_cpu_per_worker"]) == pytest.approx(p["busy_cpu_seconds"], abs=0.01)
