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
"""

from __future__ import annotations

import glob
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from dataprep.errors import InputError
from dataprep.io.fingerprint import fingerprint

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
    path: Path
    name: str
    """Path relative to the common input root: used to make ids, never to write files."""
    format: str
    compression: str | None = None


@dataclass(frozen=True)
class Skipped:
    """A file found under an input folder that is not read, and why."""

    path: Path
    reason: str


@dataclass(frozen=True)
class Discovery:
    """What ``scan_inputs`` found: the shards to read and the files it left out."""

    shards: list[Shard]
    skipped: list[Skipped] = field(default_factory=list)


def detect_format(path: Path) -> tuple[str, str | None] | None:
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


def _is_under(path: Path, folders: Sequence[Path]) -> bool:
    return any(path == f or f in path.parents for f in folders)


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


def _expand(item: str, exclude: Sequence[Path], skipped: list[Skipped]) -> list[Path]:
    path = _absolute(item)
    if path.is_dir():
        return _walk(path, exclude, skipped)
    if path.is_file() or path.is_symlink():
        return [path]
    if any(ch in item for ch in "*?["):
        return [_absolute(p) for p in glob.glob(item, recursive=True) if Path(p).is_file()]
    raise InputError(f"input {item!r} does not exist; give a folder, a glob or files")


def _file_key(path: Path) -> tuple[int, int] | Path:
    """What makes two paths the same file: (device, inode), or the path when unreadable."""
    try:
        st = path.stat()
    except OSError:
        return path
    return (st.st_dev, st.st_ino)


def _unique(paths: list[Path], skipped: list[Skipped]) -> list[Path]:
    """Sorted paths, each file once (the first path to it in sorted order)."""
    seen: dict[tuple[int, int] | Path, Path] = {}
    for p in sorted(set(paths)):
        key = _file_key(p)
        if key in seen:
            skipped.append(Skipped(p, f"same file as {seen[key]}"))
        else:
            seen[key] = p
    return list(seen.values())


def scan_inputs(
    inputs: Sequence[str], *, format: str = "auto", exclude: Sequence[Path] = ()
) -> Discovery:
    """All input shards in sorted path order, each with its index, and what was skipped.

    Files under a folder in ``exclude`` (e.g. the run's own output inside its input)
    are never read, so a second run does not take its first run's output as input.
    """
    excluded = [_absolute(e) for e in exclude]
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
    root = Path(os.path.commonpath([str(p.parent) for p in paths]))
    shards = []
    for i, p in enumerate(paths):
        detected = detect_format(p)
        if format != "auto":
            compression = detected[1] if detected else None
            detected = (format, compression)
        if detected is None:
            raise InputError(f"{p}: unsupported file type; set input.format in the recipe")
        shards.append(Shard(i, p, p.relative_to(root).as_posix(), detected[0], detected[1]))
    return Discovery(shards, sorted(skipped, key=lambda s: s.path))


def discover(
    inputs: Sequence[str], *, format: str = "auto", exclude: Sequence[Path] = ()
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
