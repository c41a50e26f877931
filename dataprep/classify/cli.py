"""``dataprep train-classifier``: train a fastText classifier from labelled shards.

Two ways to give labels: ``--positive DIR --negative DIR`` (each repeatable; the
labels are ``--positive-label``/``--negative-label``, default ``positive`` and
``negative``), or ``--input DIR --label-column COL`` (any number of labels). Prints
precision/recall/F1 on the held-out split and writes the model plus its card
(``OUTPUT.json``).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from dataprep.errors import ConfigError


def _sources(args: argparse.Namespace) -> tuple[list[Any], str | None]:
    from dataprep.classify.data import Source, check_label

    pairs = bool(args.positive or args.negative)
    if pairs and args.input:
        raise ConfigError("use either --positive/--negative or --input with --label-column")
    if pairs:
        if not (args.positive and args.negative):
            raise ConfigError("give both --positive DIR and --negative DIR")
        pos = check_label(args.positive_label_given or "positive", "--positive-label")
        neg = check_label(args.negative_label, "--negative-label")
        if pos == neg:
            raise ConfigError("--positive-label and --negative-label must differ")
        sources = [Source(tuple(args.positive), label=pos), Source(tuple(args.negative), label=neg)]
        return sources, pos
    if not args.input or not args.label_column:
        raise ConfigError(
            "give --positive DIR --negative DIR, or --input DIR with --label-column COL"
        )
    positive = args.positive_label_given
    if positive is not None:
        positive = check_label(positive, "--positive-label")
    return [Source(tuple(args.input), label_column=args.label_column)], positive


def _cmd_train(args: argparse.Namespace) -> int:
    from dataprep.classify.text import Preprocessing
    from dataprep.classify.train import TrainParams, train_classifier

    sources, positive = _sources(args)
    if args.threads > 1:
        print(f"note: --threads {args.threads} is faster but not deterministic", file=sys.stderr)
    try:
        pre = Preprocessing(lowercase=args.lowercase, max_chars=args.max_chars)
    except ValueError as e:
        raise ConfigError(f"--max-chars: {e}") from e
    params = TrainParams(
        epoch=args.epoch,
        lr=args.lr,
        dim=args.dim,
        word_ngrams=args.word_ngrams,
        min_count=args.min_count,
        bucket=args.bucket,
        loss=args.loss,
        threads=args.threads,
        seed=args.seed,
        quantize=args.quantize,
    )
    card = train_classifier(
        sources,
        args.output,
        preprocessing=pre,
        params=params,
        holdout=args.holdout,
        split_key=args.split_key,
        positive_label=positive,
        text_column=args.text_column,
        id_column=args.id_column,
        overwrite=args.overwrite,
        log=None if args.quiet else lambda m: print(m, file=sys.stderr),
    )
    if args.json:
        print(json.dumps(card["metrics"], indent=2))
        return 0
    print(format_metrics(card))
    print(f"\n{args.output} (+ .json model card)")
    return 0


def format_metrics(card: dict[str, Any]) -> str:
    """A small table: precision, recall, F1 and support per label on the held-out split."""
    m = card["metrics"]
    lines = [f"{'label':<20} {'precision':>9} {'recall':>7} {'f1':>7} {'support':>8}"]
    for label, s in m["per_label"].items():
        mark = " *" if label == card.get("positive_label") else ""
        lines.append(
            f"{label + mark:<20} {s['precision']:>9.4f} {s['recall']:>7.4f} {s['f1']:>7.4f} "
            f"{s['support']:>8,}"
        )
    lines.append(
        f"accuracy {m['accuracy']:.4f}, macro F1 {m['macro_f1']:.4f} "
        f"on {m['heldout_docs']:,} held-out documents"
    )
    return "\n".join(lines)


_DESCRIPTION = """Train a fastText classifier from labelled documents (any format dataprep reads).

Give labels as two folders, --positive DIR --negative DIR (each repeatable; label
names --positive-label/--negative-label, default 'positive' and 'negative'), or as
a column, --input DIR --label-column COL (any number of labels). Prints precision,
recall and F1 on a held-out split and writes the model and its card (MODEL.json).
Needs the train extra: pip install -e ".[train]"."""


def add_commands(sub: Any) -> None:
    """Add ``train-classifier`` to the ``dataprep`` sub-command parser."""
    p = sub.add_parser(
        "train-classifier",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        help="train a fastText classifier from labelled shards (needs the train extra)",
        description=_DESCRIPTION,
    )
    p.add_argument("--positive", action="append", metavar="DIR", help="positive documents")
    p.add_argument("--negative", action="append", metavar="DIR", help="negative documents")
    p.add_argument("--input", "-i", action="append", metavar="DIR", help="labelled documents")
    p.add_argument("--label-column", metavar="COL", help="label column (with --input)")
    p.add_argument(
        "--positive-label",
        dest="positive_label_given",
        metavar="LABEL",
        default=None,
        help="label whose probability is the score (default 'positive' with --positive)",
    )
    p.add_argument(
        "--negative-label", metavar="LABEL", default="negative", help="default 'negative'"
    )
    p.add_argument("--output", "-o", required=True, help="model file, e.g. models/quality.bin")
    p.add_argument("--overwrite", action="store_true", help="replace an existing model file")
    p.add_argument("--text-column", default="text")
    p.add_argument("--id-column", default="id")
    p.add_argument("--holdout", type=float, default=0.1, help="held-out share (default 0.1)")
    p.add_argument(
        "--split-key",
        choices=("text", "id"),
        default="text",
        help="hash the preprocessed text (default: duplicates stay together) or the id",
    )
    p.add_argument("--seed", type=int, default=0, help="split, order and fastText seed")
    p.add_argument(
        "--lowercase",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="lower-case the text (default yes)",
    )
    p.add_argument("--max-chars", type=int, default=2000, help="characters kept (0 = all)")
    p.add_argument("--epoch", type=int, default=5)
    p.add_argument("--lr", type=float, default=0.1)
    p.add_argument("--dim", type=int, default=64)
    p.add_argument("--word-ngrams", type=int, default=2)
    p.add_argument("--min-count", type=int, default=1)
    p.add_argument("--bucket", type=int, default=200_000)
    p.add_argument("--loss", choices=("softmax", "ova", "hs"), default="softmax")
    p.add_argument("--threads", type=int, default=1, help="> 1 is not deterministic")
    p.add_argument("--quantize", action="store_true", help="write a small quantized model")
    p.add_argument("--json", action="store_true", help="print the metrics as JSON")
    p.set_defaults(func=_cmd_train)


__all__ = ["add_commands", "format_metrics"]
