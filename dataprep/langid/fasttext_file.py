"""Read a supervised fastText model file (``.bin`` or quantized ``.ftz``) into numpy.

Why: the batch predictor (:mod:`dataprep.langid.fasttext_batch`) needs the
dictionary, the input rows and the output layer as arrays, and the predict-only
``fasttext`` build exposes none of them. The format is fastText's own
(``FastText::saveModel``, file version 12, stable since fastText 0.2, 2018):

    int32 magic 793712314, int32 version
    Args: 12 x int32 (dim ws epoch minCount neg wordNgrams loss model bucket minn
          maxn lrUpdateRate), float64 t
    Dictionary: int32 size nwords nlabels, int64 ntokens pruneidx_size,
          size x (NUL-terminated word, int64 count, int8 type),
          pruneidx_size x (int32 bucket, int32 row)
    bool quant_input; input matrix (dense, or product-quantized)
    bool qout; output matrix (dense, or product-quantized)

Dense matrix: int64 rows, int64 cols, float32 data. Quantized matrix: bool qnorm,
int64 rows, int64 cols, int32 codesize, uint8 codes, a product quantizer (int32 dim,
nsubq, dsub, lastdsub, float32 centroids[dim x 256]) and, with qnorm, uint8 norm
codes + a 1-d product quantizer for the row norms. Quantized rows are decoded
once here (``lid.176.ftz``: 50,000 rows x 16 = 3.2 MB); dense rows of a ``.bin``
are memory-mapped, not copied.

:class:`UnsupportedModel` means "use fastText itself" (the caller falls back to the
per-document path); anything else malformed is a :class:`ValueError`.
"""

from __future__ import annotations

import mmap
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MAGIC = 793712314
VERSION = 12
KSUB = 256  # centroids per sub-quantizer (8-bit codes)
ENTRY_WORD, ENTRY_LABEL = 0, 1
LOSS_HS, LOSS_NS, LOSS_SOFTMAX, LOSS_OVA = 1, 2, 3, 4
MODEL_SUPERVISED = 3
_ARGS = (
    *("dim", "ws", "epoch", "min_count", "neg", "word_ngrams", "loss", "model", "bucket"),
    *("minn", "maxn", "lr_update_rate"),
)


class UnsupportedModel(ValueError):
    """A fastText file this reader leaves to fastText (not supervised, another file
    version, a quantized output layer)."""


@dataclass(frozen=True, eq=False)
class FastTextFile:
    """The arrays of a supervised fastText model, as fastText's predict uses them."""

    dim: int
    word_ngrams: int
    loss: int
    bucket: int
    minn: int
    maxn: int
    words: list[bytes]
    """Vocabulary words (raw bytes), index = word id (``</s>`` too when the model has it)."""
    labels: list[str]
    """Labels (``__label__en``), index = output row."""
    label_counts: np.ndarray
    pruneidx_size: int
    """-1: n-gram buckets map to rows directly; 0: no n-grams; >0: via prune keys."""
    prune_keys: np.ndarray
    """Sorted n-gram buckets kept by ``quantize -cutoff`` (int64)."""
    prune_rows: np.ndarray
    """Row offset (after the words) of each kept bucket, aligned with ``prune_keys``."""
    input_rows: np.ndarray
    """Input embedding rows (words, then n-gram buckets), float32 (rows x dim)."""
    output_rows: np.ndarray
    """Output layer (labels, or the hierarchical-softmax tree's inner nodes), float32."""


class _Reader:
    def __init__(self, raw: mmap.mmap | bytes, path: Path) -> None:
        self.raw, self.buf, self.pos, self.path = raw, memoryview(raw), 0, path

    def unpack(self, fmt: str) -> tuple[int | float, ...]:
        size = struct.calcsize(fmt)
        if self.pos + size > len(self.buf):
            raise ValueError(f"{self.path}: truncated fastText model file")
        out = struct.unpack_from(fmt, self.buf, self.pos)
        self.pos += size
        return out

    def array(self, dtype: type, count: int) -> np.ndarray:
        nbytes = np.dtype(dtype).itemsize * count
        if count < 0 or self.pos + nbytes > len(self.buf):
            raise ValueError(f"{self.path}: truncated fastText model file")
        out: np.ndarray = np.frombuffer(self.buf, dtype=dtype, count=count, offset=self.pos)
        self.pos += nbytes
        return out

    def cstring(self) -> bytes:
        end = self.raw.find(b"\0", self.pos)
        if end < 0:
            raise ValueError(f"{self.path}: unterminated dictionary entry")
        out = self.raw[self.pos : end]
        self.pos = end + 1
        return out


