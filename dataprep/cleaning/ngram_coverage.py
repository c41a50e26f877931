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
Whether a line is judged in words or in clusters is decided by the script of the whole
line (most of its words clusters or not), never by its first and last words.

Defaults, calibrated on real prose against real logs (``benchmarks/
ngram_coverage_calibration.py``): a line of at least ``min_line_words`` (20) words is
removed when more than ``max_coverage`` (0.3) of it is covered by duplicated 5-grams
*and* at least ``min_duplicated_ngrams`` (3) distinct 5-grams are duplicated. Gopher's
0.15 is a whole-document threshold: per line, one repeated 5-word phrase (an
institution's name, a lease clause, a recipe's ingredient) passes it, and 6.6% of the
license paragraphs and 1.7% of all prose lines were removed; with the defaults 0.3% of
prose lines and 71% of flattened real log lines are (see the README for the table).
A line of ``short_line_words`` (6) to 19 words is checked with 2-grams (4 clusters) and
removed above ``short_max_coverage`` (0.6): keyword spam built from a short phrase
("cheap pills buy now cheap pills buy now ...") that the 20-word minimum used to let
through. Lines under 6 words are never checked (line dedup's job).

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
    return duplicated_stats(words, n)[0]


def duplicated_stats(words: list[str], n: int) -> tuple[float, int]:
    """(coverage, number of distinct n-grams occurring at least twice)."""
    m = len(words) - n + 1
    total = sum(map(len, words))
    if m < 2 or total == 0:
        return 0.0, 0
    h = np.fromiter(map(hash, words), dtype=np.int64, count=len(words)).view(np.uint64)
    with np.errstate(over="ignore"):
        g = h[:m].copy()
        for k in range(1, n):
            g = g * _MUL + h[k : k + m]
    _, inverse, counts = np.unique(g, return_inverse=True, return_counts=True)
    starts = np.flatnonzero(counts[inverse] >= 2)
    if len(starts) == 0:
        return 0.0, 0
    delta = np.zeros(len(words) + 1, dtype=np.int64)
    np.add.at(delta, starts, 1)
    np.add.at(delta, starts + n, -1)
    covered = np.cumsum(delta[:-1]) > 0
    lens = np.fromiter(map(len, words), dtype=np.int64, count=len(words))
    return float(lens[covered].sum()) / max(total, 1), int(np.count_nonzero(counts >= 2))


@dataclass(frozen=True, kw_only=True)
class NgramCoverageConfig(StageConfig):
    """Options of ``ngram_coverage_v1``."""

    n: int = 5
    """Words per n-gram (Gopher's smallest duplicated-n-gram size)."""
    char_n: int = 10
    """Clusters per n-gram for lines mostly in scripts without spaces."""
    max_coverage: float = 0.3
    """Remove a line whose coverage exceeds this (calibrated per line; Gopher's
    whole-document threshold for 5-grams is 0.15)."""
    min_duplicated_ngrams: int = 3
    """...and in which at least this many distinct n-grams are duplicated."""
    min_line_words: int = 20
    """Lines with at least this many words are checked with ``n``-grams."""
    short_line_words: int | None = 6
    """Lines from this many words up to ``min_line_words`` are checked with ``short_n``-grams;
    None: shorter lines are never checked."""
    short_n: int = 2
    """Words per n-gram for short lines."""
    short_char_n: int = 4
    """Clusters per n-gram for short lines in scripts without spaces."""
    short_max_coverage: float = 0.6
    """Remove a short line whose coverage exceeds this."""

    def __post_init__(self) -> None:
        for name in ("n", "char_n", "short_n", "short_char_n", "min_line_words"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} must be >= 1, got {getattr(self, name)}")
        for name in ("max_coverage", "short_max_coverage"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ConfigError(f"{name} must be in [0, 1], got {getattr(self, name)}")
        if self.min_duplicated_ngrams < 1:
            raise ConfigError(
                f"min_duplicated_ngrams must be >= 1, got {self.min_duplicated_ngrams}"
            )
        if self.short_line_words is not None and self.short_line_words < 2:
            raise ConfigError(f"short_line_words must be >= 2 or null, got {self.short_line_words}")


def _short_coverage(words: list[str], n: int) -> float:
    """:func:`duplicated_coverage` for a short line, in plain Python (no array overhead)."""
    if len(set(words)) == len(words):  # no word repeats: no n-gram can
        return 0.0
    grams = list(zip(*(words[k:] for k in range(n)), strict=False))
    if len(grams) < 2 or len(set(grams)) == len(grams):
        return 0.0
    seen: dict[tuple[str, ...], int] = {}
    for g in grams:
        seen[g] = seen.get(g, 0) + 1
    covered = [False] * len(words)
    for i, g in enumerate(grams):
        if seen[g] >= 2:
            covered[i : i + n] = [True] * n
    total = sum(map(len, words))
    return sum(len(w) for w, c in zip(words, covered, strict=True) if c) / max(total, 1)


def _is_clustered(line: str, words: list[str]) -> bool:
    """Whether most words of the whole line are clusters of scripts without spaces."""
    from filters._text import UNSEG_RE

    if line.isascii():
        return False
    clusters = sum(1 for w in words if UNSEG_RE.match(w))
    return 2 * clusters >= len(words)


def line_verdict(line: str, cfg: NgramCoverageConfig) -> tuple[bool, float]:
    """(remove the line?, its coverage; 0 when not checked)."""
    shortest = cfg.min_line_words if cfg.short_line_words is None else cfg.short_line_words
    if len(line) < shortest:  # every word has at least one character
        return False, 0.0
    words = line_words(line)
    if len(words) < shortest:
        return False, 0.0
    clustered = _is_clustered(line, words)
    if len(words) < cfg.min_line_words:
        cov = _short_coverage(words, cfg.short_char_n if clustered else cfg.short_n)
        return cov > cfg.short_max_coverage, cov
    cov, distinct = duplicated_stats(words, cfg.char_n if clustered else cfg.n)
    return cov > cfg.max_coverage and distinct >= cfg.min_duplicated_ngrams, cov


def scan_lines(text: str, cfg: NgramCoverageConfig) -> tuple[list[int], float]:
    """(indexes of lines to remove, highest coverage among checked lines)."""
    drop: list[int] = []
    worst = 0.0
    for i, line in enumerate(split_lines(text)):
        remove, cov = line_verdict(line, cfg)
        worst = max(worst, cov)
        if remove:
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
