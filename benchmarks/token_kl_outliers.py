"""token_kl_v1: recall on injected outliers and the rate on clean text, old quota vs score.

    PYTHONPATH=. python benchmarks/token_kl_outliers.py [--rounds 5]

Clean text: the ``good``, non-duplicate documents of the bundled sample corpus (16
languages, 9-120 per language, hand-written for this project) with their language
labels. Each round adds 10 outliers (2 of each kind of
:mod:`dataprep.cleaning.kl_outliers`: base64 blob, hex dump, random tokens, keyword
spam, data URI inside prose), each injected into a different clean host document and
replacing it, and runs the stage through the real pipeline (annotate mode). Rates are
over all rounds.
The corpus is tiny: most languages have fewer than 20 documents, which is the hard
case for any corpus statistic (most words of a page are seen in no other page).
``--corpus zipf`` instead generates 2,000 one-language documents from a Zipf vocabulary
(a well-estimated distribution; synthetic words, so read it as the easy case).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from dataprep.cleaning.kl_outliers import KINDS, inject
from dataprep.engine.driver import run_pipeline
from dataprep.recipe.config import parse_recipe
from dataprep.sample_data import load_labels

sys.path.insert(0, str(Path(__file__).parent))
from dirty_words_cjk import sample_docs

SETTINGS = {
    "old default (drop_top_fraction 0.01)": {"drop_top_fraction": 0.01, "max_score": None},
    "default (max_score 4)": {},
    "max_score 3": {"max_score": 3.0},
}


def zipf_corpus(seed: int) -> tuple[list[str], list[str], list[str]]:
    """2,000 generated one-language documents of 20-400 words from a 20,000-word
    Zipf(1) vocabulary: a corpus whose distribution is well estimated, unlike the sample."""
    rng = random.Random(seed)
    vocab = [f"w{i}" for i in range(20_000)]
    weights = [1 / (i + 1) for i in range(len(vocab))]
    items = [
        (" ".join(rng.choices(vocab, weights, k=rng.randint(20, 400))), "clean")
        for _ in range(2000)
    ]
    for j, host in enumerate(rng.sample(range(len(items)), 2 * len(KINDS))):
        kind = KINDS[j % len(KINDS)]
        items[host] = (inject(items[host][0], kind, rng), kind)
    return [t for t, _ in items], ["en"] * len(items), [k for _, k in items]


def corpus(seed: int) -> tuple[list[str], list[str], list[str]]:
    labels = {r["id"]: r for r in load_labels()}
    good = [
        (labels[i]["lang"], t)
        for i, t in sorted(sample_docs().items())
        if labels[i]["kind"] == "good" and labels[i]["dup"] == "original"
    ]
    rng = random.Random(seed)
    items = [(lang, t, "clean") for lang, t in good]
    for j, host in enumerate(rng.sample(range(len(good)), 2 * len(KINDS))):
        lang, t = good[host]  # the outlier replaces its host (no clean twin left behind)
        items[host] = (lang, inject(t, KINDS[j % len(KINDS)], rng), KINDS[j % len(KINDS)])
    rng.shuffle(items)
    return [t for _, t, _ in items], [lang for lang, _, _ in items], [k for _, _, k in items]


def run(texts: list[str], langs: list[str], options: dict, work: Path) -> list[bool]:
    inp = work / "in"
    inp.mkdir(parents=True, exist_ok=True)
    ids = [f"d{i:05d}" for i in range(len(texts))]
    pq.write_table(pa.table({"id": ids, "text": texts, "lang": langs}), inp / "part.parquet")
    stage = {"stage": "token_kl_v1", "annotate": True, **options}
    out = work / "out"
    run_pipeline(
        parse_recipe({"name": "b", "stages": [stage]}), [str(inp)], out, workers=1, progress=False
    )
    table = pq.read_table(out / "data").to_pydict()
    flagged = dict(
        zip(table["id"], [r is not None for r in table["token_kl_v1__reason"]], strict=True)
    )
    return [flagged[i] for i in ids]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--corpus", choices=["sample", "zipf"], default="sample")
    args = ap.parse_args()
    hits: dict[str, dict[str, list[bool]]] = {s: defaultdict(list) for s in SETTINGS}
    for seed in range(args.rounds):
        texts, langs, kinds = (corpus if args.corpus == "sample" else zipf_corpus)(seed)
        for name, options in SETTINGS.items():
            with tempfile.TemporaryDirectory() as tmp:
                flags = run(texts, langs, options, Path(tmp))
            for kind, flag in zip(kinds, flags, strict=True):
                hits[name][kind].append(flag)
    cols = ["clean", *KINDS]
    print("| setting | " + " | ".join(cols) + " |")
    print("|---|" + "---|" * len(cols))
    for name, by_kind in hits.items():
        cells = [f"{sum(v) / len(v):.1%} ({sum(v)}/{len(v)})" for v in (by_kind[c] for c in cols)]
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
