"""Injected token-distribution outliers, for measuring ``token_kl_v1`` (tests, benchmarks).

Each kind turns a clean host document into one with "excessive numbers of outlier
tokens" (Llama 3's words) of one sort, deterministically from a seed:

* ``base64`` - a base64 blob (random bytes, 76-character lines) after the first paragraph;
* ``hex_dump`` - ``xxd``-style lines (offset, 8 groups of 4 hex digits, ASCII column);
* ``random_tokens`` - random lower-case "words" of 3-12 letters;
* ``keyword_spam`` - one 2-4 word phrase of the host repeated 40-80 times;
* ``data_uri`` - an inline ``<img src="data:image/png;base64,...">`` inside a paragraph.

Not imported by any stage: only :mod:`tests` and ``benchmarks/`` use it.
"""

from __future__ import annotations

import base64
import random

KINDS = ("base64", "hex_dump", "random_tokens", "keyword_spam", "data_uri")


def _blob(rng: random.Random, n_bytes: int) -> str:
    return base64.b64encode(bytes(rng.getrandbits(8) for _ in range(n_bytes))).decode()


def inject(text: str, kind: str, rng: random.Random) -> str:
    """``text`` with an outlier of ``kind`` added (see the module docstring)."""
    paras = text.split("\n")
    if kind == "base64":
        blob = _blob(rng, rng.randint(600, 1500))
        lines = [blob[i : i + 76] for i in range(0, len(blob), 76)]
        return "\n".join([paras[0], *lines, *paras[1:]])
    if kind == "hex_dump":
        lines = []
        for i in range(rng.randint(15, 40)):
            raw = bytes(rng.getrandbits(8) for _ in range(16))
            groups = " ".join(raw[j : j + 2].hex() for j in range(0, 16, 2))
            shown = "".join(chr(c) if 32 <= c < 127 else "." for c in raw)
            lines.append(f"{i * 16:08x}: {groups}  {shown}")
        return "\n".join([paras[0], *lines, *paras[1:]])
    if kind == "random_tokens":
        letters = "abcdefghijklmnopqrstuvwxyz"
        words = [
            "".join(rng.choice(letters) for _ in range(rng.randint(3, 12)))
            for _ in range(rng.randint(150, 400))
        ]
        return "\n".join([paras[0], " ".join(words), *paras[1:]])
    if kind == "keyword_spam":
        words = text.split()
        size = rng.randint(2, 4)
        start = rng.randrange(max(len(words) - size, 1))
        phrase = " ".join(words[start : start + size])
        return "\n".join([paras[0], " ".join([phrase] * rng.randint(40, 80)), *paras[1:]])
    if kind == "data_uri":
        uri = f'<img src="data:image/png;base64,{_blob(rng, rng.randint(600, 1500))}" alt="">'
        first = paras[0].split(" ")
        cut = len(first) // 2
        return "\n".join([" ".join([*first[:cut], uri, *first[cut:]]), *paras[1:]])
    raise ValueError(f"unknown outlier kind {kind!r}; known: {', '.join(KINDS)}")
