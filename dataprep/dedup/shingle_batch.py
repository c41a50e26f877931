"""Shingle hashes of a whole batch at once, equal to :func:`.shingles.shingle_hashes` per document.

The per-document path costs ~100-200 µs of Python per document (a split, one
``xxh3_64`` call per word, an n-gram loop, a script test); here each step runs
once over the batch:

* script choice: every non-ASCII document's code points in one UTF-32 buffer,
  classified through one lookup table (no-space script / whitespace / other);
* words: one Arrow split over all word-shingled documents, dictionary-encoded so
  that ``xxh3_64`` is called once per *distinct* word of the batch (the same
  bytes, so the same hashes as per document);
* n-grams: the rolling combination of :func:`.shingles.combine_ngrams` over the
  flat token array of all documents, windows crossing a document's end dropped,
  and a document shorter than ``n`` given its one all-token shingle.

The output is flat: ``values`` (uint64, document after document, each in the
per-document order) and ``offsets`` (``len(texts) + 1``). Equality with the
per-document path is tested in ``tests/dedup/test_shingle_batch.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache, partial

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import xxhash

from .shingles import _CHAR_DOMAIN, _MUL, _NO_SPACE_RANGES, fmix64

_OTHER, _NO_SPACE, _SPACE = 0, 1, 2
_MAX_CODEPOINT = 0x110000
Tokens = tuple[np.ndarray, np.ndarray]  # flat token hashes, tokens per text


@dataclass(frozen=True)
class ShingleBatch:
    """Flat shingle hashes of a batch: document ``i`` is ``values[offsets[i]:offsets[i + 1]]``."""

    values: np.ndarray
    offsets: np.ndarray

    @property
    def counts(self) -> np.ndarray:
        """Shingles per document (repeats included)."""
        return np.diff(self.offsets)


@cache
def _char_classes() -> np.ndarray:
    """uint8 class of every code point (1.1 MB, built once per process on first use)."""
    table = np.zeros(_MAX_CODEPOINT, dtype=np.uint8)
    for lo, hi in _NO_SPACE_RANGES:
        table[lo : hi + 1] = _NO_SPACE
    for c in range(_MAX_CODEPOINT):  # str.split's whitespace (~30 code points)
        if chr(c).isspace():
            table[c] = _SPACE
    return table


def _segment_sums(flags: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Sum of ``flags`` over consecutive segments of ``lengths`` (empty segments give 0)."""
    csum = np.zeros(len(flags) + 1, dtype=np.int64)
    np.cumsum(flags, out=csum[1:])
    ends = np.cumsum(lengths)
    return csum[ends] - csum[ends - lengths]


