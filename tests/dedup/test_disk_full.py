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
import pyarrow.dataset as ds
import pytest

from dataprep.cli import main
from dataprep.dedup.scratch import open_scratch_npy
from dataprep.errors import OutputError

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


def test_minhash_fit_on_a_full_disk_is_one_line_exit_4_and_resumes(
    corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: Any
) -> None:
    recipe = tmp_path / "near.yaml"
    recipe.write_text(RECIPE)
    out = tmp_path / "out"
    with monkeypatch.context() as m:
        m.setattr(os, "posix_fallocate", _enospc)
        assert _run(recipe, corpus, out) == 4
    err = capsys.readouterr().err.strip().splitlines()
    assert not any("Traceback" in line for line in err)
    line = [e for e in err if e.startswith("dataprep: error:")]
    assert len(line) == 1 and "disk full" in line[0] and "MinHash shingle hashes" in line[0]
    assert "--resume" in line[0]
    assert _run(recipe, corpus, out, "--resume") == 0
    assert _run(recipe, corpus, tmp_path / "fresh") == 0
    assert (
        ds.dataset(out / "data")
        .to_table()
        .equals(ds.dataset(tmp_path / "fresh" / "data").to_table())
    )


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
