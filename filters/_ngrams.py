"""N-gram repetition measures of one document: the readable reference definitions.

Definitions match datatrove's ``find_top_duplicate`` and ``find_all_duplicate``
(Gopher repetition, Rae et al. 2021 Table A1), over n-grams of tokens compared as
token tuples (exact: no hashing that could collide or depend on ``PYTHONHASHSEED``):

* top n-gram: characters of the most frequent n-gram (joined with spaces) times
  its count; ties go to the n-gram seen first (``Counter.most_common``);
* duplicated n-grams: scan left to right keeping a set of seen n-grams; at an
  n-gram already seen, count its characters (joined without spaces) and jump n
  tokens ahead without adding the skipped n-grams; otherwise add it and step 1.

``filters._ngrams_batch`` computes the same integers for many documents at once.
"""

from __future__ import annotations

from collections import Counter


def ngrams(tokens: list[str], n: int) -> list[tuple[str, ...]]:
    """The n-grams of ``tokens`` in order (none when there are fewer than n tokens)."""
    return list(zip(*(tokens[i:] for i in range(n)), strict=False))


def top_ngram_chars(grams: list[tuple[str, ...]]) -> int:
    """Characters of the most frequent n-gram, joined with spaces, times its count."""
    if not grams:
        return 0
    gram, count = Counter(grams).most_common(1)[0]
    return (sum(map(len, gram)) + len(gram) - 1) * count


def dup_ngram_chars(grams: list[tuple[str, ...]], n: int) -> int:
    """Characters of duplicated n-grams under datatrove's greedy skip scan."""
    seen: set[tuple[str, ...]] = set()
    total = i = 0
    while i < len(grams):
        gram = grams[i]
        if gram in seen:
            total += sum(map(len, gram))
            i += n
        else:
            seen.add(gram)
            i += 1
    return total


def repetition_chars(
    tokens: list[str], top_ns: tuple[int, ...], dup_ns: tuple[int, ...]
) -> tuple[dict[int, int], dict[int, int]]:
    """(top n-gram chars per n, duplicated n-gram chars per n) for ``tokens``."""
    top = {n: top_ngram_chars(ngrams(tokens, n)) for n in top_ns}
    dup = dict.fromkeys(dup_ns, 0)
    for n in sorted(dup_ns):
        grams = ngrams(tokens, n)
        if len(set(grams)) == len(grams):
            break  # no n-gram repeats, so no longer one does either
        dup[n] = dup_ngram_chars(grams, n)
    return top, dup
