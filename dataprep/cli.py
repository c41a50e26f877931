"""The ``dataprep`` command line.

One place maps library errors to a one-line message and an exit code
(pypa/build ``__main__.py`` does the same); a traceback appears only with
``--debug``. Nothing else reaches the user as a traceback either: an escaped
``OSError`` the user can act on (disk full, output not writable) becomes an
output error (exit 4), and any other exception one "internal error" line (exit 1).
Every sub-command is a small function over parsed arguments.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import json
import logging
import os
import signal
import sys
import threading
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from dataprep.console.parser import Parser, add_global_flags, parse
from dataprep.errors import (
    DISK_FULL_ERRNOS,
    DISK_FULL_HINT,
    DataprepError,
    OutputError,
    Terminated,
    errno_of,
)

if TYPE_CHECKING:
    from dataprep.engine.driver import RunResult
    from dataprep.engine.executors.pool import WorkerPool
    from dataprep.recipe.config import Recipe


def _early_pool(args: argparse.Namespace, data: object) -> WorkerPool | None:
    """Local workers started now, while the driver imports the engine (see
    :mod:`dataprep.engine.executors.pool`); ``None`` when the run will not use local
    worker processes or its worker count is not valid (the recipe check says why).

    The count comes from :func:`~dataprep.engine.executors.base.resolve_workers`
    without the number of shards (not listed yet): the executor stops the pool at
    once when the run turns out to need fewer processes.
    """
    from dataprep.engine.executors.base import resolve_workers
    from dataprep.engine.executors.pool import WorkerPool

    if args.executor != "local":
        return None
    run = data.get("run") if isinstance(data, dict) else None
    recipe_workers = run.get("workers", 0) if isinstance(run, dict) else 0
    wanted = args.workers if args.workers is not None else recipe_workers
    if not isinstance(wanted, int) or isinstance(wanted, bool) or wanted < 0:
        return None  # the recipe check or the run says what is wrong
    workers = resolve_workers(args.workers, recipe_workers, None, "local")
    return WorkerPool(workers).start() if workers > 1 else None


def _cmd_run(args: argparse.Namespace) -> int:
    from dataprep.recipe.config import parse_recipe, read_recipe
    from dataprep.recipe.overrides import apply_overrides

    data, source = read_recipe(args.recipe)
    sets = list(args.set or [])
    sets += [
        f"input.{k}={v}"
        for k, v in (("text_column", args.text_column), ("id_column", args.id_column))
        if v is not None
    ]
    data = apply_overrides(data, sets)
    # The run's executor claims the pool and closes it; this ``with`` closes it only
    # when the run never started (a recipe error, Ctrl-C before the engine is ready).
    with _early_pool(args, data) or contextlib.nullcontext() as pool:
        result = _run(args, parse_recipe(data, source=source), pool)
    if not args.quiet:
        from dataprep.engine.accounting import format_table

        print(format_table(result.stats))
        files = "data/, removed/, stats.json, report.html"
        print(f"\n{result.output}: {files}  ({result.seconds:.1f} s)")
    return 0


def _run(args: argparse.Namespace, recipe: Recipe, pool: WorkerPool | None) -> RunResult:
    from dataprep.engine.driver import run_pipeline

    inputs = args.input or []
    if not inputs:
        from dataprep.sample_data import sample_path

        inputs = [str(sample_path())]
        _log().info("no --input given: using the bundled sample corpus %s", inputs[0])
    return run_pipeline(
        recipe,
        inputs,
        args.output,
        workers=args.workers,
        overwrite=args.overwrite,
        resume=args.resume,
        progress=not (args.no_progress or args.quiet),
        keep_work=args.keep_work,
        work_dir=args.work_dir,
        log=None,  # messages go to the ``dataprep`` logger: stderr (-v/-q) and run.log
        executor=args.executor,
        ray_address=args.ray_address,
        pool=pool,
    )


def _cmd_stats(args: argparse.Namespace) -> int:
    from dataprep.engine.accounting import StageStats, format_table
    from dataprep.output.reader import open_output

    out = open_output(args.output)
    if args.json:
        print(json.dumps(out.stats, indent=2))
        return 0
    stats = {k: StageStats.from_dict(v) for k, v in out.stats["stages"].items()}
    print(format_table(stats))
    return 0


def _cmd_stages(args: argparse.Namespace) -> int:
    """Every registered stage: name, kind, providing package, first docstring line;
    ``-v``: each option's type, default and description (from the config class)."""
    from dataprep.recipe import registry
    from dataprep.recipe.fieldhelp import field_help, first_sentence, rule_help

    rows = []
    for name, cls, package in registry.items():
        options = field_help(cls.Config, rule_help(cls))
        rows.append((name, cls.kind, package, first_sentence(cls.__doc__ or ""), options))
    if args.json:
        doc = [
            {"stage": n, "kind": k, "package": p, "description": d,
             "options": [o.to_dict() for o in opts]}
            for n, k, p, d, opts in rows
        ]  # fmt: skip
        print(json.dumps(doc, indent=2))
        return 0
    for name, kind, package, description, options in rows:
        print(f"{name:<24} {kind:<7} {package:<20} {description}")
        if args.verbose:
            for o in options:
                print(f"    {o.name}: {o.type} = {o.default}")
                if o.help:
                    print(f"        {o.help}")
    return 0


