"""Disk-backed scratch arrays whose disk space is reserved before they are used.

A memory-mapped file grown with ``seek`` + ``write`` is *sparse*: its blocks are
allocated only when a page is first written through the mapping. On a full disk
that write cannot fail with an error; the kernel sends ``SIGBUS`` and the driver
dies without a word (the MinHash fit did, on a full output disk). Reserving every
block up front (``posix_fallocate``) turns a full disk into an ``ENOSPC`` here,
before any page is touched, and so into a one-line :class:`OutputError`.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from dataprep.errors import DISK_FULL_HINT, OutputError, is_disk_full

_ZEROS = 1 << 20


def _reserve(fd: int, size: int) -> None:
    """Allocate ``size`` bytes of disk for ``fd`` (zeros written where unsupported)."""
    if hasattr(os, "posix_fallocate"):
        os.posix_fallocate(fd, 0, size)
        return
    os.lseek(fd, 0, os.SEEK_SET)  # pragma: no cover - not Linux
    block = bytes(_ZEROS)  # pragma: no cover
    for lo in range(0, size, _ZEROS):  # pragma: no cover
        os.write(fd, block[: min(_ZEROS, size - lo)])


def open_scratch_npy(path: Path, dtype: type, shape: tuple[int, int], what: str) -> np.ndarray:
    """A writable ``.npy`` memmap at ``path`` whose blocks are all allocated on disk.

    ``what`` names the array in the error a full disk raises ("MinHash signatures").
    """
    array = np.lib.format.open_memmap(path, mode="w+", dtype=dtype, shape=shape)
    size = path.stat().st_size
    try:
        if array.size:
            with open(path, "r+b") as f:
                _reserve(f.fileno(), size)
    except OSError as e:
        del array
        path.unlink(missing_ok=True)
        if is_disk_full(e):
            raise OutputError(
                f"disk full while reserving {size / 1e6:.1f} MB for {what} in {path.parent}; "
                f"{DISK_FULL_HINT}"
            ) from e
        raise OutputError(f"cannot reserve {size / 1e6:.1f} MB for {what} in {path}: {e}") from e
    return array
