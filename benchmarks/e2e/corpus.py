"""Deterministic web-like corpus for the end-to-end benchmark (no downloads).

Documents come from ``benchmarks/bench_filters.make_doc`` (English-like prose from a
Zipf-weighted vocabulary, plus ~15% web pages with menus, boilerplate, teaser lines,
keyword salad, lorem ipsum, repeated paragraphs and short pages), with on top:

* ``NON_EN`` of documents in other languages, shuffled paragraphs of the hand-written
  texts of ``dataprep/sample_data/texts`` (so language ID has something to drop);
* ``EXACT`` exact copies and ``NEAR`` near copies (0.3-1.5% of the words replaced, true
  5-gram Jaccard ~0.86-0.97) of an earlier original, drawn from the last 2,000 originals,
  so most copies land in another shard than their source.

Shards are Parquet (zstd), columns ``id`` (``d00000042``) and ``text``; ground truth
(``id``, ``kind``, ``family`` = the id of the original) goes to ``labels.parquet``
beside the shard folder, never inside it. Generation streams one shard at a time.
"""

from __future__ import annotations

import random
import sys
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_filters import make_doc  # noqa: E402

EXACT, NEAR, NON_EN = 0.02, 0.10, 0.04
_TEXTS = ROOT / "dataprep" / "sample_data" / "texts"


@dataclass(frozen=True)
class CorpusInfo:
    folder: Path  # the shards (the --input of both tools)
    labels: Path
    docs: int
    text_bytes: int


def _foreign_paragraphs() -> list[list[str]]:
    """Paragraphs of each non-English sample text (headers and markers skipped)."""
    out = []
    for path in sorted(_TEXTS.glob("*.txt")):
        if path.stem == "en":
            continue
        lines = path.read_text(encoding="utf-8").splitlines()
        paras = [s for s in lines if len(s) > 80 and not s.startswith(("#", "@@"))]
        if paras:
            out.append(paras)
    return out


def _foreign_doc(rng: random.Random, langs: list[list[str]], size: int) -> str:
    paras = rng.choice(langs)
    parts: list[str] = []
    while sum(map(len, parts)) < size:
        parts.append(rng.choice(paras))
    return "\n\n".join(parts)


def _near_copy(rng: random.Random, text: str) -> str:
    words = text.split(" ")
    for _ in range(max(1, round(len(words) * rng.uniform(0.003, 0.015)))):
        words[rng.randrange(len(words))] = rng.choice(("lantern", "orbit", "velvet", "quarry"))
    return " ".join(words)


def _write(
    folder: Path,
    docs: int,
    shards: int,
    rng: random.Random,
    original: Callable[[float], tuple[str, str]],
) -> CorpusInfo:
    """Shards of ``docs`` documents: ``EXACT`` exact and ``NEAR`` near copies of recent
    originals, else ``original(r)`` -> (text, kind), ``r`` the draw that chose it."""
    data = folder / "shards"
    data.mkdir(parents=True, exist_ok=True)
    recent: deque[tuple[str, str]] = deque(maxlen=2000)
    labels: dict[str, list[str]] = {"id": [], "kind": [], "family": []}
    total = 0
    bounds = [docs * s // shards for s in range(shards + 1)]
    for s in range(shards):
        ids, texts = [], []
        for i in range(bounds[s], bounds[s + 1]):
            doc_id, r = f"d{i:08d}", rng.random()
            if recent and r < EXACT:
                family, text = rng.choice(recent)
                kind = "exact"
            elif recent and r < EXACT + NEAR:
                family, src = rng.choice(recent)
                text, kind = _near_copy(rng, src), "near"
            else:
                text, kind = original(r)
                family = doc_id
                recent.append((doc_id, text))
            ids.append(doc_id)
            texts.append(text)
            labels["id"].append(doc_id)
            labels["kind"].append(kind)
            labels["family"].append(family)
            total += len(text.encode("utf-8"))
        table = pa.table({"id": ids, "text": texts})
        pq.write_table(table, data / f"part-{s:04d}.parquet", compression="zstd")
    pq.write_table(pa.table(labels), folder / "labels.parquet")
    return CorpusInfo(data, folder / "labels.parquet", docs, total)


def generate(
    folder: Path, docs: int, *, shards: int = 8, size: int = 4000, seed: int = 0
) -> CorpusInfo:
    """Write ``shards`` Parquet files of ``docs`` documents of ~``size`` characters."""
    rng = random.Random(seed)
    langs = _foreign_paragraphs()

    def original(r: float) -> tuple[str, str]:
        if r > 1 - NON_EN:
            return _foreign_doc(rng, langs, size), "foreign"
        return make_doc(rng, size), "original"

    return _write(folder, docs, shards, rng, original)


def generate_short(folder: Path, docs: int, *, shards: int = 8, seed: int = 0) -> CorpusInfo:
    """The short multilingual corpus of ``bench_short_multilingual.make_corpus`` (200 B -
    2 KB pages of the sample texts, 16 languages), with the same ``EXACT`` exact and
    ``NEAR`` near copies of recent originals as :func:`generate`, so both dedup stages
    have work. Labels: kind ``original`` (English) / ``foreign`` / ``exact`` / ``near``."""
    from bench_short_multilingual import make_corpus

    base = iter(make_corpus(docs, seed=seed))

    def original(r: float) -> tuple[str, str]:
        lang, text = next(base)
        return text, "original" if lang == "en" else "foreign"

    return _write(folder, docs, shards, random.Random(seed + 1), original)
