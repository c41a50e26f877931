"""Near-duplicate ``fit``: LSH candidates from spilled band keys, verified, then unioned.

Steps (each a pass over data on disk, never all pairs in RAM):

1. Signatures from the observation files are copied into one uint32 matrix
   ``_signatures.npy`` in the work folder, row = input-order rank (gid), as a
   numpy memmap: it lives in the page cache, not in the process heap. Its disk
   space is reserved first (:mod:`.scratch`), so a full disk is an error, not SIGBUS.
2. Band keys ``(key, gid)`` of every document with at least one shingle are
   spilled into partitions by ``key % partitions``.
3. Each partition is sorted; documents sharing a key give linear bucket edges
   (``lsh.bucket_edges``); edges already inside one component are skipped; the
   rest are verified (estimated Jaccard >= threshold, from the memmap) and
   merged into the components (``unionfind.Components``).

Bytes per document (num_perm=128, 16 bands, keep=first):

* RAM: corpus index ~48 B peak while sorting ids (16 ids + 8 + 8 + 8 length +
  4 language), then 8 B component parent + 1 B kept mask; plus one partition
  at a time: its spill rows (16 B each, ~128 MiB per partition) are read
  (Arrow, then numpy) and sorted, ~45 B per row at peak, i.e. ~0.4 GB whatever
  the corpus size, and ~50 B per candidate edge of that partition.
* Disk / page cache: 512 B of signature (4 B x 128) + 256 B of band spill
  (16 B x 16 bands), deleted when ``fit`` ends.

Measured (``benchmarks/bench_dedup.py --docs 1000000``, 1M short documents,
one 256 MiB partition at the time): numpy peak 712 B/doc, i.e. ~0.7 GB, all of
it the one partition's sort; Arrow pool +0.4 GB while reading it; RSS growth
1.6 KB/doc including the touched signature memmap pages (512 B/doc).

Worked example, 10M documents on a 24 GB machine: RAM ~10M x 57 B = 0.6 GB
for the per-document state + ~0.6 GB for one 128 MiB partition and its edges;
signature memmap 10M x 512 B = 5.1 GB (page cache, reclaimable; edges are
verified in gid order so paging stays local); spill 10M x 256 B = 2.6 GB on
disk in 20 partitions. Peak RSS ~1.5 GB + ~5 GB of page cache: fits 24 GB
with room to spare; 100M documents need ~6 GB RAM + 51 GB of disk-backed
signatures and 26 GB of spill.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa

from .corpus import Corpus, iter_batches
from .lsh import band_keys, bucket_edges, unique_edges
from .minhash import estimate_jaccard
from .scratch import open_scratch_npy
from .spill import PartitionedSpill, partition_count
from .unionfind import Components

SIGNATURE_COL = "minhash"
_SPILL_SCHEMA = pa.schema([("key", pa.uint64()), ("gid", pa.int64())])
_VERIFY_CHUNK = 1 << 15


@dataclass(frozen=True, kw_only=True)
class NearParams:
    """What ``near_labels`` needs from the stage configuration."""

    num_perm: int
    bands: int
    rows: int
    threshold: float
    verify: bool


@dataclass
class NearStats:
    """Counters for ``fit_summary``."""

    no_shingle_docs: int = 0
    candidate_pairs: int = 0
    """Distinct edges from shared band keys (summed over partitions)."""
    checked_pairs: int = 0
    """Candidates whose documents were not already in one component."""
    accepted_pairs: int = 0
    """Checked candidates merged (estimated Jaccard >= threshold, or all if not verifying)."""


def signature_matrix(column: pa.FixedSizeListArray, num_perm: int) -> tuple[np.ndarray, np.ndarray]:
    """``(valid row indices, (k, num_perm) uint32)`` from a fixed-size-list column."""
    valid = np.flatnonzero(column.is_valid().to_numpy(zero_copy_only=False))
    values = column.values.to_numpy()
    start = column.offset * num_perm
    sig = values[start : start + len(column) * num_perm].reshape(len(column), num_perm)
    return valid, sig[valid]


def _spill_bands(
    paths: Sequence[Path],
    corpus: Corpus,
    params: NearParams,
    sigs: np.ndarray,
    spill: PartitionedSpill,
    stats: NearStats,
) -> None:
    parts = np.uint64(spill.num_partitions)
    for path, gids in zip(paths, corpus.gid_by_file, strict=True):
        offset = 0
        for batch in iter_batches(path, [SIGNATURE_COL]):
            valid, sig = signature_matrix(batch.column(0), params.num_perm)
            stats.no_shingle_docs += batch.num_rows - len(valid)
            g = gids[offset + valid]
            sigs[g] = sig
            keys = band_keys(sig, params.bands, params.rows).reshape(-1)
            spill.write(keys % parts, {"key": keys, "gid": np.repeat(g, params.bands)})
            offset += batch.num_rows


def _verified(u: np.ndarray, v: np.ndarray, sigs: np.ndarray, threshold: float) -> np.ndarray:
    ok = np.empty(len(u), dtype=bool)
    for lo in range(0, len(u), _VERIFY_CHUNK):
        hi = lo + _VERIFY_CHUNK
        # small tolerance so that e.g. 0.8 * 128 agreeing positions counts as 0.8
        ok[lo:hi] = estimate_jaccard(sigs[u[lo:hi]], sigs[v[lo:hi]]) >= threshold - 1e-9
    return ok


def near_labels(
    paths: Sequence[Path], workdir: Path, corpus: Corpus, params: NearParams
) -> tuple[np.ndarray, NearStats]:
    """Cluster id (first member's gid) of every document, and counters."""
    n = corpus.size
    stats = NearStats()
    comp = Components(n)
    workdir.mkdir(parents=True, exist_ok=True)
    sig_path = workdir / "_signatures.npy"
    sigs = open_scratch_npy(sig_path, np.uint32, (n, params.num_perm), "MinHash signatures")
    try:
        num_parts = partition_count(n * params.bands, 16)
        with PartitionedSpill(workdir, "bands", _SPILL_SCHEMA, num_parts) as spill:
            _spill_bands(paths, corpus, params, sigs, spill, stats)
        for _, rows in spill.partitions():
            u, v = bucket_edges(rows["key"], rows["gid"])
            u, v = unique_edges(u, v, max(n, 1))
            stats.candidate_pairs += len(u)
            open_ = comp.root(u) != comp.root(v)
            u, v = u[open_], v[open_]
            stats.checked_pairs += len(u)
            if params.verify and len(u):
                ok = _verified(u, v, sigs, params.threshold)
                u, v = u[ok], v[ok]
            stats.accepted_pairs += len(u)
            comp.union(u, v)
    finally:
        del sigs
        sig_path.unlink(missing_ok=True)
    return comp.labels(), stats
