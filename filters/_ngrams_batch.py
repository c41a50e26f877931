"""N-gram repetition measures for many documents at once (numpy, imported lazily).

The fast path of :func:`filters._ngrams.repetition_chars`, giving the same integers
for every document. Nothing is hashed lossily, so the result never depends on the
process (``PYTHONHASHSEED``) and no collision can change a decision:

1. every token gets an integer id from a dictionary of the token strings (exact):
   ``repetition_chars_ids`` takes the ids of a ``filters._table.TokenTable``,
   ``repetition_chars_batch`` builds them from token lists; the documents' tokens
   are laid end to end and cut into chunks of about ``CHUNK_TOKENS``;
2. n-grams are numbered level by level: the key of the n-gram at ``i`` is
   ``code[n-1](i) * n_ids + id(i + n - 1)`` (exact in int64: codes are below
   the token count, ids below ``n_ids``), and an Arrow dictionary encoding of the keys gives
   dense codes in order of first appearance. The 1-gram key includes the
   document, so equal codes mean equal n-grams *in the same document*; a 2-gram
   spanning two documents gets a unique negative key;
3. only **repeated** n-grams are carried to the next level: an n-gram can repeat
   only if the (n-1)-grams at ``i`` and ``i + 1`` both repeat, so the work shrinks
   quickly with ``n`` (and never crosses a document again). A document without
   repeated n-grams has top count 1 (its first n-gram wins the tie) and no
   duplicated characters.

The greedy duplicate scan (datatrove's ``find_all_duplicate``) then runs over the
repeated n-grams only (:func:`_dup_greedy`).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from itertools import chain, count
from typing import Any

#: Tokens per chunk: small enough for the hash tables to stay in cache.
CHUNK_TOKENS = 1 << 14


def _encode(values: Any) -> Any:
    """Dense int64 codes of ``values`` in order of first appearance (exact)."""
    import numpy as np
    import pyarrow as pa

    return np.asarray(pa.array(values).dictionary_encode().indices).astype(np.int64)


def repetition_chars_batch(
    token_lists: Sequence[list[str]], top_ns: tuple[int, ...], dup_ns: tuple[int, ...]
) -> tuple[dict[int, Any], dict[int, Any]]:
    """Per n, int64 arrays (one entry per document) of ``repetition_chars``'s values."""
    import numpy as np

    n_tok = np.fromiter(map(len, token_lists), dtype=np.int64, count=len(token_lists))
    flat = list(chain.from_iterable(token_lists))
    first_seen: dict[str, int] = {}  # token -> index of its first occurrence (its id)
    ids = np.fromiter(map(first_seen.setdefault, flat, count()), np.int64, len(flat))
    tok_len = np.fromiter(map(len, flat), dtype=np.int64, count=len(flat))
    return repetition_chars_ids(ids, tok_len, n_tok, max(len(flat), 1), top_ns, dup_ns)


def repetition_chars_ids(
    ids: Any,
    tok_len: Any,
    n_tok: Any,
    n_ids: int,
    top_ns: tuple[int, ...],
    dup_ns: tuple[int, ...],
) -> tuple[dict[int, Any], dict[int, Any]]:
    """``repetition_chars_batch`` from token ids (``0 <= id < n_ids``) laid end to end,
    the characters of each token (``tok_len``) and the tokens of each document."""
    import numpy as np

    n_docs = len(n_tok)
    if n_docs == 0:
        return _chunk(ids, tok_len, n_tok, n_ids, top_ns, dup_ns)
    chunks: list[tuple[dict[int, Any], dict[int, Any]]] = []
    starts = np.zeros(n_docs + 1, dtype=np.int64)
    np.cumsum(n_tok, out=starts[1:])
    first = size = 0
    for i, n in enumerate(n_tok.tolist()):
        size += n
        if size >= CHUNK_TOKENS or i == n_docs - 1:
            a, b = starts[first], starts[i + 1]
            sub = _chunk(ids[a:b], tok_len[a:b], n_tok[first : i + 1], n_ids, top_ns, dup_ns)
            chunks.append(sub)
            first, size = i + 1, 0
    if len(chunks) == 1:
        return chunks[0]
    top = {n: np.concatenate([c[0][n] for c in chunks]) for n in top_ns}
    dup = {n: np.concatenate([c[1][n] for c in chunks]) for n in dup_ns}
    return top, dup


