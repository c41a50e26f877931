"""dirty_words_v1 on Chinese and Japanese: false positives of plain substring matching
(the old rule) against the word-boundary rule (jieba segmentation + known compounds).

    PYTHONPATH=. python benchmarks/dirty_words_cjk.py

Texts (all written for this project, nothing downloaded):
* the ``good`` zh and ja documents of the bundled sample corpus (dataprep/sample_data);
* tests/cleaning/data/cjk_clean.txt - clean sentences where a list term appears only
  across a word boundary (角色|情感, 出色|情報): the hard cases;
* tests/cleaning/data/cjk_dirty.txt - sentences that do use a term (recall).
The list is tests/cleaning/data/blocklist_cjk.txt (26 terms).
"""

from __future__ import annotations

from pathlib import Path

from dataprep.cleaning.blocklists import compile_terms, count_dirty, read_terms
from dataprep.sample_data import load_labels

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests/cleaning/data"


def sample_docs() -> dict[str, str]:
    """id -> text of every document of the bundled sample corpus."""
    import gzip
    import json

    import pyarrow.parquet as pq
    import zstandard

    corpus = ROOT / "dataprep/sample_data/corpus"
    rows = list(pq.read_table(corpus / "shard-002.parquet").to_pylist())
    raw = [
        gzip.decompress((corpus / "shard-000.jsonl.gz").read_bytes()),
        zstandard.ZstdDecompressor()
        .decompressobj()
        .decompress((corpus / "shard-001.jsonl.zst").read_bytes()),
        (corpus / "shard-003.jsonl").read_bytes(),
    ]
    rows += [json.loads(ln) for blob in raw for ln in blob.decode().splitlines() if ln]
    return {r["id"]: r["text"] for r in rows}


def lines(name: str) -> list[str]:
    return [ln for ln in (DATA / name).read_text("utf-8").splitlines() if ln and ln[0] != "#"]


def main() -> None:
    terms = read_terms(str(DATA / "blocklist_cjk.txt"))
    bl = compile_terms(terms)
    assert bl.substring is not None

    def substring(text: str) -> int:
        return len(bl.substring.findall(text.casefold()))  # the old rule

    def boundary(text: str) -> int:
        return count_dirty(text, [bl])[0]

    labels = load_labels()
    ids = {r["id"] for r in labels if r["lang"] in ("zh", "ja") and r["kind"] == "good"}
    sample = [text for i, text in sorted(sample_docs().items()) if i in ids]
    sets = {
        "sample zh+ja good docs (clean)": sample,
        "cjk_clean.txt (clean, boundary traps)": lines("cjk_clean.txt"),
        "cjk_dirty.txt (uses a term)": lines("cjk_dirty.txt"),
    }
    print("| texts | n | flagged, substring (old) | flagged, word boundary (new) |")
    print("|---|---|---|---|")
    for name, texts in sets.items():
        old = sum(substring(t) > 0 for t in texts)
        new = sum(boundary(t) > 0 for t in texts)
        print(f"| {name} | {len(texts)} | {old} | {new} |")


if __name__ == "__main__":
    main()
