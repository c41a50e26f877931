"""A reader of Megatron-LM's indexed dataset, written from its documentation alone
(megatron/core/datasets/readme.md and indexed_dataset.py's index layout), not from
dataprep's writer, so a mistake in one is not mirrored in the other.

.idx: b"MMIDIDX\\x00\\x00", <Q version (1), <B dtype code, <Q sequence count N,
<Q document count D, int32[N] sizes, int64[N] byte pointers, int64[D] document index.
.bin: the token ids.
"""

from __future__ import annotations

import itertools
import struct
from pathlib import Path

import numpy as np

DTYPES = {1: np.uint8, 2: np.int8, 3: np.int16, 4: np.int32, 5: np.int64, 6: np.float64,
          7: np.float32, 8: np.uint16}  # fmt: skip


def read_index(path: Path) -> dict:
    raw = path.read_bytes()
    assert raw[:9] == b"MMIDIDX\x00\x00", raw[:9]
    version, code, n, d = struct.unpack("<QBQQ", raw[9:34])
    pos = 34
    sizes = np.frombuffer(raw[pos : pos + 4 * n], "<i4")
    pos += 4 * n
    pointers = np.frombuffer(raw[pos : pos + 8 * n], "<i8")
    pos += 8 * n
    doc_idx = np.frombuffer(raw[pos : pos + 8 * d], "<i8")
    pos += 8 * d
    assert pos == len(raw), f"{len(raw) - pos} trailing bytes"
    return {"version": version, "dtype": np.dtype(DTYPES[code]).newbyteorder("<"),
            "sizes": sizes, "pointers": pointers, "doc_idx": doc_idx}  # fmt: skip


def read_documents(prefix: Path) -> list[list[int]]:
    """Every document's token ids, in file order."""
    idx = read_index(Path(f"{prefix}.idx"))
    data = Path(f"{prefix}.bin").read_bytes()
    seqs = []
    for size, ptr in zip(idx["sizes"].tolist(), idx["pointers"].tolist(), strict=False):
        seqs.append(np.frombuffer(data, idx["dtype"], size, ptr).tolist())
    doc_idx = idx["doc_idx"].tolist()
    docs = []
    for start, end in itertools.pairwise(doc_idx):
        docs.append([t for s in seqs[start:end] for t in s])
    return docs
