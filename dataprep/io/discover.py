"""Find input shards: a folder, a glob, or a list of files, in a fixed order.

Shards are sorted by path so that the shard index (and so "input order", ids made
from it, and every output file name) does not depend on how the user listed them.

Paths are made absolute and normalized but symlinks are *not* resolved: the format
is detected from, and the shard named after, the path the user gave. A Hugging Face
cache (``snapshots/<rev>/data/train-00000.parquet`` -> ``../../blobs/<sha>``) is
then read as ``data/train-00000.parquet``, not as an extension-less blob. Two paths
to the same file (a link and its target) are read once, as the first in sorted order.

Nothing is skipped silently: files in a folder that are not shards (unsupported
type, ``_``/``.`` names, under an excluded folder) are returned with the reason.

An input with a scheme (``s3://bucket/crawl/``, ``s3://b/crawl/*/part-*.parquet``,
``hf://datasets/ORG/NAME/data``) is listed through ``io/storage.py`` with the same
rules; its shards are :class:`~dataprep.io.storage.ObjectPath` objects. The inputs of
one run are all local or all in one store.
"""

from __future__ import annotations

import glob
import os
import posixpath
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from dataprep.errors import InputError
from dataprep.io import storage
from dataprep.io.fingerprint import fingerprint
from dataprep.io.storage import AnyPath, ObjectPath

__all__ = ["Discovery", "Shard", "Skipped", "discover", "fingerprint", "format_skipped"]

#: Extension (lower case) -> reader format.
FORMATS = {
    ".parquet": "parquet",
    ".pq": "parquet",
    ".arrow": "arrow",
    ".feather": "arrow",
    ".ipc": "arrow",
    ".jsonl": "jsonl",
    ".json": "jsonl",
    ".ndjson": "jsonl",
}
COMPRESSIONS = {".gz": "gzip", ".zst": "zstd", ".zstd": "zstd"}


@dataclass(frozen=True)
class Shard:
    """One input file and its position in the run."""

    index: int
    path: AnyPath
    name: str
    """Path relative to the common input root: used to make ids, never to write files."""
    format: str
    compression: str | None = None


@dataclass(frozen=True)
class Skipped:
    """A file found under an input folder that is not read, and why."""

    path: AnyPath
    reason: str


@dataclass(frozen=True)
class Discovery:
    """What ``scan_inputs`` found: the shards to read and the files it left out."""

    shards: list[Shard]
    skipped: list[Skipped] = field(default_factory=list)


def detect_format(path: AnyPath) -> tuple[str, str | None] | None:
    """(format, compression) from the file name, or None for unsupported files."""
    suffixes = [s.lower() for s in path.suffixes]
    compression = None
    if suffixes and suffixes[-1] in COMPRESSIONS:
        compression = COMPRESSIONS[suffixes.pop()]
    if not suffixes or suffixes[-1] not in FORMATS:
        return None
    fmt = FORMATS[suffixes[-1]]
    if compression is not None and fmt != "jsonl":
        return None
    return fmt, compression


def _absolute(path: str | Path) -> Path:
    """Absolute, normalized, symlinks kept (``..`` is applied to the text of the path)."""
    return Path(os.path.normpath(os.path.abspath(path)))


def _is_under(path: AnyPath, folders: Sequence[AnyPath]) -> bool:
    return any(path == f or f in path.parents for f in folders)  # type: ignore[operator]


def _skip_folder(path: Path, exclude: Sequence[Path]) -> str | None:
    """Why a folder under an input folder is not walked, or None."""
    if _is_under(path, exclude):
        return "excluded folder (the run's output)"
    if path.name.startswith((".", "_")):
        return "hidden or temporary folder (starts with '.' or '_')"
    if path.is_symlink():
        return "symlinked folder (not followed; give it as an input to read it)"
    return None


def _walk(folder: Path, exclude: Sequence[Path], skipped: list[Skipped]) -> list[Path]:
    found = []
    for root, dirs, files in os.walk(folder, followlinks=False):
        here = Path(root)
        for d in sorted(dirs):
            why = _skip_folder(here / d, exclude)
            if why is not None:
                dirs.remove(d)
                skipped.append(Skipped(here / d, why))
        for f in files:
            p = here / f
            if f.startswith((".", "_")):
                skipped.append(Skipped(p, "hidden or temporary name (starts with '.' or '_')"))
            elif detect_format(p) is None:
                skipped.append(Skipped(p, "unsupported file type"))
            else:
                found.append(p)
    return found


def _walk_remote(
    folder: ObjectPath, exclude: Sequence[AnyPath], skipped: list[Skipped]
) -> list[AnyPath]:
    """``_walk`` for a folder in an object store (no symlinks there)."""
    found: list[AnyPath] = []
    for p in storage.walk_files(folder):
        inner = p.relative_to(folder).parts
        hidden = [part for part in inner[:-1] if part.startswith((".", "_"))]
        if _is_under(p, exclude):
            skipped.append(Skipped(p, "excluded folder (the run's output)"))
        elif hidden:
            skipped.append(Skipped(p, "hidden or temporary folder (starts with '.' or '_')"))
        elif p.name.startswith((".", "_")):
            skipped.append(Skipped(p, "hidden or temporary name (starts with '.' or '_')"))
        elif detect_format(p) is None:
            skipped.append(Skipped(p, "unsupported file type"))
        else:
            found.append(p)
    return found


