"""fastText supervised prediction for a whole Arrow batch at once (the fast path).

Why: fastText's ``predict`` reads one line at a time and, for every token, hashes
its character n-grams and adds their embedding rows again. On web text the same
few thousand words make up most tokens, so this predictor tokenizes the batch with
Arrow, works out each *distinct* token's row sum once (vectorized FNV-1a n-gram
hashing in numpy), and gets each document's hidden vector by summing those per-token
sums (cached across batches). The result is fastText's prediction, 8x faster on whole
~4 KB pages and 3.4x at 1,000 characters (``benchmarks/bench_langid.py``, cold cache).

It follows fastText 0.9.2's definitions exactly (``Dictionary::readWord``,
``getLine``, ``addSubwords``, ``computeSubwords``, ``pushHash``, ``addWordNgrams``;
``Model::predict``; ``HierarchicalSoftmaxLoss::dfs``, ``SoftmaxLoss``,
``BinaryLogisticLoss``):

- tokens are split on the bytes `` \\n\\r\\t\\v\\f\\0``; the line ends with the
  end-of-sentence token ``</s>``; a literal ``</s>`` in the text ends it early;
- tokens starting with ``__label__`` are labels and contribute nothing;
- a token's rows: its word id if in the vocabulary, plus (unless it is ``</s>``)
  the buckets of its character n-grams of ``minn..maxn`` characters within
  ``<token>``, hashed with fastText's FNV-1a over *signed* bytes, mapped through
  the pruning table of quantized models;
- word n-grams (``wordNgrams > 1``) hash consecutive token hashes;
- hidden = mean of all rows; scores as the model's loss computes them, including
  fastText's ``log(p + 1e-5)`` (so softmax scores read ``p + 1e-5`` like fastText's).

Scores differ from fastText's by float rounding only (sums in another order,
< 1e-5 on the fixtures); ``tests/langid/test_fasttext_batch.py`` checks the labels
and scores against the ``fasttext`` module on fixtures and on generated text.
"""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from dataprep.langid.fasttext_file import (
    LOSS_HS,
    LOSS_NS,
    LOSS_OVA,
    LOSS_SOFTMAX,
    FastTextFile,
    UnsupportedModel,
    read_fasttext_args,
    read_fasttext_file,
)

EOS = "</s>"
LABEL_PREFIX = "__label__"
# fastText's ``readWord`` separators are space, \n, \r, \t, \v, \f and NUL: Arrow's
# ASCII whitespace split (6x faster than a regex split) after NUL -> space.
_FNV_OFFSET = np.uint32(2166136261)
_FNV_PRIME = np.uint32(16777619)
_WORD_NGRAM_MULT = np.uint64(116049371)
_SIGMOID_TABLE_SIZE, _MAX_SIGMOID = 512, 8
_CHUNK_TOKENS = 1 << 17
CACHE_BYTES = 32 << 20
"""Memory for cached per-token row sums (lid.176, dim 16: 524,288 distinct tokens)."""
_load_lock = threading.Lock()


@dataclass(frozen=True)
class BatchPredictions:
    """Top-k predictions of a batch: ``labels[i, j]`` is an index into the model's
    labels, ``scores[i, j]`` its probability as fastText reports it; rows of
    documents with no input rows at all (fastText predicts nothing) are -1 / 0."""

    labels: np.ndarray
    scores: np.ndarray


