"""``dataprep report OUTPUT`` and ``dataprep inspect OUTPUT``.

``report`` rebuilds ``report.json`` and ``report.html`` (``report --compare A B``
writes a comparison of two runs, see :mod:`dataprep.report.compare`); ``inspect`` prints a
deterministic sample of removed (or kept) documents in the terminal, truncated,
with their stage, reason, id, language and the signal values of the stage that
removed (or flagged) them.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import textwrap
from typing import Any

from dataprep.errors import ConfigError
from dataprep.output.columns import reason_column

#: Characters of text printed per document by ``inspect`` (``--chars`` changes it).
INSPECT_CHARS = 300


def _cmd_report(args: argparse.Namespace) -> int:
    from dataprep.output.reader import open_output
    from dataprep.report.build import write_reports

    if args.compare:
        return _cmd_compare(args)
    if args.output is None:
        raise ConfigError("dataprep report needs an output folder, or --compare RUN_A RUN_B")
    if args.html is not None:
        raise ConfigError("-o is for --compare; dataprep report OUT writes into OUT")
    out = open_output(args.output)
    write_reports(out.root)
    print(f"{out.root / 'report.json'}\n{out.root / 'report.html'}")
    return 0


def _cmd_compare(args: argparse.Namespace) -> int:
    from pathlib import Path

    from dataprep.report.compare import write_compare

    if args.output is not None:
        raise ConfigError("give either an output folder or --compare RUN_A RUN_B, not both")
    html = Path(args.html) if args.html is not None else Path("compare.html")
    if html.suffix.lower() not in (".html", ".htm"):
        raise ConfigError(f"-o {html}: the comparison page must be an .html file")
    run_a, run_b = args.compare
    html_path, json_path = write_compare(run_a, run_b, html)
    print(f"{json_path}\n{html_path}")
    return 0


_NOT_KEPT = "(text not kept: keep_removed ids keeps 10 texts per stage and reason; use full)"


def _one_line(text: str | None, limit: int) -> str:
    if text is None:
        return "(null text)"
    flat = " ".join(text.split())
    if not flat:
        return "(empty text)"
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _safe(text: str) -> str:
    """Drop control characters so a document cannot drive the terminal (escape codes)."""
    return "".join(c if c.isprintable() or c == " " else "�" for c in text)


def _pick(args: argparse.Namespace) -> tuple[list[Any], Any]:
    """Sampled documents for the options of ``inspect``."""
    from dataprep.output.reader import open_output
    from dataprep.report.samples import sample
    from dataprep.report.signals import reached

    out = open_output(args.output)
    names = out.stage_names
    if args.stage is not None and args.stage not in names:
        raise ConfigError(
            f"no stage {args.stage!r} in this output{_suggest(args.stage, names)}"
            f" (stages: {', '.join(names)})"
        )
    _check_filter_values(out.stats.get("stages", {}), args)

    def keep(doc: Any) -> bool:
        return (args.reason is None or doc.reason == args.reason) and (
            args.lang is None or doc.lang == args.lang
        )

    if args.kept and args.stage and out.stage_info(args.stage).get("annotate"):
        # Documents an annotate-mode stage flagged (would have removed).
        flag = reason_column(args.stage)
        found = sample(
            out,
            reached(out, args.stage),
            args.n,
            reason_column=flag,
            flagged=True,
            stage=args.stage,
            keep=keep,
        )
    elif args.kept:
        found = sample(out, out.kept_files(), args.n, reason_column=None, keep=keep)
    else:
        stages = [args.stage] if args.stage else names
        parts = [p for s in stages for p in out.removed_files(s)]
        found = sample(out, parts, args.n, keep=keep)
    order = {s: i for i, s in enumerate(names)}
    groups = sorted(found, key=lambda g: (order.get(g[0], -1) if g[0] else -1, str(g[1])))
    return [d for g in groups for d in found[g]], out


def _suggest(word: str, valid: list[str], cutoff: float = 0.6) -> str:
    import difflib

    # Same first letter first: "jp" is closer to "ja" than to "pt" for a reader.
    same = [v for v in valid if v[:1] == word[:1]]
    close = difflib.get_close_matches(word, same, n=1, cutoff=cutoff)
    close = close or difflib.get_close_matches(word, valid, n=1, cutoff=cutoff)
    if not close:  # "word_count_lo" for "gopher_quality:word_count_low"
        tails = {v.rsplit(":", 1)[-1]: v for v in valid}
        hit = difflib.get_close_matches(word.rsplit(":", 1)[-1], list(tails), n=1, cutoff=0.6)
        close = [tails[hit[0]]] if hit else []
    return f"; did you mean {close[0]!r}?" if close else ""


def _check_filter_values(stages: dict[str, Any], args: argparse.Namespace) -> None:
    """``--reason``/``--lang`` must occur in the output (stats.json says which do):
    a typo is an option error with the closest value, not an empty listing."""
    chosen = [stages[args.stage]] if args.stage in stages else list(stages.values())
    if args.reason is not None:
        reasons = sorted(
            {r for st in chosen for k in ("removed_by_reason", "flagged_by_reason")
             for r in st.get(k, {})}
        )  # fmt: skip
        if args.reason not in reasons:
            where = f" by {args.stage}" if args.stage else ""
            raise ConfigError(
                f"no document was removed{where} for reason {args.reason!r}"
                f"{_suggest(args.reason, reasons)} (reasons: {', '.join(reasons) or 'none'})"
            )
    if args.lang is not None:
        langs = sorted({lg for st in stages.values() for lg in st.get("docs_in_by_lang", {})})
        if langs and args.lang not in langs:
            raise ConfigError(
                f"no document in language {args.lang!r}{_suggest(args.lang, langs, 0.5)}"
                f" (languages: {', '.join(langs)})"
            )


def _cmd_inspect(args: argparse.Namespace) -> int:
    if args.n < 1:
        raise ConfigError("-n must be at least 1")
    docs, out = _pick(args)
    width = shutil.get_terminal_size((100, 20)).columns
    limit = max(args.chars, 20)
    if not docs:
        what = "kept" if args.kept else "removed"
        mode = out.run.get("recipe", {}).get("output", {}).get("keep_removed")
        none = mode in ("none", False) and not args.kept
        why = " (the run kept no removed documents: keep_removed none)" if none else ""
        print(f"no {what} documents match in {out.root}{why}", file=sys.stderr)
        return 0
    for d in docs:
        where = "kept" if d.stage is None else d.stage
        label = "flagged" if d.flagged else ("" if d.stage is None else "removed")
        head = " ".join(x for x in (f"[{where}]", label, d.reason or "") if x)
        meta = f"id={d.id if d.id is not None else '-'} lang={d.lang or '-'} chars={d.chars:,}"
        print(_safe(f"{head}  {meta}"))  # whole: a long id or reason wraps, never cut
        if d.signals:
            shown = " ".join(f"{k}={_value(v)}" for k, v in d.signals)
            print(textwrap.fill(_safe(shown), max(width, 40), initial_indent="  signals: ",
                                subsequent_indent="    "))  # fmt: skip
        text = _one_line(d.text, limit) if d.text_kept else _NOT_KEPT
        print("  " + _safe(text))
    return 0


def _value(v: Any, limit: int = 60) -> str:
    """A signal value in a few characters: floats to 4 significant digits, long lists cut."""
    if isinstance(v, float):
        return f"{v:.4g}"
    text = str(v).replace(" ", "") if isinstance(v, (list, dict)) else str(v)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def add_commands(sub: Any) -> None:
    """Add ``report`` and ``inspect`` to the ``dataprep`` sub-command parser."""
    rep = sub.add_parser(
        "report",
        help="rebuild report.json and report.html of an output folder, or compare two runs",
    )
    rep.add_argument("output", nargs="?", help="a dataprep output folder")
    rep.add_argument(
        "--compare",
        nargs=2,
        metavar=("RUN_A", "RUN_B"),
        help="compare two output folders side by side (B against A): writes an HTML page "
        "and compare.json beside it",
    )
    rep.add_argument(
        "-o",
        dest="html",
        metavar="FILE.html",
        help="with --compare: where to write the page (default compare.html; "
        "compare.json goes into the same folder)",
    )
    rep.set_defaults(func=_cmd_report)

    ins = sub.add_parser(
        "inspect",
        help="print sample documents (removed by default) with stage, reason, id, language "
        "and the signals of the stage that removed them",
    )
    ins.add_argument("output", help="a dataprep output folder")
    ins.add_argument(
        "--stage",
        "-s",
        help="only documents removed (or, with --kept and an "
        "annotate-mode stage, flagged) by this stage",
    )
    ins.add_argument("--reason", "-r", help="only this reason code")
    ins.add_argument("--lang", "-l", help="only this language (the 'lang' column)")
    ins.add_argument("-n", type=int, default=5, help="documents per stage and reason (default 5)")
    ins.add_argument("--kept", action="store_true", help="show kept documents instead")
    ins.add_argument(
        "--chars",
        type=int,
        default=INSPECT_CHARS,
        help=f"characters of text per document (default {INSPECT_CHARS})",
    )
    ins.set_defaults(func=_cmd_inspect)


__all__ = ["add_commands"]
