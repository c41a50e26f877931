"""ngram_coverage_v1 calibration: lines removed from real prose against real log lines.

    PYTHONPATH=. python benchmarks/ngram_coverage_calibration.py

Prose (clean; every removal is a false positive):
* the ``good`` documents of the bundled sample corpus, one line per paragraph (16
  languages, hand-written for this project);
* license texts of the Debian ``/usr/share/common-licenses`` folder (GPL-2/3, LGPL-2.1,
  Apache-2.0, MPL-2.0, GFDL-1.3, Artistic, CC0-1.0), one line per paragraph: legal prose
  that repeats its defined terms ("the Program", "this License") like a lease does.
Logs (what the stage is for: "logging or error messages", one long line):
* real package-manager logs of this machine (``/var/log/dpkg.log``, ``alternatives.log``,
  ``apt/history.log``, ``apt/term.log``), every block of k = 3, 5, 10, 20 consecutive lines
  joined into one line, as a web page that lost its line breaks shows them.
Missing files are skipped (the numbers then differ from the README's).
The rules compared: the old default (coverage of duplicated 5-grams > 0.15 on lines of
20+ words) and the current defaults of NgramCoverageConfig.
"""

from __future__ import annotations

import re
import sys
from collections import defaultdict
from pathlib import Path

from dataprep.cleaning.ngram_coverage import (
    NgramCoverageConfig,
    duplicated_coverage,
    line_verdict,
    line_words,
)
from dataprep.sample_data import load_labels

sys.path.insert(0, str(Path(__file__).parent))
from dirty_words_cjk import sample_docs

LICENSES = [
    "GPL-3",
    "GPL-2",
    "Apache-2.0",
    "LGPL-2.1",
    "MPL-2.0",
    "GFDL-1.3",
    "Artistic",
    "CC0-1.0",
]
LOGS = ["/var/log/dpkg.log", "/var/log/alternatives.log", "/var/log/apt/history.log"]
LOGS += ["/var/log/apt/term.log"]


def paragraphs(path: Path) -> list[str]:
    text = path.read_text(errors="replace")
    return [" ".join(p.split()) for p in re.split(r"\n\s*\n", text) if p.strip()]


def corpora() -> dict[str, list[str]]:
    labels = {r["id"]: r for r in load_labels()}
    sets: dict[str, list[str]] = defaultdict(list)
    for i, text in sorted(sample_docs().items()):
        if labels[i]["kind"] == "good":
            sets["prose: sample corpus, good docs"] += text.split("\n")
    for name in LICENSES:
        path = Path("/usr/share/common-licenses") / name
        if path.exists():
            sets["prose: license texts"] += paragraphs(path)
    for log in map(Path, LOGS):
        if not log.exists():
            continue
        lines = [ln for ln in log.read_text(errors="replace").splitlines() if ln.strip()]
        for k in (3, 5, 10, 20):
            for s in range(0, len(lines) - k, k * 7):  # spaced blocks, ~1/7 of each log
                sets[f"logs: {k} lines joined"].append(" ".join(lines[s : s + k]))
    return sets


def old_rule(line: str) -> bool:
    words = line_words(line)
    return len(words) >= 20 and duplicated_coverage(words, 5) > 0.15


def main() -> None:
    cfg = NgramCoverageConfig()
    print("| texts | lines | lines of 6+ words | removed, old (0.15, 20+ words) | removed, now |")
    print("|---|---|---|---|---|")
    for name, lines in corpora().items():
        checked = [ln for ln in lines if len(line_words(ln)) >= 6]
        old = sum(map(old_rule, checked))
        new = sum(line_verdict(ln, cfg)[0] for ln in checked)
        n = max(len(checked), 1)
        rates = f"{old} ({old / n:.1%}) | {new} ({new / n:.1%})"
        print(f"| {name} | {len(lines)} | {len(checked)} | {rates} |")


if __name__ == "__main__":
    main()