def _cmd_recipes(args: argparse.Namespace) -> int:
    from dataprep.recipe.config import load_recipe, shipped_recipes

    found = [(name, path, load_recipe(str(path))) for name, path in shipped_recipes().items()]
    if args.json:
        doc = [
            {"recipe": n, "path": str(p), "description": r.description,
             "stages": [{"name": s.name, "stage": s.stage} for s in r.stages]}
            for n, p, r in found
        ]  # fmt: skip
        print(json.dumps(doc, indent=2))
        return 0
    for name, _, r in found:
        stages = " -> ".join(s.name for s in r.stages)
        print(f"{name:<14} {r.description}\n{'':<14} {stages}")
    return 0


def _cmd_redecide(args: argparse.Namespace) -> int:
    from dataprep.output.redecide import format_redecision, parse_overrides, redecide

    result = redecide(
        Path(args.output),
        args.stage,
        parse_overrides(args.set or []),
        output=Path(args.write) if args.write else None,
    )
    print(format_redecision(result))
    return 0


def build_parser() -> Parser:
    from dataprep import __version__

    p = Parser(
        prog="dataprep",
        description="Clean, deduplicate, language-balance and report on pretraining text shards.",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--version", action="version", version=f"dataprep {__version__}")
    add_global_flags(p, top=True)
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="run a recipe over input shards")
    run.add_argument("recipe", help="a recipe YAML path or a shipped recipe name (see 'recipes')")
    run.add_argument(
        "--input",
        "-i",
        action="extend",
        nargs="+",
        metavar="INPUT",
        help="folders, globs or files (several values, or repeat -i); "
        "default: the bundled sample corpus",
    )
    run.add_argument("--output", "-o", required=True, help="output folder (must be empty or new)")
    run.add_argument(
        "--workers",
        "-j",
        type=int,
        default=None,
        help="worker processes (default: recipe's run.workers, 0 = all cores)",
    )
    run.add_argument("--overwrite", action="store_true", help="replace an existing output folder")
    run.add_argument("--resume", action="store_true", help="continue an interrupted run")
    run.add_argument("--keep-work", action="store_true", help="keep intermediate files in _work/")
    run.add_argument(
        "--work-dir",
        help="local scratch folder for _work/ when the output is in a bucket (s3://, gs://, "
        "hf://); default: a folder under the system temp folder named after the output",
    )
    run.add_argument(
        "--no-progress",
        action="store_true",
        help="no progress line (on a terminal it is redrawn in place; otherwise a plain "
        "line every 30 s, also in OUT/run.log)",
    )
    run.add_argument(
        "--set",
        action="append",
        metavar="DOTTED.KEY=VALUE",
        help="change one recipe value, checked like the YAML (repeatable), e.g. "
        "--set stages.gopher_quality_v1.min_words=30 or --set run.workers=2",
    )
    run.add_argument("--text-column", metavar="COL", help="same as --set input.text_column=COL")
    run.add_argument("--id-column", metavar="COL", help="same as --set input.id_column=COL")
    run.add_argument(
        "--executor",
        choices=("local", "ray"),
        default="local",
        help="local worker processes (default) or a Ray cluster",
    )
    run.add_argument(
        "--ray-address",
        default=None,
        help="Ray cluster address (default: start a local Ray instance)",
    )
    run.set_defaults(func=_cmd_run)

    stats = sub.add_parser("stats", help="print the summary table of an output folder")
    stats.add_argument("output")
    stats.add_argument("--json", action="store_true", help="print stats.json as it is")
    stats.set_defaults(func=_cmd_stats)

    stages = sub.add_parser(
        "stages", help="list the registered stages (-v: options with types and defaults)"
    )
    stages.add_argument("--json", action="store_true", help="stages and options as JSON")
    stages.set_defaults(func=_cmd_stages)

    red = sub.add_parser(
        "redecide", help="re-decide a filter stage from its stored signals with new thresholds"
    )
    red.add_argument("output", help="a finished output folder (best run with annotate: true)")
    red.add_argument("--stage", required=True, help="stage instance name, e.g. gopher_quality_v1")
    red.add_argument(
        "--set",
        action="append",
        metavar="KEY=VALUE",
        help="option to change (repeatable), e.g. --set min_words=30",
    )
    red.add_argument(
        "--write",
        metavar="DIR",
        help="write the re-decided documents to DIR/data and DIR/removed/STAGE",
    )
    red.set_defaults(func=_cmd_redecide)

    recipes = sub.add_parser("recipes", help="list the shipped recipes")
    recipes.add_argument("--json", action="store_true", help="recipes and stages as JSON")
    recipes.set_defaults(func=_cmd_recipes)
    _add_extra_commands(sub)
    for verb in sub.choices.values():
        add_global_flags(verb, top=False)
    return p


