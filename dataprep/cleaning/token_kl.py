"""``token_kl_v1``: drop documents whose token distribution is far from the corpus's.

Llama 3 (Dubey et al. 2024, section 3.1.1) uses "token-distribution Kullback-Leibler
divergence to filter out documents containing excessive numbers of outlier tokens
compared to the training corpus distribution"; no formula or threshold is published.
Here ``KL(doc || corpus)`` is computed over tokens hashed into ``num_buckets`` buckets
with additive smoothing, as defined in :mod:`.kl` (nats; 0 for a document with exactly
the corpus distribution).

KL falls with document length (a short document is a noisy sample: on the sample
corpus KL correlates about -0.85 with length), so a fixed quota of the highest KLs
(the old default, 1% per language) removed short normal pages and caught few outliers
in a small language. The decision is a threshold on a length-normalised score:

1. ``loo_kl`` - KL of the document against its group's distribution *without the
   document* (:meth:`.kl.CorpusDistribution.loo_kl`): tokens no other page uses (base64,
   hex dumps, random strings) weigh fully even in a small corpus;
2. documents of a group (language) are put in length bins (edges at quantiles of the
   token count, about ``bin_docs`` documents each; equal lengths share a bin), and
   ``score = (loo_kl - median) / (1.4826 * MAD)`` within the bin: a robust z-score
   against documents of the same language and similar length;
3. a document is dropped when ``score > max_score`` (4: on clean text ~1% of
   documents, see the README), when its KL exceeds ``max_kl``, or when it is among the
   ``drop_top_fraction`` highest KLs of its group (the old quota, off by default).

Groups with fewer than ``min_group_docs`` documents are scored together, as one
reference of "small languages" (each document still against its own language's
distribution); if even those are fewer than ``min_group_docs``, they get no score
(kept; ``groups_too_small`` in the summary). Documents without tokens get a null KL and
score and are kept.

Tokens: by default the words of :func:`filters._text.split_tokens` (punctuation runs
left out, case-folded; one token per character cluster of unsegmented scripts), a word
longer than ``max_token_chars`` (24) cut into pieces of 4 characters (about the tokens
a subword tokenizer makes of a base64 blob or a hash), hashed with ``xxh3_64`` modulo
``num_buckets``. With ``tokenizer_file`` (a Hugging Face
``tokenizer.json``; needs the optional ``tokenizers`` package, never downloads), token
ids modulo ``num_buckets`` are the buckets.

With ``per_language`` (default) and a ``lang`` column (``fasttext_langid_v1`` earlier
in the recipe), each language has its own corpus distribution and its own top
fraction, so the pages of a small language are not all outliers of the big one.

Observation columns: ``kl_buckets`` (list<uint32>, distinct buckets of the document),
``kl_counts`` (list<uint32>, their counts), ``kl_lang`` (string or null). 8 bytes per
distinct token per document on disk.

Fit (what a run uses): partitioned, as executor tasks (:mod:`.token_kl_fit`): the
workers shuffle token counts by bucket, a task per partition sums them and computes
``log Q``, a task per unit its documents' KLs, length bins are scored per partition
and decisions written per unit. Driver memory: a few numbers per language and per
distinct document length, nothing per document. A ``count``/``logq`` task holds its
partition's (language, bucket) counts (24 bytes each); a ``docs`` task its unit plus
the ``logq`` files it looks up (memory-mapped); a ``bins`` task its partition's
judged documents (32 bytes each). The single-process :meth:`TokenKL.fit` (the
reference the tests compare with) holds 16 bytes per used (language, bucket) pair
(key + log-probability + count; at most 24 MiB per language at 2^20 buckets,
transiently ~2x while compacting counts), plus 40 bytes per document (KL, leave-one-out
KL, tokens, language and score, kept for the quota and the length bins); observations
are read one batch at a time.

Decision columns: ``{name}__kl`` (float64), ``{name}__score`` (float64, null when not
judged) and ``{name}__tokens`` (int64). Reason ``token_kl``.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import xxhash

from dataprep.dedup.corpus import iter_batches
from dataprep.errors import ConfigError
from dataprep.output.columns import INTERNAL_COLUMNS, REASON_COL, signal_column
from dataprep.recipe.registry import register
from dataprep.stages.base import GlobalStage, StageConfig, StageContext, reasons_where

from ._common import positive_or_none
from .kl import CorpusDistribution, SparseCounts
from .token_kl_fit import TokenKLFit

REASON = "token_kl"
BUCKETS_COL = "kl_buckets"
COUNTS_COL = "kl_counts"
GROUP_COL = "kl_lang"
_CACHE_LIMIT = 200_000  # token -> bucket entries cached per worker (~150 bytes each)
_PIECE_CHARS = 4  # about one subword token of a BPE vocabulary


@dataclass(frozen=True, kw_only=True)
class TokenKLConfig(StageConfig):
    """Options of ``token_kl_v1``."""

    max_score: float | None = 4.0
    """Drop documents whose length-normalised score (robust z of the leave-one-out KL
    among same-language documents of similar length) exceeds this; None disables."""
    bin_docs: int = 50
    """Documents per length bin of the score (a group smaller than 2 bins is one bin)."""
    min_group_docs: int = 10
    """Groups (languages) with fewer documents are scored together as one reference."""
    max_kl: float | None = None
    """Drop documents with KL (nats) above this; None disables."""
    drop_top_fraction: float | None = None
    """Drop this fraction of documents with the highest KL (a quota); None disables."""
    num_buckets: int = 1 << 20
    """Hash buckets of the token distribution (16 bytes per used bucket in the driver)."""
    alpha: float = 1e-3
    """Additive smoothing pseudo-count per bucket (0 = none). Laplace's 1 would give the
    uniform distribution a weight of B/(N+B): ~50% for a corpus of 1M tokens."""
    casefold: bool = True
    """Case-fold words before hashing."""
    per_language: bool = True
    """Compare each document with the distribution of its own language (``lang`` column,
    when the batch has one; else one corpus distribution) and take the top fraction per
    language: otherwise every page of a small language is an "outlier" of the big one."""
    max_token_chars: int | None = 24
    """Words longer than this are counted as pieces of 4 characters, about as many tokens
    as a subword tokenizer makes of them: a 1,300-character base64 blob is ~300 tokens, not
    the ~40 words its punctuation splits it into. None: every word is one token."""
    tokenizer_file: str | None = None
    """A Hugging Face tokenizer.json to count subword tokens instead of words."""

    def __post_init__(self) -> None:
        positive_or_none("max_kl", self.max_kl, allow_zero=True)
        if self.max_score is not None and math.isnan(self.max_score):
            raise ConfigError("max_score must be a number or null")
        if self.bin_docs < 2 or self.min_group_docs < 2:
            raise ConfigError(
                f"bin_docs and min_group_docs must be >= 2, got {self.bin_docs}, "
                f"{self.min_group_docs}"
            )
        f = self.drop_top_fraction
        if f is not None and not 0.0 <= f < 1.0:
            raise ConfigError(f"drop_top_fraction must be in [0, 1) or null, got {f}")
        if not 1 <= self.num_buckets <= 1 << 32:
            raise ConfigError(f"num_buckets must be in [1, 2**32], got {self.num_buckets}")
        if self.alpha < 0 or math.isnan(self.alpha):
            raise ConfigError(f"alpha must be >= 0, got {self.alpha}")


@register("token_kl_v1")
class TokenKL(TokenKLFit, GlobalStage[TokenKLConfig]):
    """Score documents by KL(document || corpus) over hashed tokens; drop the outliers."""

    _BUCKETS, _COUNTS, _GROUP = BUCKETS_COL, COUNTS_COL, GROUP_COL

    def __init__(self, config: TokenKLConfig, ctx: StageContext) -> None:
        super().__init__(config, ctx)
        self._cache: dict[str, int] = {}
        self._tokenizer: Any = None

    def setup(self) -> None:
        if self.config.tokenizer_file is None or self._tokenizer is not None:
            return
        try:
            from tokenizers import Tokenizer
        except ModuleNotFoundError:
            raise ConfigError(
                "tokenizer_file needs the optional 'tokenizers' package: pip install tokenizers"
            ) from None
        try:
            self._tokenizer = Tokenizer.from_file(self.config.tokenizer_file)
        except Exception as e:  # the library raises a bare Exception on bad files
            raise ConfigError(f"cannot load tokenizer {self.config.tokenizer_file}: {e}") from e

    def _word_buckets(self, text: str) -> list[int]:
        from filters._text import PUNCT_SET, split_tokens

        if self.config.casefold:
            text = text.casefold()
        tokens, punct = split_tokens(text)
        cache, b = self._cache, self.config.num_buckets
        longest = self.config.max_token_chars
        out = []
        for word in tokens:
            if punct and word[0] in PUNCT_SET:
                continue
            if longest is not None and len(word) > longest:
                pieces = [word[i : i + _PIECE_CHARS] for i in range(0, len(word), _PIECE_CHARS)]
            else:
                pieces = [word]
            for tok in pieces:
                v = cache.get(tok)
                if v is None:
                    if len(cache) >= _CACHE_LIMIT:
                        cache.clear()
                    v = cache[tok] = (
                        xxhash.xxh3_64_intdigest(tok.encode("utf-8", "surrogatepass")) % b
                    )
                out.append(v)
        return out

    def _buckets(self, texts: list[str | None]) -> list[Sequence[int]]:
        if self.config.tokenizer_file is not None:
            self.setup()
            encs = self._tokenizer.encode_batch([t or "" for t in texts], add_special_tokens=False)
            b = self.config.num_buckets
            return [[i % b for i in e.ids] for e in encs]
        return [self._word_buckets(t or "") for t in texts]

    def observe(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        n, big_b = batch.num_rows, self.config.num_buckets
        per_doc = self._buckets(batch.column(self.ctx.text_column).to_pylist())
        lengths = np.fromiter(map(len, per_doc), dtype=np.int64, count=n)
        flat = np.fromiter(chain.from_iterable(per_doc), dtype=np.uint64, count=int(lengths.sum()))
        doc = np.repeat(np.arange(n, dtype=np.uint64), lengths)
        keys, counts = np.unique(doc * np.uint64(big_b) + flat, return_counts=True)
        per = np.bincount((keys // np.uint64(big_b)).astype(np.int64), minlength=n)
        offsets = pa.array(np.concatenate(([0], np.cumsum(per))).astype(np.int32))
        flat_u = (keys % np.uint64(big_b)).astype(np.uint32)
        flat_c = counts.astype(np.uint32)
        if self.config.per_language and self.ctx.lang_column in batch.schema.names:
            group = batch.column(self.ctx.lang_column).cast(pa.string())
        else:
            group = pa.nulls(batch.num_rows, pa.string())
        return pa.record_batch(
            {
                BUCKETS_COL: pa.ListArray.from_arrays(offsets, pa.array(flat_u, pa.uint32())),
                COUNTS_COL: pa.ListArray.from_arrays(offsets, pa.array(flat_c, pa.uint32())),
                GROUP_COL: group,
            }
        )

    def _groups(self, b: pa.RecordBatch, codes: dict[str | None, int]) -> np.ndarray:
        """Group code of each document (its language, or one group for all)."""
        if not self.config.per_language:
            return np.zeros(b.num_rows, dtype=np.int64)
        langs = b.column(GROUP_COL).to_pylist()
        return np.fromiter(
            (codes.setdefault(lang, len(codes)) for lang in langs), np.int64, len(langs)
        )

    def _flat(
        self, b: pa.RecordBatch, groups: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(doc index, group*B+bucket key, count) of every (document, bucket)."""
        buckets, counts = b.column(BUCKETS_COL), b.column(COUNTS_COL)
        doc = pc.list_parent_indices(buckets).to_numpy().astype(np.int64)
        keys = groups[doc] * self.config.num_buckets + buckets.flatten().to_numpy()
        return doc, keys, counts.flatten().to_numpy().astype(np.float64)

    def fit(self, observations: Sequence[Path], workdir: Path) -> Iterator[pa.RecordBatch]:
        cfg = self.config
        paths = [Path(p) for p in observations]
        cols = [BUCKETS_COL, COUNTS_COL, GROUP_COL]
        codes: dict[str | None, int] = {}
        sparse = SparseCounts()
        for path in paths:
            for b in iter_batches(path, cols):
                _, keys, cnt = self._flat(b, self._groups(b, codes))
                sparse.add(keys, cnt)
        dist = CorpusDistribution(sparse, cfg.num_buckets, max(len(codes), 1), cfg.alpha)
        del sparse
        kls: list[np.ndarray] = []
        loos: list[np.ndarray] = []
        ntoks: list[np.ndarray] = []
        groups: list[np.ndarray] = []
        for path in paths:
            for b in iter_batches(path, cols):
                g = self._groups(b, codes)
                doc, keys, cnt = self._flat(b, g)
                kls.append(dist.kl(doc, keys, cnt, g))
                loos.append(dist.loo_kl(doc, keys, cnt, g))
                ntoks.append(np.bincount(doc, weights=cnt, minlength=b.num_rows))
                groups.append(g)
        names = {code: name for name, code in codes.items()} or {0: None}

        def cat(parts: list[np.ndarray], dtype: Any = np.float64) -> np.ndarray:
            return np.concatenate(parts) if parts else np.empty(0, dtype)

        group_all = cat(groups, np.int64)
        cuts = self._cutoffs(cat(kls), group_all, names)
        scores = self._scores(cat(loos), cat(ntoks), group_all, names)
        del kls, loos, ntoks, groups
        yield from self._decisions(paths, dist, cuts, codes, scores)
        self._summary.update(
            corpus_tokens=int(dist.total.sum()),
            buckets_used=len(dist.keys),
            num_buckets=cfg.num_buckets,
            alpha=cfg.alpha,
            smoothing_weight={str(names[i]): float(v) for i, v in enumerate(dist.lam)},
            max_kl=cfg.max_kl,
            drop_top_fraction=cfg.drop_top_fraction,
            max_score=cfg.max_score,
        )

    def _scores(
        self, loo: np.ndarray, n_tok: np.ndarray, group: np.ndarray, names: dict[int, str | None]
    ) -> np.ndarray:
        """Robust z of the leave-one-out KL within (group, length bin); NaN = not judged."""
        cfg = self.config
        out = np.full(len(loo), np.nan)
        too_small: list[str] = []
        members: list[np.ndarray] = []
        small: list[np.ndarray] = []
        for code in range(len(names)):
            idx = np.flatnonzero((group == code) & ~np.isnan(loo))
            if len(idx) >= cfg.min_group_docs:
                members.append(idx)
            elif len(idx):
                small.append(idx)
                too_small.append(str(names[code]))
        pooled = np.sort(np.concatenate(small)) if small else np.empty(0, np.int64)
        if len(pooled) >= cfg.min_group_docs:  # small languages, judged together
            members.append(pooled)
            too_small = []
        for idx in members:
            n_bins = max(1, len(idx) // cfg.bin_docs)
            lengths = n_tok[idx]
            edges = np.quantile(lengths, np.arange(1, n_bins) / n_bins) if n_bins > 1 else []
            bins = np.searchsorted(np.unique(edges), lengths, side="right")
            for b in np.unique(bins):
                sel = idx[bins == b]
                values = loo[sel]
                med = float(np.median(values))
                spread = 1.4826 * float(np.median(np.abs(values - med)))
                out[sel] = (values - med) / max(spread, 1e-3 * max(abs(med), 1.0))
        self._summary["groups_too_small"] = sorted(too_small)
        valid = out[~np.isnan(out)]
        if len(valid):
            self._summary["score_p99"] = float(np.quantile(valid, 0.99))
        return out

    def _cutoffs(
        self, kl: np.ndarray, group: np.ndarray, names: dict[int, str | None]
    ) -> np.ndarray:
        """Per group, the KL above which documents go (inf = none)."""
        cfg = self.config
        ok = ~np.isnan(kl)
        valid = np.sort(kl[ok])
        self._summary = {"documents": len(kl), "documents_without_tokens": int((~ok).sum())}
        if len(valid):
            q = np.quantile(valid, [0.5, 0.9, 0.99])
            self._summary.update(
                kl_median=float(q[0]),
                kl_p90=float(q[1]),
                kl_p99=float(q[2]),
                kl_max=float(valid[-1]),
            )
        base = math.inf if cfg.max_kl is None else cfg.max_kl
        cuts = np.full(len(names), base, dtype=np.float64)
        if cfg.drop_top_fraction is not None:
            for code in range(len(names)):
                values = np.sort(kl[ok & (group == code)])
                k = math.floor(cfg.drop_top_fraction * len(values))
                if k > 0:  # documents tied with the k-th highest go too
                    cuts[code] = min(base, float(np.nextafter(values[-k], -np.inf)))
        self._summary["thresholds"] = {
            str(names[i]): (None if math.isinf(c) else float(c)) for i, c in enumerate(cuts)
        }
        return cuts

    def _decisions(
        self,
        paths: Sequence[Path],
        dist: CorpusDistribution,
        cuts: np.ndarray,
        codes: dict[str | None, int],
        scores: np.ndarray,
    ) -> Iterator[pa.RecordBatch]:
        removed = by_score = 0
        offset = 0
        limit = math.inf if self.config.max_score is None else self.config.max_score
        cols = [BUCKETS_COL, COUNTS_COL, GROUP_COL, *INTERNAL_COLUMNS]
        for path in paths:
            for b in iter_batches(path, cols):
                g = self._groups(b, codes)
                doc, keys, cnt = self._flat(b, g)
                kl = dist.kl(doc, keys, cnt, g)
                score = scores[offset : offset + b.num_rows]
                offset += b.num_rows
                n_tok = np.bincount(doc, weights=cnt, minlength=b.num_rows).astype(np.int64)
                high = ~np.isnan(score) & (np.nan_to_num(score) > limit)
                gone = (~np.isnan(kl) & (np.nan_to_num(kl) > cuts[g])) | high
                removed += int(gone.sum())
                by_score += int(high.sum())
                yield pa.record_batch(
                    {
                        **{c: b.column(c) for c in INTERNAL_COLUMNS},
                        REASON_COL: reasons_where(gone, REASON),
                        signal_column(self.name, "kl"): pa.array(kl, from_pandas=True),
                        signal_column(self.name, "score"): pa.array(score, from_pandas=True),
                        signal_column(self.name, "tokens"): pa.array(n_tok, pa.int64()),
                    }
                )
        self._summary["documents_removed"] = removed
        self._summary["documents_above_max_score"] = by_score

    def thresholds(self) -> dict[str, Any]:
        return {
            signal_column(self.name, "kl"): self.config.max_kl,
            signal_column(self.name, "score"): self.config.max_score,
        }
