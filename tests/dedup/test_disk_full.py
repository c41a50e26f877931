"""A full disk during the MinHash fit is a one-line error (exit 4), never a SIGBUS,
and the run can be resumed once space is freed."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.ipc as ipc
import pytest

from dataprep.cli import main
from dataprep.dedup.scratch import open_scratch_npy
from dataprep.errors import OutputError
from dataprep.io import shuffle

RECIPE = "stages:\n  - stage: minhash_dedup_v1\n"


def _run(recipe: Path, corpus: Path, out: Path, *extra: str) -> int:
    argv = ["run", str(recipe), "-i", str(corpus), "-o", str(out), "-j", "1", "--no-progress"]
    return main([*argv, *extra])


def _enospc(fd: int, offset: int, size: int) -> None:
    raise OSError(errno.ENOSPC, "No space left on device")


def test_scratch_array_blocks_are_allocated_not_sparse(tmp_path: Path) -> None:
    path = tmp_path / "_sig.npy"
    array = open_scratch_npy(path, np.uint32, (1000, 128), "signatures")
    assert array.shape == (1000, 128) and not array.any()
    assert path.stat().st_blocks * 512 >= 1000 * 128 * 4


def test_scratch_array_on_a_full_disk_raises_output_error_and_leaves_no_file(
    tmp_path: Path, monkeypatch: Any
) -> None:
    monkeypatch.setattr(os, "posix_fallocate", _enospc)
    path = tmp_path / "_sig.npy"
    with pytest.raises(OutputError, match=r"disk full while reserving .* for signatures"):
        open_scratch_npy(path, np.uint32, (1000, 128), "signatures")
    assert not path.exists()


def _disk_full_under(fragment: str, calls: list[str]) -> Any:
    """Stand-ins for the writers of fit files (Arrow IPC files, shuffle files, fsync): a
    file whose path contains ``fragment`` cannot be written (ENOSPC, as pyarrow reports
    it); ``calls`` records the hits."""
    new_file = ipc.new_file
    create = shuffle._create
    fsync = os.fsync

    def check(path: object) -> None:
        if fragment in str(path):
            calls.append(str(path))
            raise OSError(errno.ENOSPC, "Error writing bytes. Detail: [errno 28] No space left")

    def failing_new_file(sink: Any, *args: Any, **kwargs: Any) -> Any:
        check(sink)
        return new_file(sink, *args, **kwargs)

    def failing_create(path: Path) -> Any:
        check(path)
        return create(path)

    def failing_fsync(fd: int) -> None:
        if fragment in os.readlink(f"/proc/self/fd/{fd}"):
            calls.append(str(fd))
            raise OSError(errno.ENOSPC, "No space left on device")
        fsync(fd)

    return failing_new_file, failing_create, failing_fsync


#: A path fragment of every kind of file the partitioned MinHash fit writes: each
#: step's output files (tasks and the driver's steps), a task's completion record
#: and the decisions of a work unit.
FIT_FILES = [
    "/fit/pairs/",
    "/fit/verify/",
    "/fit/components/",
    "/fit/cc-large-0/",
    "/fit/cc-small-0/",
    "/fit/join/",
    "/fit/greedy/",
    "/fit/clusters/",
    "/fit/_tasks/",
    "/decisions/",
]


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc/self/fd")
@pytest.mark.parametrize("fragment", FIT_FILES)
def test_a_full_disk_in_the_partitioned_minhash_fit_is_one_line_exit_4_and_resumes(
    corpus: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: Any,
    fragment: str,
) -> None:
    recipe = tmp_path / "near.yaml"
    distributed = "/fit/cc-" in fragment  # components as tasks, not on the driver
    recipe.write_text(RECIPE + ("    driver_budget_bytes: 0\n" if distributed else ""))
    out = tmp_path / "out"
    calls: list[str] = []
    new_file, create, fsync = _disk_full_under(fragment, calls)
    with monkeypatch.context() as m:
        m.setattr(ipc, "new_file", new_file)
        m.setattr(shuffle, "_create", create)
        m.setattr(os, "fsync", fsync)
        assert _run(recipe, corpus, out) == 4
    assert calls, f"no file under {fragment} was written"
    err = capsys.readouterr().err.strip().splitlines()
    assert not any("Traceback" in line for line in err)
    line = [e for e in err if e.startswith("dataprep: error:")]
    assert len(line) == 1 and "disk full while writing" in line[0], err
    assert "free space and rerun with --resume" in line[0]
    assert _run(recipe, corpus, out, "--resume") == 0
    assert _run(recipe, corpus, tmp_path / "fresh") == 0
    for folder in ("data", "removed"):
        assert _files(out / folder) == _files(tmp_path / "fresh" / folder)


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*.parquet"))}


_ON_TMPFS = """
import sys
from pathlib import Path
sys.path.insert(0, {tests!r})
from corpus_helpers import make_docs, write_shard
from dataprep.cli import main
write_shard(Path({input!r}) / "a.parquet", make_docs(3000))
open({recipe!r}, "w").write({text!r})
sys.exit(main(["run", {recipe!r}, "-i", {input!r}, "-o", {out!r}, "-j", "1", "--no-progress"]))
"""


@pytest.mark.skipif(
    not sys.platform.startswith("linux") or os.geteuid() != 0 or shutil.which("mount") is None,
    reason="mounting a small tmpfs needs Linux and root",
)
def test_minhash_fit_on_a_really_full_tmpfs_exits_4_not_sigbus(tmp_path: Path) -> None:
    """3000 documents: the observations (with their shingle sets) fit in 3000 KiB, the
    fit's spill and scratch files do not (found by trying; before space was reserved
    the driver died of SIGBUS here, and a full spill disk must say "disk full" too)."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=3000k", "tmpfs", str(disk)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        code = textwrap.dedent(_ON_TMPFS).format(
            tests=str(Path(__file__).parents[1]),
            input=str(tmp_path / "in"),
            recipe=str(tmp_path / "near.yaml"),
            text=RECIPE,
            out=str(disk / "out"),
        )
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False
        )
    finally:
        subprocess.run(["umount", str(disk)], check=False)
    assert done.returncode == 4, (done.returncode, done.stderr[-2000:])
    assert "Traceback" not in done.stderr
    assert "disk full" in done.stderr and "--resume" in done.stderr
