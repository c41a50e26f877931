"""Connected components of the verified MinHash edges, within a driver memory budget.

Greedy center clustering (``near_partitioned.py``) decides each connected component
of the verified-edge graph on its own, so once every edge carries its component's
label the greedy step runs as one executor task per label partition. The labels
(a component is named by its smallest gid) come from one of two methods, chosen by
the number of documents with an edge (``endpoints``, an upper bound summed over the
verify tasks) against the stage's ``driver_budget_bytes``:

* **On the driver**, when ``endpoints * DRIVER_BYTES_PER_DOC <= budget``: the sorted
  ids of those documents (8 B each) and an array union-find over them (``parent``,
  8 B each; ``unionfind.py``; :data:`DRIVER_BYTES_PER_DOC` at the peak), fed by
  verify files in batches of ~n/8 edges. It writes one
  label file of ``(node, label)`` rows for every node that is not its component's
  smallest.
* **As executor tasks** otherwise: large-star / small-star rounds (Kiveris et al.
  2014, "Connected Components in MapReduce and Beyond") over edges partitioned by
  node, until a round changes no edge; the graph is then a star per component,
  centred on its smallest node. The driver holds only the tasks' counters.
  A path of n documents takes O(log n) rounds; each round reads and writes every
  edge twice (~16 B per edge and orientation).

Both write rows ``(key, other)`` routed by ``key % partitions`` from which a node's
label is ``min(node, others)``, so the ``join`` step that follows reads either.
The result is the same (the smallest member of each component) either way.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from dataprep.io.shuffle import ShuffleWriter, read_partition, read_shuffle_file
from dataprep.stages.fit import FitEnv, FitRunner

from .partitioned import column
from .unionfind import Components

#: Driver bytes per document with a verified edge for the array union-find: it keeps
#: sorted ids and parents (16 B); merging the ids, compressing the parents (one more
#: array) and a batch of n/8 edges with the union's temporaries (~40 B per edge) peak
#: at ~36 B of numpy arrays (tracemalloc) and ~58 B of resident memory (1.7M
#: documents with an edge in 10M, edge files memory-mapped), rounded up here.
DRIVER_BYTES_PER_DOC = 64
#: Large-star/small-star rounds before giving up (a path of 2**40 nodes needs ~80).
MAX_ROUNDS = 200
KEY, OTHER = "key", "other"
_I64 = pa.int64()


def write_routed(path: Path, parts: int, key: np.ndarray, other: np.ndarray) -> None:
    """A shuffle file of ``(key, other)`` rows, each to partition ``key % parts``."""
    writer = ShuffleWriter(path, parts)
    batch = pa.record_batch({KEY: pa.array(key, _I64), OTHER: pa.array(other, _I64)})
    writer.write((key % parts).astype(np.uint64), batch)
    writer.close()
    writer.commit()


def _edges(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct undirected edges ``(lo, hi)``, self-loops dropped, sorted."""
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    keep = lo != hi
    lo, hi = lo[keep], hi[keep]
    order = np.lexsort((hi, lo))
    lo, hi = lo[order], hi[order]
    first = np.ones(len(lo), dtype=bool)
    first[1:] = (lo[1:] != lo[:-1]) | (hi[1:] != hi[:-1])
    return lo[first], hi[first]


