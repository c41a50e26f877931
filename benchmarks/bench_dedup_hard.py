"""Near-dedup on hard cases, against exact brute-force ground truth (dataprep vs datatrove).

Five classes of documents, generated deterministically (fixed seed) from the
hand-written texts this repository ships (``dataprep/sample_data/texts``,
``benchmarks/data/langid``):

* ``templated``: pages of one template differing in 1-4 fields (name, price,
  city, date, SKU, one sentence of description);
* ``revisions``: chains A -> B -> C -> D of one document, each step replacing,
  inserting or deleting a few words, so that neighbours are near the threshold and
  A and C often below it (a method that chains removes C as a duplicate of A);
* ``boilerplate``: short pages (3-30 words of body) inside one site's header and
  footer (~80 words), whose Jaccard falls on both sides of the thresholds;
* ``translated``: the same paragraph in related languages (no/nn/da/sv, id/ms,
  hr/bs/sr, gl/ca, cs/sk): never duplicates unless their shingles say so;
* ``code``: a Python module (a function and a class) with 1-2 identifiers of the
  function renamed everywhere.

Ground truth at threshold t: the exact Jaccard of the *same* shingle sets dataprep
hashes (normalized text, word 5-grams) for every pair sharing a shingle, then
keep-order center clustering over the pairs with J >= t (a document is a true
duplicate when it is >= t similar to an earlier kept document). A method's removed
documents are scored against that set per class: precision, recall, F1. That set
depends on which member of a cluster is kept (input order here, as dataprep's
``keep: first``); a method keeping another member of a clean cluster scores one
false and one missed removal, so two counts that do not depend on it come with
it: "no kept >= t", removals with no document *the method kept* at J >= t (the
text is gone from the output; "no partner", the subset with no document at all
at J >= t), and "lost clusters", true clusters of two or more documents whose
every member was removed.

dataprep runs ``minhash_dedup_v1`` (defaults: exact verification, greedy centers)
at each threshold, and its datatrove-compatible mode (``clustering: components``,
``verify: false``, 14 bands x 8 rows: no threshold is used) once. datatrove 0.10.1's
MinHash (default 14 buckets x 8 hashes, word 5-grams, connected components; it has
no threshold option) runs once in its own venv (``--dt-venv``, created with
``datatrove==0.10.1 regex tokenizers orjson spacy "xxhash<4" numpy`` when missing,
or skipped with ``--no-datatrove``). The methods run once are scored against each
threshold's truth. Times are wall seconds of each method's run (one core).

    PYTHONPATH=. python benchmarks/bench_dedup_hard.py [--no-datatrove]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))
# dataprep and numpy are imported where used: ``--worker`` runs in datatrove's venv

THRESHOLDS = (0.7, 0.8, 0.9)
CLASSES = ("templated", "revisions", "boilerplate", "translated", "code")
SEED = 20261204
_SENT = re.compile(r"(?<=[.!?])\s+")


# ------------------------------------------------------------------- generation
def _material() -> tuple[list[str], list[str]]:
    """(English paragraphs, English sentences) from the sample corpus's good texts."""
    from dataprep.sample_data.build import load_sources

    paras = [
        p.strip()
        for s in load_sources()
        if s.lang == "en" and s.kind == "good"
        for p in s.text.split("\n\n")
        if len(p.split()) >= 25
    ]
    sents = [x for p in paras for x in _SENT.split(p) if len(x.split()) >= 6]
    return paras, sents


def templated(rng: random.Random, sents: list[str]) -> list[str]:
    cities = ["Leeds", "Porto", "Graz", "Turku", "Split", "Lyon", "Aarhus", "Brno", "Cork"]
    names = ["Alder desk lamp", "Birch shelf", "Cedar stool", "Oak side table", "Pine bench"]

    def draw() -> dict[str, str]:
        return {
            "name": rng.choice(names),
            "price": f"{rng.randint(10, 400)}.{rng.randint(0, 99):02d}",
            "city": rng.choice(cities),
            "date": f"{rng.randint(1, 28)} March 2024",
            "sku": f"SKU-{rng.randint(1000, 9999)}",
            "desc": rng.choice(sents),
        }

    out = []
    for _ in range(20):
        intro = " ".join(rng.sample(sents, 4))
        footer = " ".join(rng.sample(sents, 3))
        base = draw()
        varying = rng.sample(sorted(base), rng.randint(1, 4))
        for _ in range(rng.randint(4, 8)):
            new = draw()
            f = {k: new[k] if k in varying else base[k] for k in base}
            out.append(
                f"{intro} Product: {f['name']}. Price: {f['price']} euros. Ships from "
                f"{f['city']} on {f['date']}. Reference {f['sku']}. {f['desc']} {footer}"
            )
    return out


