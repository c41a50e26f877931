"""``decontaminate_v1``: remove documents sharing a word n-gram with an evaluation set.

GPT-3 (Brown et al. 2020, Appendix C) removed training documents overlapping any
benchmark example by an n-gram, with n the 5th percentile of the benchmark's example
lengths clipped to 8..13 words - the default ``ngram: auto`` (per set; an integer sets
n for every set; Llama 3 used 8-grams of tokens with per-benchmark thresholds, section
5.1.4: set ``ngram`` and ``min_matches`` for that) - and ignored n-grams found in more
than 10 training documents, which are common phrases or famous quotations rather than
leaked examples: ``max_train_docs: 10`` (null disables). Sets, examples (nested JSON
fields included) and n-grams: :mod:`.eval_sets`. A 64-bit hash collision can cause a
false match with probability ~ (document n-grams x eval n-grams) / 2**64.

Counting training documents per n-gram needs the whole corpus, so this is a global
stage: ``observe`` lists the eval n-grams each document contains; the fit counts the
documents per n-gram and decides. Fit (what a run uses): partitioned, as executor tasks
(:mod:`.decontaminate_fit`): a ``count`` task per work unit, summed on the driver, then
a ``decide`` task per unit; ``fit`` is the single-process reference it equals.

Examples shorter than their set's n cannot be checked: they are counted per set in the
summary (``eval_sets.<name>.too_short``), named in its ``notes`` and announced by a
:class:`ShortExamplesWarning` when the fit runs - never silently.

Observation column: ``eval_ngrams`` (list<uint32>, distinct ids of the eval n-grams in
the document; 4 bytes per match). The eval tables (16 bytes per distinct n-gram) are
loaded once per worker (and on the driver) in ``setup``. Driver memory during the fit:
8 bytes per eval n-gram (the document counts) and nothing per document; a ``decide``
task adds 1 byte per eval n-gram (the common mask).

Decision columns: ``{name}__matched_set`` (string, the first matching set in config
order, null if none) and ``{name}__matched_ngrams`` (int32, distinct eval n-grams of the
document that are not common in the corpus). Reason ``decontam:<set>``.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from dataprep.dedup.corpus import iter_batches
from dataprep.errors import ConfigError
from dataprep.output.columns import INTERNAL_COLUMNS, REASON_COL, signal_column
from dataprep.recipe.registry import register
from dataprep.stages.base import GlobalStage, StageConfig, StageContext

from .decontaminate_fit import IDS_COL, DecontaminateFit
from .eval_sets import EvalTable, load_tables, ngrams_of, word_hashes

REASON_PREFIX = "decontam:"


class ShortExamplesWarning(UserWarning):
    """Some evaluation examples are shorter than their set's n and are not checked."""


@dataclass(frozen=True, kw_only=True)
class DecontaminateConfig(StageConfig):
    """Options of ``decontaminate_v1``."""

    eval_sets: Mapping[str, str] = field(default_factory=dict)
    """Evaluation set name -> path of a .jsonl or text file."""
    ngram: int | str = "auto"
    """Words per n-gram, or ``auto``: per set, the 5th-percentile example length
    clipped to 8..13 (GPT-3)."""
    min_matches: int = 1
    """Drop documents with at least this many (non-common) n-grams of an eval set."""
    max_train_docs: int | None = 10
    """Ignore eval n-grams found in more than this many training documents (GPT-3: 10);
    null: never ignore."""
    fields: tuple[str, ...] = ()
    """JSONL keys (at any depth) holding example text; empty = every string value."""

    def __post_init__(self) -> None:
        if not self.eval_sets:
            raise ConfigError("decontaminate_v1 needs at least one entry in eval_sets")
        if len(self.eval_sets) > 64:
            raise ConfigError(f"at most 64 eval sets, got {len(self.eval_sets)}")
        bad = [k for k in self.eval_sets if not k or "\n" in k]
        if bad:
            raise ConfigError(f"invalid eval set names: {bad}")
        if self.ngram != "auto" and (not isinstance(self.ngram, int) or self.ngram < 1):
            raise ConfigError(f"ngram must be 'auto' or an integer >= 1, got {self.ngram!r}")
        if self.min_matches < 1:
            raise ConfigError(f"min_matches must be >= 1, got {self.min_matches}")
        if self.max_train_docs is not None and self.max_train_docs < 1:
            raise ConfigError(f"max_train_docs must be >= 1 or null, got {self.max_train_docs}")