#: What every verb's exit status means (also in the README and ``dataprep --help``).
EXIT_CODES = """exit codes (every verb):
  0    success (also 'inspect' when no document matches: it says so on stderr)
  1    internal error (a bug: rerun with --debug and report the traceback)
  2    recipe or option error (unknown verb, option, stage, reason, bad value)
  3    input error (missing or unreadable input, missing column)
  4    output error (output folder not empty or not writable, disk full)
  5    resume refused (recipe or inputs changed)
  6    a worker process or node was lost (rerun with --resume)
  130  interrupted (Ctrl-C); 143 terminated (SIGTERM)"""


def _add_extra_commands(sub: argparse._SubParsersAction[Parser]) -> None:
    """Commands of the report and classifier modules (``report``, ``inspect``,
    ``train-classifier``), each defined next to the code it drives."""
    from dataprep.classify.cli import add_commands as add_classify
    from dataprep.export.cli import add_commands as add_export
    from dataprep.report.cli import add_commands as add_report

    add_report(sub)
    add_classify(sub)
    add_export(sub)


def _err(msg: str) -> None:
    print(msg, file=sys.stderr)


def _log() -> logging.Logger:
    return logging.getLogger("dataprep")


#: What a user can do about an operating-system error that escaped the library.
_NOT_WRITABLE = (errno.EACCES, errno.EPERM, errno.EROFS)


def _is_under(path: object, folder: str | None) -> bool:
    if folder is None or not isinstance(path, (str, os.PathLike)):
        return False
    try:
        return Path(os.path.abspath(path)).is_relative_to(os.path.abspath(folder))
    except (TypeError, ValueError):
        return False


def _from_os_error(e: Exception, output: str | None) -> OutputError | None:
    """An escaped ``OSError`` the user can act on (disk full, output not writable) as
    an :class:`OutputError`; ``None`` for anything else (an internal error).

    Library code should raise its own errors with context; this is the last line of
    defence, so that a full disk never reaches the user as a traceback.
    """
    if not isinstance(e, OSError):
        return None
    code = errno_of(e)
    where = e.filename if e.filename is not None else (output or "the output folder")
    if code in DISK_FULL_ERRNOS:
        return OutputError(f"disk full while writing {where}; {DISK_FULL_HINT}")
    if code == errno.EROFS or (code in _NOT_WRITABLE and _is_under(e.filename, output)):
        why = os.strerror(code) if code is not None else "not writable"
        return OutputError(f"cannot write {where}: {why.lower()}")
    return None


def _describe(e: BaseException, limit: int = 200) -> str:
    """``Type: first line of the message``, bounded, for the one-line internal error."""
    lines = str(e).strip().splitlines()
    first = lines[0] if lines else ""
    if len(first) > limit:
        first = first[: limit - 1] + "…"
    return f"{type(e).__name__}: {first}" if first else type(e).__name__


def _on_sigterm(signum: int, frame: object) -> None:
    raise Terminated()


#: Thread-count variables of the BLAS libraries numpy may be built with.
BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def single_threaded_blas() -> None:
    """Ask numpy's BLAS for one thread, unless the user chose a number.

    Our matrix products are small (language ID: a batch's hidden vectors times the
    label matrix, 16 columns), so BLAS threads never make them faster; but OpenBLAS
    starts one thread per core when numpy is imported, and between calls those
    threads spin. With one worker (``-j 1``, jobs inline in the driver) they kept the
    second core busy for nothing: 100,000 short documents with the end-to-end
    benchmark's recipe took 21.7 s of wall time either way, and 31.2 CPU seconds with
    them against 21.6 without (``benchmarks/README.md``). Must run before numpy is
    imported (the library reads the variables once); worker processes inherit them.
    """
    for name in BLAS_THREAD_VARIABLES:
        os.environ.setdefault(name, "1")


def main(argv: Sequence[str] | None = None) -> int:
    from dataprep.console.logs import stderr_logging

    single_threaded_blas()
    args = parse(build_parser(), argv)
    with stderr_logging(args.verbose, args.quiet):
        return _dispatch(args)


def _dispatch(args: argparse.Namespace) -> int:
    """Run the verb; every exception becomes one line and an exit code."""
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        return int(args.func(args))
    except Terminated:
        _err("dataprep: terminated; continue later with 'dataprep run ... --resume'")
        return 128 + signal.SIGTERM
    except DataprepError as e:
        if args.debug:
            traceback.print_exc()
        _err(f"dataprep: error: {e}")
        return e.exit_code
    except KeyboardInterrupt:
        _err("dataprep: interrupted; continue later with 'dataprep run ... --resume'")
        return 130
    except BrokenPipeError:
        return 0
    except Exception as e:  # the boundary: nothing reaches the user as a traceback
        if args.debug:
            traceback.print_exc()
        known = _from_os_error(e, getattr(args, "output", None))
        if known is not None:
            _err(f"dataprep: error: {known}")
            return known.exit_code
        _err(f"dataprep: internal error: {_describe(e)}; rerun with --debug for the traceback")
        return 1
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
