"""Shingle hashes of a whole batch at once, equal to :func:`.shingles.shingle_hashes` per document.

The per-document path costs ~100-200 µs of Python per document (a split, one
``xxh3_64`` call per word, an n-gram loop, a script test); here each step runs
once over the batch:

* script choice: every non-ASCII document's code points in one UTF-32 buffer,
  classified through one lookup table (no-space script / whitespace / other);
* words: the edges of one whitespace mask over the UTF-8 bytes of all
  word-shingled documents (whitespace collapse included), then an Arrow
  dictionary encoding so that ``xxh3_64`` is called once per *distinct* word of
  the batch (the same bytes, so the same hashes as per document);
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
import xxhash

from .shingles import _CHAR_DOMAIN, _MUL, _NO_SPACE_RANGES, fmix64

_OTHER, _NO_SPACE, _SPACE = 0, 1, 2
_MAX_CODEPOINT = 0x110000
#: ``str.isspace`` holds for 29 code points, the last U+3000 (IDEOGRAPHIC SPACE), in
#: every Unicode version Python ships: scanning up to here instead of all 1.1M code
#: points saves ~45 ms of every process start (tests/dedup check the whole range).
SPACE_SCAN_END = 0x3001
Tokens = tuple[np.ndarray, np.ndarray]  # flat token hashes, tokens per text
#: Characters of text shingled in one pass (bounds the per-byte and per-character
#: arrays, ~20 bytes per character at the peak).
MAX_SLICE_CHARS = 1 << 23


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
    for c in range(SPACE_SCAN_END):  # str.split's whitespace (29 code points)
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


# Multi-byte UTF-8 sequences of ``str.split``'s whitespace beyond ASCII (U+0085 ... U+3000).
_WIDE_SPACES = tuple(
    tuple(chr(c).encode("utf-8")) for c in range(0x80, SPACE_SCAN_END) if chr(c).isspace()
)


def _separators(
    buf: np.ndarray, ascii_byte: Callable[[], np.ndarray], str_split: bool
) -> np.ndarray:
    """Which bytes of UTF-8 ``buf`` belong to whitespace, as the reference splits words.

    Non-ASCII texts split on ``str.split``'s whitespace; ASCII texts on ``bytes.split``'s
    (``\\t\\n\\v\\f\\r`` and space), or on ``str.split``'s with ``str_split``, which adds
    the information separators ``\\x1c``-``\\x1f``.
    """
    sep = buf == 32
    sep |= (buf - np.uint8(9)) <= np.uint8(4)  # 9..13
    info = (buf - np.uint8(28)) <= np.uint8(3)  # 28..31
    if info.any():
        sep |= info if str_split else info & ~ascii_byte()
    lead = np.flatnonzero(buf >= 0xC2)
    if len(lead) == 0:
        return sep
    padded = np.concatenate([buf, np.zeros(2, np.uint8)])
    for seq in _WIDE_SPACES:
        at = lead[padded[lead] == seq[0]]
        for k, byte in enumerate(seq[1:], 1):
            at = at[padded[at + k] == byte]
        for k in range(len(seq)):
            sep[at + k] = True
    return sep


def _word_tokens(texts: Sequence[str], *, str_split: bool) -> Tokens:
    """``xxh3_64`` of every whitespace-separated word, flat, and the words per text.

    The texts are joined with a space before, between and after them, so that every
    word lies between two separators: word starts and ends are the changes of the
    separator mask over the batch's UTF-8 bytes (numpy). The Arrow array of "a word and
    the separators after it" (offsets = word starts, no copy) is dictionary-encoded, so
    that ``xxh3_64`` runs once per distinct entry, on its word bytes only. (Arrow 26's
    ``utf8_split_whitespace`` is not used: it sometimes misses a trailing ideographic
    space.)
    """
    data = pa.py_buffer(f" {' '.join(texts)} ".encode("utf-8", "surrogatepass"))
    buf = np.frombuffer(data, dtype=np.uint8)
    sizes = (len(t) if t.isascii() else len(t.encode("utf-8", "surrogatepass")) for t in texts)
    byte_len = np.fromiter(sizes, dtype=np.int64, count=len(texts)) + 1  # + the space after
    text_start = np.cumsum(byte_len) - byte_len + 1  # after the space before each text

    def ascii_byte() -> np.ndarray:
        ascii_doc = np.fromiter((t.isascii() for t in texts), dtype=bool, count=len(texts))
        return np.repeat(np.append(True, ascii_doc), np.append(1, byte_len))

    sep = _separators(buf, ascii_byte, str_split)
    changes = np.flatnonzero(sep[1:] != sep[:-1])  # last separator byte, last word byte, ...
    starts = changes[0::2] + 1
    word_len = changes[1::2] - changes[0::2]
    counts = np.diff(np.searchsorted(starts, np.append(text_start, len(buf))))
    entries = pa.Array.from_buffers(
        pa.large_binary(),
        len(starts),
        [None, pa.py_buffer(np.append(starts, len(buf))), data],
    )
    encoded = entries.dictionary_encode()
    index = encoded.indices.to_numpy(zero_copy_only=False)
    distinct = encoded.dictionary.to_pylist()
    lengths = np.zeros(len(distinct), dtype=np.int64)
    lengths[index] = word_len  # equal entries hold equal words
    words = map(bytes.__getitem__, distinct, map(slice, lengths.tolist()))
    hashes = np.fromiter(map(xxhash.xxh3_64_intdigest, words), dtype=np.uint64, count=len(distinct))
    return hashes[index], counts


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
    collapse_whitespace: bool = False,
) -> ShingleBatch:
    """Shingle hashes of normalized ``texts`` (``None``: no shingle), as the per-document path.

    With ``collapse_whitespace`` the result is that of the per-document path on
    ``" ".join(text.split())`` (normalization's last step, which need not be run first:
    it changes nothing else).

    Texts are taken in slices of at most ~:data:`MAX_SLICE_CHARS` characters, so that
    the per-character work arrays stay small whatever the documents' length.
    """
    sizes = np.fromiter((0 if t is None else len(t) for t in texts), np.int64, len(texts))
    ends = np.cumsum(sizes)
    if len(texts) > 1 and ends[-1] > MAX_SLICE_CHARS:
        cut = max(int(np.searchsorted(ends, MAX_SLICE_CHARS, "right")), 1)
        head, tail = (
            shingle_batch(
                part,
                word_n=word_n,
                char_n=char_n,
                char_fraction=char_fraction,
                collapse_whitespace=collapse_whitespace,
            )
            for part in (texts[:cut], texts[cut:])
        )
        offsets = np.concatenate([head.offsets, tail.offsets[1:] + head.offsets[-1]])
        return ShingleBatch(np.concatenate([head.values, tail.values]), offsets)
    idx = np.array([i for i, t in enumerate(texts) if t is not None], dtype=np.int64)
    present = [t for t in texts if t is not None]
    by_char = char_doc_mask(present, char_fraction)
    groups: list[tuple[np.ndarray, Callable[[Sequence[str]], Tokens], int]] = [
        (~by_char, partial(_word_tokens, str_split=collapse_whitespace), word_n),
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
