"""What in an output folder is dataprep's, and how to take, clear and release it.

dataprep runs for hours next to someone's only copy of a corpus, so it deletes
only files it wrote itself. An output folder is recognised as dataprep's only by
the marker that dataprep writes into ``run.json`` (:data:`OUTPUT_MARKER`), never by
the mere presence of a ``stats.json`` or ``_work``; even then only the files that
dataprep names (see :func:`classify`) are deleted, and an unknown file makes
``--overwrite`` refuse instead of deleting it.

A run holds an exclusive lock on the folder (:class:`OutputLock`): ``flock`` on a
lock file that records the PID and host. The kernel releases it when the process
dies, so a stale lock (kill -9, a lost machine) never blocks the next run.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import re
import shutil
import socket
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dataprep.errors import OutputError, ResumeError
from dataprep.output.layout import Layout

#: Key and value written into every ``run.json``: the only proof that a folder is ours.
OUTPUT_MARKER = ("dataprep_output", 1)
LOCK_NAME = ".dataprep.lock"
TRASH_PREFIX = ".dataprep-trash-"

#: Files directly in the output folder that dataprep writes.
_TOP_FILES = (
    "run.json",
    "run.log",
    "stats.json",
    "report.json",
    "report.html",
    "report_samples.json",
)
#: Part files (and their temporaries) in ``data/`` and ``removed/STAGE/``.
_PART = re.compile(r"\.?part-\d{5}(-\d{4})?-\d{4}\.parquet(\.tmp)?")  # layout.unit_stem


def _own_top_file(name: str) -> bool:
    return name in _TOP_FILES or name in {f".{n}.tmp" for n in _TOP_FILES} or name == LOCK_NAME


def _own_top_entry(entry: Path) -> bool:
    if entry.is_file():
        return _own_top_file(entry.name)
    return entry.is_dir() and (entry.name == "_work" or entry.name.startswith(TRASH_PREFIX))


def _is_within(path: Path, folder: Path) -> bool:
    try:
        path.relative_to(folder)
    except ValueError:
        return False
    return True


@dataclass
class Contents:
    """What an existing output folder holds, split into dataprep's files and the rest."""

    ours: list[Path] = field(default_factory=list)
    """Files and whole folders (``_work``, trash) that dataprep wrote."""
    unknown: list[Path] = field(default_factory=list)
    """Anything else: never deleted."""


def classify(root: Path) -> Contents:
    """Sort the entries of ``root`` into dataprep's own and unknown ones.

    dataprep's own: the top-level records and reports (and their ``.NAME.tmp``),
    the lock file, ``_work/`` and trash folders (created and named by dataprep),
    and part files in ``data/``, ``signals/`` and ``removed/STAGE/``. A symlink is never ours.
    """
    found = Contents()
    for entry in sorted(root.iterdir()):
        name = entry.name
        if entry.is_symlink():
            found.unknown.append(entry)
        elif _own_top_entry(entry):
            found.ours.append(entry)
        elif entry.is_dir() and name in ("data", "signals"):
            _classify_parts(entry, found)
        elif entry.is_dir() and name == "removed":
            for stage in sorted(entry.iterdir()):
                if stage.is_dir() and not stage.is_symlink():
                    _classify_parts(stage, found)
                else:
                    found.unknown.append(stage)
        else:
            found.unknown.append(entry)
    return found


def is_own_part(entry: Path) -> bool:
    """A part file (or its temporary) that dataprep wrote into ``data/``, ``signals/`` or
    ``removed/``."""
    return entry.is_file() and not entry.is_symlink() and bool(_PART.fullmatch(entry.name))


def _classify_parts(folder: Path, found: Contents) -> None:
    for entry in sorted(folder.iterdir()):
        (found.ours if is_own_part(entry) else found.unknown).append(entry)


def classify_names(names: list[str]) -> tuple[list[str], list[str]]:
    """:func:`classify` for an object store's listing (paths relative to the output,
    ``/``-separated): (dataprep's own, unknown). The store holds no ``_work/`` (it
    stays in the local staging folder) and no temporaries (objects are written whole)."""
    ours: list[str] = []
    unknown: list[str] = []
    for name in names:
        parts = name.split("/")
        own = (
            (len(parts) == 1 and _own_top_file(parts[0]))
            or (
                len(parts) == 2
                and parts[0] in ("data", "signals")
                and bool(_PART.fullmatch(parts[1]))
            )
            or (len(parts) == 3 and parts[0] == "removed" and bool(_PART.fullmatch(parts[2])))
        )
        (ours if own else unknown).append(name)
    return ours, unknown


def read_marked_record(layout: Layout) -> dict[str, Any] | None:
    """``run.json`` when it carries dataprep's marker; None when absent or not ours."""
    try:
        record = json.loads(layout.run.read_text())
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    if not isinstance(record, dict) or record.get(OUTPUT_MARKER[0]) != OUTPUT_MARKER[1]:
        return None
    return record


def load_record_for_resume(layout: Layout) -> dict[str, Any]:
    """The run record to resume from, or a one-line ResumeError saying why it cannot be."""
    try:
        record = json.loads(layout.run.read_text())
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise ResumeError(
            f"{layout.run} is not a valid run record ({type(e).__name__}); "
            "start over with --overwrite or use a new output folder"
        ) from e
    if not isinstance(record, dict) or record.get(OUTPUT_MARKER[0]) != OUTPUT_MARKER[1]:
        raise ResumeError(
            f"{layout.run} was not written by this version of dataprep; "
            "move the folder away or use a new output folder"
        )
    return record


