"""Near-duplicate evidence: sampled removed duplicates beside the document kept for them.

For each dedup stage (a global stage whose summary has a ``cluster_size_histogram``):

* **pairs**: the ``PAIRS_PER_STAGE`` removed documents with the smallest id hash (as
  in :mod:`.samples`), each with the document kept for it, found at report time in
  the output: by its id (the ``dup_of`` column the MinHash stage writes) among the
  documents that got past the stage (``data/`` and ``removed/LATER``), or, for a
  stage that writes no ``dup_of`` (exact dedup), by the shared ``dup_cluster``
  label when no later dedup stage has overwritten that column. Each pair gets the
  stage's own Jaccard (``dup_jaccard``, on its normalized shingles), and the
  report's recomputation on the two stored texts: the exact Jaccard of their word
  5-gram sets and its MinHash estimate (128 permutations), plus a word-level diff
  (:mod:`difflib`) of the first ``DIFF_WORDS`` words;
* **examples**: per cluster-size bucket of the histogram, one cluster (that of the
  smallest-hash removed member in the bucket) with up to ``CLUSTER_MEMBERS`` of its
  members and its kept document.

Everything is streamed column-projected; only the chosen rows' texts are read.
"""

from __future__ import annotations

import difflib
import heapq
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import xxhash

from dataprep.output.columns import LANG_COLUMN, REPEAT_PUBLIC_COL
from dataprep.output.reader import Output, PartFile, iter_batches
from dataprep.report.samples import key_of, texts_at

PAIRS_PER_STAGE = 5
CLUSTER_MEMBERS = 6
#: Words of each document compared by the diff (difflib is quadratic in the worst case).
DIFF_WORDS = 2000
#: Characters of diff text kept per pair (equal runs are shortened first).
DIFF_CHARS = 2500
#: Words of context kept around a change in an unchanged run.
CONTEXT_WORDS = 8
SNIPPET_CHARS = 300
SHINGLE_WORDS = 5
NUM_PERM = 128

DUP_OF = "dup_of"
DUP_JACCARD = "dup_jaccard"
DUP_CLUSTER = "dup_cluster"
DUP_CLUSTER_SIZE = "dup_cluster_size"


@dataclass(order=True)
class _Row:
    """A removed duplicate found in ``removed/STAGE`` (ordered by sample key)."""

    key: tuple[int, int, int]
    part: int = field(compare=False)
    row: int = field(compare=False)
    id: str | None = field(compare=False)
    lang: str | None = field(compare=False)
    dup_of: str | None = field(compare=False)
    jaccard: float | None = field(compare=False)
    cluster: int | None = field(compare=False)
    size: int | None = field(compare=False)


def _bucket_range(label: str) -> tuple[int, int]:
    lo, _, hi = str(label).partition("-")
    try:
        return int(lo), int(hi or lo)
    except ValueError:
        return 0, -1


def _values(batch: Any, name: str) -> list[Any]:
    if name in batch.schema.names:
        return list(batch.column(name).to_pylist())
    return [None] * batch.num_rows


def _scan_removed(
    out: Output, parts: Sequence[PartFile], buckets: list[str]
) -> tuple[list[_Row], dict[str, _Row]]:
    """The sampled pairs' rows, and per bucket the smallest-key removed row."""
    heap: list[tuple[tuple[int, int, int], _Row]] = []
    best: dict[str, _Row] = {}
    ranges = {b: _bucket_range(b) for b in buckets}
    cols = [out.id_column, LANG_COLUMN, REPEAT_PUBLIC_COL, DUP_OF, DUP_JACCARD]
    cols += [DUP_CLUSTER, DUP_CLUSTER_SIZE]
    for p, part in enumerate(parts):
        row = 0
        for batch in iter_batches(out, part, cols):
            v = {c: _values(batch, c) for c in cols}
            for i in range(batch.num_rows):
                if v[REPEAT_PUBLIC_COL][i]:
                    continue
                doc_id = None if v[out.id_column][i] is None else str(v[out.id_column][i])
                key = (key_of(doc_id, part, row + i), p, row + i)
                r = _Row(
                    key,
                    p,
                    row + i,
                    doc_id,
                    v[LANG_COLUMN][i],
                    v[DUP_OF][i],
                    v[DUP_JACCARD][i],
                    v[DUP_CLUSTER][i],
                    v[DUP_CLUSTER_SIZE][i],
                )
                neg = (-key[0], -key[1], -key[2])
                if len(heap) < PAIRS_PER_STAGE:
                    heapq.heappush(heap, (neg, r))
                elif neg > heap[0][0]:
                    heapq.heapreplace(heap, (neg, r))
                for b, (lo, hi) in ranges.items():
                    if (
                        r.size is not None
                        and lo <= r.size <= hi
                        and (b not in best or key < best[b].key)
                    ):
                        best[b] = r
            row += batch.num_rows
    return sorted(r for _, r in heap), best


