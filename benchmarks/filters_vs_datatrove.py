"""Agreement and speed of dataprep's filters against datatrove 0.10.1, same documents.

Creates its own venv for datatrove (default /tmp/dt-venv: ``datatrove==0.10.1`` plus
``spacy regex tokenizers "xxhash<4"``, see shared FACTS), writes the generated
documents to a JSONL file, runs datatrove's four quality filters in that venv
(a subprocess of this script in ``--worker`` mode) and ours here, then prints
per-filter keep/drop agreement and the throughput ratio. Each filter sees the
original text (independent runs); the chained run measures stack throughput.

    python benchmarks/filters_vs_datatrove.py [--docs 1000] [--venv /tmp/dt-venv]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
PAIRS = ("gopher_repetition", "gopher_quality", "c4", "fineweb")


def _ensure_venv(venv: Path) -> Path:
    py = venv / "bin" / "python"
    probe = [str(py), "-c", "import datatrove, spacy, regex, tokenizers, xxhash"]
    if py.exists() and subprocess.run(probe, capture_output=True).returncode == 0:
        return py
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pkgs = ["datatrove==0.10.1", "spacy", "regex", "tokenizers", "xxhash<4"]
    subprocess.run([str(py), "-m", "pip", "install", "-q", *pkgs], check=True)
    return py


def worker(path: str, out: str) -> None:
    """Runs inside the datatrove venv."""
    from datatrove.data import Document
    from datatrove.pipeline.filters import (
        C4QualityFilter,
        FineWebQualityFilter,
        GopherQualityFilter,
        GopherRepetitionFilter,
    )

    with open(path, encoding="utf-8") as fh:
        texts = [json.loads(line)["text"] for line in fh]
    made = {
        "gopher_repetition": GopherRepetitionFilter(),
        "gopher_quality": GopherQualityFilter(),
        "c4": C4QualityFilter(),
        "fineweb": FineWebQualityFilter(),
    }
    result: dict[str, object] = {}
    for name, f in made.items():
        f.filter(Document(text="warm up the tokenizer.", id="w"))
        reasons, new_texts = [], []
        t0 = time.perf_counter()
        for i, t in enumerate(texts):
            doc = Document(text=t, id=str(i))
            try:
                r = f.filter(doc)
            except Exception as e:  # datatrove divides by zero on some texts
                r = (False, f"error:{type(e).__name__}")
            reasons.append(None if r is True else (r[1] if isinstance(r, tuple) else "drop"))
            new_texts.append(doc.text)
        result[name] = {"secs": time.perf_counter() - t0, "reasons": reasons}
        if name == "c4":
            result["c4_texts"] = new_texts
    t0 = time.perf_counter()
    for i, t in enumerate(texts):  # the chain, as in FineWeb's pipeline
        doc = Document(text=t, id=str(i))
        for f in made.values():
            try:
                if f.filter(doc) is not True:
                    break
            except Exception:
                break
    result["stack_secs"] = time.perf_counter() - t0
    Path(out).write_text(json.dumps(result), encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--venv", default="/tmp/dt-venv")
    ap.add_argument("--worker", nargs=2, metavar=("IN", "OUT"))
    args = ap.parse_args()
    if args.worker:
        worker(*args.worker)
        return

    sys.path.insert(0, str(HERE.parent))
    sys.path.insert(0, str(HERE))
    from bench_filters import make_docs

    from filters import C4, FineWeb, GopherQuality, GopherRepetition, default_stack

    docs = make_docs(args.docs, args.seed)
    data = Path("/tmp/_filters_vs_datatrove.jsonl")
    data.write_text("".join(json.dumps({"text": d}) + "\n" for d in docs), encoding="utf-8")
    py = _ensure_venv(Path(args.venv))
    out = Path("/tmp/_filters_vs_datatrove.out.json")
    subprocess.run([str(py), __file__, "--worker", str(data), str(out)], check=True)
    dt = json.loads(out.read_text(encoding="utf-8"))

    ours = {
        "gopher_repetition": GopherRepetition(),
        "gopher_quality": GopherQuality(),
        "c4": C4(),
        "fineweb": FineWeb(),
    }
    n = len(docs)
    print(f"{n} generated docs, ~{sum(map(len, docs)) / n / 1e3:.1f} KB each, one core")
    head = ("filter", "agree", "dt kept", "ours kept", "dt/s", "ours/s", "x")
    print("{:<20}{:>8}{:>9}{:>10}{:>8}{:>9}{:>7}".format(*head))
    for name in PAIRS:
        f = ours[name]
        t0 = time.perf_counter()
        mine = f.decide_batch(f.signal_batch(docs)).to_pylist()
        secs = time.perf_counter() - t0
        theirs = dt[name]["reasons"]
        agree = sum((a is None) == (b is None) for a, b in zip(mine, theirs, strict=True))
        print(
            f"{name:<20}{agree / n:>8.1%}{theirs.count(None) / n:>9.1%}"
            f"{mine.count(None) / n:>10.1%}{n / dt[name]['secs']:>8.0f}{n / secs:>9.0f}"
            f"{dt[name]['secs'] / secs:>7.1f}"
        )
        pairs = Counter(
            (b, a) for a, b in zip(mine, theirs, strict=True) if (a is None) != (b is None)
        )
        for (b, a), k in pairs.most_common(6):
            print(f"    datatrove={b!s:<28} ours={a!s:<40} {k}")
    c4 = C4()
    c4_new, c4_sig = c4.rewrite_batch(docs)
    kept = [i for i, r in enumerate(c4.decide_batch(c4_sig).to_pylist()) if r is None]
    kept = [i for i in kept if dt["c4"]["reasons"][i] is None]  # datatrove rewrites kept docs only
    same = sum(c4_new[i].as_py() == dt["c4_texts"][i] for i in kept)
    print(f"c4 rewritten text identical (docs both keep): {same}/{len(kept)}")
    stack = default_stack()
    t0 = time.perf_counter()
    stack.run(docs)
    secs = time.perf_counter() - t0
    dts = dt["stack_secs"]
    print(
        f"stack (4 filters): datatrove {n / dts:.0f} docs/s (stops at first drop), "
        f"ours {n / secs:.0f} docs/s (all signals, annotate mode): {dts / secs:.0f}x"
    )


if __name__ == "__main__":
    main()
