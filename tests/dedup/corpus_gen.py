"""Generated corpora with near-duplicates at controlled Jaccard levels, and exact ground truth."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np


def word5_set(text: str, n: int = 5) -> frozenset[tuple[str, ...]]:
    """Word n-gram set of lower-cased, whitespace-split text (the definition under test)."""
    words = text.casefold().split()
    if 0 < len(words) < n:
        return frozenset([tuple(words)])
    return frozenset(tuple(words[i : i + n]) for i in range(len(words) - n + 1))


@dataclass
class Corpus:
    texts: list[str]
    family: list[int]


def _vocab(rng: np.random.Generator, size: int) -> list[str]:
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))
    return ["".join(rng.choice(letters, rng.integers(3, 10))) for _ in range(size)]


def _edit(words: list[str], target: float, vocab: list[str], rng: np.random.Generator) -> list[str]:
    """Random substitutions / insertions / deletions aiming at Jaccard ``target``."""
    shingles = max(len(words) - 4, 1)
    shared = 2 * shingles * target / (1 + target)
    edits = round((shingles - shared) / 5)
    out = list(words)
    for _ in range(edits):
        op = rng.integers(3)
        pos = int(rng.integers(len(out)))
        if op == 0:
            out[pos] = vocab[rng.integers(len(vocab))]
        elif op == 1:
            out.insert(pos, vocab[rng.integers(len(vocab))])
        elif len(out) > 10:
            del out[pos]
    return out


def make_corpus(
    *,
    families: int,
    seed: int,
    min_words: int = 120,
    max_words: int = 400,
    max_variants: int = 3,
    vocab_size: int = 5000,
) -> Corpus:
    """``families`` random base documents, each with 0..max_variants edited copies
    (target Jaccard uniform in [0.5, 1.0], some exact copies), globally shuffled."""
    rng = np.random.default_rng(seed)
    vocab = _vocab(rng, vocab_size)
    texts: list[str] = []
    family: list[int] = []
    for f in range(families):
        base = [vocab[i] for i in rng.integers(0, vocab_size, rng.integers(min_words, max_words))]
        texts.append(" ".join(base))
        family.append(f)
        for _ in range(int(rng.integers(0, max_variants + 1))):
            target = 1.0 if rng.random() < 0.1 else float(rng.uniform(0.5, 1.0))
            texts.append(" ".join(_edit(base, target, vocab, rng)))
            family.append(f)
    order = rng.permutation(len(texts))
    return Corpus([texts[i] for i in order], [family[i] for i in order])


def true_pairs(texts: list[str]) -> dict[tuple[int, int], float]:
    """Exact Jaccard of every pair sharing at least one 5-gram (all other pairs have J = 0)."""
    sets = [word5_set(t) for t in texts]
    index: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for i, s in enumerate(sets):
        for g in s:
            index[g].append(i)
    pairs: set[tuple[int, int]] = set()
    for docs in index.values():
        if len(docs) > 1:
            pairs.update((a, b) for k, a in enumerate(docs) for b in docs[k + 1 :])
    return {(a, b): len(sets[a] & sets[b]) / len(sets[a] | sets[b]) for a, b in sorted(pairs)}


def site_pages(seed: int, n: int) -> list[str]:
    """``n`` pages of one site: the same 80-word header and footer around a body of
    3-30 random words, so most of their LSH bands fall in buckets of 50-130 pages."""
    rng = np.random.default_rng(seed)
    vocab = [f"w{i}" for i in range(5000)]
    frame = [f"site{i}" for i in range(80)]
    header, footer = " ".join(frame[:42]), " ".join(frame[42:])
    bodies = (rng.choice(vocab, int(rng.integers(3, 31))) for _ in range(n))
    return [f"{header}\n{' '.join(b)}\n{footer}" for b in bodies]