def _groups(key: np.ndarray, other: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows sorted by ``(key, other)``, de-duplicated; ``(key, other, group start)``."""
    order = np.lexsort((other, key))
    key, other = key[order], other[order]
    keep = np.ones(len(key), dtype=bool)
    keep[1:] = (key[1:] != key[:-1]) | (other[1:] != other[:-1])
    key, other = key[keep], other[keep]
    new = np.ones(len(key), dtype=bool)
    new[1:] = key[1:] != key[:-1]
    return key, other, np.flatnonzero(new)


def _read(paths: Sequence[Path], part: int) -> tuple[np.ndarray, np.ndarray]:
    pieces = read_partition(paths, part, [KEY, OTHER])
    return column(pieces, KEY, np.int64), column(pieces, OTHER, np.int64)


def _both(lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return np.concatenate((lo, hi)), np.concatenate((hi, lo))


def cc_task(env: FitEnv, step: str, part: int, params: dict[str, Any]) -> dict[str, Any]:
    """One task of a round: ``kind`` ``in`` (verified edges, both orientations),
    ``large`` or ``small`` star, reading partition ``part`` of ``source``'s files."""
    parts = env.partitions
    sources = [env.step_file(params["source"], i) for i in range(params["count"])]
    out = env.step_file(step, part)
    if params["kind"] == "in":
        pieces = read_partition(sources, part, ["u", "v"])
        lo, hi = _edges(column(pieces, "u", np.int64), column(pieces, "v", np.int64))
        write_routed(out, parts, *_both(lo, hi))
        return {"changed": len(lo), "edges": len(lo)}
    key, other, starts = _groups(*_read(sources, part))
    if not len(key):
        return {"changed": 0, "edges": 0}
    sizes = np.diff(np.append(starts, len(key)))
    group = np.repeat(np.arange(len(starts)), sizes)
    least = np.minimum(key[starts], np.minimum.reduceat(other, starts))[group]
    if params["kind"] == "large":
        # every larger neighbour v of u is linked to m(u) = min(u, neighbours of u)
        emit = other > key
        changed = int(np.count_nonzero(emit & (least != key)))
        lo, hi = _edges(other[emit], least[emit])
        write_routed(out, parts, hi, lo)  # to the larger end: the small star's input
    else:
        # rows are u's smaller neighbours: all of them and u are linked to their min
        changed = int(sizes[sizes > 1].sum())
        lo, hi = _edges(
            np.concatenate((other, key[starts])), np.concatenate((least, least[starts]))
        )
        write_routed(out, parts, *_both(lo, hi))
    return {"changed": changed, "edges": len(lo)}


def driver_components(env: FitEnv, sources: Sequence[Path], step: str) -> dict[str, Any]:
    """Array union-find over the documents with an edge; the label file (driver step)."""
    files = [p for p in sources if p.exists()]
    ids = np.empty(0, dtype=np.int64)
    pending: list[np.ndarray] = []
    for i, path in enumerate(files):
        t = read_shuffle_file(path, ["u", "v"])
        pending.append(np.unique(np.concatenate([t.column(c).to_numpy() for c in ("u", "v")])))
        # merged when a quarter of the ids or 1M: ~30 B per document at the last merge
        if sum(map(len, pending)) * 4 >= max(len(ids), 1 << 22) or i == len(files) - 1:
            ids = np.unique(np.concatenate([ids, *pending]))
            pending = []
    comp = Components(len(ids))
    batch: list[tuple[np.ndarray, np.ndarray]] = []
    for i, path in enumerate(files):
        t = read_shuffle_file(path, ["u", "v"])
        u, v = t.column("u").to_numpy(), t.column("v").to_numpy()
        batch.append((np.searchsorted(ids, u), np.searchsorted(ids, v)))
        # union in batches of ~n/8 edges: a union pass costs O(n) whatever its size
        if sum(len(a) for a, _ in batch) * 8 >= len(ids) or i == len(files) - 1:
            comp.union(np.concatenate([a for a, _ in batch]), np.concatenate([b for _, b in batch]))
            batch = []
    label = ids[comp.labels()]
    del comp  # the parents
    moved = label != ids
    write_routed(env.step_file(step, 0), env.partitions, ids[moved], label[moved])
    return {"documents": len(ids), "components": int(len(ids) - moved.sum())}


def find_components(
    runner: FitRunner, sources: str, count: int, endpoints: int, budget: int
) -> tuple[str, int]:
    """Label files for the edges in ``count`` files of step ``sources``: the step
    whose files hold them and their number (see the module docstring)."""
    env = runner.env
    if endpoints * DRIVER_BYTES_PER_DOC <= budget:
        files = [env.step_file(sources, i) for i in range(count)]
        runner.once("components", lambda: driver_components(env, files, "components"))
        return "components", 1
    parts = env.partitions
    runner.map("cc-in", parts, {"kind": "in", "source": sources, "count": count})
    source = "cc-in"
    for r in range(MAX_ROUNDS):
        large = runner.map(
            f"cc-large-{r}", parts, {"kind": "large", "source": source, "count": parts}
        )
        source = f"cc-small-{r}"
        small = runner.map(
            source, parts, {"kind": "small", "source": f"cc-large-{r}", "count": parts}
        )
        if not any(t["changed"] for t in (*large, *small)):
            return source, parts
    raise RuntimeError(f"connected components did not converge in {MAX_ROUNDS} rounds")


def labels_of(env: FitEnv, step: str, count: int, part: int, nodes: np.ndarray) -> np.ndarray:
    """The component label of each of ``nodes`` (all with ``node % partitions == part``)."""
    key, other = _read([env.step_file(step, i) for i in range(count)], part)
    label = nodes.copy()
    if len(key):
        keys, inv = np.unique(key, return_inverse=True)
        least = keys.copy()
        np.minimum.at(least, inv, other)
        at = np.minimum(np.searchsorted(keys, nodes), len(keys) - 1)
        hit = keys[at] == nodes
        label[hit] = np.minimum(nodes[hit], least[at[hit]])
    return label


__all__ = ["DRIVER_BYTES_PER_DOC", "cc_task", "find_components", "labels_of"]
