"""``decontaminate_v1``: remove documents sharing a word n-gram with an evaluation set.

GPT-3 (Brown et al. 2020, Appendix C) removed training documents overlapping any
benchmark example by a 13-gram; the default ``ngram: 13`` follows it (Llama 3 used
8-grams of tokens with per-benchmark thresholds, section 5.1.4; set ``ngram`` and
``min_matches`` for that). Words are the non-punctuation tokens of
:func:`filters._text.split_tokens`, case-folded (one token per character cluster of
unsegmented scripts, so Chinese eval sets match on 13-character runs). Each word is
hashed with ``xxh3_64`` and n-grams are combined as in :func:`dataprep.dedup.shingles.
combine_ngrams`; a 64-bit collision can cause a false match with probability ~ (doc
n-grams x eval n-grams) / 2**64.

``eval_sets`` maps a name to a file: ``.jsonl`` (one JSON object per line; the string
values of ``fields``, or of every key when ``fields`` is empty, each an example) or
plain text (each non-blank line an example). Examples shorter than ``ngram`` words
add nothing; :func:`load_eval_ngrams` counts them (the stage's ``too_short``).
The n-grams of all sets are loaded once per worker in ``setup``: 16 bytes per distinct
n-gram (hash + set bitmask, at most 64 sets).

Columns: ``{name}__matched_set`` (string, the first matching set in config order, null
if none) and ``{name}__matched_ngrams`` (int32, document n-grams found in any set).
Reason ``decontam:<set>``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import xxhash

from dataprep.errors import ConfigError
from dataprep.output.columns import signal_column
from dataprep.recipe.registry import register
from dataprep.stages.base import BatchStage, StageConfig, StageContext, StageOutput

from ._common import add_columns, reason_list

REASON_PREFIX = "decontam:"


def word_hashes(text: str) -> np.ndarray:
    """``xxh3_64`` of each case-folded non-punctuation token of ``text``."""
    from filters._text import PUNCT_SET, split_tokens

    tokens, punct = split_tokens(text.casefold())
    if punct:
        tokens = [t for t in tokens if t[0] not in PUNCT_SET]
    return np.fromiter(
        (xxhash.xxh3_64_intdigest(t.encode("utf-8", "surrogatepass")) for t in tokens),
        dtype=np.uint64,
        count=len(tokens),
    )


def ngram_hashes(text: str, n: int) -> np.ndarray:
    """The hashes of every n-gram of words of ``text`` (empty when it has fewer words)."""
    from dataprep.dedup.shingles import combine_ngrams

    words = word_hashes(text)
    if len(words) < n:
        return np.empty(0, dtype=np.uint64)
    return combine_ngrams(words, n)


def _examples(path: Path, fields: tuple[str, ...]) -> Iterator[str]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"cannot read eval set {path}: {e}") from e
    is_jsonl = path.name.endswith(".jsonl")
    for i, line in enumerate(lines, 1):
        if not line.strip():
            continue
        if not is_jsonl:
            yield line
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            raise ConfigError(f"eval set {path}, line {i}: invalid JSON ({e})") from e
        if not isinstance(obj, dict):
            raise ConfigError(f"eval set {path}, line {i}: expected a JSON object")
        for key, value in obj.items():
            if fields and key not in fields:
                continue
            values: list[Any] = value if isinstance(value, list) else [value]
            yield from (v for v in values if isinstance(v, str))


def load_eval_ngrams(
    eval_sets: Mapping[str, str], n: int, fields: tuple[str, ...]
) -> tuple[np.ndarray, np.ndarray, dict[str, int]]:
    """(sorted distinct n-gram hashes, set bitmask per hash, examples too short per set)."""
    hashes: list[np.ndarray] = []
    masks: list[np.ndarray] = []
    short: dict[str, int] = {}
    for bit, (name, path) in enumerate(eval_sets.items()):
        short[name] = 0
        for example in _examples(Path(path), fields):
            g = ngram_hashes(example, n)
            if len(g) == 0:
                short[name] += 1
                continue
            hashes.append(g)
            masks.append(np.full(len(g), 1 << bit, dtype=np.uint64))
    if not hashes:
        return np.empty(0, np.uint64), np.empty(0, np.uint64), short
    h = np.concatenate(hashes)
    m = np.concatenate(masks)
    order = np.argsort(h, kind="stable")
    h, m = h[order], m[order]
    new = np.ones(len(h), dtype=bool)
    new[1:] = h[1:] != h[:-1]
    starts = np.flatnonzero(new)
    return h[starts], np.bitwise_or.reduceat(m, starts), short


@dataclass(frozen=True, kw_only=True)
class DecontaminateConfig(StageConfig):
    """Options of ``decontaminate_v1``."""

    eval_sets: Mapping[str, str] = field(default_factory=dict)
    """Evaluation set name -> path of a .jsonl or text file."""
    ngram: int = 13
    """Words per n-gram (GPT-3: 13)."""
    min_matches: int = 1
    """Drop documents with at least this many n-grams found in an eval set."""
    fields: tuple[str, ...] = ()
    """JSONL keys holding example text; empty = every string value."""

    def __post_init__(self) -> None:
        if not self.eval_sets:
            raise ConfigError("decontaminate_v1 needs at least one entry in eval_sets")
        if len(self.eval_sets) > 64:
            raise ConfigError(f"at most 64 eval sets, got {len(self.eval_sets)}")
        bad = [k for k in self.eval_sets if not k or "\n" in k]
        if bad:
            raise ConfigError(f"invalid eval set names: {bad}")
        if self.ngram < 1 or self.min_matches < 1:
            raise ConfigError("ngram and min_matches must be >= 1")


@register("decontaminate_v1")
class Decontaminate(BatchStage[DecontaminateConfig]):
    """Drop documents that share n-grams with evaluation sets."""

    def __init__(self, config: DecontaminateConfig, ctx: StageContext) -> None:
        super().__init__(config, ctx)
        self.set_names = list(self.config.eval_sets)
        self._table: tuple[np.ndarray, np.ndarray] | None = None
        self.too_short: dict[str, int] = {}

    def setup(self) -> None:
        if self._table is not None:
            return
        cfg = self.config
        h, m, self.too_short = load_eval_ngrams(cfg.eval_sets, cfg.ngram, tuple(cfg.fields))
        self._table = (h, m)

    def _match(self, text: str) -> tuple[str | None, int]:
        if self._table is None:
            raise RuntimeError(f"{self.name}: setup() must run before the first batch")
        table, masks = self._table
        if len(table) == 0:
            return None, 0
        g = ngram_hashes(text, self.config.ngram)
        if len(g) == 0:
            return None, 0
        idx = np.minimum(np.searchsorted(table, g), len(table) - 1)
        hit = table[idx] == g
        n_hit = int(hit.sum())
        if n_hit == 0:
            return None, 0
        mask = int(np.bitwise_or.reduce(masks[idx[hit]]))
        first = (mask & -mask).bit_length() - 1
        return self.set_names[first], n_hit

    def process(self, batch: pa.RecordBatch) -> StageOutput:
        self.setup()
        names: list[str | None] = []
        counts: list[int] = []
        why: list[str | None] = []
        for text in batch.column(self.ctx.text_column).to_pylist():
            name, n_hit = self._match(text) if text else (None, 0)
            names.append(name)
            counts.append(n_hit)
            hit = name is not None and n_hit >= self.config.min_matches
            why.append(f"{REASON_PREFIX}{name}" if hit else None)
        batch = add_columns(
            batch,
            {
                signal_column(self.name, "matched_set"): pa.array(names, pa.string()),
                signal_column(self.name, "matched_ngrams"): pa.array(counts, pa.int32()),
            },
        )
        return StageOutput(batch, reason_list(why))

    def thresholds(self) -> dict[str, int]:
        return {signal_column(self.name, "matched_ngrams"): self.config.min_matches}
