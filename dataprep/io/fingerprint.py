"""A cheap, deterministic fingerprint of an input file, to refuse resuming over changes.

Size and modification time miss an edit that keeps the size and restores the mtime
(``rsync -t``, ``touch -r``, a tool that preserves times). The ``content`` key adds a
hash of bytes that change with the data: a Parquet file's footer (its schema and
every row group's statistics and offsets), or for other files the first, middle and
last 64 KiB. Reading at most 192 KiB per file keeps it fast on large corpora.
An object in a store is fingerprinted the same way, by range reads
(``io/storage.py``); its ``mtime_ns`` is the object's last-modified time.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, BinaryIO

import xxhash

from dataprep.errors import InputError
from dataprep.io import storage

if TYPE_CHECKING:
    from dataprep.io.discover import Shard

_SAMPLE = 64 * 1024
_PARQUET_TAIL = 8  # footer length (4 bytes, little-endian) + b"PAR1"


def _parquet_footer(f: BinaryIO, size: int) -> bytes | None:
    """The footer bytes of a Parquet file, or None when it does not look like one."""
    if size < 12:
        return None
    f.seek(size - _PARQUET_TAIL)
    tail = f.read(_PARQUET_TAIL)
    if tail[4:] != b"PAR1":
        return None
    length = int.from_bytes(tail[:4], "little")
    if length > size - 12:
        return None
    f.seek(size - _PARQUET_TAIL - length)
    return bytes(f.read(length))


def _sampled(f: BinaryIO, size: int) -> bytes:
    """The first, middle and last 64 KiB (the whole file when it is smaller)."""
    out = []
    for start in sorted({0, max(size // 2 - _SAMPLE // 2, 0), max(size - _SAMPLE, 0)}):
        f.seek(start)
        out.append(f.read(_SAMPLE))
    return b"".join(out)


def content_hash(path: os.PathLike[str] | str | storage.ObjectPath, *, parquet: bool) -> str:
    """``xxh64:<hex>`` of the footer (Parquet) or of sampled bytes, mixed with the size."""
    target = storage.to_path(path)
    size = storage.info(target).size
    with storage.open_input(target, block_size=_SAMPLE) as f:
        data = _parquet_footer(f, size) if parquet else None
        kind = "footer" if data is not None else "sample"
        if data is None:
            data = _sampled(f, size)
    h = xxhash.xxh64(seed=0)
    h.update(f"{kind}:{size}:".encode())
    h.update(data)
    return f"xxh64-{kind}:{h.hexdigest()}"


def fingerprint(shard: Shard) -> dict[str, object]:
    """Name, size, modification time and ``content``: a resume over changed inputs is refused.

    A file that cannot be read (e.g. a dangling symlink set aside in quarantine mode)
    gets ``None`` values and ``content: "unreadable"`` instead of an error here.
    """
    try:
        st = storage.info(shard.path)
        content = content_hash(shard.path, parquet=shard.format == "parquet")
    except (OSError, InputError):
        return {"name": shard.name, "size": None, "mtime_ns": None, "content": "unreadable"}
    return {"name": shard.name, "size": st.size, "mtime_ns": st.mtime_ns, "content": content}
