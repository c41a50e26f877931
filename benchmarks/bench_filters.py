"""Throughput of each quality filter and of the default stack, per core.

Generates deterministic ~4 KB English-like documents (no downloads): prose
paragraphs from a Zipf-weighted vocabulary, plus a share of web-like pages
(menus, bullet lists, repeated boilerplate lines, short lines, code braces).

    python benchmarks/bench_filters.py [--docs 2000] [--seed 0]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

_FUNCTION = [
    "the",
    "of",
    "and",
    "to",
    "a",
    "in",
    "that",
    "is",
    "was",
    "he",
    "for",
    "it",
    "with",
    "as",
    "his",
    "on",
    "be",
    "at",
    "by",
    "I",
    "had",
    "this",
    "not",
    "are",
    "but",
    "from",
    "or",
    "have",
    "an",
    "they",
    "which",
    "one",
    "you",
    "were",
    "her",
    "all",
    "she",
    "there",
    "would",
    "their",
    "we",
    "him",
    "been",
    "has",
    "when",
    "who",
    "will",
    "more",
    "no",
    "if",
    "out",
    "so",
    "said",
    "what",
    "up",
    "its",
    "about",
    "into",
    "than",
    "them",
    "can",
    "only",
    "other",
]
_CONTENT = [
    "city",
    "history",
    "river",
    "market",
    "century",
    "museum",
    "church",
    "university",
    "visitor",
    "cathedral",
    "economy",
    "tourism",
    "service",
    "technology",
    "company",
    "office",
    "district",
    "station",
    "research",
    "student",
    "science",
    "water",
    "energy",
    "policy",
    "government",
    "people",
    "family",
    "school",
    "children",
    "health",
    "system",
    "music",
    "art",
    "language",
    "culture",
    "region",
    "island",
    "mountain",
    "forest",
    "village",
    "population",
    "industry",
    "railway",
    "bridge",
    "castle",
    "garden",
    "library",
    "hospital",
    "festival",
    "season",
    "weather",
    "harvest",
    "product",
    "customer",
    "software",
    "network",
    "article",
    "journal",
    "report",
    "evidence",
    "analysis",
    "method",
    "result",
    "question",
    "answer",
]
_MENU = ["Home", "About us", "Contact", "Login", "Shop", "Blog", "FAQ", "Careers", "Search"]
_BOILER = [
    "This website uses cookies to improve your experience.",
    "Please enable JavaScript to view the comments.",
    "Read our privacy policy and terms of use.",
    "Share this article on social media",
]


def _sentence(rng: random.Random) -> str:
    n = rng.randint(6, 22)
    words = [
        rng.choice(_FUNCTION) if rng.random() < 0.45 else rng.choice(_CONTENT) for _ in range(n)
    ]
    if rng.random() < 0.15:
        words.insert(rng.randrange(len(words)), str(rng.randint(1, 2024)))
    if rng.random() < 0.3:
        words[rng.randrange(len(words))] += ","
    end = rng.choices([".", "?", "!", "..."], weights=[90, 4, 3, 3])[0]
    return " ".join(words).capitalize() + end


def make_doc(rng: random.Random, size: int = 4000) -> str:
    """One document of about ``size`` characters."""
    kind = rng.random()
    if kind < 0.04:  # short page
        size = rng.randint(100, 600)
    elif kind < 0.06:  # keyword salad without stop words
        return " ".join(rng.choice(_CONTENT) for _ in range(size // 8))
    elif kind < 0.08:  # placeholder text
        return "Lorem ipsum dolor sit amet. " + make_doc(rng, size)
    elif kind < 0.10:  # teaser lines
        return "\n".join(_sentence(rng)[:60] + "..." for _ in range(size // 60))
    parts: list[str] = []
    if 0.10 <= kind < 0.15:  # web page with menu and boilerplate
        parts.append("\n".join(rng.sample(_MENU, 5)))
    total = sum(map(len, parts))
    while total < size:
        r = rng.random()
        if 0.10 <= kind < 0.25 and r < 0.2:
            block = "\n".join("- " + _sentence(rng)[:40] for _ in range(rng.randint(3, 8)))
        elif kind < 0.3 and r < 0.25:
            block = rng.choice(_BOILER)
        elif kind > 0.97 and r < 0.1:
            block = "function f() { return " + str(rng.randint(0, 9)) + "; }"
        else:
            block = " ".join(_sentence(rng) for _ in range(rng.randint(2, 6)))
        parts.append(block)
        total += len(block) + 2
    if kind > 0.9:  # repeated paragraphs
        parts += rng.sample(parts, k=min(len(parts), 3))
    return "\n\n".join(parts)


def make_docs(n: int, seed: int = 0, size: int = 4000) -> list[str]:
    rng = random.Random(seed)
    return [make_doc(rng, size) for _ in range(n)]


def _time(fn, repeat: int = 3) -> float:  # type: ignore[no-untyped-def]
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    import pyarrow as pa

    from filters import C4, FineWeb, GopherQuality, GopherRepetition, Length, default_stack

    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    docs = make_docs(args.docs, args.seed)
    col = pa.array(docs, type=pa.string())
    mb = sum(len(d.encode()) for d in docs) / 1e6
    print(f"{len(docs)} docs, {mb / len(docs) * 1e3:.2f} KB/doc, single process")
    print(f"{'filter':<22}{'docs/s':>10}{'MB/s':>8}  kept")
    rows = []
    for f in (GopherQuality(), GopherRepetition(), C4(), FineWeb(), Length()):

        def run(f=f):  # type: ignore[no-untyped-def]
            return f.decide_batch(f.signal_batch(col))

        secs = _time(run)
        kept = run().null_count
        rows.append((f.name, secs, kept))
    stack = default_stack()
    secs = _time(lambda: stack.run(col))
    rows.append(("default stack (4)", secs, stack.run(col).reason.null_count))
    for name, secs, kept in rows:
        print(f"{name:<22}{len(docs) / secs:>10.0f}{mb / secs:>8.2f}  {kept / len(docs):.1%}")


if __name__ == "__main__":
    main()
