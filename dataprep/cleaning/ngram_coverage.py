"""``ngram_coverage_v1``: remove lines mostly made of word n-grams repeated within the line.

Llama 3 (Dubey et al. 2024, section 3.1.1): "We use duplicated n-gram coverage ratio
(Rae et al., 2021) to remove lines that consist of repeated content such as logging or
error messages. Those lines could be very long and unique, hence cannot be filtered by
line-dedup." Llama 3 gives neither n nor the threshold. We apply Gopher's measure
(Rae et al. 2021, Appendix A, Table A1) to each line:

    coverage(line) = characters of the words inside any duplicated n-gram
                     / characters of all words,  divided by max(total, 1)

where an n-gram is *duplicated* when it occurs at least twice in the line, and a
character covered by several duplicated n-grams is counted once (Gopher: "we do not
count characters that appear in overlapping n-grams more than once"). Words are the
non-punctuation tokens of :func:`filters._text.split_tokens`, so a Chinese or Thai line
counts one word per character cluster; for a line where most words are such clusters,
n-grams have ``char_n`` = 10 clusters (a Chinese word averages 1.5-2 characters, so
character 5-grams repeat in ordinary prose: a repeated place name would trip them).
Defaults: n = 5 and 0.15, Gopher's threshold for
duplicated 5-grams (applied there to whole documents), only for lines of at least 20
words: shorter repeated lines are line dedup's job.

Columns: ``{name}__lines_removed`` (int32), ``{name}__chars_removed`` (int64),
``{name}__max_coverage`` (float64, highest coverage among checked lines; 0 if none).
Reason ``ngram_coverage_empty`` when no non-blank line is left.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from dataprep.errors import ConfigError
from dataprep.output.columns import signal_column
from dataprep.recipe.registry import register
from dataprep.stages.base import BatchStage, StageConfig, StageOutput

from ._common import add_columns, reason_list, replace_text
from .lines import remove_lines, split_lines

REASON = "ngram_coverage_empty"
_MUL = np.uint64(0x9E3779B97F4A7C15)


def line_words(line: str) -> list[str]:
    """Non-punctuation tokens of one line (see :mod:`filters._text`)."""
    from filters._text import PUNCT_SET, split_tokens

    tokens, punct = split_tokens(line)
    if not punct:
        return tokens
    return [t for t in tokens if t[0] not in PUNCT_SET]


def duplicated_coverage(words: list[str], n: int) -> float:
    """Fraction of word characters inside n-grams occurring at least twice (see above)."""
    m = len(words) - n + 1
    total = sum(map(len, words))
    if m < 2 or total == 0:
        return 0.0
    h = np.fromiter(map(hash, words), dtype=np.int64, count=len(words)).view(np.uint64)
    with np.errstate(over="ignore"):
        g = h[:m].copy()
        for k in range(1, n):
            g = g * _MUL + h[k : k + m]
    _, inverse, counts = np.unique(g, return_inverse=True, return_counts=True)
    starts = np.flatnonzero(counts[inverse] >= 2)
    if len(starts) == 0:
        return 0.0
    delta = np.zeros(len(words) + 1, dtype=np.int64)
    np.add.at(delta, starts, 1)
    np.add.at(delta, starts + n, -1)
    covered = np.cumsum(delta[:-1]) > 0
    lens = np.fromiter(map(len, words), dtype=np.int64, count=len(words))
    return float(lens[covered].sum()) / max(total, 1)


@dataclass(frozen=True, kw_only=True)
class NgramCoverageConfig(StageConfig):
    """Options of ``ngram_coverage_v1``."""

    n: int = 5
    """Words per n-gram (Gopher's smallest duplicated-n-gram size)."""
    char_n: int = 10
    """Clusters per n-gram for lines mostly in scripts without spaces."""
    max_coverage: float = 0.15
    """Remove a line whose coverage exceeds this (Gopher, 5-grams: 0.15)."""
    min_line_words: int = 20
    """Only lines with at least this many words are checked."""

    def __post_init__(self) -> None:
        if self.n < 1 or self.char_n < 1:
            raise ConfigError(f"n and char_n must be >= 1, got {self.n}, {self.char_n}")
        if not 0.0 <= self.max_coverage <= 1.0:
            raise ConfigError(f"max_coverage must be in [0, 1], got {self.max_coverage}")
        if self.min_line_words < 1:
            raise ConfigError(f"min_line_words must be >= 1, got {self.min_line_words}")


def _n_for(words: list[str], cfg: NgramCoverageConfig) -> int:
    """``char_n`` when most words are character clusters of unsegmented scripts, else ``n``."""
    from filters._text import UNSEG_RE

    if words[0].isascii() and words[-1].isascii():
        return cfg.n
    clusters = sum(1 for w in words if UNSEG_RE.match(w))
    return cfg.char_n if 2 * clusters >= len(words) else cfg.n


def scan_lines(text: str, cfg: NgramCoverageConfig) -> tuple[list[int], float]:
    """(indexes of lines to remove, highest coverage among checked lines)."""
    drop: list[int] = []
    worst = 0.0
    for i, line in enumerate(split_lines(text)):
        if len(line) < cfg.min_line_words:  # every word has at least one character
            continue
        words = line_words(line)
        if len(words) < cfg.min_line_words:
            continue
        cov = duplicated_coverage(words, _n_for(words, cfg))
        worst = max(worst, cov)
        if cov > cfg.max_coverage:
            drop.append(i)
    return drop, worst


@register("ngram_coverage_v1")
class NgramCoverage(BatchStage[NgramCoverageConfig]):
    """Remove lines of repeated content (logs, error dumps) by duplicated n-gram coverage."""

    rewrites_text = True

    def process(self, batch: pa.RecordBatch) -> StageOutput:
        out: list[str | None] = []
        removed: list[int] = []
        chars: list[int] = []
        worst: list[float] = []
        why: list[str | None] = []
        for text in batch.column(self.ctx.text_column).to_pylist():
            drop, cov = scan_lines(text, self.config) if text else ([], 0.0)
            new = remove_lines(text, drop) if drop else text
            out.append(new)
            removed.append(len(drop))
            chars.append(len(text) - len(new) if drop else 0)
            worst.append(cov)
            why.append(REASON if drop and not (new or "").strip() else None)
        batch = replace_text(batch, self.ctx.text_column, out)
        batch = add_columns(
            batch,
            {
                signal_column(self.name, "lines_removed"): pa.array(removed, pa.int32()),
                signal_column(self.name, "chars_removed"): pa.array(chars, pa.int64()),
                signal_column(self.name, "max_coverage"): pa.array(worst, pa.float64()),
            },
        )
        return StageOutput(batch, reason_list(why))

    def thresholds(self) -> dict[str, float]:
        return {signal_column(self.name, "max_coverage"): self.config.max_coverage}