def _edit(words: list[str], k: int, rng: random.Random, vocab: list[str]) -> list[str]:
    w = list(words)
    for _ in range(k):
        op = rng.random()
        i = rng.randrange(len(w))
        if op < 0.5:
            w[i] = rng.choice(vocab)
        elif op < 0.75:
            w.insert(i, rng.choice(vocab))
        elif len(w) > 10:
            del w[i]
    return w


def revisions(rng: random.Random, paras: list[str]) -> list[str]:
    vocab = [w for p in paras for w in p.split()]
    out: list[str] = []
    for _ in range(25):
        words = " ".join(rng.sample(paras, 3)).split()
        chain = [words]
        for _ in range(3):
            # ~1 edit per 50-70 words: about 0.8-0.9 Jaccard between neighbours
            chain.append(_edit(chain[-1], max(1, len(words) // rng.randint(45, 75)), rng, vocab))
        out.extend(" ".join(c) for c in chain)
    return out


def site_pages(rng: random.Random, sents: list[str], site: int, pages: int) -> list[str]:
    """``pages`` pages of one site: its header and footer (~80 words) around 3-30 words."""
    header = (
        f"Home | News | Local | Sport | Weather | Contact | Site {site} uses cookies to "
        "improve your experience. By continuing to browse you accept our use of cookies. "
        "Accept all | Manage settings | Subscribe to our newsletter for the latest stories."
    )
    footer = (
        f"Copyright 2024 Site {site} Media Group. All rights reserved. Terms of use | "
        "Privacy policy | Advertise with us | Careers | Follow us on social media for "
        "updates. Registered office: 12 Market Street. Company number 0493821."
    )
    out = []
    for _ in range(pages):
        body = " ".join(" ".join(rng.sample(sents, 3)).split()[: rng.randint(3, 30)])
        out.append(f"{header}\n{body}\n{footer}")
    return out


def boilerplate(rng: random.Random, sents: list[str]) -> list[str]:
    return [page for site in range(3) for page in site_pages(rng, sents, site, 50)]


def translated() -> list[str]:
    out: list[str] = []
    for path in sorted((HERE / "data" / "langid").glob("*.txt")):
        if path.stem == "nonlang":
            continue
        lines = [x for x in path.read_text("utf-8").splitlines() if not x.startswith("#")]
        out.extend(p.strip() for p in "\n".join(lines).split("\n\n") if p.strip())
    return out


_CODE = '''def {f}({a}, {b}=None):
    """Return the {a} items whose {k} is at least {b}."""
    {r} = []
    for {i} in {a}:
        {v} = {i}.get("{k}", 0)
        if {b} is None or {v} >= {b}:
            {r}.append({i})
        else:
            log.debug("skip %s: %s < %s", {i}, {v}, {b})
    {r}.sort(key=lambda {x}: {x}.get("{k}", 0), reverse=True)
    total = sum({x}.get("{k}", 0) for {x} in {r})
    log.info("%d of %d kept, total %s", len({r}), len({a}), total)
    return {r}[:limit] if (limit := len({r})) else {r}
'''


_MORE = '''

class Report:
    """Totals of a run, printed at the end."""

    def __init__(self, name, rows):
        self.name = name
        self.rows = list(rows)
        self.errors = []

    def add_error(self, row, message):
        self.errors.append((row, message))
        log.warning("row %s: %s", row, message)

    def summary(self):
        lines = [f"{self.name}: {len(self.rows)} rows, {len(self.errors)} errors"]
        for row, message in self.errors[:10]:
            lines.append(f"  row {row}: {message}")
        return "\\n".join(lines)
'''


def code(rng: random.Random) -> list[str]:
    names = ["rows", "items", "records", "entries", "values", "batch", "elems", "nodes"]
    out = []
    for n in range(20):
        ids = {
            "f": f"select_{rng.choice(names)}_{n}",
            "a": rng.choice(names),
            "b": rng.choice(["minimum", "floor", "lower", "cut"]),
            "k": rng.choice(["score", "weight", "size", "count"]),
            "r": "result",
            "i": "item",
            "v": "value",
            "x": "e",
        }
        other = _CODE.format(**{**ids, "f": ids["f"] + "_all", "b": "None"}) + _MORE
        out.append(_CODE.format(**ids) + other)
        for _ in range(4):
            renamed = dict(ids)
            for key in rng.sample(["r", "i", "v", "x", "b", "a"], rng.randint(1, 2)):
                renamed[key] = renamed[key] + "_" + rng.choice(["x", "new", "2", "tmp"])
            out.append(_CODE.format(**renamed) + other)
    return out


def corpus() -> tuple[list[str], list[str]]:
    """(texts, class of each), shuffled with a fixed seed."""
    rng = random.Random(SEED)
    paras, sents = _material()
    parts = {
        "templated": templated(rng, sents),
        "revisions": revisions(rng, paras),
        "boilerplate": boilerplate(rng, sents),
        "translated": translated(),
        "code": code(rng),
    }
    docs = [(t, c) for c, texts in parts.items() for t in texts]
    rng.shuffle(docs)
    return [t for t, _ in docs], [c for _, c in docs]


# ------------------------------------------------------------------- ground truth
def exact_pairs(texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every pair sharing a shingle (u < v) and its exact Jaccard."""
    import numpy as np

    from dataprep.dedup.normalize import NormalizeOptions, normalize
    from dataprep.dedup.shingles import shingle_hashes

    opts = NormalizeOptions()
    sets = [
        frozenset(
            shingle_hashes(normalize(t, opts), word_n=5, char_n=5, char_fraction=0.3).tolist()
        )
        for t in texts
    ]
    index: dict[int, list[int]] = defaultdict(list)
    for i, s in enumerate(sets):
        for h in s:
            index[h].append(i)
    pairs = {(a, b) for ds in index.values() for k, a in enumerate(ds) for b in ds[k + 1 :]}
    u = np.array([p[0] for p in pairs], dtype=np.int64)
    v = np.array([p[1] for p in pairs], dtype=np.int64)
    j = np.array([len(sets[a] & sets[b]) / len(sets[a] | sets[b]) for a, b in pairs])
    return u, v, j


def truth(n: int, u: np.ndarray, v: np.ndarray, j: np.ndarray, t: float) -> np.ndarray:
    """dup_of of keep-order (input order) center clustering over true J >= t; -1 = kept."""
    import numpy as np

    from dataprep.dedup.near import greedy_centers

    sel = j >= t
    return greedy_centers(np.arange(n), u[sel], v[sel], j[sel]).dup_of


# ------------------------------------------------------------------- methods
#: dataprep's datatrove-compatible mode (datatrove 0.10.1's MinhashConfig defaults)
COMPAT = {"clustering": "components", "verify": False, "bands": 14, "rows": 8}


def run_dataprep(texts: list[str], **options: object) -> tuple[np.ndarray, float]:
    """Removed mask and seconds (observe + fit) of ``minhash_dedup_v1``."""
    import numpy as np
    from bench_dedup import run_stage

    with tempfile.TemporaryDirectory() as d:
        t_obs, t_fit, dec, _ = run_stage("minhash_dedup_v1", texts, Path(d), **options)
    return np.array([r is not None for r in dec.column("reason").to_pylist()]), t_obs + t_fit


def _ensure_venv(venv: Path) -> Path:
    py = venv / "bin" / "python"
    probe = [str(py), "-c", "import datatrove.pipeline.dedup"]
    if py.exists() and subprocess.run(probe, capture_output=True).returncode == 0:
        return py
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pkgs = ["datatrove==0.10.1", "regex", "tokenizers", "orjson", "spacy", "xxhash<4", "numpy"]
    subprocess.run([str(py), "-m", "pip", "install", "-q", *pkgs], check=True)
    return py


def datatrove_worker(work: str) -> None:
    """Runs inside the datatrove venv: the four MinHash steps, default config."""
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.dedup import (
        MinhashDedupBuckets,
        MinhashDedupCluster,
        MinhashDedupFilter,
        MinhashDedupSignature,
    )
    from datatrove.pipeline.dedup.minhash import MinhashConfig
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import JsonlWriter

    cfg = MinhashConfig()
    w = Path(work)

    def run(pipeline: list[object], tasks: int, name: str) -> None:
        LocalPipelineExecutor(
            pipeline=pipeline, tasks=tasks, workers=1, logging_dir=str(w / "logs" / name)
        ).run()

    run([JsonlReader(str(w / "in")), MinhashDedupSignature(str(w / "sigs"), config=cfg)], 1, "s")
    run(
        [MinhashDedupBuckets(str(w / "sigs"), str(w / "buckets"), config=cfg)],
        cfg.num_buckets,
        "b",
    )
    run([MinhashDedupCluster(str(w / "buckets"), str(w / "remove"), config=cfg)], 1, "c")
    run(
        [
            JsonlReader(str(w / "in")),
            MinhashDedupFilter(str(w / "remove")),
            JsonlWriter(str(w / "out"), compression=None),
        ],
        1,
        "f",
    )


def run_datatrove(texts: list[str], venv: Path) -> tuple[np.ndarray, float]:
    """Removed mask and seconds of the four MinHash steps (venv made beforehand)."""
    import numpy as np

    py = _ensure_venv(venv)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as d:
        (Path(d) / "in").mkdir()
        with open(Path(d) / "in" / "docs.jsonl", "w", encoding="utf-8") as f:
            for i, t in enumerate(texts):
                f.write(json.dumps({"id": str(i), "text": t}) + "\n")
        cmd = [str(py), __file__, "--worker", d]
        subprocess.run(cmd, check=True, capture_output=True)
        kept: set[int] = set()
        for path in (Path(d) / "out").glob("*.jsonl"):
            with open(path, encoding="utf-8") as f:
                kept.update(int(json.loads(line)["id"]) for line in f)
    return np.array([i not in kept for i in range(len(texts))]), time.perf_counter() - start


# ------------------------------------------------------------------- scoring
@dataclass(frozen=True)
class Score:
    precision: float
    recall: float
    f1: float
    true_dups: int
    no_kept: int
    """Removed, and no document the method kept is at J >= t."""
    no_partner: int
    """Removed, and no document at all is at J >= t."""
    lost: int
    """True clusters (>= 2 documents) whose every member was removed."""


def score(
    removed: np.ndarray,
    dup_of: np.ndarray,
    near: list[list[int]],
    mask: np.ndarray,
) -> Score:
    """``near[d]``: the documents at J >= t of ``d``."""
    import numpy as np

    should = dup_of >= 0
    r, s = removed & mask, should & mask
    tp = int((r & s).sum())
    p = tp / r.sum() if r.sum() else 1.0
    rec = tp / s.sum() if s.sum() else 1.0
    f1 = 2 * p * rec / (p + rec) if p + rec else 0.0
    gone = np.flatnonzero(r).tolist()
    no_partner = sum(1 for d in gone if not near[d])
    no_kept = sum(1 for d in gone if all(removed[x] for x in near[d]))
    # a true cluster (a kept center and its duplicates) all of whose members are removed
    members: dict[int, list[int]] = defaultdict(list)
    for i in np.flatnonzero(should):
        members[int(dup_of[i])].append(int(i))
    lost = sum(
        1 for c, ms in members.items() if mask[c] and removed[c] and all(removed[m] for m in ms)
    )
    return Score(p, rec, f1, int(s.sum()), no_kept, no_partner, lost)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--no-datatrove", action="store_true")
    ap.add_argument("--dt-venv", type=Path, default=Path("/tmp/dt-lid-venv"))
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        datatrove_worker(args.worker)
        return
    import numpy as np

    texts, classes = corpus()
    cls = np.array(classes)
    u, v, j = exact_pairs(texts)
    counts = {c: int((cls == c).sum()) for c in CLASSES}
    print(f"{len(texts)} documents: {counts}; {len(j)} pairs share a shingle")
    runs = {t: run_dataprep(texts, threshold=t) for t in THRESHOLDS}
    compat = run_dataprep(texts, **COMPAT)
    methods: dict[str, dict[float, tuple[np.ndarray, float]]] = {
        "dataprep minhash_dedup_v1": runs,
        "dataprep, datatrove-compatible mode": dict.fromkeys(THRESHOLDS, compat),
    }
    if not args.no_datatrove:
        try:
            dt = run_datatrove(texts, args.dt_venv)
            methods["datatrove 0.10.1 (14x8, no threshold)"] = dict.fromkeys(THRESHOLDS, dt)
        except (subprocess.CalledProcessError, OSError) as e:
            print(f"datatrove skipped: {e}")
    print("\n| method | seconds |\n|---|---:|")
    for name, by_t in methods.items():
        secs = sorted({round(x[1], 2) for x in by_t.values()})
        print(f"| {name} | {' / '.join(f'{x:.2f}' for x in secs)} |")
    print(
        "\n| method | threshold | class | true dups | precision | recall | F1 "
        "| removed, no kept doc >= t | of which no doc >= t | lost clusters |"
    )
    print("|---|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, by_t in methods.items():
        for t in THRESHOLDS:
            dup_of = truth(len(texts), u, v, j, t)
            near: list[list[int]] = [[] for _ in texts]
            sel = j >= t
            for a, b in zip(u[sel].tolist(), v[sel].tolist(), strict=True):
                near[a].append(b)
                near[b].append(a)
            for c in (*CLASSES, "all"):
                mask = np.ones(len(texts), bool) if c == "all" else cls == c
                sc = score(by_t[t][0], dup_of, near, mask)
                print(
                    f"| {name} | {t} | {c} | {sc.true_dups} | {sc.precision:.3f} "
                    f"| {sc.recall:.3f} | {sc.f1:.3f} | {sc.no_kept} | {sc.no_partner} "
                    f"| {sc.lost} |"
                )


if __name__ == "__main__":
    main()
