"""The ``dataprep export`` command (parsing only; the work is in :mod:`dataprep.export.run`)."""

from __future__ import annotations

import argparse
import os
from typing import Any

from dataprep.export.options import FORMATS, ExportOptions
from dataprep.tokens.tokenizer import TokenizerSpec


def _size(text: str) -> int:
    units = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30}
    text = text.strip().lower().removesuffix("b").removesuffix("i")
    if text and text[-1] in units:
        return int(float(text[:-1]) * units[text[-1]])
    return int(text)


def _cmd_export(args: argparse.Namespace) -> int:
    from dataprep.export.run import export_run

    tok = None
    if args.tokenizer or args.tiktoken:
        tok = TokenizerSpec(
            tokenizer=args.tokenizer, tiktoken=args.tiktoken, eod_token=args.eod_token
        )
    options = ExportOptions(
        format=args.format,
        shard_bytes=args.shard_bytes,
        shuffle_seed=None if args.no_shuffle else args.shuffle_seed,
        columns=tuple(c for c in args.columns.split(",") if c) if args.columns else None,
        tokenizer=tok,
    )
    workers = args.workers if args.workers > 0 else (os.cpu_count() or 1)
    export_run(
        args.run_dir,
        args.output,
        options,
        workers=workers,
        overwrite=args.overwrite,
        log=None if args.quiet else print,
    )
    return 0


def add_commands(sub: Any) -> None:
    """Add ``export`` to the ``dataprep`` sub-command parser."""
    exp = sub.add_parser(
        "export",
        help="write a finished run's kept documents as shuffled training shards "
        "(parquet, jsonl.zst, or tokenized Megatron .bin/.idx)",
    )
    exp.add_argument("run_dir", help="a finished dataprep output folder")
    exp.add_argument("--output", "-o", required=True, help="folder for the shards (new or empty)")
    exp.add_argument("--format", "-f", choices=FORMATS, default="parquet")
    exp.add_argument(
        "--shard-bytes",
        type=_size,
        default=256 << 20,
        help="target shard size, e.g. 512M (string bytes; megatron: .bin bytes); default 256M",
    )
    exp.add_argument("--shuffle-seed", type=int, default=0, help="seed of the shuffle (default 0)")
    exp.add_argument("--no-shuffle", action="store_true", help="keep the run's document order")
    exp.add_argument("--columns", help="comma-separated columns to write (default: all)")
    exp.add_argument("--tokenizer", help="a Hugging Face tokenizer.json (megatron)")
    exp.add_argument("--tiktoken", help="a tiktoken encoding name instead of --tokenizer")
    exp.add_argument("--eod-token", help="end-of-document token (default: found in the vocab)")
    exp.add_argument("--workers", "-j", type=int, default=0, help="processes (0 = all cores)")
    exp.add_argument("--overwrite", action="store_true", help="replace an earlier export")
    exp.set_defaults(func=_cmd_export)