def _expand_remote(item: str, exclude: Sequence[AnyPath], skipped: list[Skipped]) -> list[AnyPath]:
    path = ObjectPath.parse(item)
    if any(ch in path.key for ch in "*?["):
        return list(storage.glob(path))
    what = storage.kind(path)
    if what == "directory":
        return _walk_remote(path, exclude, skipped)
    if what == "file":
        return [path]
    raise InputError(f"input {item!r} does not exist; give a folder, a glob or files")


def _expand(item: str, exclude: Sequence[AnyPath], skipped: list[Skipped]) -> list[AnyPath]:
    if storage.is_remote(item):
        return _expand_remote(item, exclude, skipped)
    path = _absolute(item)
    if path.is_dir():
        return list(_walk(path, [e for e in exclude if isinstance(e, Path)], skipped))
    if path.is_file() or path.is_symlink():
        return [path]
    if any(ch in item for ch in "*?["):
        return [_absolute(p) for p in glob.glob(item, recursive=True) if Path(p).is_file()]
    raise InputError(f"input {item!r} does not exist; give a folder, a glob or files")


def _file_key(path: AnyPath) -> tuple[int, int] | AnyPath:
    """What makes two paths the same file: (device, inode), or the path when unreadable
    (or an object: a store has no links)."""
    if isinstance(path, ObjectPath):
        return path
    try:
        st = path.stat()
    except OSError:
        return path
    return (st.st_dev, st.st_ino)


def _unique(paths: list[AnyPath], skipped: list[Skipped]) -> list[AnyPath]:
    """Sorted paths, each file once (the first path to it in sorted order)."""
    seen: dict[tuple[int, int] | AnyPath, AnyPath] = {}
    for p in sorted(set(paths), key=str):
        key = _file_key(p)
        if key in seen:
            skipped.append(Skipped(p, f"same file as {seen[key]}"))
        else:
            seen[key] = p
    return list(seen.values())


def _root(paths: Sequence[AnyPath]) -> AnyPath:
    """The deepest folder holding every path (shard names are relative to it)."""
    remote = [p for p in paths if isinstance(p, ObjectPath)]
    if not remote:
        return Path(os.path.commonpath([str(p.parent) for p in paths]))
    schemes = {p.scheme for p in remote}
    if len(remote) < len(paths) or len(schemes) > 1:
        raise InputError("inputs must be all local or all in one store (one URL scheme)")
    common = posixpath.commonpath([p.parent.key for p in remote])
    return ObjectPath(f"{remote[0].scheme}://{common}")


def _exclusions(exclude: Sequence[str | Path | ObjectPath]) -> list[AnyPath]:
    out: list[AnyPath] = []
    for e in exclude:
        p = storage.to_path(e)
        out.append(p if isinstance(p, ObjectPath) else _absolute(p))
    return out


def scan_inputs(
    inputs: Sequence[str], *, format: str = "auto", exclude: Sequence[Path | ObjectPath] = ()
) -> Discovery:
    """All input shards in sorted path order, each with its index, and what was skipped.

    Files under a folder in ``exclude`` (e.g. the run's own output inside its input)
    are never read, so a second run does not take its first run's output as input.
    """
    excluded = _exclusions(exclude)
    skipped: list[Skipped] = []
    found = [p for item in inputs for p in _expand(str(item), excluded, skipped)]
    kept = []
    for p in found:
        if _is_under(p, excluded):
            skipped.append(Skipped(p, "excluded folder (the run's output)"))
        else:
            kept.append(p)
    paths = _unique(kept, skipped)
    if not paths:
        raise InputError(
            f"no input shards found in {', '.join(map(str, inputs))} "
            f"(supported: {', '.join(sorted(FORMATS))}, optionally .gz/.zst for JSONL)"
        )
    root = _root(paths)
    shards = []
    for i, p in enumerate(paths):
        detected = detect_format(p)
        if format != "auto":
            compression = detected[1] if detected else None
            detected = (format, compression)
        if detected is None:
            raise InputError(f"{p}: unsupported file type; set input.format in the recipe")
        name = p.relative_to(root).as_posix()  # type: ignore[arg-type]
        shards.append(Shard(i, p, name, detected[0], detected[1]))
    return Discovery(shards, sorted(skipped, key=lambda s: str(s.path)))


def discover(
    inputs: Sequence[str], *, format: str = "auto", exclude: Sequence[Path | ObjectPath] = ()
) -> list[Shard]:
    """All input shards in sorted path order (``scan_inputs`` also says what it skipped)."""
    return scan_inputs(inputs, format=format, exclude=exclude).shards


def format_skipped(skipped: Sequence[Skipped]) -> str:
    """One warning line for the files left out of the input ("" when none were)."""
    if not skipped:
        return ""
    shown = "; ".join(f"{s.path} ({s.reason})" for s in skipped[:3])
    more = f"; and {len(skipped) - 3} more (see stats.json)" if len(skipped) > 3 else ""
    return f"warning: {len(skipped)} file(s) under the input not read: {shown}{more}"