@register("decontaminate_v1")
class Decontaminate(DecontaminateFit, GlobalStage[DecontaminateConfig]):
    """Drop documents that share n-grams with evaluation sets (not common in the corpus)."""

    def __init__(self, config: DecontaminateConfig, ctx: StageContext) -> None:
        super().__init__(config, ctx)
        self.set_names = list(self.config.eval_sets)
        self._tables: list[EvalTable] | None = None
        self._offsets: list[int] = []
        self._masks = np.empty(0, np.uint64)
        self.facts: dict[str, dict[str, int]] = {}

    def setup(self) -> None:
        if self._tables is not None:
            return
        cfg = self.config
        self._tables, self.facts = load_tables(cfg.eval_sets, cfg.ngram, tuple(cfg.fields))
        sizes = [len(t.hashes) for t in self._tables]
        self._offsets = list(np.concatenate(([0], np.cumsum(sizes))).astype(int))
        masks = [t.masks for t in self._tables]
        self._masks = np.concatenate(masks) if masks else np.empty(0, np.uint64)

    def _tables_ready(self) -> list[EvalTable]:
        self.setup()
        if self._tables is None:
            raise RuntimeError(f"{self.name}: setup() did not load the eval tables")
        return self._tables

    def _ids(self, text: str) -> np.ndarray:
        """Distinct ids of the eval n-grams in ``text``."""
        words = word_hashes(text)
        found = []
        for table, offset in zip(self._tables_ready(), self._offsets, strict=False):
            g = ngrams_of(words, table.n)
            if len(g) == 0:
                continue
            idx = np.minimum(np.searchsorted(table.hashes, g), len(table.hashes) - 1)
            hit = table.hashes[idx] == g
            if hit.any():
                found.append(np.unique(idx[hit]) + offset)
        return np.concatenate(found).astype(np.uint32) if found else np.empty(0, np.uint32)

    def observe(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        texts = batch.column(self.ctx.text_column).to_pylist()
        ids = [self._ids(t) if t else np.empty(0, np.uint32) for t in texts]
        lengths = np.fromiter(map(len, ids), dtype=np.int64, count=len(ids))
        offsets = pa.array(np.concatenate(([0], np.cumsum(lengths))).astype(np.int32))
        flat = np.concatenate(ids) if ids else np.empty(0, np.uint32)
        return pa.record_batch(
            {IDS_COL: pa.ListArray.from_arrays(offsets, pa.array(flat, pa.uint32()))}
        )

    def ngram_count(self) -> int:
        """Eval n-grams of all sets (the ids are ``0..ngram_count() - 1``)."""
        self._tables_ready()
        return int(self._offsets[-1]) if self._offsets else 0

    def common_limit(self) -> int:
        """An eval n-gram in more training documents than this is common (ignored)."""
        limit = self.config.max_train_docs
        return int(np.iinfo(np.int64).max) if limit is None else limit

    warning = ShortExamplesWarning

    def fit(self, observations: Sequence[Path], workdir: Path) -> Iterator[pa.RecordBatch]:
        """The single-process fit (the reference of the partitioned fit, which runs)."""
        paths = [Path(p) for p in observations]
        total = self.ngram_count()
        docs_per_ngram = np.zeros(total, dtype=np.int64)
        for path in paths:
            for b in iter_batches(path, [IDS_COL]):
                docs_per_ngram += np.bincount(b.column(0).flatten().to_numpy(), minlength=total)
        common = docs_per_ngram > self.common_limit()
        removed = only_common = 0
        for path in paths:
            for b in iter_batches(path, [IDS_COL, *INTERNAL_COLUMNS]):
                out, r, o = self.decide_batch(b, common)
                removed, only_common = removed + r, only_common + o
                yield out
        self._summary = self._facts(int(common.sum()), only_common, removed)
        for note in self._summary["notes"]:
            warnings.warn(f"{self.name}: {note}", ShortExamplesWarning, stacklevel=2)

    def decide_batch(
        self, b: pa.RecordBatch, common: np.ndarray
    ) -> tuple[pa.RecordBatch, int, int]:
        """Decisions of one observation batch given the common n-grams (a mask over
        ids); also its documents removed and matching only common n-grams."""
        self._tables_ready()
        masks = self._masks
        ids = b.column(IDS_COL)
        doc = pc.list_parent_indices(ids).to_numpy().astype(np.int64)
        flat = ids.flatten().to_numpy().astype(np.int64)
        keep = ~common[flat]
        n_hit = np.bincount(doc[keep], minlength=b.num_rows)
        mask = np.zeros(b.num_rows, dtype=np.uint64)
        np.bitwise_or.at(mask, doc[keep], masks[flat[keep]])
        any_hit = np.bincount(doc, minlength=b.num_rows) > 0
        only_common = int((any_hit & (n_hit == 0)).sum())
        names: list[str | None] = []
        why: list[str | None] = []
        for m, k in zip(mask.tolist(), n_hit.tolist(), strict=True):
            name = self.set_names[(m & -m).bit_length() - 1] if m else None
            names.append(name)
            why.append(f"{REASON_PREFIX}{name}" if name and k >= self.config.min_matches else None)
        out = pa.record_batch(
            {
                **{c: b.column(c) for c in INTERNAL_COLUMNS},
                REASON_COL: pa.array(why, pa.string()),
                signal_column(self.name, "matched_set"): pa.array(names, pa.string()),
                signal_column(self.name, "matched_ngrams"): pa.array(
                    n_hit.astype(np.int32), pa.int32()
                ),
            }
        )
        return out, sum(w is not None for w in why), only_common

    def _facts(self, common: int, only_common: int, removed: int) -> dict[str, Any]:
        notes = [
            f"{name}: {f['too_short']} of {f['examples']} examples are shorter than "
            f"n = {f['ngram']} words and were not checked"
            for name, f in self.facts.items()
            if f["too_short"]
        ]
        return {
            "eval_sets": self.facts,
            "max_train_docs": self.config.max_train_docs,
            "common_ngrams_ignored": common,
            "documents_matching_only_common_ngrams": only_common,
            "documents_removed": removed,
            "notes": notes,
        }

    def thresholds(self) -> dict[str, int]:
        return {signal_column(self.name, "matched_ngrams"): self.config.min_matches}
