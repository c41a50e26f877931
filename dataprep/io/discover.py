"""Find input shards: a folder, a glob, or a list of files, in a fixed order.

Shards are sorted by path so that the shard index (and so "input order", ids made
from it, and every output file name) does not depend on how the user listed them.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from dataprep.errors import InputError

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


def _expand(item: str) -> list[Path]:
    path = Path(item)
    if path.is_dir():
        found = [
            Path(root) / f
            for root, dirs, files in os.walk(path, followlinks=False)
            for f in files
            if not f.startswith((".", "_"))
        ]
        return [p for p in found if detect_format(p) is not None]
    if path.is_file():
        return [path]
    if any(ch in item for ch in "*?["):
        return [Path(p) for p in glob.glob(item, recursive=True) if Path(p).is_file()]
    raise InputError(f"input {item!r} does not exist; give a folder, a glob or files")


def discover(inputs: Sequence[str], *, format: str = "auto") -> list[Shard]:
    """All input shards in sorted path order, each with its index."""
    paths = sorted({p.resolve() for item in inputs for p in _expand(str(item))})
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
    return shards


def fingerprint(shard: Shard) -> dict[str, object]:
    """Size and modification time: enough to refuse resuming over changed inputs."""
    st = shard.path.stat()
    return {"name": shard.name, "size": st.st_size, "mtime_ns": st.st_mtime_ns}
