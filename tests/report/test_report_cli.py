"""``dataprep report`` and ``dataprep inspect``, run in-process."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from dataprep.cli import main


def test_report_rebuilds_both_files(
    full_output: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "copy"
    shutil.copytree(full_output, out)
    (out / "report.json").unlink()
    (out / "report.html").unlink()
    assert main(["report", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "report.json" in printed and "report.html" in printed
    assert (out / "report.html").is_file()
    assert json.loads((out / "report.json").read_text()) == json.loads(
        (full_output / "report.json").read_text()
    )


def test_report_of_a_folder_that_is_not_an_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", str(tmp_path)]) == 3
    err = capsys.readouterr().err
    assert err.startswith("dataprep: error:") and "stats.json" in err and len(err.splitlines()) == 1
    assert main(["inspect", str(tmp_path / "nope")]) == 3


def test_inspect_prints_removed_examples_with_their_context(
    full_output: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["inspect", str(full_output), "-n", "2"]) == 0
    lines = capsys.readouterr().out.splitlines()
    heads = [line for line in lines if line.startswith("[")]
    assert heads[0].startswith("[input] removed null_text")
    stages = [h.split("]")[0][1:] for h in heads]
    assert stages == sorted(
        stages, key=["input", "langid", "strict", "quality", "dedup", "balance"].index
    )
    assert any(h.startswith("[quality] removed markup") for h in heads)
    assert all("id=d" in h and "lang=" in h and "chars=" in h for h in heads)
    texts = [line for line in lines if line.startswith("  ") and not line.startswith("  signals")]
    assert len(texts) == len(heads)  # one text line per document


def test_inspect_shows_the_signals_of_the_removing_stage_and_whole_headers(
    full_output: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import os
    import shutil

    import pyarrow.parquet as pq

    monkeypatch.setattr(shutil, "get_terminal_size", lambda *a: os.terminal_size((40, 20)))
    assert main(["inspect", str(full_output), "--stage", "quality", "-n", "1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    heads = [i for i, line in enumerate(lines) if line.startswith("[quality] removed")]
    assert heads and all(len(lines[i]) > 40 for i in heads)  # not cut to the terminal
    assert all(re.search(r"chars=[\d,]+$", lines[i]) for i in heads)
    removed = pq.read_table(full_output / "removed" / "quality").to_pylist()
    by_id = {r["id"]: r for r in removed}
    for i in heads:
        doc = by_id[lines[i].split("id=")[1].split()[0]]
        signals = " ".join(lines[i + 1 : i + 3]).split()
        assert signals[0] == "signals:"
        assert f"chars={doc['quality__chars']}" in signals
        assert f"alpha={doc['quality__alpha']:.4g}" in signals
    # Only the removing stage's signals: not the annotate stage's that ran before it.
    assert not any("strict" in line for line in lines if "signals" in line)
    # A flagged document shows the flagging stage's signals.
    assert main(["inspect", str(full_output), "--kept", "--stage", "strict", "-n", "1"]) == 0
    flagged = capsys.readouterr().out.splitlines()
    assert flagged[1].startswith("  signals: chars=")


def test_inspect_filters_by_stage_reason_and_lang(
    full_output: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = [
        "inspect",
        str(full_output),
        "--stage",
        "quality",
        "--reason",
        "low_alpha",
        "--lang",
        "de",
        "-n",
        "3",
    ]
    assert main(args) == 0
    heads = [line for line in capsys.readouterr().out.splitlines() if line.startswith("[")]
    assert 1 <= len(heads) <= 3
    assert all(h.startswith("[quality] removed low_alpha") and "lang=de" in h for h in heads)


def test_inspect_kept_and_flagged(full_output: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["inspect", str(full_output), "--kept", "-n", "4"]) == 0
    heads = [line for line in capsys.readouterr().out.splitlines() if line.startswith("[")]
    assert len(heads) == 4 and all(h.startswith("[kept]") for h in heads)
    assert main(["inspect", str(full_output), "--kept", "--stage", "strict", "-n", "1"]) == 0
    heads = [line for line in capsys.readouterr().out.splitlines() if line.startswith("[")]
    assert {h.split()[2] for h in heads} == {"bad_length", "low_alpha", "markup"}
    assert all(h.startswith("[strict] flagged") for h in heads)


def test_inspect_truncates_and_neutralises_control_characters(
    evil_output: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["inspect", str(evil_output), "--kept", "--chars", "25", "-n", "10"]) == 0
    out = capsys.readouterr().out
    texts = [line for line in out.splitlines() if line.startswith("  ")]
    assert len(texts) == 4 and all(len(t) <= 2 + 25 for t in texts)
    assert "\x1b" not in out


def test_inspect_errors(full_output: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["inspect", str(full_output), "--stage", "nope"]) == 2
    assert "no stage 'nope'" in capsys.readouterr().err
    # An unknown reason is an option error naming the output's reasons (it was exit 1).
    assert main(["inspect", str(full_output), "--reason", "no_such_reason"]) == 2
    assert "reasons: bad_length" in capsys.readouterr().err


def test_stats_shows_flagged_counts_of_an_annotate_stage(
    full_output: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["stats", str(full_output)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:7] == ["stage", "docs", "in", "kept", "removed", "flagged", "%"]
    stats = json.loads((full_output / "stats.json").read_text())["stages"]
    flagged = stats["strict"]["flagged_by_reason"]
    top = min(flagged, key=lambda r: (-flagged[r], r))
    strict = next(line for line in lines if line.startswith("strict "))
    cols = strict.split()
    assert cols[3] == "0" and cols[4] == f"{sum(flagged.values()):,}"  # removed, flagged
    assert strict.endswith(f"{top} ({flagged[top]:,} flagged)")
    quality = next(line for line in lines if line.startswith("quality "))
    assert quality.split()[4] == "0" and "flagged" not in quality
