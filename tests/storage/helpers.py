"""What the storage tests compare: the bytes of an output folder's data and records."""

from __future__ import annotations

import hashlib
from pathlib import Path


def output_bytes(root: Path) -> dict[str, str]:
    """sha256 of every part file and of stats.json, by path relative to ``root``."""
    files = [*root.glob("data/*.parquet"), *root.glob("signals/*.parquet")]
    files += [*root.glob("removed/*/*.parquet"), root / "stats.json"]
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(files)
    }
