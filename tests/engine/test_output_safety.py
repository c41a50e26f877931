"""The output folder: dataprep deletes only what it wrote, never an input, never a
finished run; one run at a time holds the folder; every refusal is one line."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from cli_helpers import one_line_error

from dataprep.cli import main
from dataprep.engine import driver as runner
from dataprep.engine.driver import run_pipeline
from dataprep.errors import OutputError, ResumeError
from dataprep.output import folder as output_folder
from dataprep.recipe.config import parse_recipe

#: A real global stage whose fit summary keys are not in sorted order.
GLOBAL_STACK = [
    {"stage": "toy_min_words_v0", "min_words": 2},
    {"stage": "exact_dedup_v1"},
    {"stage": "toy_min_words_v0", "name": "min4", "min_words": 4},
]


def run_cli(recipe: Path, inputs: list[Path], out: Path, *flags: str) -> int:
    args = ["run", str(recipe), "-o", str(out), "-j", "1", "--no-progress", "-q", *flags]
    for i in inputs:
        args += ["-i", str(i)]
    return main(args)


def files(root: Path) -> dict[str, str]:
    """sha256 of every file under ``root`` (hidden ones included)."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def mark_unfinished(out: Path) -> None:
    """Make a finished output look like a run killed before its end."""
    record = json.loads((out / "run.json").read_text())
    del record["finished"]
    (out / "run.json").write_text(json.dumps(record))


def results(root: Path) -> dict[str, str]:
    """Every output file that must not change on resume. run.json and the reports
    differ by timing only: report.json is compared without it (report.html shows it)."""
    skip = ("run.json", "run.log", "report.json", "report.html")
    out = {k: v for k, v in files(root).items() if k not in skip}
    report = json.loads((root / "report.json").read_text())
    report["run"]["timing"] = None
    out["report.json"] = hashlib.sha256(json.dumps(report).encode()).hexdigest()
    return out


# --- --overwrite deletes only dataprep's own files ------------------------------------------