def _codepoints(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """The code points of all ``texts`` in one array, and each text's length."""
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    cps = np.frombuffer("".join(texts).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    return cps, lengths


def char_doc_mask(texts: Sequence[str], char_fraction: float) -> np.ndarray:
    """Which ``texts`` :func:`.shingles.uses_char_ngrams` would shingle by characters."""
    frac = np.zeros(len(texts), dtype=np.float64)
    wide = [i for i, t in enumerate(texts) if not t.isascii()]
    if wide:
        cps, lengths = _codepoints([texts[i] for i in wide])
        cls = _char_classes()[cps]
        hits = _segment_sums(cls == _NO_SPACE, lengths)
        visible = lengths - _segment_sums(cls == _SPACE, lengths)
        frac[wide] = hits / np.maximum(visible, 1)
    return frac >= char_fraction


def _collapse(text: str) -> str:
    """Words joined by one space, split as the reference splits them (``bytes.split`` for
    ASCII, which keeps ``\\x1c``-``\\x1f`` inside words; ``str.split`` otherwise)."""
    if text.isascii():
        return b" ".join(text.encode("ascii").split()).decode("ascii")
    return " ".join(text.split())


def _word_tokens(texts: Sequence[str], *, collapsed: bool) -> Tokens:
    """``xxh3_64`` of every whitespace-separated word, flat, and the words per text.

    Splits on single spaces in Arrow, so the texts are collapsed first unless the
    caller says they are (Arrow 26's ``utf8_split_whitespace`` is not used: it
    sometimes misses a trailing ideographic space).
    """
    if not collapsed:
        texts = [_collapse(t) for t in texts]
    lists = pc.split_pattern(pa.array(texts, pa.large_string()), " ")
    words = lists.flatten()
    parents = pc.list_parent_indices(lists)
    keep = pc.greater(pc.binary_length(words), 0)  # "" splits into [""]
    words, parents = words.filter(keep), parents.filter(keep)
    encoded = words.dictionary_encode()
    distinct = encoded.dictionary.cast(pa.large_binary()).to_pylist()
    hashes = np.fromiter(
        map(xxhash.xxh3_64_intdigest, distinct), dtype=np.uint64, count=len(distinct)
    )
    tokens = hashes[encoded.indices.to_numpy(zero_copy_only=False)]
    counts = np.bincount(parents.to_numpy(zero_copy_only=False), minlength=len(texts))
    return tokens, counts.astype(np.int64)


def _char_tokens(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Every non-whitespace code point (domain-separated), flat, and the count per text."""
    cps, lengths = _codepoints(texts)
    visible = _char_classes()[cps] != _SPACE
    counts = _segment_sums(visible, lengths)
    return cps[visible].astype(np.uint64) + _CHAR_DOMAIN, counts


def combine_flat(tokens: np.ndarray, counts: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """:func:`.shingles.combine_ngrams` of every document of a flat token array.

    Returns the flat shingle hashes and the shingles per document
    (``max(L - n + 1, 1)`` for ``L >= 1`` tokens, 0 for none).
    """
    total = len(tokens)
    starts = np.cumsum(counts) - counts
    out_counts = np.where(counts >= n, counts - n + 1, np.minimum(counts, 1))
    if total == 0:
        return np.empty(0, np.uint64), out_counts
    padded = np.concatenate([tokens, np.zeros(n - 1, np.uint64)])
    h = padded[:total].copy()
    short = (counts > 0) & (counts < n)
    snap = np.zeros(len(counts), np.uint64)
    for k in range(n):
        if k:
            h *= _MUL
            h += padded[k : k + total]
        at = short & (counts == k + 1)
        snap[at] = h[starts[at]]
    h[starts[short]] = snap[short]
    local = np.arange(total, dtype=np.int64) - np.repeat(starts, counts)
    valid = local <= np.repeat(np.maximum(counts - n, 0), counts)
    return fmix64(h[valid]), out_counts


def _in_document_order(
    parts: Sequence[tuple[np.ndarray, np.ndarray, np.ndarray]], n_docs: int
) -> ShingleBatch:
    """Merge ``(doc indices, values, counts)`` groups into one flat batch in document order."""
    counts = np.zeros(n_docs, dtype=np.int64)
    for docs, _, cnt in parts:
        counts[docs] = cnt
    offsets = np.zeros(n_docs + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    values = np.empty(int(offsets[-1]), dtype=np.uint64)
    for docs, vals, cnt in parts:
        src_starts = np.cumsum(cnt) - cnt
        dest = np.repeat(offsets[docs] - src_starts, cnt) + np.arange(len(vals), dtype=np.int64)
        values[dest] = vals
    return ShingleBatch(values, offsets)


def shingle_batch(
    texts: Sequence[str | None],
    *,
    word_n: int,
    char_n: int,
    char_fraction: float,
    collapsed: bool = False,
) -> ShingleBatch:
    """Shingle hashes of normalized ``texts`` (``None``: no shingle), as the per-document path.

    ``collapsed``: every text is already words joined by single spaces (normalization's
    ``collapse_whitespace``), so the words are split in Arrow without a Python pass.
    """
    idx = np.array([i for i, t in enumerate(texts) if t is not None], dtype=np.int64)
    present = [t for t in texts if t is not None]
    by_char = char_doc_mask(present, char_fraction)
    groups: list[tuple[np.ndarray, Callable[[Sequence[str]], Tokens], int]] = [
        (~by_char, partial(_word_tokens, collapsed=collapsed), word_n),
        (by_char, _char_tokens, char_n),
    ]
    parts = []
    for mask, tokenize, n in groups:
        if mask.any():
            tokens, counts = tokenize([present[i] for i in np.flatnonzero(mask)])
            values, out_counts = combine_flat(tokens, counts, n)
            parts.append((idx[mask], values, out_counts))
    return _in_document_order(parts, len(texts))


def sorted_unique_sets(batch: ShingleBatch) -> ShingleBatch:
    """Each document's sorted distinct shingle hashes (as ``np.unique`` per document)."""
    values = batch.values.copy()
    offsets = batch.offsets
    for lo, hi in zip(offsets[:-1].tolist(), offsets[1:].tolist(), strict=True):
        if hi - lo > 1:
            values[lo:hi].sort()
    keep = np.ones(len(values), dtype=bool)
    if len(values) > 1:
        np.not_equal(values[1:], values[:-1], out=keep[1:])
    keep[offsets[:-1][batch.counts > 0]] = True
    new_counts = _segment_sums(keep, batch.counts)
    new_offsets = np.zeros_like(offsets)
    np.cumsum(new_counts, out=new_offsets[1:])
    return ShingleBatch(values[keep], new_offsets)
