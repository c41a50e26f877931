"""Open a report in headless Chromium: dump its DOM, collect console errors, screenshot it.

Used by the browser test and to make the README screenshot::

    python -m dataprep.report.browser OUTPUT_DIR docs/report.png [--width 1100 --height 2000]
    python -m dataprep.report.browser OUTPUT_DIR docs/report-evidence.png --sections dedup rewrites

Needs a ``chromium`` (or ``chromium-browser``/``google-chrome``) binary; nothing is
downloaded. Chromium runs with networking features off and a throw-away profile.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

_BINARIES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--no-first-run",
    "--hide-scrollbars",
    "--enable-logging=stderr",
    "--v=0",
)
#: Console lines Chromium logs for page errors: uncaught exceptions and CSP refusals.
_ERROR = re.compile(r"CONSOLE.*(Uncaught|Refused to|Error)|Uncaught |violates the following")


@dataclass(frozen=True)
class PageResult:
    dom: str
    console_errors: list[str]


def find_chromium() -> str | None:
    """Path of a Chromium binary (``$CHROMIUM`` first), or None."""
    env = os.environ.get("CHROMIUM")
    if env and Path(env).is_file():
        return env
    for name in _BINARIES:
        found = shutil.which(name)
        if found:
            return found
    return None


def _run(binary: str, args: Sequence[str], timeout: float) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory(prefix="dataprep-chromium-") as profile:
        cmd = [binary, *_FLAGS, f"--user-data-dir={profile}", *args]
        return subprocess.run(  # noqa: S603 - fixed binary and flags, no shell
            cmd, capture_output=True, text=True, timeout=timeout, check=False
        )


def load(html: Path, *, width: int = 1200, height: int = 900, timeout: float = 60) -> PageResult:
    """The DOM after scripts ran, and the console errors the page caused."""
    binary = find_chromium()
    if binary is None:
        raise FileNotFoundError("no chromium binary found")
    proc = _run(
        binary,
        [f"--window-size={width},{height}", "--dump-dom", html.resolve().as_uri()],
        timeout,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"chromium exited with {proc.returncode}: {proc.stderr[-2000:]}")
    errors = [line for line in proc.stderr.splitlines() if _ERROR.search(line)]
    return PageResult(proc.stdout, errors)


def screenshot(
    html: Path, png: Path, *, width: int = 1200, height: int = 2000, timeout: float = 60
) -> Path:
    """Save a ``width`` x ``height`` screenshot of the top of the page."""
    binary = find_chromium()
    if binary is None:
        raise FileNotFoundError("no chromium binary found")
    png.parent.mkdir(parents=True, exist_ok=True)
    proc = _run(
        binary,
        [
            f"--window-size={width},{height}",
            "--force-device-scale-factor=1",
            f"--screenshot={png.resolve()}",
            html.resolve().as_uri(),
        ],
        timeout,
    )
    if proc.returncode != 0 or not png.is_file():
        raise RuntimeError(f"chromium could not take a screenshot: {proc.stderr[-2000:]}")
    return png


def focus(html: Path, sections: Sequence[str], out: Path) -> Path:
    """A copy of a report page with its header and only ``sections`` (by id), every
    ``<details>`` in them open: for screenshots of sections further down the page."""
    page = html.read_text(encoding="utf-8")
    start, end = page.index("<main>") + len("<main>"), page.index("</main>")
    found = {
        m.group(1): m.group(0)
        for m in re.finditer(r'<section id="([\w-]+)">.*?</section>', page[start:end], re.S)
    }
    missing = [s for s in sections if s not in found]
    if missing:
        raise ValueError(f"no section {', '.join(missing)} in {html} (has {', '.join(found)})")
    body = "".join(found[s] for s in sections).replace("<details>", "<details open>")
    body = body.replace('<details class="by-lang">', '<details class="by-lang" open>')
    out.write_text(page[:start] + body + page[end:], encoding="utf-8")
    return out


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="Screenshot an output folder's report.html.")
    p.add_argument("output", help="output folder holding report.html")
    p.add_argument("png", help="where to save the PNG")
    p.add_argument("--width", type=int, default=1100)
    p.add_argument("--height", type=int, default=2000)
    p.add_argument("--sections", nargs="+", metavar="ID", help="only these sections, opened")
    args = p.parse_args(argv)
    page = Path(args.output) / "report.html"
    with tempfile.TemporaryDirectory(prefix="dataprep-shot-") as tmp:
        if args.sections:
            page = focus(page, args.sections, Path(tmp) / "report.html")
        path = screenshot(page, Path(args.png), width=args.width, height=args.height)
    print(f"{path} ({path.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