def fnv1a_signed(data: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """fastText's ``Dictionary::hash`` of ``data[starts[i]:ends[i]]`` for every i.

    FNV-1a 32-bit, except that each byte is sign-extended first (fastText hashed
    ``int8_t`` bytes when its released models were trained).
    """
    h = np.full(starts.size, _FNV_OFFSET, dtype=np.uint32)
    lengths = ends - starts
    signed = data.view(np.int8).astype(np.int32).view(np.uint32)
    for k in range(int(lengths.max(initial=0))):
        live = lengths > k
        idx = starts[live] + k
        h[live] = (h[live] ^ signed[idx]) * _FNV_PRIME
    return h


def binary_buffers(values: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(offsets int64 [n + 1] starting at 0, bytes uint8) of a string/binary array."""
    arr = values.cast(pa.large_binary())
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int64)[
        arr.offset : arr.offset + len(arr) + 1
    ]
    if offsets.size == 0:
        return np.zeros(1, np.int64), np.empty(0, np.uint8)
    raw = arr.buffers()[2]
    data = np.frombuffer(raw, dtype=np.uint8) if raw is not None else np.empty(0, np.uint8)
    return offsets - offsets[0], data[int(offsets[0]) : int(offsets[-1])]


def _as_uint64_signed(h: np.ndarray) -> np.ndarray:
    """uint32 hashes stored as int32 then widened to uint64, as fastText's word n-grams."""
    return h.astype(np.uint32).view(np.int32).astype(np.int64).view(np.uint64)


class FastTextBatchPredictor:
    """Predict the top-k labels of many texts with the arrays of a fastText model."""

    def __init__(self, model: FastTextFile) -> None:
        if model.loss not in (LOSS_HS, LOSS_NS, LOSS_SOFTMAX, LOSS_OVA):
            raise UnsupportedModel(f"fastText loss {model.loss} is not supported")
        self.model = model
        self.labels = model.labels
        self._vocab = pa.array(model.words, pa.binary())
        self._nwords = len(model.words)
        self._eos_id = model.words.index(EOS.encode()) if EOS.encode() in model.words else -1
        self._rows = model.input_rows
        self._prune_map: np.ndarray | None = None
        if model.loss == LOSS_HS:
            self._branches = _huffman_branches(model.label_counts)
            # [2 x inner nodes, label]: how often each branch is on the label's path,
            # so a label's log-probability is one matrix product (the gather
            # logs[:, branches].sum() is ~10x slower on many short texts)
            n_branch = 2 * (len(self.labels) - 1)
            self._branch_matrix = np.zeros((n_branch, len(self.labels)), dtype=np.float64)
            for lab, path in enumerate(self._branches):
                for b in path[path < n_branch]:
                    self._branch_matrix[b, lab] += 1.0
        capacity = max(1024, CACHE_BYTES // (4 * model.dim))
        self._cache: dict[str, int] = {}
        self._cache_used = 0
        self._cache_sums = np.zeros((capacity, model.dim), dtype=np.float32)
        self._cache_counts = np.zeros(capacity, dtype=np.int64)
        x = np.arange(_SIGMOID_TABLE_SIZE + 1, dtype=np.float64)
        x = (x * 2 * _MAX_SIGMOID / _SIGMOID_TABLE_SIZE - _MAX_SIGMOID).astype(np.float32)
        self._sigmoid_table = (1.0 / (1.0 + np.exp(-x.astype(np.float64)))).astype(np.float32)

    @property
    def worthwhile(self) -> bool:
        """Whether this path beats fastText's own per-line calls for this model.

        Its gain is doing each distinct word's character n-gram hashing once; a model
        without subwords (``maxn`` 0, as most quality classifiers: word uni/bigrams) is
        2-5x faster in fastText itself (``benchmarks/bench_classify.py``), so callers
        keep fastText for those.
        """
        return self.model.maxn > 0

    # -- rows of tokens ------------------------------------------------------------
    def _bucket_rows(self, buckets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(kept mask, input row) of n-gram buckets, as ``Dictionary::pushHash``."""
        m = self.model
        if m.pruneidx_size < 0:
            return np.ones(buckets.size, dtype=bool), self._nwords + buckets
        if m.pruneidx_size == 0 or m.prune_keys.size == 0:
            return np.zeros(buckets.size, dtype=bool), buckets
        if self._prune_map is None:  # bucket -> row (-1: pruned), 4 bytes per bucket
            self._prune_map = np.full(m.bucket, -1, dtype=np.int32)
            self._prune_map[m.prune_keys] = m.prune_rows
        rows = self._prune_map[buckets]
        return rows >= 0, self._nwords + rows.astype(np.int64)

    def _char_ngram_rows(self, tokens: pa.Array) -> tuple[np.ndarray, np.ndarray]:
        """(token index, input row) of every character n-gram of ``<token>``."""
        m = self.model
        wrapped = pc.binary_join_element_wise(b"<", tokens.cast(pa.binary()), b">", b"")
        offsets, data = binary_buffers(wrapped)
        # character starts (UTF-8 lead bytes); every token starts with '<' so token
        # boundaries are character starts too, and data's end closes the last one
        starts = np.flatnonzero((data & 0xC0) != 0x80)
        bounds = np.append(starts, data.size)
        char_bytes = np.diff(bounds)
        owner = np.searchsorted(offsets, starts, side="right") - 1
        first = np.searchsorted(starts, offsets[:-1])
        char_index = np.arange(starts.size) - first[owner]
        # characters left in the token from each character on (its own included)
        left = np.diff(np.append(first, starts.size))[owner] - char_index
        signed = data.view(np.int8).astype(np.int32).view(np.uint32)
        tok_parts, row_parts = [], []
        # the n-grams still growing: their first character and their hash so far
        pos = np.arange(starts.size)
        h = np.full(starts.size, _FNV_OFFSET, dtype=np.uint32)
        for n in range(1, m.maxn + 1):
            if n > 1:  # n-grams that reach past their token's end stop growing
                grow = left[pos] >= n
                pos, h = pos[grow], h[grow]
            # extend each n-gram by its n-th character (hash continues byte by byte)
            c = pos + n - 1
            lo, nb = bounds[c], char_bytes[c]
            h = (h ^ signed[lo]) * _FNV_PRIME
            for k in range(1, int(nb.max(initial=0))):
                more = np.flatnonzero(nb > k)
                h[more] = (h[more] ^ signed[lo[more] + k]) * _FNV_PRIME
            if n < m.minn:
                continue
            done_h, done_pos = h, pos
            if n == 1:  # '<' and '>' alone are not n-grams
                ok = (char_index[pos] != 0) & (left[pos] != 1)
                done_h, done_pos = h[ok], pos[ok]
            buckets = (done_h % np.uint32(m.bucket)).astype(np.int64)
            kept, rows = self._bucket_rows(buckets)
            tok_parts.append(owner[done_pos][kept])
            row_parts.append(rows[kept])
        if not tok_parts:
            return np.empty(0, np.int64), np.empty(0, np.int64)
        return np.concatenate(tok_parts), np.concatenate(row_parts)

    def _token_sums(self, tokens: pa.Array) -> tuple[np.ndarray, np.ndarray]:
        """(row sum float32 [U x dim], row count [U]) of each distinct token.

        Labels get nothing; ``</s>`` only its word row (fastText's ``addSubwords``).
        """
        m = self.model
        n = len(tokens)
        is_label = pc.starts_with(tokens, LABEL_PREFIX).to_numpy(zero_copy_only=False)
        is_eos = pc.equal(tokens, EOS).to_numpy(zero_copy_only=False)
        wid = pc.index_in(tokens.cast(pa.binary()), value_set=self._vocab)
        wid_np = wid.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
        wid_np[is_label] = -1
        tok_idx = [np.flatnonzero(wid_np >= 0)]
        row_idx = [wid_np[tok_idx[0]]]
        if m.maxn > 0:
            sub = np.flatnonzero(~is_label & ~is_eos)
            t, r = self._char_ngram_rows(tokens.take(pa.array(sub)))
            tok_idx.append(sub[t])
            row_idx.append(r)
        toks, rows = np.concatenate(tok_idx), np.concatenate(row_idx)
        order = np.argsort(toks, kind="stable")
        toks, rows = toks[order], rows[order]
        counts = np.bincount(toks, minlength=n)
        sums = np.zeros((n, m.dim), dtype=np.float32)
        nz = np.flatnonzero(counts)
        if nz.size:
            seg = np.concatenate(([0], np.cumsum(counts[nz])[:-1]))
            sums[nz] = np.add.reduceat(self._rows[rows], seg, axis=0)
        return sums, counts

    def _cached_token_sums(self, tokens: pa.Array) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`_token_sums` through a per-process cache of distinct tokens.

        A token's rows depend on the token alone, so a cached sum is bit-identical
        to a fresh one; web text reuses most of its words from batch to batch. The
        cache holds at most ``CACHE_BYTES`` of sums and starts over when full.
        """
        keys = tokens.to_pylist()
        rows = np.fromiter((self._cache.get(k, -1) for k in keys), np.int64, len(keys))
        hit = rows >= 0
        sums = np.empty((len(keys), self.model.dim), dtype=np.float32)
        counts = np.empty(len(keys), dtype=np.int64)
        sums[hit], counts[hit] = self._cache_sums[rows[hit]], self._cache_counts[rows[hit]]
        miss = np.flatnonzero(~hit)
        if miss.size:
            new_sums, new_counts = self._token_sums(tokens.take(pa.array(miss)))
            sums[miss], counts[miss] = new_sums, new_counts
            self._remember([keys[i] for i in miss.tolist()], new_sums, new_counts)
        return sums, counts

    def clear_cache(self) -> None:
        """Forget the cached token sums (benchmarks start every round cold with it)."""
        self._cache.clear()
        self._cache_used = 0

    def _remember(self, keys: list[str], sums: np.ndarray, counts: np.ndarray) -> None:
        capacity = self._cache_sums.shape[0]
        if len(keys) > capacity:
            return
        if self._cache_used + len(keys) > capacity:  # full: start over
            self.clear_cache()
        new = np.arange(self._cache_used, self._cache_used + len(keys))
        self._cache_sums[new], self._cache_counts[new] = sums, counts
        self._cache.update(zip(keys, new.tolist(), strict=True))
        self._cache_used += len(keys)

    # -- documents -----------------------------------------------------------------
    def hidden(
        self, texts: pa.Array, max_chars: int | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(hidden vectors float32 [N x dim], number of input rows [N]) of each text.

        Null texts count as empty lines (only ``</s>``).
        """
        m = self.model
        if isinstance(texts, pa.ChunkedArray):
            texts = texts.combine_chunks()
        n_docs = len(texts)
        texts = texts.fill_null("")
        if max_chars is not None:
            texts = pc.utf8_slice_codeunits(texts, 0, max_chars)
        split = pc.ascii_split_whitespace(pc.replace_substring(texts, "\x00", " "))
        flat = pc.list_flatten(split)
        doc = pc.list_parent_indices(split).to_numpy().astype(np.int64)
        nonempty = pc.greater(pc.binary_length(flat), 0)
        flat, doc = flat.filter(nonempty), doc[nonempty.to_numpy(zero_copy_only=False)]
        if len(flat):
            enc = flat.dictionary_encode()
            tok = enc.indices.to_numpy().astype(np.int64)
            uniq = enc.dictionary
        else:
            tok, uniq = np.empty(0, np.int64), pa.array([], pa.string())
        # a literal </s> ends the line (it counts); later tokens are never read
        eos_u = pc.equal(uniq, EOS).to_numpy(zero_copy_only=False)
        label_u = pc.starts_with(uniq, LABEL_PREFIX).to_numpy(zero_copy_only=False)
        if eos_u.any():
            hit = eos_u[tok]
            first = np.full(n_docs, np.iinfo(np.int64).max)
            np.minimum.at(first, doc[hit], np.flatnonzero(hit))
            keep = np.arange(tok.size) <= first[doc]
            tok, doc = tok[keep], doc[keep]
            ended = first < np.iinfo(np.int64).max
        else:
            ended = np.zeros(n_docs, dtype=bool)
        sums_u, counts_u = self._cached_token_sums(uniq)
        counts = np.bincount(doc, weights=counts_u[tok], minlength=n_docs).astype(np.int64)
        # float32 like fastText (it sums rows in float32 one by one)
        sums = np.zeros((n_docs, m.dim), dtype=np.float32)
        _add_segment_sums(sums, sums_u, tok, doc)
        if self._eos_id >= 0:  # the line's own end-of-sentence token
            sums[~ended] += self._rows[self._eos_id]
            counts[~ended] += 1
        if m.word_ngrams > 1:
            self._add_word_ngrams(sums, counts, uniq, tok, doc, ended, label_u, n_docs)
        with np.errstate(invalid="ignore", divide="ignore"):
            hidden = sums * (1.0 / counts[:, None]).astype(np.float32)
        hidden[counts == 0] = 0
        return hidden, counts

    def _add_word_ngrams(
        self,
        sums: np.ndarray,
        counts: np.ndarray,
        uniq: pa.Array,
        tok: np.ndarray,
        doc: np.ndarray,
        ended: np.ndarray,
        label_u: np.ndarray,
        n_docs: int,
    ) -> None:
        """``Dictionary::addWordNgrams``: hashes of 2..wordNgrams consecutive words."""
        m = self.model
        offsets, data = binary_buffers(uniq)
        h_u = _as_uint64_signed(fnv1a_signed(data, offsets[:-1], offsets[1:]))
        words = ~label_u[tok]
        seq_h, seq_doc = h_u[tok[words]], doc[words]
        eos = np.frombuffer(EOS.encode(), np.uint8)
        eos_h = _as_uint64_signed(fnv1a_signed(eos, np.array([0]), np.array([eos.size])))[0]
        # each line not ended by a literal </s> ends with its own </s>
        open_docs = np.flatnonzero(~ended)
        pos = np.searchsorted(seq_doc, open_docs, side="right")
        seq_h = np.insert(seq_h, pos, eos_h)
        seq_doc = np.insert(seq_doc, pos, open_docs)
        h = seq_h
        for step in range(1, min(m.word_ngrams, seq_h.size)):
            h = h[:-1] * _WORD_NGRAM_MULT + seq_h[step:]
            owner = seq_doc[: h.size]
            kept, rows = self._bucket_rows((h % np.uint64(m.bucket)).astype(np.int64))
            kept &= seq_doc[step:] == owner  # the window lies in one document
            np.add.at(sums, owner[kept], self._rows[rows[kept]])
            counts += np.bincount(owner[kept], minlength=n_docs)

    # -- output layer ----------------------------------------------------------------
    def probabilities(self, hidden: np.ndarray) -> np.ndarray:
        """Score of every label [N x labels], as fastText reports it (exp of its log)."""
        m = self.model
        wo = m.output_rows.astype(np.float32)
        if m.loss == LOSS_SOFTMAX:
            out = hidden @ wo.T
            out = np.exp(out - out.max(axis=1, keepdims=True))
            out /= out.sum(axis=1, keepdims=True)
            return out + np.float32(1e-5)
        if m.loss in (LOSS_NS, LOSS_OVA):
            return self._sigmoid(hidden @ wo.T) + np.float32(1e-5)
        f = 1.0 / (1.0 + np.exp(-(hidden @ wo[: len(self.labels) - 1].T).astype(np.float64)))
        f = f.astype(np.float32).astype(np.float64)
        # log-probability of each branch [N, 2 x node + code], summed along each path
        logs = np.stack([np.log(1.0 - f + 1e-5), np.log(f + 1e-5)], axis=2)
        score = logs.reshape(len(f), -1) @ self._branch_matrix  # [N, label]
        return np.exp(score.astype(np.float32))

    def _sigmoid(self, x: np.ndarray) -> np.ndarray:
        i = ((x + _MAX_SIGMOID) * _SIGMOID_TABLE_SIZE / _MAX_SIGMOID / 2).astype(np.int64)
        out = self._sigmoid_table[np.clip(i, 0, _SIGMOID_TABLE_SIZE)]
        out = np.where(x < -_MAX_SIGMOID, 0.0, out)
        return np.where(x > _MAX_SIGMOID, 1.0, out).astype(np.float32)

    def predict(
        self, texts: pa.Array, k: int = 1, max_chars: int | None = None
    ) -> BatchPredictions:
        """Top-``k`` labels and scores of each text, best first."""
        hidden, counts = self.hidden(texts, max_chars)
        probs = self.probabilities(hidden)
        k = min(k, probs.shape[1])
        # k == 1: the first best label, as the stable sort would give
        top = probs.argmax(axis=1)[:, None] if k == 1 else top_k_stable(probs, k)
        scores = np.take_along_axis(probs, top, axis=1).astype(np.float64)
        empty = counts == 0
        top[empty], scores[empty] = -1, 0.0
        return BatchPredictions(top, scores)


def top_k_stable(probs: np.ndarray, k: int) -> np.ndarray:
    """``np.argsort(-probs, axis=1, kind="stable")[:, :k]`` without sorting every row.

    Only the values at least each row's k-th largest can be among its top k (all of
    them, ties included), so only those few are sorted, by (value descending, index
    ascending) as the stable sort orders them.
    """
    n, width = probs.shape
    if n == 0 or k >= width:
        return np.argsort(-probs, axis=1, kind="stable")[:, :k]
    kth = np.partition(probs, width - k, axis=1)[:, width - k]
    rows, cols = np.nonzero(probs >= kth[:, None])  # k or more per row, row-major
    order = np.lexsort((cols, -probs[rows, cols], rows))
    rows, cols = rows[order], cols[order]
    first = np.searchsorted(rows, np.arange(n))
    rank = np.arange(rows.size) - first[rows]
    keep = rank < k
    out = np.empty((n, k), dtype=np.int64)
    out[rows[keep], rank[keep]] = cols[keep]
    return out


def _add_segment_sums(
    sums: np.ndarray, values: np.ndarray, tok: np.ndarray, doc: np.ndarray
) -> None:
    """``sums[d] += values[tok[i]]`` over the (doc-sorted) tokens of each document,
    gathering at most ``_CHUNK_TOKENS`` rows at a time so memory stays small."""
    n_docs = sums.shape[0]
    starts = np.searchsorted(doc, np.arange(n_docs))
    d0 = 0
    while d0 < n_docs and tok.size:
        d1 = max(int(np.searchsorted(starts, starts[d0] + _CHUNK_TOKENS)), d0 + 1)
        t0, t1 = int(starts[d0]), int(starts[d1]) if d1 < n_docs else tok.size
        local = starts[d0:d1] - t0
        has = np.flatnonzero(np.diff(np.append(local, t1 - t0)) > 0)
        if has.size:
            sums[d0 + has] += np.add.reduceat(values[tok[t0:t1]], local[has], axis=0)
        d0 = d1


def _huffman_branches(counts: np.ndarray) -> np.ndarray:
    """[label, depth] index ``2 x inner node + branch bit`` of each label's path to the
    root (padded with ``2 x (labels - 1)``, a zero column), as fastText's
    ``HierarchicalSoftmaxLoss::buildTree`` makes the tree from the label counts."""
    osz = counts.size
    size = 2 * osz - 1
    count = np.full(size, 1e15)
    count[:osz] = counts
    parent = np.full(size, -1, dtype=np.int64)
    binary = np.zeros(size, dtype=np.int64)
    leaf, node = osz - 1, osz
    for i in range(osz, size):
        mini = [0, 0]
        for j in range(2):
            if leaf >= 0 and count[leaf] < count[node]:
                mini[j], leaf = leaf, leaf - 1
            else:
                mini[j], node = node, node + 1
        count[i] = count[mini[0]] + count[mini[1]]
        parent[mini[0]] = parent[mini[1]] = i
        binary[mini[1]] = 1
    paths: list[list[int]] = []
    for i in range(osz):
        path, j = [], i
        while parent[j] != -1:
            path.append(2 * (parent[j] - osz) + binary[j])
            j = parent[j]
        paths.append(path)
    depth = max((len(p) for p in paths), default=0)
    pad = 2 * (osz - 1)
    return np.array([p + [pad] * (depth - len(p)) for p in paths], dtype=np.int64).reshape(
        osz, depth
    )


@functools.lru_cache(maxsize=4)
def _cached_predictor(path: str) -> FastTextBatchPredictor | None:
    try:
        if read_fasttext_args(path)["maxn"] <= 0:
            return None  # no subwords: fastText is faster (see ``worthwhile``); not parsed
        return FastTextBatchPredictor(read_fasttext_file(path))
    except ValueError:  # unsupported or unreadable here: fastText itself decides
        return None


def load_batch_predictor(path: str | Path) -> FastTextBatchPredictor | None:
    """The batch predictor of the model at ``path`` (cached per process), or ``None``
    when this reader does not handle the file or the batch path would not pay off for
    it (:attr:`FastTextBatchPredictor.worthwhile`): the caller uses fastText per line."""
    with _load_lock:
        return _cached_predictor(str(Path(path).resolve()))