def _matrix(r: _Reader, quantized: bool) -> np.ndarray:
    if not quantized:
        rows, cols = r.unpack("<qq")
        return r.array(np.float32, int(rows) * int(cols)).reshape(int(rows), int(cols))
    (qnorm,) = r.unpack("<?")
    rows, cols, codesize = (int(v) for v in r.unpack("<qqi"))
    codes = r.array(np.uint8, codesize)
    dim, nsubq, dsub, lastdsub = (int(v) for v in r.unpack("<iiii"))
    centroids = r.array(np.float32, dim * KSUB)
    if dim != cols or codesize != rows * nsubq:
        raise ValueError(f"{r.path}: inconsistent product quantizer")
    codes = codes.reshape(rows, nsubq)
    out = np.empty((rows, cols), dtype=np.float32)
    for m in range(nsubq):  # fastText ProductQuantizer::get_centroids
        d = lastdsub if m == nsubq - 1 else dsub
        table = centroids[m * KSUB * dsub : m * KSUB * dsub + KSUB * d].reshape(KSUB, d)
        out[:, m * dsub : m * dsub + d] = table[codes[:, m]]
    if qnorm:
        norm_codes = r.array(np.uint8, rows)
        ndim = int(r.unpack("<iiii")[0])
        norms = r.array(np.float32, ndim * KSUB)
        out *= norms[norm_codes][:, None]
    return out


def _header(r: _Reader) -> dict[str, int]:
    magic, version = r.unpack("<ii")
    if magic != MAGIC:
        raise ValueError(f"{r.path}: not a fastText model (bad magic number)")
    if version != VERSION:
        raise UnsupportedModel(
            f"{r.path}: fastText file version {version} (reader knows {VERSION})"
        )
    args = dict(zip(_ARGS, (int(v) for v in r.unpack("<12i")), strict=True))
    r.unpack("<d")  # t (sub-sampling; training only)
    if args["model"] != MODEL_SUPERVISED:
        raise UnsupportedModel(f"{r.path}: not a supervised (classification) model")
    return args


def read_fasttext_args(path: str | Path) -> dict[str, int]:
    """The training arguments in the file's header (``dim``, ``minn``, ``maxn``,
    ``word_ngrams``, ``loss``, ``bucket``, ...), without reading the rest."""
    path = Path(path)
    with path.open("rb") as fh:
        head = fh.read(8 + 12 * 4 + 8)
    return _header(_Reader(head, path))


def read_fasttext_file(path: str | Path) -> FastTextFile:
    """Parse ``path``; :class:`UnsupportedModel` for models to leave to fastText."""
    path = Path(path)
    with path.open("rb") as fh:
        r = _Reader(mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ), path)
    args = _header(r)
    size, nwords, nlabels = (int(v) for v in r.unpack("<iii"))
    _ntokens, pruneidx_size = (int(v) for v in r.unpack("<qq"))
    words: list[bytes] = []
    labels: list[str] = []
    counts: list[int] = []
    for i in range(size):
        word = r.cstring()
        count, kind = r.unpack("<qb")
        if (kind == ENTRY_WORD) != (i < nwords):
            raise UnsupportedModel(f"{path}: dictionary not ordered words-then-labels")
        if kind == ENTRY_WORD:
            words.append(word)
        else:
            labels.append(word.decode("utf-8", errors="replace"))
            counts.append(int(count))
    if len(labels) != nlabels:
        raise ValueError(f"{path}: dictionary has {len(labels)} labels, header says {nlabels}")
    prune = r.array(np.int32, 2 * max(pruneidx_size, 0)).reshape(-1, 2).astype(np.int64)
    order = np.argsort(prune[:, 0], kind="stable")
    (quant_input,) = r.unpack("<?")
    input_rows = _matrix(r, bool(quant_input))
    (qout,) = r.unpack("<?")
    if quant_input and qout:  # needs >= 256 labels; no model of ours to test it with
        raise UnsupportedModel(f"{path}: quantized output layer (qout)")
    output_rows = _matrix(r, False)
    if input_rows.shape[1] != args["dim"] or output_rows.shape[1] != args["dim"]:
        raise ValueError(f"{path}: matrix width differs from dim={args['dim']}")
    return FastTextFile(
        dim=args["dim"],
        word_ngrams=args["word_ngrams"],
        loss=args["loss"],
        bucket=args["bucket"],
        minn=args["minn"],
        maxn=args["maxn"],
        words=words,
        labels=labels,
        label_counts=np.asarray(counts, dtype=np.int64),
        pruneidx_size=pruneidx_size,
        prune_keys=prune[order, 0],
        prune_rows=prune[order, 1],
        input_rows=input_rows,
        output_rows=output_rows,
    )