def test_overwrite_refuses_an_input_inside_the_output_and_deletes_nothing(
    corpus: Path, recipe_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    p3 = tmp_path / "p3"
    assert run_cli(recipe_file, [corpus], p3) == 0
    before = files(p3)
    code = run_cli(recipe_file, [p3 / "data"], p3, "--overwrite")
    assert code == 4
    assert "inside the output folder" in one_line_error(capsys)
    assert files(p3) == before


def test_an_input_glob_or_symlink_into_the_output_is_refused(
    corpus: Path, recipe_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert run_cli(recipe_file, [corpus], out) == 0
    before = files(out)
    glob = Path(f"{out}/data/*.parquet")
    assert run_cli(recipe_file, [glob], out, "--overwrite") == 4
    assert "inside the output folder" in one_line_error(capsys)
    links = tmp_path / "links"
    links.mkdir()
    target = sorted((out / "data").glob("*.parquet"))[0]
    (links / "x.parquet").symlink_to(target)
    assert run_cli(recipe_file, [links], out, "--overwrite") == 4
    assert "points into the output folder" in one_line_error(capsys)
    assert files(out) == before


def test_a_folder_with_a_foreign_stats_json_is_not_taken_for_an_output(
    corpus: Path, recipe_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    proj = tmp_path / "proj"
    proj.mkdir()
    (proj / "notes.txt").write_text("hi")
    (proj / "stats.json").write_text("{}")
    (proj / "_work").mkdir()
    (proj / "run.json").write_text('{"recipe_sha256": "x"}')
    assert run_cli(recipe_file, [corpus], proj, "--overwrite") == 4
    assert "does not look like a dataprep output" in one_line_error(capsys)
    assert (proj / "notes.txt").read_text() == "hi"
    assert sorted(p.name for p in proj.iterdir()) == [
        "_work",
        "notes.txt",
        "run.json",
        "stats.json",
    ]


def test_overwrite_never_deletes_unknown_files_in_a_dataprep_output(
    corpus: Path, recipe_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert run_cli(recipe_file, [corpus], out) == 0
    (out / "data" / "my-notes.txt").write_text("mine")
    (out / "analysis.ipynb").write_text("{}")
    before = files(out)
    assert run_cli(recipe_file, [corpus], out, "--overwrite") == 4
    message = one_line_error(capsys)
    assert "files dataprep did not write" in message and "analysis.ipynb" in message
    assert files(out) == before


def test_overwrite_replaces_a_dataprep_output_and_only_its_files(
    corpus: Path, recipe_file: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    assert run_cli(recipe_file, [corpus], out) == 0
    first = files(out)
    (out / "data" / "part-00009-0000.parquet").write_bytes(b"stale part of an older run")
    assert run_cli(recipe_file, [corpus], out, "--overwrite") == 0
    assert set(files(out)) == set(first)


def test_output_inside_an_input_folder_is_not_read_back_as_input(
    recipe_file: Path, tmp_path: Path
) -> None:
    from corpus_helpers import make_docs, write_shard

    corpus = tmp_path / "corpus"
    write_shard(corpus / "a.jsonl", make_docs(20))
    out = corpus / "clean"
    assert run_cli(recipe_file, [corpus], out) == 0
    first = json.loads((out / "stats.json").read_text())
    assert run_cli(recipe_file, [corpus], out, "--overwrite") == 0
    second = json.loads((out / "stats.json").read_text())
    assert second["input_files"] == first["input_files"] == ["a.jsonl"]
    assert second["docs_read"] == first["docs_read"] == 20


# --- the end of a run can be interrupted anywhere -------------------------------------------


class Interrupted(BaseException):
    """Stands for a kill at one step of the end of a run."""


def _fail_on_call(monkeypatch: pytest.MonkeyPatch, owner: object, name: str, n: int) -> None:
    """Make the n-th call (1-based) of ``owner.name`` raise Interrupted."""
    real = getattr(owner, name)
    calls = {"n": 0}

    def wrapper(*args: object, **kwargs: object) -> object:
        calls["n"] += 1
        if calls["n"] == n:
            raise Interrupted(f"{name} #{n}")
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, name, wrapper)


def _fail_writing(monkeypatch: pytest.MonkeyPatch, filename: str, marker: bytes = b"") -> None:
    """Make the runner's atomic write of ``filename`` (containing ``marker``) raise."""
    real = runner.atomic_write_bytes

    def wrapper(path: Path, data: bytes) -> None:
        if path.name == filename and marker in data:
            raise Interrupted(f"writing {filename}")
        real(path, data)

    monkeypatch.setattr(runner, "atomic_write_bytes", wrapper)


def _fail_deleting_trash(monkeypatch: pytest.MonkeyPatch, n: int) -> None:
    """Make deleting the trash folder stop after n-1 files, as a kill would."""
    real = shutil.rmtree

    def rmtree(path: Path) -> None:
        deleted = 0
        for p in sorted(Path(path).rglob("*"), reverse=True):
            if p.is_file():
                if deleted == n - 1:
                    raise Interrupted(f"deleting file {n} of {path}")
                p.unlink()
                deleted += 1
        real(path)

    monkeypatch.setattr(output_folder, "shutil", SimpleNamespace(rmtree=rmtree))


CLEANUP_FAULTS = [
    "writing stats.json",
    "writing the finished run record",
    "writing the reports",
    "renaming _work to the trash",
    "deleting the 1st file of the trash",
    "deleting the 5th file of the trash",
    "deleting the 12th file of the trash",
]


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    from corpus_helpers import make_docs, write_shard

    tmp = tmp_path_factory.mktemp("cleanup")
    corpus = tmp / "in"
    for i in range(3):
        write_shard(corpus / f"s{i}.jsonl", make_docs(30, start=i * 20))
    ref = tmp / "ref"
    run_pipeline(_global_recipe(), [str(corpus)], ref, workers=1, progress=False)
    yield corpus, ref


def _global_recipe() -> object:
    return parse_recipe({"name": "t", "run": {"batch_size": 7}, "stages": GLOBAL_STACK})


@pytest.mark.parametrize("fault", CLEANUP_FAULTS)
def test_resume_after_an_interrupted_cleanup_gives_the_finished_output(
    reference: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fault: str
) -> None:
    corpus, ref = reference
    out = tmp_path / "out"
    with monkeypatch.context() as m:
        if fault == "writing stats.json":
            _fail_writing(m, "stats.json")
        elif fault == "writing the finished run record":
            _fail_writing(m, "run.json", b'"finished": true')
        elif fault == "writing the reports":
            _fail_on_call(m, runner, "_write_reports", 1)
        elif fault == "renaming _work to the trash":
            _fail_on_call(m, Path, "rename", 1)
        else:
            _fail_deleting_trash(m, int(fault.split()[2][:-2]))
        with pytest.raises(Interrupted):
            run_pipeline(_global_recipe(), [str(corpus)], out, workers=1, progress=False)
    assert (out / "run.json").exists()
    run_pipeline(_global_recipe(), [str(corpus)], out, workers=1, progress=False, resume=True)
    assert results(out) == results(ref)
    assert not (out / "_work").exists()
    assert not list(out.glob(".dataprep-*"))
    again = files(out)
    run_pipeline(_global_recipe(), [str(corpus)], out, workers=1, progress=False, resume=True)
    now = files(out)
    assert now.pop("run.log") != again.pop("run.log")  # the log says it resumed
    assert now == again


def test_resume_reproduces_stats_json_byte_for_byte(
    reference: tuple[Path, Path], tmp_path: Path
) -> None:
    corpus, ref = reference
    out = tmp_path / "out"
    run_pipeline(_global_recipe(), [str(corpus)], out, workers=1, progress=False, keep_work=True)
    # A run killed in its last pass, after the fit: the fit summary is read back
    # from _work on resume.
    mark_unfinished(out)
    (out / "stats.json").unlink()
    last = max(out.glob("_work/pass-*"))
    for done in (last / "done").glob("*.json"):
        done.unlink()
    run_pipeline(_global_recipe(), [str(corpus)], out, workers=1, progress=False, resume=True)
    assert (out / "stats.json").read_bytes() == (ref / "stats.json").read_bytes()


def test_resume_refuses_before_deleting_output_it_cannot_rebuild(
    reference: tuple[Path, Path], tmp_path: Path
) -> None:
    corpus, _ = reference
    out = tmp_path / "out"
    run_pipeline(_global_recipe(), [str(corpus)], out, workers=1, progress=False, keep_work=True)
    mark_unfinished(out)
    last = max(out.glob("_work/pass-*"))
    (last / "done" / "00001.json").unlink()
    decisions = sorted(out.glob("_work/pass-*/decisions/00001.arrow"))
    assert decisions
    decisions[0].unlink()
    before = files(out / "data")
    with pytest.raises(ResumeError, match=r"cannot resume.*decisions"):
        run_pipeline(_global_recipe(), [str(corpus)], out, workers=1, progress=False, resume=True)
    assert files(out / "data") == before


# --- one run at a time ----------------------------------------------------------------------

HOLD_LOCK = """\
import sys, time
from pathlib import Path
from dataprep.output.folder import OutputLock
OutputLock(Path(sys.argv[1])).acquire()
print("locked", flush=True)
time.sleep(120)
"""


def test_a_second_run_on_a_locked_output_is_refused_and_a_stale_lock_is_taken_over(
    corpus: Path, recipe_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert run_cli(recipe_file, [corpus], out) == 0
    before, results_before = files(out), results(out)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(out)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        for flags in (["--resume"], ["--overwrite"]):
            assert run_cli(recipe_file, [corpus], out, *flags) == 4
            message = one_line_error(capsys)
            assert "in use by another dataprep run" in message
            assert f"PID {holder.pid}" in message
        now = files(out)
        del now[output_folder.LOCK_NAME]  # the holder's
        assert now == before
    finally:
        holder.kill()
        holder.communicate()
    assert (out / output_folder.LOCK_NAME).exists()  # left behind by the killed holder
    assert run_cli(recipe_file, [corpus], out, "--overwrite") == 0
    assert results(out) == results_before


# --- user errors and leftovers --------------------------------------------------------------


def test_an_input_error_keeps_an_output_folder_the_user_created(
    recipe_file: Path, tmp_path: Path
) -> None:
    from corpus_helpers import make_docs

    # A bad record past what the up-front check reads: the error comes mid-run.
    lines = [json.dumps(d) for d in make_docs(40)]
    lines[30] = "{not json"
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.jsonl").write_text("\n".join(lines) + "\n")
    out = tmp_path / "made-by-user"
    out.mkdir()
    assert run_cli(recipe_file, [tmp_path / "in"], out) == 3
    assert out.is_dir() and not any(out.iterdir())
    assert run_cli(recipe_file, [tmp_path / "in"], tmp_path / "new") == 3
    assert not (tmp_path / "new").exists()


@pytest.mark.parametrize("flags", [[], ["--resume"], ["--overwrite"]])
def test_a_leftover_temporary_run_record_blocks_nothing(
    corpus: Path, recipe_file: Path, tmp_path: Path, flags: list[str]
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / ".run.json.tmp").write_text('{"half": ')
    assert run_cli(recipe_file, [corpus], out, *flags) == 0
    assert not (out / ".run.json.tmp").exists()
    assert (out / "stats.json").is_file()


def test_an_output_path_that_is_a_file_is_one_line_exit_4(
    corpus: Path, recipe_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "file.txt"
    target.write_text("keep me")
    assert run_cli(recipe_file, [corpus], target) == 4
    assert "is a file" in one_line_error(capsys)
    assert target.read_text() == "keep me"


def test_an_invalid_run_record_with_resume_is_one_line_exit_5(
    corpus: Path, recipe_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert run_cli(recipe_file, [corpus], out) == 0
    (out / "run.json").write_text("{not json")
    assert run_cli(recipe_file, [corpus], out, "--resume") == 5
    assert "not a valid run record" in one_line_error(capsys)


@pytest.fixture
def read_only_dir(tmp_path: Path) -> Iterator[Path]:
    """A real read-only file system (root ignores permission bits, so chmod won't do)."""
    mount = tmp_path / "ro"
    mount.mkdir()
    (mount / "existing").mkdir()
    done = subprocess.run(
        ["mount", "--bind", "-o", "ro", str(mount), str(mount)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a read-only folder here: {done.stderr.decode().strip()}")
    subprocess.run(["mount", "-o", "remount,bind,ro", str(mount)], check=False)
    try:
        if os.access(mount, os.W_OK) and _writable(mount):
            pytest.skip("the read-only bind mount is writable here")
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def _writable(folder: Path) -> bool:
    try:
        (folder / ".probe").write_text("x")
    except OSError:
        return False
    (folder / ".probe").unlink()
    return True


@pytest.mark.parametrize("name", ["new", "existing"])
def test_a_read_only_output_folder_is_one_line_exit_4(
    corpus: Path,
    recipe_file: Path,
    read_only_dir: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
) -> None:
    assert run_cli(recipe_file, [corpus], read_only_dir / name) == 4
    assert "Read-only file system" in one_line_error(capsys)


def test_classify_names_only_dataprep_files_as_its_own(tmp_path: Path) -> None:
    root = tmp_path / "out"
    for rel in (
        "run.json",
        "run.log",
        "stats.json",
        ".report.html.tmp",
        "data/part-00000-0000.parquet",
        "data/.part-00001-0002.parquet.tmp",
        "removed/gopher/part-00000-0000.parquet",
        "_work/pass-0/anything.bin",
        "data/part-1.parquet",
        "removed/gopher/notes.md",
        "data.csv",
        "README",
    ):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text("x")
    found = output_folder.classify(root)
    assert sorted(str(p.relative_to(root)) for p in found.ours) == [
        ".report.html.tmp",
        "_work",
        "data/.part-00001-0002.parquet.tmp",
        "data/part-00000-0000.parquet",
        "removed/gopher/part-00000-0000.parquet",
        "run.json",
        "run.log",
        "stats.json",
    ]
    assert sorted(str(p.relative_to(root)) for p in found.unknown) == [
        "README",
        "data.csv",
        "data/part-1.parquet",
        "removed/gopher/notes.md",
    ]
    with pytest.raises(OutputError, match="did not write"):
        output_folder.clear_output(root)
    assert len(list(root.rglob("*"))) > 10


def test_files_left_out_of_the_input_are_warned_about_and_listed_in_stats(
    corpus: Path, recipe_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (corpus / "notes.txt").write_text("not a shard")
    (corpus / "_SUCCESS").write_text("")
    out = tmp_path / "out"
    args = ["run", str(recipe_file), "-i", str(corpus), "-o", str(out), "-j", "1"]
    assert main([*args, "--no-progress"]) == 0
    warning = [line for line in capsys.readouterr().err.splitlines() if "not read" in line]
    assert len(warning) == 1 and "notes.txt" in warning[0]
    skipped = json.loads((out / "stats.json").read_text())["skipped_inputs"]
    assert skipped == [
        {"path": "_SUCCESS", "reason": "hidden or temporary name (starts with '.' or '_')"},
        {"path": "notes.txt", "reason": "unsupported file type"},
    ]


def test_resume_refuses_an_input_edited_in_place_with_its_mtime_kept(
    corpus: Path, recipe_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert run_cli(recipe_file, [corpus], out, "--keep-work") == 0
    mark_unfinished(out)
    shard = corpus / "b.parquet"
    st = shard.stat()
    data = bytearray(shard.read_bytes())
    data[-12] ^= 0xFF  # same size, a footer byte changed
    shard.write_bytes(bytes(data))
    os.utime(shard, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert run_cli(recipe_file, [corpus], out, "--resume") == 5
    assert "input files changed" in one_line_error(capsys)


def test_resume_never_deletes_a_user_file_that_shares_a_part_prefix(
    reference: tuple[Path, Path], tmp_path: Path
) -> None:
    corpus, ref = reference
    out = tmp_path / "out"
    run_pipeline(_global_recipe(), [str(corpus)], out, workers=1, progress=False, keep_work=True)
    mark_unfinished(out)
    last = max(out.glob("_work/pass-*"))
    (last / "done" / "00001.json").unlink()
    (out / "data" / "part-00001-notes.txt").write_text("mine")
    run_pipeline(_global_recipe(), [str(corpus)], out, workers=1, progress=False, resume=True)
    assert (out / "data" / "part-00001-notes.txt").read_text() == "mine"
    (out / "data" / "part-00001-notes.txt").unlink()
    assert results(out) == results(ref)


def test_an_interrupted_decisions_write_leaves_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SIGTERM during a fit's decisions write (seen in the SIGTERM test): no ``.tmp``."""
    import pyarrow as pa

    def stop(self: Path, target: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(Path, "replace", stop)
    with pytest.raises(KeyboardInterrupt):
        runner._write_arrow(tmp_path / "00000.arrow", pa.table({"x": [1]}))
    assert list(tmp_path.iterdir()) == []