def _chunk(
    ids: Any,
    tok_len: Any,
    n_tok: Any,
    n_ids: int,
    top_ns: tuple[int, ...],
    dup_ns: tuple[int, ...],
) -> tuple[dict[int, Any], dict[int, Any]]:
    """``repetition_chars_ids`` for one chunk of documents."""
    import numpy as np

    n_docs = len(n_tok)
    top = {n: np.zeros(n_docs, dtype=np.int64) for n in top_ns}
    dup = {n: np.zeros(n_docs, dtype=np.int64) for n in dup_ns}
    total = len(ids)
    max_n = max((*top_ns, *dup_ns, 1))
    if total == 0 or max_n < 2:
        return top, dup
    cum = np.zeros(total + 1, dtype=np.int64)
    np.cumsum(tok_len, out=cum[1:])
    starts = np.zeros(n_docs + 1, dtype=np.int64)  # start of each document, then the end
    np.cumsum(n_tok, out=starts[1:])
    for n in top:  # default, all n-grams unique: the first one wins with count 1
        has = n_tok >= n
        top[n][has] = cum[starts[:-1][has] + n] - cum[starts[:-1][has]] + n - 1

    # Level 2 from every position; the key of level 1 is (document, token id).
    level1 = np.repeat(np.arange(n_docs, dtype=np.int64), n_tok) * n_ids + ids
    if n_docs * n_ids * n_ids >= 2**63:  # keep level-2 keys inside int64
        level1 = _encode(level1)
    key = level1[:-1] * n_ids + ids[1:]
    ends = starts[1:-1] - 1  # 2-grams spanning two documents
    ends = ends[(ends >= 0) & (ends < total - 1)]
    key[ends] = -1 - np.arange(len(ends))
    pos = np.arange(total - 1, dtype=np.int64)
    n = 2
    while True:
        code = _encode(key)
        counts = np.bincount(code)
        rep = counts[code] >= 2
        if not rep.any():
            break
        if n in dup:  # codes are numbered in order of first appearance
            new = np.concatenate(([True], np.diff(np.maximum.accumulate(code)) > 0))
            first = pos[new][code[rep]]
        pos, code = pos[rep], code[rep]
        if n in top:
            _top_repeated(top[n], pos, counts[code], cum, starts, n)
        if n in dup:
            _dup_greedy(dup[n], pos, code, first, cum, starts, n)
        nxt = np.flatnonzero(pos[1:] == pos[:-1] + 1)
        n += 1
        if n > max_n or len(nxt) == 0:
            break
        pos = pos[nxt]
        key = code[nxt] * n_ids + ids[pos + n - 1]
    return top, dup


def _top_repeated(out: Any, pos: Any, cnt: Any, cum: Any, starts: Any, n: int) -> None:
    """Set ``out[doc]`` for documents with a repeated n-gram (positions ``pos``, sorted)."""
    import numpy as np

    d = np.searchsorted(starts, pos, side="right") - 1
    new_doc = np.concatenate(([True], d[1:] != d[:-1]))
    seg_max = np.maximum.reduceat(cnt, np.flatnonzero(new_doc))
    seg_of = np.cumsum(new_doc) - 1
    best = np.flatnonzero(cnt == seg_max[seg_of])
    first = best[np.concatenate(([True], seg_of[best][1:] != seg_of[best][:-1]))]
    p = pos[first]
    out[d[first]] = (cum[p + n] - cum[p] + n - 1) * cnt[first]


def _dup_greedy(out: Any, pos: Any, code: Any, first: Any, cum: Any, starts: Any, n: int) -> None:
    """datatrove's greedy duplicate scan over the repeated n-grams of all documents.

    Only repeated n-grams after their first occurrence can be hits. One is a hit when
    it is visited (not inside the window skipped after an earlier hit) and an earlier
    occurrence was visited: its first occurrence (outside every skipped window) or a
    later one visited without being a hit (``added``). After a hit the scan jumps to
    the first candidate ``n`` positions on, so the loop runs about once per hit.
    """
    import numpy as np

    later = np.flatnonzero(first != pos)
    if len(later) == 0:
        return
    cand = pos[later]
    jump = np.searchsorted(cand, cand + n).tolist()
    cands, firsts, codes = cand.tolist(), first[later].tolist(), code[later].tolist()
    added: set[int] = set()
    win_start: list[int] = []
    win_end: list[int] = []
    hits: list[int] = []
    i, m = 0, len(cands)
    while i < m:
        f = firsts[i]
        k = bisect_right(win_start, f) - 1
        if k < 0 or f >= win_end[k] or codes[i] in added:
            q = cands[i]
            hits.append(q)
            win_start.append(q + 1)
            win_end.append(q + n)
            i = jump[i]
        else:
            added.add(codes[i])
            i += 1
    h = np.array(hits, dtype=np.int64)
    d = np.searchsorted(starts, h, side="right") - 1
    np.add.at(out, d, cum[h + n] - cum[h])
