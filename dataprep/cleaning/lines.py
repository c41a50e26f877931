"""Lines of a document, their normalized hashes, and removing lines by index.

A document's lines are ``text.split("\\n")`` (so ``\\r\\n`` leaves the ``\\r`` on the
line, and a trailing newline makes a last, empty line). Removing lines and joining
the rest with ``"\\n"`` rewrites the document; observe (hashes) and apply (removal)
use this same split, so line indexes agree.

Normalization before hashing (a light version of CCNet's, Wenzek et al. 2020,
section 3.1): Unicode NFC, ``casefold``, every decimal digit replaced by ``0``,
whitespace runs collapsed and the ends stripped. A line that is blank after that
gets hash :data:`BLANK` (0) and is never counted nor removed; a real ``xxh3_64`` of 0
is mapped to 1.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

import xxhash

BLANK = 0
_DIGIT_RE = re.compile(r"\d")


def split_lines(text: str) -> list[str]:
    """The lines of ``text`` (``str.split("\\n")``)."""
    return text.split("\n")


def _norm_text(text: str) -> str:
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    return _DIGIT_RE.sub("0", text.casefold())


def line_hashes(text: str) -> tuple[list[int], list[int]]:
    """(hash of each normalized line, characters of each line incl. its newline)."""
    lines = split_lines(text)
    norm = split_lines(_norm_text(text))
    if len(norm) != len(lines):  # cannot happen with NFC/casefold, but stay exact
        norm = [_norm_text(line) for line in lines]
    hashes = []
    for line in norm:
        key = " ".join(line.split())
        if not key:
            hashes.append(BLANK)
            continue
        h = xxhash.xxh3_64_intdigest(key.encode("utf-8", "surrogatepass"))
        hashes.append(h or 1)
    chars = [len(line) + 1 for line in lines]
    chars[-1] -= 1
    return hashes, chars


def remove_lines(text: str, drop: Iterable[int]) -> str:
    """``text`` without the lines whose indexes are in ``drop``."""
    gone = set(drop)
    if not gone:
        return text
    return "\n".join(line for i, line in enumerate(split_lines(text)) if i not in gone)
