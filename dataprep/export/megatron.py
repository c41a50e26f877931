"""The Megatron-LM indexed dataset (``MMapIndexedDataset``): ``PREFIX.bin`` + ``PREFIX.idx``.

Written from the format as Megatron-LM documents it (``megatron/core/datasets/
indexed_dataset.py``, ``_IndexWriter``), one document per sequence:

``PREFIX.bin``: every sequence's token ids back to back, little-endian, in ``dtype``.

``PREFIX.idx``, little-endian throughout:

====================  =========================================================
``MMIDIDX\\x00\\x00``  9-byte magic
``<Q`` version        1
``<B`` dtype code     1 uint8, 2 int8, 3 int16, 4 int32, 5 int64, 6 float64,
                      7 float32, 8 uint16
``<Q`` sequences      N
``<Q`` doc entries    N + 1 (one document per sequence)
``int32[N]``          tokens per sequence
``int64[N]``          byte offset of each sequence in ``.bin``
``int64[N+1]``        document index: 0, 1, …, N (sequence ranges per document)
====================  =========================================================

The reader in ``tests/export/megatron_reader.py`` is written separately from the same
documentation, so a mistake here is not mirrored there. Token ids use ``uint16`` when
the vocabulary has fewer than 65,500 entries (as Megatron's ``preprocess_data.py``
picks), ``int32`` otherwise.
"""

from __future__ import annotations

import os
import struct
from pathlib import Path

import numpy as np

from dataprep.errors import OutputError

MAGIC = b"MMIDIDX\x00\x00"
VERSION = 1
DTYPE_CODES: dict[type, int] = {
    np.uint8: 1,
    np.int8: 2,
    np.int16: 3,
    np.int32: 4,
    np.int64: 5,
    np.float64: 6,
    np.float32: 7,
    np.uint16: 8,
}
#: Megatron's threshold for 16-bit token ids.
UINT16_VOCAB = 65500


def token_dtype(vocab_size: int) -> np.dtype:
    """``uint16`` for vocabularies under 65,500 tokens, ``int32`` otherwise."""
    return np.dtype(np.uint16 if vocab_size < UINT16_VOCAB else np.int32)


def index_bytes(lengths: np.ndarray, dtype: np.dtype) -> bytes:
    """The ``.idx`` content for sequences of ``lengths`` tokens, one document each."""
    n = len(lengths)
    sizes = np.asarray(lengths, dtype="<i4")
    pointers = np.zeros(n, dtype="<i8")
    if n:
        np.cumsum(sizes[:-1].astype("<i8") * dtype.itemsize, out=pointers[1:])
    docs = np.arange(n + 1, dtype="<i8")
    header = MAGIC + struct.pack("<Q", VERSION) + struct.pack("<B", DTYPE_CODES[dtype.type])
    header += struct.pack("<Q", n) + struct.pack("<Q", n + 1)
    return header + sizes.tobytes() + pointers.tobytes() + docs.tobytes()


def write_indexed(prefix: Path, ids: np.ndarray, lengths: np.ndarray, dtype: np.dtype) -> None:
    """Write ``PREFIX.bin`` and ``PREFIX.idx`` under temporary names, then rename both
    (``.bin`` first: an ``.idx`` is never visible without its data)."""
    bin_path, idx_path = Path(f"{prefix}.bin"), Path(f"{prefix}.idx")
    tmp_bin = bin_path.with_name(f".{bin_path.name}.tmp")
    tmp_idx = idx_path.with_name(f".{idx_path.name}.tmp")
    try:
        with open(tmp_bin, "wb") as f:
            f.write(np.ascontiguousarray(ids, dtype=dtype.newbyteorder("<")).tobytes())
            os.fsync(f.fileno())
        with open(tmp_idx, "wb") as f:
            f.write(index_bytes(lengths, dtype))
            os.fsync(f.fileno())
        os.replace(tmp_bin, bin_path)
        os.replace(tmp_idx, idx_path)
    except OSError as e:
        tmp_bin.unlink(missing_ok=True)
        tmp_idx.unlink(missing_ok=True)
        raise OutputError(f"cannot write {prefix}.bin/.idx: {e}") from e