def _members(out: Output, parts: Sequence[PartFile], clusters: set[int]) -> dict[int, list[_Row]]:
    """Up to CLUSTER_MEMBERS removed members of each wanted cluster, in output order."""
    found: dict[int, list[_Row]] = {c: [] for c in clusters}
    if not clusters:
        return found
    for p, part in enumerate(parts):
        row = 0
        for batch in iter_batches(out, part, [out.id_column, LANG_COLUMN, DUP_CLUSTER]):
            ids, langs = _values(batch, out.id_column), _values(batch, LANG_COLUMN)
            for i, c in enumerate(_values(batch, DUP_CLUSTER)):
                if c in found and len(found[c]) < CLUSTER_MEMBERS:
                    doc_id = None if ids[i] is None else str(ids[i])
                    found[c].append(
                        _Row((0, p, row + i), p, row + i, doc_id, langs[i], None, None, c, None)
                    )
            row += batch.num_rows
    return found


def _find_kept(
    out: Output, later: Sequence[PartFile], column: str, wanted: set[Any]
) -> dict[Any, tuple[int, int, str | None, str | None]]:
    """``value -> (part index in later, row, id, lang)`` of the first original (not an
    up-sampled copy) document whose ``column`` is one of ``wanted``."""
    found: dict[Any, tuple[int, int, str | None, str | None]] = {}
    if not wanted:
        return found
    cols = [column, out.id_column, LANG_COLUMN, REPEAT_PUBLIC_COL]
    for p, part in enumerate(later):
        if column not in out.schema(part).names:
            continue
        row = 0
        # dup_of names ids as strings (an integer id column is compared as text)
        as_text = isinstance(next(iter(wanted)), str)
        kind = pa.string() if as_text else out.schema(part).field(column).type
        value_set = pa.array(sorted(wanted), type=kind)
        for batch in iter_batches(out, part, cols):
            # only the (few) matching rows are looked at in Python
            values = batch.column(column).cast(kind) if as_text else batch.column(column)
            hits = np.flatnonzero(
                pc.is_in(values, value_set=value_set)
                .fill_null(False)
                .to_numpy(zero_copy_only=False)
            )
            if hits.size:
                sub = batch.take(pa.array(hits))
                vals, reps = (
                    values.take(pa.array(hits)).to_pylist(),
                    _values(sub, REPEAT_PUBLIC_COL),
                )
                ids, langs = _values(sub, out.id_column), _values(sub, LANG_COLUMN)
                for k, value in enumerate(vals):
                    if value not in found and not reps[k]:
                        doc_id = None if ids[k] is None else str(ids[k])
                        found[value] = (p, row + int(hits[k]), doc_id, langs[k])
            row += batch.num_rows
            if len(found) == len(wanted):
                return found
    return found


def shingles(text: str, n: int = SHINGLE_WORDS) -> set[str]:
    """Word ``n``-grams of the case-folded, whitespace-split text (the whole text if shorter)."""
    words = text.casefold().split()
    if len(words) < n:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i : i + n]) for i in range(len(words) - n + 1)}


def exact_jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / max(len(a | b), 1)


_MIX = np.uint64(0x9E3779B97F4A7C15)


def minhash(items: set[str], num_perm: int = NUM_PERM) -> np.ndarray:
    """``num_perm`` minimum hashes of a set (xxh64 of each item, mixed per permutation)."""
    if not items:
        return np.full(num_perm, np.iinfo(np.uint64).max, dtype=np.uint64)
    base = np.array(
        sorted(xxhash.xxh64_intdigest(s.encode("utf-8", "surrogatepass")) for s in items),
        dtype=np.uint64,
    )
    seeds = np.arange(1, num_perm + 1, dtype=np.uint64) * _MIX
    with np.errstate(over="ignore"):
        h = (base[:, None] ^ seeds[None, :]) * _MIX
        h ^= h >> np.uint64(31)
        h *= np.uint64(0xBF58476D1CE4E5B9)
        h ^= h >> np.uint64(29)
    result: np.ndarray = h.min(axis=0)
    return result


