"""Near-duplicate ``fit``: LSH candidates, exact Jaccard verification, greedy centers.

Steps (each a pass over data on disk, never all pairs in RAM):

1. Band keys ``(key, gid)`` of every document with at least one shingle are
   spilled into partitions by ``key % partitions``.
2. Each band partition is sorted; documents sharing a key give candidate pairs
   oriented by keep rank (:func:`.lsh.bucket_pairs`: every pair of a bucket of at
   most ``BUCKET_ALL_PAIRS`` documents; a star from the best-ranked member plus a
   chain for larger buckets; with greedy centers, every other pair of a bucket of
   up to ``candidates.SCREEN_CAP`` documents too, flagged *screened*:
   :mod:`.candidates`), spilled into pair partitions.
3. The sorted unique shingle hashes (observation column ``shingle_set``) of every
   document that is in at least one candidate pair are copied into one uint64
   scratch memmap ``_shingles.npy`` (space reserved first, :mod:`.scratch`), and
   the signatures of the members of mid-sized buckets into ``_signatures.npy``.
4. Each pair partition is de-duplicated (a pair is screened only when all its
   copies are); a screened pair goes on only when its signatures agree on enough
   values (:func:`.candidates.agreement_floor`), and every remaining pair is
   verified **exactly**: Jaccard of the two shingle sets (the same normalization
   and n-grams as the signatures), kept when ``>= threshold``.
5. Greedy center clustering over the verified edges in keep order (Broder's
   "no chaining" rule, as in the center clustering of Hassanzadeh et al. 2009,
   "Framework for evaluating clustering algorithms in duplicate detection"):
   each document, best keep rank first, is removed as the duplicate of the
   best-ranked *kept* document it has a verified edge to, else it is kept. So a
   removed document is always ``>= threshold`` similar to the document kept for
   it; chains A~B~C never remove C when C is not similar to a kept document.
   With ``clustering: components`` (datatrove's rule, :func:`component_keepers`)
   every connected component of the edges keeps only its best-ranked document
   instead, so chains are merged; with ``verify: false`` the edges are all the
   candidate pairs, as in datatrove.

Bytes per document (num_perm=128, 16 bands):

* Observation files: 512 B signature + 8 B per *unique shingle* (a ~4 KB
  English document has ~680 word 5-grams: ~5.4 KB; a 60-word one ~0.45 KB).
* RAM: corpus index ~48 B peak while sorting ids, then 8 B keep rank + 8 B
  shingle offset + 8 B ``dup_of`` + 4 B Jaccard + 2 B candidate masks; one
  partition at a time (~128 MiB of spill rows, ~0.4 GB at peak); 20 B per
  verified edge (typically fewer than documents).
* Disk / page cache: 256 B of band spill, the candidate pairs (17 B each),
  8 B per unique shingle of candidate documents only and 512 B per member of a
  mid-sized bucket, deleted when ``fit`` ends.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa

from .candidates import (
    agreement_floor,
    first_of_pairs,
    medium_bucket_pairs,
    screen_cap,
    signature_agreement,
)
from .corpus import Corpus, iter_batches
from .jaccard import pair_jaccard
from .lsh import band_keys, bucket_pairs
from .scratch import open_scratch_npy
from .spill import PartitionedSpill, partition_count
from .unionfind import connected_components

SIGNATURE_COL = "minhash"
SHINGLE_COL = "shingle_set"
BUCKET_ALL_PAIRS = 32
"""Buckets up to this size give every pair (<= 496); larger ones a star and a chain, and
with greedy centers, up to ``candidates.SCREEN_CAP``, every other pair screened."""
_BAND_SCHEMA = pa.schema([("key", pa.uint64()), ("gid", pa.int64())])
_PAIR_SCHEMA = pa.schema([("u", pa.int64()), ("v", pa.int64()), ("screened", pa.bool_())])


@dataclass(frozen=True, kw_only=True)
class NearParams:
    """What ``near_duplicates`` needs from the stage configuration."""

    num_perm: int
    bands: int
    rows: int
    threshold: float
    verify: bool
    clustering: str = "centers"
    """``centers`` (:func:`greedy_centers`) or ``components`` (:func:`component_keepers`)."""


@dataclass
class NearStats:
    """Counters for ``fit_summary``."""

    no_shingle_docs: int = 0
    candidate_pairs: int = 0
    """Distinct candidate pairs from shared band keys."""
    checked_pairs: int = 0
    """Candidate pairs whose exact Jaccard was computed: all but the screened pairs of
    mid-sized buckets whose signatures disagree (:mod:`.candidates`)."""
    accepted_pairs: int = 0
    """Checked pairs with exact Jaccard >= threshold (all if not verifying)."""


@dataclass
class NearResult:
    """Per gid: the gid it duplicates (-1 when kept) and their exact Jaccard (NaN if kept)."""

    dup_of: np.ndarray
    jaccard: np.ndarray


def signature_matrix(column: pa.FixedSizeListArray, num_perm: int) -> tuple[np.ndarray, np.ndarray]:
    """``(valid row indices, (k, num_perm) uint32)`` from a fixed-size-list column."""
    valid = np.flatnonzero(column.is_valid().to_numpy(zero_copy_only=False))
    values = column.values.to_numpy()
    start = column.offset * num_perm
    sig = values[start : start + len(column) * num_perm].reshape(len(column), num_perm)
    return valid, sig[valid]


def _spill_bands(
    paths: Sequence[Path], corpus: Corpus, params: NearParams, spill: PartitionedSpill
) -> int:
    parts = np.uint64(spill.num_partitions)
    no_shingle = 0
    for path, gids in zip(paths, corpus.gid_by_file, strict=True):
        offset = 0
        for batch in iter_batches(path, [SIGNATURE_COL]):
            valid, sig = signature_matrix(batch.column(0), params.num_perm)
            no_shingle += batch.num_rows - len(valid)
            g = gids[offset + valid]
            keys = band_keys(sig, params.bands, params.rows).reshape(-1)
            spill.write(keys % parts, {"key": keys, "gid": np.repeat(g, params.bands)})
            offset += batch.num_rows
    return no_shingle


def _list_parts(column: pa.ListArray) -> tuple[np.ndarray, np.ndarray]:
    """``(offsets relative to values, values)`` of a list<uint64> column (nulls empty)."""
    offsets = column.offsets.to_numpy()
    return offsets - offsets[0], column.values.to_numpy()


class ShingleStore:
    """Sorted unique shingle hashes of the marked documents, in a reserved memmap."""

    def __init__(
        self, paths: Sequence[Path], corpus: Corpus, marked: np.ndarray, path: Path
    ) -> None:
        n = corpus.size
        sizes = np.zeros(n, dtype=np.int64)
        for file, gids in zip(paths, corpus.gid_by_file, strict=True):
            lo = 0
            for batch in iter_batches(file, [SHINGLE_COL]):
                offsets, _ = _list_parts(batch.column(0))
                g = gids[lo : lo + batch.num_rows]
                sizes[g] = np.where(marked[g], np.diff(offsets), 0)
                lo += batch.num_rows
        self.offsets = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(sizes, out=self.offsets[1:])
        del sizes
        self.path = path
        self.values = open_scratch_npy(
            path, np.uint64, (int(self.offsets[-1]), 1), "MinHash shingle hashes"
        ).reshape(-1)
        for file, gids in zip(paths, corpus.gid_by_file, strict=True):
            lo = 0
            for batch in iter_batches(file, [SHINGLE_COL]):
                offsets, values = _list_parts(batch.column(0))
                g = gids[lo : lo + batch.num_rows]
                for i in np.flatnonzero(marked[g]).tolist():
                    d = int(g[i])
                    self.values[self.offsets[d] : self.offsets[d + 1]] = values[
                        offsets[i] : offsets[i + 1]
                    ]
                lo += batch.num_rows

    def jaccard(self, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        """Exact Jaccard of every pair ``(u[i], v[i])`` (on a plain ndarray view: each slice
        of the ``np.memmap`` itself was a new memmap object, ~45% of the fit's time)."""
        return pair_jaccard(self.offsets, np.asarray(self.values), u, v)

    def close(self) -> None:
        del self.values
        self.path.unlink(missing_ok=True)


class SignatureStore:
    """The MinHash signatures of the marked documents (members of mid-sized buckets),
    one row each in a reserved ``(docs, num_perm)`` uint32 memmap."""

    def __init__(
        self, paths: Sequence[Path], corpus: Corpus, marked: np.ndarray, num_perm: int, path: Path
    ) -> None:
        self.docs = np.flatnonzero(marked)
        self.path = path
        self.values = open_scratch_npy(
            path, np.uint32, (len(self.docs), num_perm), "MinHash signatures"
        )
        if not len(self.docs):
            return
        for file, gids in zip(paths, corpus.gid_by_file, strict=True):
            lo = 0
            for batch in iter_batches(file, [SIGNATURE_COL]):
                valid, sig = signature_matrix(batch.column(0), num_perm)
                g = gids[lo + valid]
                want = marked[g]
                self.values[np.searchsorted(self.docs, g[want])] = sig[want]
                lo += batch.num_rows

    def agreement(self, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        """Equal signature values of every pair ``(u[i], v[i])`` of marked documents."""
        iu, iv = np.searchsorted(self.docs, u), np.searchsorted(self.docs, v)
        return signature_agreement(np.asarray(self.values), iu, iv)

    def close(self) -> None:
        """Unmap and delete the scratch file (again: nothing)."""
        self.values = np.empty((0, 0), dtype=np.uint32)
        self.path.unlink(missing_ok=True)


def greedy_centers(rank: np.ndarray, u: np.ndarray, v: np.ndarray, j: np.ndarray) -> NearResult:
    """Keep-order center clustering over edges ``u[i] - v[i]`` with ``rank[u] < rank[v]``.

    Edges are visited by (rank of the later document, rank of the earlier one); a
    document is removed as the duplicate of the first kept document among its
    earlier neighbours. Every earlier document is final when visited, so the result
    depends only on the edge set and the ranks.
    """
    n = len(rank)
    dup_of = np.full(n, -1, dtype=np.int64)
    jac = np.full(n, np.nan, dtype=np.float32)
    order = np.lexsort((rank[u], rank[v]))
    dup = dup_of.tolist()
    uu, vv, jj = u[order].tolist(), v[order].tolist(), j[order].tolist()
    for a, b, s in zip(uu, vv, jj, strict=True):
        if dup[b] < 0 and dup[a] < 0:
            dup[b] = a
            jac[b] = s
    dup_of[:] = dup
    return NearResult(dup_of=dup_of, jaccard=jac)


def component_keepers(
    rank: np.ndarray, u: np.ndarray, v: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Connected components of the edges, each keeping its best-ranked member only.

    Returns ``(removed, kept for it)``: every document with an edge that is not the
    document of least ``rank`` in its component, and that document (datatrove's
    rule: one document per component, however long the chain that joined them).
    """
    nodes = np.unique(np.concatenate((u, v)))
    if not len(nodes):
        return nodes, nodes
    iu, iv = np.searchsorted(nodes, u), np.searchsorted(nodes, v)
    label = connected_components(len(nodes), iu, iv)
    best = np.full(len(nodes), np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(best, label, rank[nodes])
    by_rank = np.full(len(nodes), -1, dtype=np.int64)  # the node of each component's best rank
    first = rank[nodes] == best[label]
    by_rank[label[first]] = nodes[first]
    keeper = by_rank[label]
    removed = nodes != keeper
    return nodes[removed], keeper[removed]


def near_duplicates(
    paths: Sequence[Path], workdir: Path, corpus: Corpus, rank: np.ndarray, params: NearParams
) -> tuple[NearResult, NearStats]:
    """For every document, the kept document it duplicates (or -1), and counters.

    ``rank`` is each gid's position in keep order (0 = kept first).
    """
    n = corpus.size
    stats = NearStats()
    workdir.mkdir(parents=True, exist_ok=True)
    num_parts = partition_count(n * params.bands, 16)
    with PartitionedSpill(workdir, "bands", _BAND_SCHEMA, num_parts) as bands:
        stats.no_shingle_docs = _spill_bands(paths, corpus, params, bands)
    with PartitionedSpill(workdir, "pairs", _PAIR_SCHEMA, num_parts) as pairs:
        marked, in_mid = _spill_pairs(bands, pairs, rank, params)
    sigs = SignatureStore(paths, corpus, in_mid, params.num_perm, workdir / "_signatures.npy")
    del in_mid
    try:
        store = ShingleStore(paths, corpus, marked, workdir / "_shingles.npy")
    except BaseException:
        sigs.close()
        raise
    del marked
    try:
        edges = list(_checked_edges(pairs, sigs, store, n, params, stats))
        sigs.close()
        empty = np.empty(0, dtype=np.int64)
        u = np.concatenate([e[0] for e in edges]) if edges else empty
        v = np.concatenate([e[1] for e in edges]) if edges else empty
        j = np.concatenate([e[2] for e in edges]) if edges else empty.astype(np.float32)
        if params.clustering == "centers":
            return greedy_centers(rank, u, v, j), stats
        del edges, j
        removed, keeper = component_keepers(rank, u, v)
        dup_of = np.full(n, -1, dtype=np.int64)
        jac = np.full(n, np.nan, dtype=np.float32)
        dup_of[removed] = keeper
        jac[removed] = store.jaccard(removed, keeper)
        return NearResult(dup_of=dup_of, jaccard=jac), stats
    finally:
        store.close()
        sigs.close()


def _spill_pairs(
    bands: PartitionedSpill, pairs: PartitionedSpill, rank: np.ndarray, params: NearParams
) -> tuple[np.ndarray, np.ndarray]:
    """Spill every band partition's candidate pairs, the screened ones flagged
    (:mod:`.candidates`; greedy centers only); ``(in a pair, in a screened pair)``."""
    n = len(rank)
    marked = np.zeros(n, dtype=bool)
    in_mid = np.zeros(n, dtype=bool)
    high = screen_cap(params.clustering)
    for _, rows in bands.partitions():
        key, gid = rows["key"], rows["gid"]
        u, v = bucket_pairs(key, gid, rank, BUCKET_ALL_PAIRS)
        mu, mv = medium_bucket_pairs(key, gid, rank, BUCKET_ALL_PAIRS, high)
        marked[u] = marked[v] = in_mid[mu] = in_mid[mv] = True
        screened = np.concatenate((np.zeros(len(u), dtype=bool), np.ones(len(mu), dtype=bool)))
        u, v = np.concatenate((u, mu)), np.concatenate((v, mv))
        pairs.write(u % pairs.num_partitions, {"u": u, "v": v, "screened": screened})
    return marked | in_mid, in_mid


def _checked_edges(
    pairs: PartitionedSpill,
    sigs: SignatureStore,
    store: ShingleStore,
    n: int,
    params: NearParams,
    stats: NearStats,
) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Each pair partition's distinct candidate pairs that pass the signature screen
    (screened pairs only), with their exact Jaccard, kept when ``>= threshold`` (all
    when not verifying)."""
    floor = agreement_floor(params.threshold, params.num_perm)
    for _, rows in pairs.partitions():
        u, v, screened = first_of_pairs(rows["u"], rows["v"], rows["screened"], n)
        stats.candidate_pairs += len(u)
        if screened.any():
            keep = ~screened
            keep[screened] = sigs.agreement(u[screened], v[screened]) >= floor
            u, v = u[keep], v[keep]
        stats.checked_pairs += len(u)
        j = store.jaccard(u, v)
        if params.verify:
            ok = j >= params.threshold - 1e-12
            u, v, j = u[ok], v[ok], j[ok]
        stats.accepted_pairs += len(u)
        yield u, v, j.astype(np.float32)
