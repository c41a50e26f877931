"""PII redaction precision and recall per type on the labelled set in the repository.

    PYTHONPATH=. python benchmarks/pii_eval.py [--errors]

The set (``tests/cleaning/data/pii_labelled.jsonl``, 103 hand-written strings in 10
languages, invented names and numbers) holds positives and hard negatives of every type:
version/section numbers, ``Feed::Add``, ``icon@2x.png``, dates, ISBNs, prices, order
numbers. It is small: read the numbers as "which cases work", not as rates on the web.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from dataprep.cleaning.pii_eval import evaluate

LABELLED = Path(__file__).resolve().parents[1] / "tests/cleaning/data/pii_labelled.jsonl"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--errors", action="store_true", help="list every error")
    args = ap.parse_args()
    scores, errors = evaluate(LABELLED)
    print("| type | labelled | found | correct | precision | recall |")
    print("|---|---|---|---|---|---|")
    for kind, s in scores.items():
        print(
            f"| {kind} | {s.tp + s.fn} | {s.tp + s.fp} | {s.tp} "
            f"| {s.precision:.2f} | {s.recall:.2f} |"
        )
    if args.errors:
        print("\n".join(errors))


if __name__ == "__main__":
    main()