def estimated_jaccard(a: set[str], b: set[str]) -> float:
    if not a and not b:
        return 0.0
    return float(np.mean(minhash(a) == minhash(b)))


def _shorten(words: list[str], first: bool, last: bool) -> str:
    """An unchanged run, cut to its context words next to the changes."""
    if len(words) <= 2 * CONTEXT_WORDS + 1:
        return " ".join(words)
    head = [] if first else words[:CONTEXT_WORDS]
    tail = [] if last else words[-CONTEXT_WORDS:]
    cut = len(words) - len(head) - len(tail)
    return " ".join([*head, f"[… {cut} equal words …]", *tail])


def word_diff(removed: str, kept: str) -> dict[str, Any]:
    """Word-level diff of two texts: ``ops`` of ``[tag, removed words, kept words]``
    (tag ``equal``/``delete``/``insert``/``replace``; an ``equal`` run is given once,
    shortened to its context), bounded in words and characters."""
    a, b = removed.split(), kept.split()
    cut = len(a) > DIFF_WORDS or len(b) > DIFF_WORDS
    a, b = a[:DIFF_WORDS], b[:DIFF_WORDS]
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    codes = matcher.get_opcodes()
    ops: list[list[str]] = []
    budget, clipped = DIFF_CHARS, False
    for k, (tag, i1, i2, j1, j2) in enumerate(codes):
        if tag == "equal":
            text = _shorten(a[i1:i2], k == 0, k == len(codes) - 1)
            item = [tag, text, ""]
        else:
            item = [tag, " ".join(a[i1:i2]), " ".join(b[j1:j2])]
        size = len(item[1]) + len(item[2])
        if size > budget:
            clipped = True
            break
        budget -= size
        ops.append(item)
    changed = sum(max(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2 in codes if tag != "equal")
    return {"ops": ops, "changed_words": changed, "truncated": cut or clipped}


def _doc(
    doc_id: str | None, lang: str | None, text: str | None, chars: int = SNIPPET_CHARS
) -> dict[str, Any]:
    body = text or ""
    return {
        "id": doc_id,
        "lang": lang,
        "chars": len(body),
        "truncated": len(body) > chars,
        "text": body[:chars] if text is not None else None,
    }


def _later_parts(out: Output, stage: str) -> list[PartFile]:
    """Parts holding the documents that got past ``stage`` (kept, or removed later)."""
    names = out.stage_names
    files = out.kept_files()
    for name in names[names.index(stage) + 1 :] if stage in names else []:
        files += out.removed_files(name)
    return files


def _later_dedup(out: Output, stage: str) -> str | None:
    """A dedup stage after ``stage`` (it rewrites the ``dup_cluster`` column), if any."""
    names = out.stage_names
    summaries = out.stats.get("global_stages", {})
    for name in names[names.index(stage) + 1 :] if stage in names else []:
        s = summaries.get(name)
        if isinstance(s, dict) and "cluster_size_histogram" in s:
            return name
    return None


@dataclass
class _Texts:
    """Texts to read: ``(parts, part index, row) -> text``, read part by part at the end."""

    wanted: dict[tuple[int, int, int], str | None] = field(default_factory=dict)

    def ask(self, group: int, part: int, row: int) -> tuple[int, int, int]:
        self.wanted.setdefault((group, part, row), None)
        return (group, part, row)

    def read(self, out: Output, groups: Sequence[Sequence[PartFile]]) -> None:
        for g, parts in enumerate(groups):
            for p in sorted({p for gg, p, _ in self.wanted if gg == g}):
                rows = sorted(r for gg, pp, r in self.wanted if gg == g and pp == p)
                for r, text in texts_at(out, parts[p], rows).items():
                    self.wanted[(g, p, r)] = text


def _partner_method(
    out: Output, stage: str, removed: Sequence[PartFile]
) -> tuple[str | None, str | None]:
    """How the kept document of a removed one is found, and a note when it is not."""
    names = {n for p in removed for n in out.schema(p).names}
    if DUP_OF in names:
        return DUP_OF, None
    note = f"{stage} records no {DUP_OF} column (the id of the document kept for each duplicate)."
    later = _later_dedup(out, stage)
    if DUP_CLUSTER not in names:
        return None, note + " Its removed documents carry no cluster label either."
    if later is not None:
        return None, (
            note + f" Its {DUP_CLUSTER} labels were overwritten on the kept documents by the later "
            f"dedup stage {later}, so the kept document cannot be shown."
        )
    return DUP_CLUSTER, note + f" The kept document is the one sharing its {DUP_CLUSTER} label."


def _pair(
    r: _Row, kept: tuple[int, int, str | None, str | None] | None, texts: _Texts
) -> dict[str, Any]:
    removed_text = texts.wanted.get((0, r.part, r.row))
    pair: dict[str, Any] = {
        "removed": _doc(r.id, r.lang, removed_text),
        "kept": None,
        "dup_of": r.dup_of,
        "cluster_size": r.size,
        "stage_jaccard": r.jaccard,
        "exact_jaccard": None,
        "estimated_jaccard": None,
        "diff": None,
    }
    if kept is None:
        return pair
    kept_text = texts.wanted.get((1, kept[0], kept[1]))
    pair["kept"] = _doc(kept[2], kept[3], kept_text)
    if removed_text is not None and kept_text is not None:
        a, b = shingles(removed_text), shingles(kept_text)
        pair["exact_jaccard"] = exact_jaccard(a, b)
        pair["estimated_jaccard"] = estimated_jaccard(a, b)
        pair["diff"] = word_diff(removed_text, kept_text)
    return pair


def duplicate_evidence(out: Output, stage: str, buckets: list[str]) -> dict[str, Any]:
    """Pairs and per-bucket example clusters of dedup stage ``stage`` (module doc)."""
    removed = out.removed_files(stage)
    later = _later_parts(out, stage)
    method, note = _partner_method(out, stage, removed)
    pairs, best = _scan_removed(out, removed, buckets)
    members = _members(out, removed, {r.cluster for r in best.values() if r.cluster is not None})
    want_kept: set[Any] = set()
    if method is not None:
        attr = "dup_of" if method == DUP_OF else "cluster"
        want_kept = {getattr(r, attr) for r in [*pairs, *best.values()]} - {None}
    column = out.id_column if method == DUP_OF else DUP_CLUSTER
    kept = _find_kept(out, later, column, want_kept) if method else {}
    texts = _Texts()
    for r in [*pairs, *(m for ms in members.values() for m in ms)]:
        texts.ask(0, r.part, r.row)
    for p, row, _, _ in kept.values():
        texts.ask(1, p, row)
    texts.read(out, [removed, later])

    def kept_of(r: _Row) -> tuple[int, int, str | None, str | None] | None:
        if method is None:
            return None
        return kept.get(r.dup_of if method == DUP_OF else r.cluster)

    missing = [r for r in pairs if method is not None and kept_of(r) is None]
    if missing and note is None:
        note = (
            f"{len(missing)} of the sampled documents' kept partners are not in the output: "
            "removed later by a stage whose removed documents were not kept."
        )
    textless = [
        r
        for r in pairs
        if (k := kept_of(r)) is not None
        and later[k[0]].stage is not None
        and texts.wanted.get((1, k[0], k[1])) is None
    ]
    if textless:
        said = (
            f"{len(textless)} of the sampled documents' kept partners were removed later by a "
            "stage that wrote them without text (output.keep_removed: ids): no text to show."
        )
        note = said if note is None else f"{note} {said}"
    examples = {}
    for b, r in best.items():
        k = kept_of(r)
        examples[b] = {
            "cluster": r.cluster,
            "size": r.size,
            "kept": None if k is None else _doc(k[2], k[3], texts.wanted.get((1, k[0], k[1]))),
            "removed": [
                _doc(m.id, m.lang, texts.wanted.get((0, m.part, m.row)))
                for m in members.get(r.cluster or 0, [])
            ],
        }
    return {
        "partner_by": method,
        "note": note,
        "pairs": [_pair(r, kept_of(r), texts) for r in pairs],
        "examples": examples,
    }
