"""Where dataprep's and datatrove's MinHash dedup disagree, which side the true Jaccard backs.

    python benchmarks/e2e/run.py --corpus short --docs 10000 --cores 1 --repeats 1 \\
        --no-breakdown --keep --work /tmp/e2e-short
    PYTHONPATH=. python benchmarks/e2e/minhash_diff.py /tmp/e2e-short/c0 [--cores 1]

Reads each tool's MinHash input from a kept work folder of ``run.py`` (dataprep: its
output ``data/`` plus ``removed/minhash_dedup_v1/``; datatrove: ``exact/``, what its
signature step read), then computes the exact shingle Jaccard of every pair with two
shinglings: dataprep's (``minhash_dedup_v1`` defaults: NFC, casefold, word 5-grams,
character 5-grams for scripts without spaces) and a neutral one (lower-cased, every
character that is not a letter, mark or digit made a space, same n-grams). It prints:

* pairs of documents a tool kept with J >= threshold (duplicates it missed);
* the documents only one tool removed, by their best J to a document that tool kept:
  ``kept copy`` (>= threshold: the other tool kept a different copy), ``chained``
  (>= threshold only to documents the tool removed too: connected components),
  ``no edge`` (below threshold to every document: an estimated Jaccard taken for a
  duplicate, no verification).
"""

from __future__ import annotations

import argparse
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

from dataprep.dedup.normalize import normalize
from dataprep.dedup.shingles import shingle_hashes, uses_char_ngrams
from dataprep.dedup.stages import MinHashDedup

_CFG = MinHashDedup.Config()


@dataclass(frozen=True)
class Side:
    name: str
    kept: set[str]
    removed: set[str]  # by its MinHash stage; kept | removed = its MinHash input


def _read(folder: Path, columns: list[str]) -> dict[str, list]:
    out: dict[str, list] = {c: [] for c in columns}
    for path in sorted(folder.glob("*.parquet")):
        table = pq.read_table(path, columns=columns).to_pydict()
        for c in columns:
            out[c] += table[c]
    return out


def load(run: Path, cores: int) -> tuple[dict[str, str], Side, Side]:
    dp_out, dt_work = run / f"dp-{cores}", run / f"dt-{cores}"
    kept = _read(dp_out / "data", ["id", "text"])
    removed = _read(dp_out / "removed" / "minhash_dedup_v1", ["id", "text"])
    dt_in = _read(dt_work / "exact", ["id", "text"])
    texts = dict(zip(dt_in["id"], dt_in["text"], strict=True))
    texts |= dict(zip(kept["id"] + removed["id"], kept["text"] + removed["text"], strict=True))
    dp = Side("dataprep", set(kept["id"]), set(removed["id"]))
    dt_kept = set(_read(dt_work / "output", ["id"])["id"])
    dt = Side("datatrove", dt_kept, set(dt_in["id"]) - dt_kept)
    return texts, dp, dt


def dataprep_shingles(text: str) -> set[int]:
    norm = normalize(text, _CFG.normalize_options())
    return set(
        shingle_hashes(
            norm, word_n=_CFG.ngram, char_n=_CFG.char_ngram, char_fraction=_CFG.char_script_fraction
        ).tolist()
    )


def neutral_shingles(text: str) -> set[tuple[str, ...]]:
    """Word (or, without spaces, character) 5-grams of letters, marks and digits."""
    kept = "".join(c if unicodedata.category(c)[0] in "LMN" else " " for c in text.lower())
    if uses_char_ngrams(kept, _CFG.char_script_fraction):
        tokens, n = list("".join(kept.split())), _CFG.char_ngram
    else:
        tokens, n = kept.split(), _CFG.ngram
    n = min(n, len(tokens))
    return {tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)} if tokens else set()


class JaccardRows:
    """Exact Jaccard of one document against all others (an inverted index of shingles)."""

    def __init__(self, sets: list[set]) -> None:
        vocab: dict[object, int] = {}
        self.docs = [np.array([vocab.setdefault(s, len(vocab)) for s in d], np.int64) for d in sets]
        postings: list[list[int]] = [[] for _ in vocab]
        for i, shingles in enumerate(self.docs):
            for s in shingles.tolist():
                postings[s].append(i)
        self.postings = [np.array(p, np.int64) for p in postings]
        self.sizes = np.array([len(d) for d in self.docs], np.float64)

    def row(self, i: int) -> np.ndarray:
        n = len(self.docs)
        if not len(self.docs[i]):
            return np.zeros(n)
        inter = np.bincount(np.concatenate([self.postings[s] for s in self.docs[i]]), minlength=n)
        union = self.sizes[i] + self.sizes - inter
        out = inter / np.maximum(union, 1.0)
        out[i] = -1.0
        return out


def report(
    ids: list[str], rows: JaccardRows, sides: tuple[Side, Side], threshold: float
) -> list[str]:
    pos = {d: i for i, d in enumerate(ids)}

    def mask(members: set[str]) -> np.ndarray:
        m = np.zeros(len(ids), dtype=bool)
        m[[pos[d] for d in members]] = True
        return m

    lines = []
    for side in sides:
        kept = mask(side.kept)
        missed = []
        for i in sorted(pos[d] for d in side.kept):
            row = rows.row(i)
            row[: i + 1] = -1.0  # each pair once
            missed += [(ids[i], ids[j], row[j]) for j in np.flatnonzero(kept & (row >= threshold))]
        lines.append(
            f"{side.name}: {len(side.kept)} kept, {len(side.removed)} removed; "
            f"kept pairs with J >= {threshold}: {len(missed)}"
        )
        lines += [f"  {a} {b} J={j:.3f}" for a, b, j in missed[:10]]
    for side, other in (sides, sides[::-1]):
        kept, inside = mask(side.kept), mask(side.kept | side.removed)
        for label, docs in (("only", side.removed & other.kept), ("in all", side.removed)):
            best: list[float] = []
            classes: Counter[str] = Counter()
            for d in sorted(docs):
                row = rows.row(pos[d])
                best.append(float(row[kept].max(initial=0.0)))
                if best[-1] >= threshold:
                    classes["kept copy"] += 1
                elif row[inside].max(initial=0.0) >= threshold:
                    classes["chained"] += 1
                else:
                    classes["no edge"] += 1
            b = np.array(best or [0.0])
            lines.append(
                f"removed by {side.name} {label}: {len(docs)}; best J to a document it kept: "
                f"median {np.median(b):.3f}, < {threshold}: {int((b < threshold).sum())}, "
                f"< 0.5: {int((b < 0.5).sum())}; {dict(classes.most_common())}"
            )
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("run", type=Path, help="a comparison folder of run.py --keep (c0)")
    ap.add_argument("--cores", type=int, default=1, help="which dp-N / dt-N pair to read")
    ap.add_argument("--threshold", type=float, default=_CFG.threshold)
    args = ap.parse_args()
    texts, dp, dt = load(args.run, args.cores)
    ids = sorted(texts)
    shinglings: dict[str, Callable[[str], set]] = {
        "dataprep": dataprep_shingles,
        "neutral": neutral_shingles,
    }
    for name, shingles in shinglings.items():
        print(f"== {name} shingling, {len(ids)} documents in either tool's MinHash input")
        rows = JaccardRows([shingles(texts[d]) for d in ids])
        print("\n".join(report(ids, rows, (dp, dt), args.threshold)))


if __name__ == "__main__":
    main()
