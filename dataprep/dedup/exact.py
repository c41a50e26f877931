"""Exact dedup ``fit``: group documents by a 128-bit hash of their normalized text.

``observe`` stores ``xxh3_128`` of the normalized UTF-8 text (16 bytes, null
for a null text, which is never a duplicate). ``fit`` spills (hash, gid) rows
into partitions by hash, then sorts each partition with numpy; documents with
equal hashes form a cluster whose id is its first document in input order.
With 128 bits, the chance of any false collision among 10**10 documents is
~10**-19 (birthday bound n**2 / 2**129).

Memory for 10M documents: spill 24 bytes/doc on disk (one pass), RAM per
partition 24 bytes/row + 8 bytes/row of sort permutation (partitions are sized
to ~256 MiB), plus the corpus index of ``corpus.py`` (~50 bytes/doc) and
8 bytes/doc of cluster labels: well under 1 GB in RAM at 10M documents.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa

from .corpus import Corpus, iter_batches
from .spill import PartitionedSpill, partition_count

HASH_COL = "hash"
_SPILL_SCHEMA = pa.schema([("hi", pa.uint64()), ("lo", pa.uint64()), ("gid", pa.int64())])


def hash_words(column: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """``(valid row indices, (k, 2) uint64 hash words)`` of a binary(16) column."""
    valid = np.flatnonzero(column.is_valid().to_numpy(zero_copy_only=False))
    data = column.buffers()[1]
    words = np.frombuffer(data, dtype=np.uint64, count=2 * len(column), offset=column.offset * 16)
    return valid, words.reshape(-1, 2)[valid]


def exact_labels(paths: Sequence[Path], workdir: Path, corpus: Corpus) -> tuple[np.ndarray, int]:
    """Cluster id (first member's gid) of every document, and the number of null texts."""
    n = corpus.size
    hashed = 0
    labels = np.arange(n, dtype=np.int64)
    num_parts = partition_count(n, 24)
    with PartitionedSpill(workdir, "exact", _SPILL_SCHEMA, num_parts) as spill:
        for path, gids in zip(paths, corpus.gid_by_file, strict=True):
            offset = 0
            for batch in iter_batches(path, [HASH_COL]):
                column = batch.column(0)
                valid, words = hash_words(column)
                spill.write(
                    words[:, 0] % np.uint64(num_parts),
                    {"hi": words[:, 0], "lo": words[:, 1], "gid": gids[offset + valid]},
                )
                offset += batch.num_rows
                hashed += len(valid)
    for _, rows in spill.partitions():
        hi, lo, gid = rows["hi"], rows["lo"], rows["gid"]
        order = np.lexsort((gid, lo, hi))
        hi, lo, gid = hi[order], lo[order], gid[order]
        new_group = np.ones(len(gid), dtype=bool)
        new_group[1:] = (hi[1:] != hi[:-1]) | (lo[1:] != lo[:-1])
        start = np.where(new_group, np.arange(len(gid)), 0)
        np.maximum.accumulate(start, out=start)
        labels[gid] = gid[start]
    return labels, n - hashed
