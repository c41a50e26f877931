"""Credentials never reach what a run writes or prints.

They come from the environment (``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``)
and, here, also from the recipe's ``storage.options``; neither may appear in
run.json, stats.json, the reports, the intermediate files of the staging folder
(kept with ``--keep-work``), a run.log, or the messages of a ``-v`` run.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from s3_store import KEY_ID, S3, SECRET

from dataprep.cli import main
from dataprep.sample_data import sample_path


def test_credentials_are_in_no_output_file_and_no_message(
    s3: S3, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = s3.upload(sample_path() / "shard-003.jsonl", "crawl/shard-003.jsonl")
    recipe = tmp_path / "r.yaml"
    recipe.write_text(
        f"extends: dedup\nstorage:\n  options: {{s3: {{key: {KEY_ID}, secret: {SECRET}}}}}\n"
    )
    work = tmp_path / "scratch"
    args = ["run", str(recipe), "-i", url, "-o", s3.url("clean"), "--work-dir", str(work)]
    assert main([*args, "-j", "1", "-v", "--no-progress", "--keep-work"]) == 0
    got = s3.download("clean", tmp_path / "got")
    written = [p for root in (got, work) for p in sorted(root.rglob("*")) if p.is_file()]
    names = {p.relative_to(got).as_posix() for p in written if got in p.parents}
    assert {"run.json", "stats.json", "report.json", "report.html"} <= names
    assert any("_work" in p.parts for p in written)
    for p in written:
        data = p.read_bytes()
        assert KEY_ID.encode() not in data and SECRET.encode() not in data, p
    printed = capsys.readouterr()
    shown = printed.out + printed.err
    assert "stats.json" in shown and KEY_ID not in shown and SECRET not in shown
