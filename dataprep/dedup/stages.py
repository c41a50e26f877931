"""The registered dedup stages: ``exact_dedup_v1`` and ``minhash_dedup_v1``.

Both are :class:`~dataprep.stages.base.GlobalStage` s. ``observe`` (in the
workers) normalizes each text and returns a small summary per document;
``fit`` (in the driver) clusters the documents and keeps one per cluster.

Observation columns (one row per input row):

* both: ``length`` (int64, characters of the original text, 0 if null);
  ``lang`` (string, copied from ``ctx.lang_column`` when the batch has it);
  ``keep_value`` (the ``column:<name>`` column, only with that keep policy).
* exact: ``hash`` (binary(16), ``xxh3_128`` of the normalized text; null text -> null).
* minhash: ``minhash`` (fixed_size_list<uint32>[num_perm]; null when the text is
  null or has no shingle), ``n_shingles`` (int32), ``shingle_set`` (list<uint64>:
  the sorted unique 64-bit shingle hashes, 8 B per unique shingle, for the exact
  Jaccard check of candidate pairs) and ``doc_id`` (string, the ``ctx.id_column``
  when the batch has it).

Decision columns: ``_dp_shard``, ``_dp_row``, ``_dp_repeat``, ``reason``
(``exact_duplicate`` / ``near_duplicate``, null keeps), ``dup_cluster`` (int64)
and ``dup_cluster_size`` (int32); see :mod:`.keep`. MinHash also writes
``dup_of`` (string: the id of the kept document a removed one duplicates, its
``id`` column value, else ``"shard:row:repeat"``; null when kept) and
``dup_jaccard`` (float32: their exact word n-gram Jaccard, >= threshold; null
when kept); its ``dup_cluster`` is a kept document and its removed duplicates.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import xxhash

from dataprep.errors import ConfigError, InputError
from dataprep.recipe.registry import register
from dataprep.stages.base import GlobalStage, StageConfig, StageContext
from dataprep.stages.fit import FitEnv, FitRunner, Shuffled

from .candidates import screen_cap
from .components import cc_task, find_components
from .corpus import KEEP_COL, LANG_COL, LENGTH_COL, open_observation, read_corpus
from .exact import HASH_COL, exact_labels
from .keep import KeepPolicy, choose_kept, decision_batches, keep_rank, summarize
from .lsh import bands_for_recall, collision_probability, optimal_bands
from .minhash import MinHasher
from .near import SHINGLE_COL, SIGNATURE_COL, NearParams, NearResult, near_duplicates
from .near_partitioned import (
    clusters_task,
    greedy_task,
    join_task,
    near_shuffle,
    pairs_task,
    verify_ranges,
    verify_task,
)
from .normalize import NormalizeOptions, normalize
from .partitioned import HashGroupedFit, decide_unit, summary
from .shingle_batch import shingle_batch, sorted_unique_sets

EXACT_REASON = "exact_duplicate"
NEAR_REASON = "near_duplicate"
DUP_OF_COL = "dup_of"
DUP_JACCARD_COL = "dup_jaccard"
DOC_ID_COL = "doc_id"
CLUSTERINGS = ("centers", "components")


@dataclass(frozen=True, kw_only=True)
class DedupConfig(StageConfig):
    """Options shared by both dedup stages."""

    keep: str = "first"
    """Which document of a cluster to keep: 'first' (input order), 'longest' or
    'column:<name>' (highest value of a numeric column); ties go to input order."""
    nfc: bool = True
    """Unicode NFC before hashing."""
    casefold: bool = True
    """Case-fold before hashing."""
    collapse_whitespace: bool = True
    """Collapse whitespace runs to one space before hashing."""
    strip_digits: bool = False
    """Remove digits before hashing."""
    strip_punctuation: bool = False
    """Remove punctuation and symbols before hashing."""

    def __post_init__(self) -> None:
        KeepPolicy.parse(self.keep)

    def normalize_options(self) -> NormalizeOptions:
        return NormalizeOptions(
            nfc=self.nfc,
            casefold=self.casefold,
            collapse_whitespace=self.collapse_whitespace,
            strip_digits=self.strip_digits,
            strip_punctuation=self.strip_punctuation,
        )


class _DedupStage(GlobalStage[DedupConfig]):
    """Common observe / fit skeleton; subclasses add their hash columns and clustering."""

    reason: str = ""

    def __init__(self, config: DedupConfig, ctx: StageContext) -> None:
        super().__init__(config, ctx)
        self.policy = KeepPolicy.parse(self.config.keep)
        self._options = self.config.normalize_options()

    def required_columns(self) -> Sequence[str]:
        if self.policy.column is not None:
            return (self.ctx.text_column, self.policy.column)
        return (self.ctx.text_column,)

    def _texts(self, batch: pa.RecordBatch) -> list[str | None]:
        try:
            column = batch.column(self.ctx.text_column)
        except KeyError as e:
            raise InputError(
                f"{self.name}: batch lacks text column {self.ctx.text_column!r}"
            ) from e
        return column.to_pylist()

    def _common_columns(self, batch: pa.RecordBatch) -> dict[str, pa.Array]:
        text = batch.column(self.ctx.text_column)
        cols: dict[str, pa.Array] = {
            LENGTH_COL: pc.fill_null(pc.utf8_length(text), 0).cast(pa.int64())
        }
        if self.ctx.lang_column in batch.schema.names:
            cols[LANG_COL] = batch.column(self.ctx.lang_column).cast(pa.string())
        if self.policy.column is not None:
            if self.policy.column not in batch.schema.names:
                raise InputError(f"{self.name}: keep column {self.policy.column!r} is missing")
            value = batch.column(self.policy.column)
            t = value.type
            if not (pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_boolean(t)):
                raise InputError(
                    f"{self.name}: keep column {self.policy.column!r} must be numeric, is {t}"
                )
            cols[KEEP_COL] = value
        return cols

    @abstractmethod
    def _observe_columns(self, texts: list[str | None]) -> dict[str, pa.Array]:
        """The stage's own observation columns (hash, or MinHash signature)."""

    def observe(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        cols = self._observe_columns(self._texts(batch))
        cols.update(self._common_columns(batch))
        return pa.record_batch(cols)

    @abstractmethod
    def _labels(self, paths: Sequence[Path], workdir: Path, corpus: Any) -> np.ndarray:
        """Cluster label (input-order rank of a member) for every observed document."""

    def fit(self, observations: Sequence[Path], workdir: Path) -> Iterator[pa.RecordBatch]:
        paths = [Path(p) for p in observations]
        corpus = read_corpus(paths, with_keep_value=self.policy.column is not None)
        labels = self._labels(paths, workdir, corpus)
        kept = self._kept(labels, corpus)
        self._summary.update(summarize(corpus, labels, kept))
        self._summary["keep"] = self.config.keep
        return decision_batches(corpus, labels, kept, self.reason, self._extra(paths, corpus))

    def _kept(self, labels: np.ndarray, corpus: Any) -> np.ndarray:
        return choose_kept(labels, corpus, self.policy)

    def _extra(self, paths: Sequence[Path], corpus: Any) -> dict[str, pa.Array]:
        return {}


@register("exact_dedup_v1")
class ExactDedup(HashGroupedFit, _DedupStage):
    """Remove documents whose normalized text is identical to an earlier kept one."""

    @dataclass(frozen=True, kw_only=True)
    class Config(DedupConfig):
        """Exact dedup options (normalization and keep policy only)."""

    reason = EXACT_REASON

    def _observe_columns(self, texts: list[str | None]) -> dict[str, pa.Array]:
        opts = self._options
        digests = [
            None
            if t is None
            else xxhash.xxh3_128_digest(normalize(t, opts).encode("utf-8", "surrogatepass"))
            for t in texts
        ]
        return {HASH_COL: pa.array(digests, type=pa.binary(16))}

    def _labels(self, paths: Sequence[Path], workdir: Path, corpus: Any) -> np.ndarray:
        labels, nulls = exact_labels(paths, workdir, corpus)
        self._summary["null_texts"] = nulls
        return labels

    # Partitioned fit (``dedup/partitioned.py``): hashes shuffled by the workers, one
    # ``group`` task per partition, one ``decide`` task per work unit.

    def keep_policy(self) -> KeepPolicy:
        return self.policy

    def decide(self, env: FitEnv, unit: int, parts: int) -> dict[str, Any]:
        return decide_unit(env, unit, "group", parts, self.reason, None)

    def fit_partitioned(self, runner: FitRunner) -> None:
        env = runner.env
        groups = runner.map("group", env.partitions)
        units = runner.map("decide", env.units, {"parts": env.partitions})
        self._summary["null_texts"] = env.documents - sum(g["hashed"] for g in groups)
        self._summary.update(summary(env.documents, groups, units))
        self._summary["keep"] = self.config.keep


@register("minhash_dedup_v1")
class MinHashDedup(_DedupStage):
    """Remove near-duplicates: MinHash + LSH candidates, exact Jaccard, greedy centers.

    Every candidate pair is verified by the exact Jaccard of the two documents'
    shingle sets, and documents are clustered without chaining: in keep order,
    each is removed only as the duplicate of a *kept* document it is >= threshold
    similar to (``near.py``). Bands x rows default to :func:`.lsh.bands_for_recall`
    with ``min_recall=0.99``: 16 x 6 at threshold 0.8, candidate probability
    0.992 at J=0.8 (``1 - (1 - 0.8**6)**16``), 0.9995 at 0.85.

    ``clustering: components`` with ``verify: false``, ``bands: 14``, ``rows: 8`` is
    datatrove's MinHash (0.10.1 defaults): every candidate pair an edge, one document
    kept per connected component, so chains A~B~C are merged.

    Cost per document (``near.py`` has the details): 512 B of signature and
    8 B per unique shingle (~5.4 KB for a 4 KB English text) in the observation
    files, the latter copied to a scratch memmap for candidate documents only;
    ~30 B of RAM in ``fit`` besides the corpus index.
    """

    @dataclass(frozen=True, kw_only=True)
    class Config(DedupConfig):
        """Near-dedup options; defaults reach >= 0.95 recall at J >= 0.85 (see lsh.py)."""

        threshold: float = 0.8
        """Estimated Jaccard similarity at or above which two documents are duplicates."""
        num_perm: int = 128
        """MinHash permutations (4 bytes each per document)."""
        ngram: int = 5
        """Words per shingle."""
        char_ngram: int = 5
        """Characters per shingle for scripts written without spaces (CJK, Thai...)."""
        char_script_fraction: float = 0.3
        """Use character shingles when at least this fraction of non-space characters
        is in a script written without spaces."""
        bands: int | None = None
        """LSH bands; None = chosen from threshold (with rows; give both or neither)."""
        rows: int | None = None
        """LSH rows per band; None = chosen from threshold."""
        min_recall: float | None = 0.99
        """Choose bands x rows so that a pair of Jaccard = threshold is a candidate with at
        least this probability, with the fewest spurious candidates (lsh.bands_for_recall);
        None = minimize the weighted areas of ``false_negative_weight`` instead."""
        false_negative_weight: float = 0.95
        """Weight of missed pairs against spurious candidates (only when min_recall is None)."""
        verify: bool = True
        """Check every candidate pair's exact Jaccard against the threshold."""
        clustering: str = "centers"
        """``centers``: in keep order, remove a document only as the duplicate of a kept
        document it has an edge to (no chaining). ``components``: keep one document per
        connected component of the edges (datatrove's rule; with ``verify: false``,
        ``bands: 14`` and ``rows: 8`` its MinHash defaults: the compatible mode)."""
        driver_budget_bytes: int = 1 << 30
        """Driver memory for the connected components of verified pairs: an array
        union-find on the driver (64 B per document with a near-duplicate at the peak) when it
        fits, else large-star/small-star rounds as executor tasks (same result)."""

        def __post_init__(self) -> None:
            super().__post_init__()
            if not 0.0 < self.threshold < 1.0:
                raise ConfigError(f"threshold must be in (0, 1), got {self.threshold}")
            for name in ("num_perm", "ngram", "char_ngram"):
                if getattr(self, name) < 1:
                    raise ConfigError(f"{name} must be >= 1, got {getattr(self, name)}")
            if not 0.0 < self.char_script_fraction <= 1.0:
                raise ConfigError(
                    f"char_script_fraction must be in (0, 1], got {self.char_script_fraction}"
                )
            if self.min_recall is not None and not 0.0 < self.min_recall < 1.0:
                raise ConfigError(f"min_recall must be in (0, 1), got {self.min_recall}")
            if self.clustering not in CLUSTERINGS:
                raise ConfigError(
                    f"clustering must be one of {', '.join(CLUSTERINGS)}, got {self.clustering!r}"
                )
            if self.driver_budget_bytes < 0:
                raise ConfigError(
                    f"driver_budget_bytes must be >= 0, got {self.driver_budget_bytes}"
                )
            if not 0.0 <= self.false_negative_weight <= 1.0:
                raise ConfigError("false_negative_weight must be in [0, 1]")
            if (self.bands is None) != (self.rows is None):
                raise ConfigError("give both bands and rows, or neither")
            if (
                self.bands is not None
                and self.rows is not None
                and (self.bands < 1 or self.rows < 1 or self.bands * self.rows > self.num_perm)
            ):
                raise ConfigError(
                    f"bands x rows ({self.bands} x {self.rows}) must be >= 1 and "
                    f"<= num_perm ({self.num_perm})"
                )

        def band_params(self) -> tuple[int, int]:
            if self.bands is not None and self.rows is not None:
                return self.bands, self.rows
            if self.min_recall is not None:
                return bands_for_recall(self.threshold, self.num_perm, self.min_recall)
            return optimal_bands(self.threshold, self.num_perm, self.false_negative_weight)

    config: Config
    reason = NEAR_REASON

    def __init__(self, config: DedupConfig, ctx: StageContext) -> None:
        super().__init__(config, ctx)
        self._hasher: MinHasher | None = None
        self._near: NearResult | None = None

    def setup(self) -> None:
        self._hasher = MinHasher(self.config.num_perm, self.ctx.seed)

    def _minhasher(self) -> MinHasher:
        """The hasher; made here when ``setup`` was not called first."""
        if self._hasher is None:
            self._hasher = MinHasher(self.config.num_perm, self.ctx.seed)
        return self._hasher

    def _observe_columns(self, texts: list[str | None]) -> dict[str, pa.Array]:
        hasher = self._minhasher()
        cfg, opts = self.config, self._options
        # whitespace is collapsed inside shingle_batch (numpy over the batch's bytes)
        split_later = replace(opts, collapse_whitespace=False)
        shingles = shingle_batch(
            [None if t is None else normalize(t, split_later) for t in texts],
            word_n=cfg.ngram,
            char_n=cfg.char_ngram,
            char_fraction=cfg.char_script_fraction,
            collapse_whitespace=opts.collapse_whitespace,
        )
        sigs = hasher.signatures_flat(shingles.values, shingles.offsets)
        counts = shingles.counts.astype(np.int32)
        unique = sorted_unique_sets(shingles)
        sets = pa.ListArray.from_arrays(
            pa.array(unique.offsets.astype(np.int32)), pa.array(unique.values, type=pa.uint64())
        )
        sig_array = pa.FixedSizeListArray.from_arrays(
            pa.array(sigs.reshape(-1), type=pa.uint32()),
            cfg.num_perm,
            mask=pa.array(counts == 0),
        )
        return {
            SIGNATURE_COL: sig_array,
            "n_shingles": pa.array(counts, type=pa.int32()),
            SHINGLE_COL: sets,
        }

    def observe(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        obs = super().observe(batch)
        if self.ctx.id_column in batch.schema.names:
            ids = batch.column(self.ctx.id_column).cast(pa.string())
            obs = obs.append_column(DOC_ID_COL, ids)
        return obs

    def _labels(self, paths: Sequence[Path], workdir: Path, corpus: Any) -> np.ndarray:
        bands, rows = self.config.band_params()
        params = NearParams(
            num_perm=self.config.num_perm,
            bands=bands,
            rows=rows,
            threshold=self.config.threshold,
            verify=self.config.verify,
            clustering=self.config.clustering,
        )
        rank = keep_rank(corpus, self.policy)
        near, stats = near_duplicates(paths, workdir, corpus, rank, params)
        self._near = near
        center = np.where(near.dup_of < 0, np.arange(corpus.size), near.dup_of)
        first = np.arange(corpus.size, dtype=np.int64)
        np.minimum.at(first, center, first.copy())
        labels = first[center]
        self._summary.update(self._params_summary())
        self._summary.update(
            no_shingle_docs=stats.no_shingle_docs,
            candidate_pairs=stats.candidate_pairs,
            checked_pairs=stats.checked_pairs,
            accepted_pairs=stats.accepted_pairs,
        )
        return labels

    def _kept(self, labels: np.ndarray, corpus: Any) -> np.ndarray:
        assert self._near is not None
        return np.asarray(self._near.dup_of < 0)

    def _params_summary(self) -> dict[str, Any]:
        bands, rows = self.config.band_params()
        return {
            "threshold": self.config.threshold,
            "num_perm": self.config.num_perm,
            "bands": bands,
            "rows": rows,
            "verify": self.config.verify,
            "min_recall": self.config.min_recall,
            "candidate_probability_at_threshold": float(
                collision_probability(self.config.threshold, bands, rows)
            ),
            # only when set: the summaries (and stats.json) of the default stay as they were
            **({"clustering": "components"} if self.config.clustering == "components" else {}),
        }

    # Partitioned fit (``dedup/near_partitioned.py``): band keys shuffled by the
    # workers; pairs, verify and clusters tasks per partition, greedy centers
    # streamed on the driver, decide tasks per work unit.

    def shuffle(self, observations: pa.RecordBatch) -> Shuffled:
        bands, rows = self.config.band_params()
        sent, keys, columns = near_shuffle(
            observations, self.policy, self.config.num_perm, bands, rows
        )
        return Shuffled(rows=sent, hashes=keys, columns=columns)

    def fit_partitioned(self, runner: FitRunner) -> None:
        env, parts = runner.env, runner.env.partitions
        bands, _ = self.config.band_params()
        pairs = runner.map("pairs", parts)
        ranges = verify_ranges(pairs, parts)
        checked = runner.map(
            "verify",
            len(ranges),
            {"ranges": [list(r) for r in ranges], "parts": parts},
        )
        endpoints = sum(c.get("docs", 2 * c["accepted"]) for c in checked)
        budget = self.config.driver_budget_bytes
        labels, count = find_components(runner, "verify", len(ranges), endpoints, budget)
        runner.map("join", parts, {"ranges": len(ranges), "labels": labels, "count": count})
        runner.map("greedy", parts)
        clusters = runner.map("clusters", parts)
        units = runner.map("decide", env.units, {"step": "clusters", "parts": parts})
        candidates = sum(c["candidates"] for c in checked)
        self._summary.update(self._params_summary())
        self._summary.update(
            no_shingle_docs=env.documents - sum(p["band_rows"] for p in pairs) // bands,
            candidate_pairs=candidates,
            checked_pairs=sum(c["checked"] for c in checked),
            accepted_pairs=sum(c["accepted"] for c in checked),
        )
        self._summary.update(summary(env.documents, clusters, units))
        self._summary["keep"] = self.config.keep

    def fit_task(
        self, step: str, index: int, params: dict[str, Any], env: FitEnv
    ) -> dict[str, Any]:
        cfg = self.config
        if step == "pairs":
            return pairs_task(env, index, screen_cap(cfg.clustering))
        if step == "verify":
            lo, hi = params["ranges"][index]
            return verify_task(
                env, index, lo, hi, params["parts"], cfg.threshold, cfg.verify, cfg.num_perm
            )
        if step.startswith("cc-"):
            return cc_task(env, step, index, params)
        if step == "join":
            return join_task(env, index, params["ranges"], params["labels"], params["count"])
        if step == "greedy":
            return greedy_task(env, index, self.config.clustering)
        if step == "clusters":
            return clusters_task(env, index)
        if step == "decide":
            step_name, parts = params["step"], params["parts"]
            return decide_unit(env, index, step_name, parts, self.reason, DOC_ID_COL)
        raise ValueError(f"{self.name}: unknown fit step {step!r}")

    def _extra(self, paths: Sequence[Path], corpus: Any) -> dict[str, pa.Array]:
        assert self._near is not None
        dup_of = self._near.dup_of
        removed = dup_of >= 0
        targets = np.unique(dup_of[removed])
        names = _kept_ids(paths, corpus, targets)
        index = pa.array(np.searchsorted(targets, dup_of), mask=~removed, type=pa.int64())
        return {
            DUP_OF_COL: pa.array([names[t] for t in targets.tolist()], pa.string()).take(index),
            DUP_JACCARD_COL: pa.array(self._near.jaccard, mask=~removed, type=pa.float32()),
        }


def _kept_ids(paths: Sequence[Path], corpus: Any, gids: np.ndarray) -> dict[int, str]:
    """The string id of each of ``gids``: its ``doc_id``, else ``"shard:row:repeat"``."""
    names = {g: f"{corpus.shard[g]}:{corpus.row[g]}:{corpus.repeat[g]}" for g in gids.tolist()}
    wanted = np.zeros(corpus.size, dtype=bool)
    wanted[gids] = True
    for path, file_gids in zip(paths, corpus.gid_by_file, strict=True):
        reader = open_observation(path)
        if DOC_ID_COL not in reader.schema.names:
            continue
        lo = 0
        for i in range(reader.num_record_batches):
            col = reader.get_batch(i).column(DOC_ID_COL)
            g = file_gids[lo : lo + len(col)]
            for k in np.flatnonzero(wanted[g]).tolist():
                value = col[k].as_py()
                if value is not None:
                    names[int(g[k])] = value
            lo += len(col)
    return names
