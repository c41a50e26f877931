"""Small corpora in every supported format, for tests of the engine."""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.feather as feather
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).parent))

import toy_stages  # noqa: F401  (registers toy_* stages)


def make_docs(n: int, *, start: int = 0) -> list[dict]:
    """Documents with varied lengths, some duplicates, a null and an empty text."""
    docs = []
    for i in range(start, start + n):
        words = " ".join(f"w{(i * 7 + k) % 13}" for k in range(i % 9))
        text = words if i % 5 else "the same duplicated text here"
        docs.append({"id": f"doc-{i}", "text": text, "meta": i})
    if n > 3:
        docs[1]["text"] = None
        docs[2]["text"] = ""
    return docs


def write_shard(path: Path, docs: list[dict]) -> Path:
    """Write ``docs`` in the format named by ``path``'s extension."""
    path.parent.mkdir(parents=True, exist_ok=True)
    name = path.name
    if name.endswith(".parquet"):
        pq.write_table(pa.Table.from_pylist(docs), path)
    elif name.endswith((".arrow", ".feather")):
        feather.write_feather(pa.Table.from_pylist(docs), path, compression="uncompressed")
    elif name.endswith(".jsonl.gz"):
        with gzip.GzipFile(path, "wb", mtime=0) as f:
            f.write("".join(json.dumps(d) + "\n" for d in docs).encode())
    elif name.endswith(".jsonl.zst"):
        import pyarrow as pa_

        with pa_.CompressedOutputStream(str(path), "zstd") as f:
            f.write("".join(json.dumps(d) + "\n" for d in docs).encode())
    elif name.endswith(".jsonl"):
        path.write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
    else:
        raise ValueError(name)
    return path


#: A recipe of toy stages for kill-and-resume tests (one global stage: two passes).
RECIPE = """\
name: reliability
run: {batch_size: 50}
output: {max_shard_bytes: 20000}
stages:
  - stage: toy_upper_v0
  - stage: toy_min_words_v0
    min_words: 2
  - stage: toy_exact_dedup_v0
  - stage: toy_min_words_v0
    name: min3
    min_words: 3
"""


def big_corpus(root: Path, shards: int = 12, docs: int = 400) -> Path:
    """``shards`` files of ``docs`` documents in three formats: a run takes a few seconds."""
    for i in range(shards):
        ext = ["jsonl", "parquet", "jsonl.gz"][i % 3]
        write_shard(root / f"s{i:02d}.{ext}", make_docs(docs, start=i * docs))
    return root
