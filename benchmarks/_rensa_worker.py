"""rensa's side of ``bench_dedup.py``'s signature comparison, run in rensa's own venv.

    python _rensa_worker.py CORPORA.json

Reads ``{corpus name: [text, ...]}``, then answers each corpus name read from stdin
with the CPU seconds rensa took over that corpus (one line), so that the caller can
interleave rensa's rounds with its own. rensa is fed as its README shows: the
caller's Python builds the shingle strings (case-folded whitespace words, 5-grams
joined by a space) and ``RMinHash.update`` hashes them; the digest is read.
Standard library and rensa only (no numpy, no dataprep).
"""

from __future__ import annotations

import json
import sys
import time

import rensa


def shingle_strings(text: str, n: int = 5) -> list[str]:
    w = text.casefold().split()
    return [" ".join(w[i : i + n]) for i in range(max(len(w) - n + 1, 1))]


def signatures(texts: list[str]) -> None:
    for t in texts:
        m = rensa.RMinHash(num_perm=128, seed=1)
        m.update(shingle_strings(t))
        m.digest()


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as f:
        corpora: dict[str, list[str]] = json.load(f)
    for name in corpora.values():
        signatures(name[:32])  # warm-up
    print("ready", flush=True)
    for line in sys.stdin:
        texts = corpora[line.strip()]
        t0 = time.process_time()
        signatures(texts)
        print(time.process_time() - t0, flush=True)


if __name__ == "__main__":
    main()
