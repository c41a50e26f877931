"""Evaluation sets for ``decontaminate_v1``: examples, their word n-grams, the n per set.

An eval set is a ``.jsonl`` file (one JSON object per line) or plain text (each
non-blank line an example). In JSON, the examples are the strings found at any depth
under the keys named in ``fields`` (nested objects and lists are walked, so
``{"choices": {"text": ["A", "B"]}}`` yields ``A`` and ``B`` for ``fields: [choices]``
or ``[text]``), or every string of the object when ``fields`` is empty.

Words are the case-folded non-punctuation tokens of :func:`filters._text.split_tokens`
(one per character cluster of unsegmented scripts), hashed with ``xxh3_64``; n-grams are
combined as in :func:`dataprep.dedup.shingles.combine_ngrams`.

The n of a set is given (``ngram: 13``) or, with ``ngram: auto``, chosen as GPT-3 did
(Brown et al. 2020, Appendix C): the 5th percentile of the set's example lengths in
words, clipped to 8..13. Examples shorter than their set's n add no n-gram: they are
counted (``too_short``) so the stage can say so.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import xxhash

from dataprep.errors import ConfigError
from dataprep.io import storage

AUTO_MIN, AUTO_MAX = 8, 13


def word_hashes(text: str) -> np.ndarray:
    """``xxh3_64`` of each case-folded non-punctuation token of ``text``."""
    from filters._text import PUNCT_SET, split_tokens

    tokens, punct = split_tokens(text.casefold())
    if punct:
        tokens = [t for t in tokens if t[0] not in PUNCT_SET]
    return np.fromiter(
        (xxhash.xxh3_64_intdigest(t.encode("utf-8", "surrogatepass")) for t in tokens),
        dtype=np.uint64,
        count=len(tokens),
    )


def ngrams_of(words: np.ndarray, n: int) -> np.ndarray:
    """The n-gram hashes of a word-hash sequence (empty when it has fewer than n words)."""
    from dataprep.dedup.shingles import combine_ngrams

    if len(words) < n:
        return np.empty(0, dtype=np.uint64)
    return combine_ngrams(words, n)


def _strings(value: Any, fields: tuple[str, ...], inside: bool) -> Iterator[str]:
    """Strings of a JSON value: all of them when ``inside`` a wanted field (or no fields)."""
    if isinstance(value, str):
        if inside:
            yield value
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v, fields, inside)
    elif isinstance(value, dict):
        for key, v in value.items():
            yield from _strings(v, fields, inside or key in fields)


def examples(path: Path, fields: tuple[str, ...]) -> Iterator[str]:
    """The example texts of one eval set file (module docstring)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"cannot read eval set {path}: {e}") from e
    is_jsonl = path.name.endswith(".jsonl")
    for i, line in enumerate(lines, 1):
        if not line.strip():
            continue
        if not is_jsonl:
            yield line
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            raise ConfigError(f"eval set {path}, line {i}: invalid JSON ({e})") from e
        if not isinstance(obj, dict):
            raise ConfigError(f"eval set {path}, line {i}: expected a JSON object")
        yield from _strings(obj, fields, inside=not fields)


def auto_n(lengths: list[int]) -> int:
    """GPT-3's n: the 5th percentile of example lengths (words), clipped to 8..13."""
    if not lengths:
        return AUTO_MAX
    p5 = float(np.percentile(np.array(lengths), 5))
    return int(min(max(int(p5), AUTO_MIN), AUTO_MAX))


@dataclass
class EvalTable:
    """The distinct n-grams of every set with the same n, each with a set bitmask."""

    n: int
    hashes: np.ndarray
    """Sorted distinct n-gram hashes."""
    masks: np.ndarray
    """Bit i set when set i (config order) holds the n-gram."""


def load_tables(
    eval_sets: Mapping[str, str], ngram: int | str, fields: tuple[str, ...]
) -> tuple[list[EvalTable], dict[str, dict[str, int]]]:
    """(one table per distinct n, per-set facts: examples, too_short, ngram, ngrams)."""
    by_n: dict[int, tuple[list[np.ndarray], list[np.ndarray]]] = {}
    facts: dict[str, dict[str, int]] = {}
    for bit, (name, path) in enumerate(eval_sets.items()):
        local = storage.option_file("eval set", path)
        words = [word_hashes(e) for e in examples(local, fields)]
        n = auto_n([len(w) for w in words]) if ngram == "auto" else int(ngram)
        grams = [ngrams_of(w, n) for w in words]
        kept = [g for g in grams if len(g)]
        facts[name] = {
            "examples": len(words),
            "too_short": len(words) - len(kept),
            "ngram": n,
            "ngrams": int(sum(map(len, kept))),
        }
        hs, ms = by_n.setdefault(n, ([], []))
        hs.extend(kept)
        ms.extend(np.full(len(g), 1 << bit, dtype=np.uint64) for g in kept)
    tables = []
    for n, (hs, ms) in sorted(by_n.items()):
        if not hs:
            continue
        h, m = np.concatenate(hs), np.concatenate(ms)
        order = np.argsort(h, kind="stable")
        h, m = h[order], m[order]
        new = np.ones(len(h), dtype=bool)
        new[1:] = h[1:] != h[:-1]
        starts = np.flatnonzero(new)
        tables.append(EvalTable(n, h[starts], np.bitwise_or.reduceat(m, starts)))
    return tables, facts
