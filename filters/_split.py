"""The tokens of a batch of texts (``filters._text.tokenize``) found with numpy.

Arrow's RE2 replacement that set every punctuation run and cluster apart cost
~16 µs per 1 KB document, nearly all of it per match (a capture group per match);
it was the largest single cost of the quality stack on short documents. Here the
texts of a batch are laid end to end as UTF-32 code points (joined by ``"\\n"``),
each code point is looked up in one table of classes, and a token starts wherever
the class changes or a cluster's base character stands:

* whitespace (``str.isspace``, what ``str.split`` splits on) ends a token;
* a maximal run of ``PUNCTUATION`` is one token;
* an unsegmented-script base character starts a cluster; the combining marks right
  after it (or after such marks) belong to it; a mark anywhere else is ordinary;
* a maximal run of anything else is one token.

This is ``tokenize``'s regex read left to right: a cluster is tried before a
punctuation run, and no character is both (``_classes`` checks it). The tokens'
UTF-8 bytes are the batch's UTF-8 bytes without whitespace (one ``bytes.translate``);
their offsets come from a cumulative sum of each code point's UTF-8 length (0 for
whitespace), or in an all-ASCII batch from the tokens' lengths (a sum over tokens, not
characters; the classes then come from ``bytes.translate``). The table is built once
per process (~20 ms) with the same predicates the regexes use, so both ways agree by
construction; tests hold them equal on every code point.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from typing import Any

from filters._text import _UNSEG_BASE, _UNSEG_MARK, PUNCT_SET

# Class bits of a table entry: bits 0-1 the kind, then flags, then the UTF-8 length.
SPACE, PUNCT, CLUSTER, OTHER = 0, 1, 2, 3
_KIND = 3
_BASE = 4  # an unsegmented-script base character (kind CLUSTER)
_MARK = 8  # an unsegmented-script combining mark (kind OTHER unless attached)
_LEN_SHIFT = 4  # bits 4-6: UTF-8 bytes of the character, 0 for whitespace
_LEN_MASK = 7
_WIDE_SPACE = 128  # whitespace outside ASCII (more than one UTF-8 byte)
_BMP = 0x10000
_BASE_RE = re.compile(f"[{_UNSEG_BASE}]")
_MARK_RE = re.compile(f"[{_UNSEG_MARK}]")
#: The ASCII whitespace bytes (``str.isspace``); deleted from the UTF-8 text.
_ASCII_SPACE = bytes(c for c in range(128) if chr(c).isspace())


def _classes(chars: str) -> Any:
    """The table entry (uint8) of each character (see the bit layout above)."""
    import numpy as np

    n = len(chars)
    cps = np.frombuffer(chars.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    base = np.zeros(n, dtype=bool)
    base[[m.start() for m in _BASE_RE.finditer(chars)]] = True
    mark = np.zeros(n, dtype=bool)
    mark[[m.start() for m in _MARK_RE.finditer(chars)]] = True
    punct = np.fromiter((c in PUNCT_SET for c in chars), dtype=bool, count=n)
    space = np.fromiter(map(str.isspace, chars), dtype=bool, count=n)
    if (punct & (base | mark)).any():
        raise AssertionError("a character is punctuation and of a cluster")
    utf8 = 1 + (cps >= 0x80).astype(np.uint8) + (cps >= 0x800) + (cps >= _BMP)
    out = np.where(base, CLUSTER | _BASE, np.where(punct, PUNCT, OTHER)).astype(np.uint8)
    out |= np.where(mark, _MARK, 0).astype(np.uint8) | (utf8 << _LEN_SHIFT).astype(np.uint8)
    out[space] = np.where(utf8[space] > 1, SPACE | _WIDE_SPACE, SPACE)
    return out


@cache
def _bmp_table() -> Any:
    return _classes("".join(map(chr, range(_BMP))))


@cache
def _ascii_table() -> bytes:
    """The table's ASCII entries as a ``bytes.translate`` table (256 bytes)."""
    return bytes(_bmp_table()[:256].tolist())


