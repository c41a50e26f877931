"""An output folder in an object store: a local staging folder mirrored object by object.

Object stores have no rename, no append and no ``flock``, so a remote run works in a
local staging folder (``--work-dir``; by default a folder under the system temp
folder named after the output URL, so that ``--resume`` on the same machine finds
it) exactly as a local run does, ``_work/`` included, and publishes to the store:

- every finished part file (``data/``, ``removed/STAGE/``) is uploaded as ONE whole
  object (a single PUT, or a multipart upload that is completed only when every part
  is sent and aborted on error) *before* its unit's completion record is written;
- ``run.json`` (the marker that the folder is dataprep's) when the run starts,
  ``stats.json``, the finished ``run.json`` and the reports when it ends.

A unit whose completion record is missing is redone, and its objects are deleted
and uploaded again, so resume trusts only completion records, as on a local disk.
A killed multipart upload is never visible as an object; S3 keeps its parts until
they are aborted: the next run into the folder (a resume or a fresh run) aborts
every unfinished upload under it once it holds the lock; for a run that is never
resumed, a bucket lifecycle rule "abort incomplete multipart uploads" removes them.

The lock is an object, ``.dataprep.lock``, created with a conditional PUT
(``If-None-Match: *``) so that two runs cannot both take it. It names the host and
process holding it; a lock left by a dead process on the same host is taken over,
one held from another host is reported (delete it by hand when no run is active).
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from dataprep.errors import OutputError
from dataprep.io import storage
from dataprep.io.storage import ObjectPath

LOCK_NAME = ".dataprep.lock"


def staging_folder(remote: ObjectPath, work_dir: str | Path | None) -> Path:
    """The local folder a run into ``remote`` works in.

    ``work_dir`` when given (reused by ``--resume``); else a folder under the system
    temp folder named after the URL, the same for every run into that output.
    """
    if work_dir is not None:
        return Path(work_dir).resolve()
    digest = hashlib.sha256(remote.url.encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / "dataprep-work" / f"{remote.name}-{digest}"


@dataclass(frozen=True)
class RemoteFolder:
    """The output folder ``root`` in a store, addressed by paths relative to it."""

    root: ObjectPath

    def object(self, rel: str) -> ObjectPath:
        return self.root / rel

    def list(self) -> list[str]:
        """Every object under the folder, as sorted relative paths."""
        if storage.kind(self.root) != "directory":
            return []
        return sorted(p.relative_to(self.root).as_posix() for p in storage.walk_files(self.root))

    def read(self, rel: str) -> bytes | None:
        return storage.read_bytes(self.object(rel))

    def write(self, rel: str, data: bytes) -> None:
        storage.put_bytes(self.object(rel), data)

    def publish(self, local_root: Path, files: Iterable[Path]) -> None:
        """Upload finished local files to the same relative paths, each as one object."""
        for f in files:
            storage.put_file(f, self.object(f.relative_to(local_root).as_posix()))

    def delete(self, rels: Iterable[str]) -> None:
        storage.delete([self.object(r) for r in rels])


class RemoteLock:
    """An exclusive lock on a remote output folder (see the module docstring)."""

    def __init__(self, folder: RemoteFolder) -> None:
        self.folder = folder
        self._held = False

    def acquire(self) -> RemoteLock:
        owner = {"pid": os.getpid(), "host": socket.gethostname()}
        target = self.folder.object(LOCK_NAME)
        for _ in range(3):
            if storage.put_bytes(target, json.dumps(owner).encode(), create_only=True):
                self._held = True
                return self
            held = _owner(self.folder.read(LOCK_NAME))
            if held is None:
                continue  # released (or unreadable) meanwhile: try again
            if held.get("host") == owner["host"] and not _alive(held.get("pid")):
                self.folder.delete([LOCK_NAME])  # left by a killed run on this machine
                continue
            raise OutputError(
                f"output {self.folder.root} is in use by another dataprep run "
                f"(PID {held.get('pid')} on {held.get('host')}); wait for it to finish, or "
                f"delete {target} if no run is active"
            )
        raise OutputError(f"cannot take the lock {target}: it keeps changing")

    def release(self) -> None:
        if self._held:
            self.folder.delete([LOCK_NAME])
            self._held = False


def _owner(data: bytes | None) -> dict[str, object] | None:
    if data is None:
        return None
    try:
        owner = json.loads(data)
    except ValueError:
        return {}
    return owner if isinstance(owner, dict) else {}


def _alive(pid: object) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