def clear_output(root: Path, *, keep: tuple[str, ...] = (LOCK_NAME,)) -> None:
    """Delete dataprep's files in ``root`` (an overwrite), refusing if anything else is there.

    ``run.json`` goes last, so an interrupted overwrite leaves a folder that is still
    recognisably ours and can be overwritten again.
    """
    contents = classify(root)
    if contents.unknown:
        shown = ", ".join(str(p.relative_to(root)) for p in contents.unknown[:3])
        more = f" and {len(contents.unknown) - 3} more" if len(contents.unknown) > 3 else ""
        raise OutputError(
            f"refusing to overwrite {root}: it holds files dataprep did not write "
            f"({shown}{more}); move them away or use a new output folder"
        )
    _delete_ours(root, contents, keep=(*keep, "run.json"))
    (root / "run.json").unlink(missing_ok=True)


def remove_tree(path: Path) -> None:
    """Delete a folder dataprep created: renamed to a trash name first, so that an
    interruption leaves either the whole folder or a trash folder, never half of it."""
    if not path.name.startswith(TRASH_PREFIX):
        trash = path.with_name(f"{TRASH_PREFIX}{path.name}")
        if trash.exists():
            shutil.rmtree(trash)
        path.rename(trash)
        path = trash
    shutil.rmtree(path)


def empty_trash(root: Path) -> None:
    """Finish deleting trash folders an interrupted run left behind."""
    for trash in sorted(root.glob(f"{TRASH_PREFIX}*")):
        if trash.is_dir() and not trash.is_symlink():
            shutil.rmtree(trash)


class OutputLock:
    """An exclusive lock on an output folder for the length of a run.

    ``flock`` on ``.dataprep.lock``, which holds the owner's PID and host for the
    message a second run prints. After taking the lock the file is checked to be
    the one at the path (another run may have removed it meanwhile), the usual
    guard for lock files that are deleted on release.
    """

    def __init__(self, root: Path) -> None:
        self.path = root / LOCK_NAME
        self._fd: int | None = None

    def acquire(self) -> OutputLock:
        while True:
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            except OSError as e:
                raise OutputError(
                    f"cannot write to output folder {self.path.parent}: {e.strerror}"
                ) from e
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as e:
                owner = _read_owner(fd)
                os.close(fd)
                if e.errno not in (errno.EAGAIN, errno.EACCES):
                    raise OutputError(f"cannot lock {self.path}: {e.strerror}") from e
                raise OutputError(
                    f"output folder {self.path.parent} is in use by another dataprep run "
                    f"({owner}); wait for it to finish or use another output folder"
                ) from None
            try:
                same = os.fstat(fd).st_ino == os.stat(self.path).st_ino
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)
        owner = json.dumps({"pid": os.getpid(), "host": socket.gethostname()})
        os.ftruncate(fd, 0)
        os.pwrite(fd, owner.encode(), 0)
        self._fd = fd
        return self

    def release(self) -> None:
        """Remove the lock file and drop the lock (idempotent)."""
        if self._fd is None:
            return
        try:
            self.path.unlink(missing_ok=True)
        finally:
            os.close(self._fd)
            self._fd = None


def _read_owner(fd: int) -> str:
    try:
        owner = json.loads(os.pread(fd, 4096, 0) or b"{}")
        return f"PID {owner['pid']} on {owner['host']}"
    except (OSError, ValueError, KeyError, TypeError):
        return "owner unknown"


def check_inputs_outside(root: Path, inputs: list[str]) -> None:
    """Refuse an input at or inside the output folder, or an output that is an input.

    An output folder strictly inside an input folder is fine: discovery leaves it out.
    """
    real_root = Path(os.path.realpath(root))
    for item in inputs:
        if "://" in item and not item.startswith("file://"):
            continue  # an object in a store cannot be inside a local folder
        if any(ch in item for ch in "*?[") and not Path(item).exists():
            base = Path(re.split(r"[*?\[]", item, maxsplit=1)[0] or ".")
            candidates = [Path(os.path.abspath(base))]
        else:
            candidates = [Path(os.path.abspath(item)), Path(os.path.realpath(item))]
        for path in candidates:
            if _is_within(path, root) or _is_within(path, real_root):
                raise OutputError(
                    f"input {item} is inside the output folder {root}; "
                    "write the output to another folder"
                )


def check_shards_outside(root: Path, paths: list[Any]) -> None:
    """Refuse a discovered input whose real file lies inside the output folder
    (a symlink pointing into it): an overwrite or cleanup could delete it."""
    real_root = Path(os.path.realpath(root))
    for path in paths:
        if isinstance(path, Path) and _is_within(Path(os.path.realpath(path)), real_root):
            raise OutputError(
                f"input {path} points into the output folder {root}; "
                "write the output to another folder"
            )


def discard_own_files(root: Path) -> None:
    """Delete what dataprep wrote into ``root`` after a failed start, keeping
    everything else (and the lock, released by its owner)."""
    if not root.is_dir():
        return
    _delete_ours(root, classify(root), keep=(LOCK_NAME,))


def _delete_ours(root: Path, contents: Contents, *, keep: tuple[str, ...]) -> None:
    """Delete dataprep's entries (folders through the trash), then its empty folders."""
    for path in contents.ours:
        if path.parent == root and path.name in keep:
            continue
        if path.is_dir():
            remove_tree(path)
        else:
            path.unlink(missing_ok=True)
    folders = [*sorted(root.glob("removed/*")), root / "removed", root / "data", root / "signals"]
    for folder in folders:
        if folder.is_dir() and not folder.is_symlink() and not any(folder.iterdir()):
            folder.rmdir()