def _lookup(cps: Any) -> Any:
    """Table entries of the code points ``cps`` (astral ones classified on the spot)."""
    import numpy as np

    table = _bmp_table()
    if cps.max() < _BMP:
        return np.take(table, cps.astype(np.intp))
    astral = cps >= _BMP
    cls = np.take(table, np.where(astral, 0, cps).astype(np.intp))
    uniq, inverse = np.unique(cps[astral], return_inverse=True)
    cls[astral] = _classes("".join(map(chr, uniq.tolist())))[inverse]
    return cls


def split_batch(texts: Sequence[str]) -> tuple[Any, Any] | None:
    """(the batch's tokens as an Arrow string array, end to end; tokens per text as
    int64), or None when a text cannot be UTF-8 (lone surrogates) or the batch holds
    2 GB of text (beyond ``string``'s 32-bit offsets)."""
    import numpy as np
    import pyarrow as pa

    joined = "\n" + "\n".join(texts)
    if joined.isascii():  # one byte per character: classes by ``bytes.translate``
        raw = joined.encode("ascii")
        cls = np.frombuffer(raw.translate(_ascii_table()), dtype=np.uint8)
        cps = None
    else:
        try:
            cps = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32)
        except UnicodeEncodeError:
            return None
        cls = _lookup(cps)
    if 4 * len(cls) >= 2**31:
        return None
    kind = cls & _KIND
    if (cls & _MARK).any():  # marks right after a base (or its marks) join its cluster
        marks = np.flatnonzero(cls & _MARK)
        run_start = np.ones(len(marks), dtype=bool)
        run_start[1:] = marks[1:] != marks[:-1] + 1
        attached = (cls[marks[run_start] - 1] & _BASE) != 0
        kind[marks[attached[np.cumsum(run_start) - 1]]] = CLUSTER
    start = np.empty(len(cls), dtype=bool)
    start[0] = False  # the leading "\n"
    np.not_equal(kind[1:], kind[:-1], out=start[1:])
    start |= (cls & _BASE) != 0
    word = kind != SPACE
    start &= word
    starts = np.flatnonzero(start)
    if cps is None:
        data = raw.translate(None, _ASCII_SPACE)
        bounds = _ascii_bounds(start, word, starts)
    else:
        data, bounds = _utf8_bounds(joined, cps, cls, starts)
    tokens = pa.StringArray.from_buffers(len(starts), pa.py_buffer(bounds), pa.py_buffer(data))
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    text_starts = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum(lengths + 1, out=text_starts[1:])  # the "\n" before each text
    n_tok = np.diff(np.searchsorted(starts, text_starts))
    return tokens, n_tok


def _ascii_bounds(start: Any, word: Any, starts: Any) -> Any:
    """Token offsets in the ASCII text without whitespace: a token ends where a space
    or the next token starts, and the offsets sum the tokens' lengths (a sum over the
    tokens, not over every character)."""
    import numpy as np

    end = np.empty(len(start), dtype=bool)
    end[-1] = True
    np.logical_or(start[1:], ~word[1:], out=end[:-1])
    end &= word
    bounds = np.zeros(len(starts) + 1, dtype=np.int32)
    np.cumsum(np.flatnonzero(end) - starts + 1, out=bounds[1:])
    return bounds


def _utf8_bounds(joined: str, cps: Any, cls: Any, starts: Any) -> tuple[bytes, Any]:
    """(the UTF-8 text without whitespace, token offsets in it): each character's
    UTF-8 length from the table (0 for whitespace), summed."""
    import numpy as np

    utf8_len = cls >> _LEN_SHIFT
    if (cls & _WIDE_SPACE).any():  # one ASCII space for each: same positions, same tokens
        wide = np.unique(cps[(cls & _WIDE_SPACE) != 0]).tolist()
        joined = joined.translate(dict.fromkeys(wide, " "))
        utf8_len &= _LEN_MASK
    data = joined.encode("utf-8").translate(None, _ASCII_SPACE)
    offsets = np.empty(len(cls) + 1, dtype=np.int32)
    offsets[0] = 0
    np.cumsum(utf8_len, out=offsets[1:])
    return data, offsets[np.append(starts, len(cls))]
