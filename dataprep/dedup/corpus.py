"""Reading the observation files: input-order ids and the per-document columns ``fit`` needs.

Observations come one Arrow IPC file per shard, each row carrying
``_dp_shard``, ``_dp_row`` and ``_dp_repeat``. Every document gets a dense id
``gid`` = its rank in lexicographic (shard, row, repeat) order, so everything
``fit`` decides depends on those internal ids only, never on the order in which
files are listed, how rows were batched or in which order workers finished.

RAM per document while building the index: 16 bytes of ids (int32 + int64 +
int32) + 8 (file position -> gid) + 8 (lexsort permutation) + 8 (length) +
8 (keep value, when a ``column:`` policy is used) + 4 (language code).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa

from dataprep.errors import InputError
from dataprep.output.columns import REPEAT_COL, ROW_COL, SHARD_COL

LENGTH_COL = "length"
LANG_COL = "lang"
KEEP_COL = "keep_value"


def open_observation(path: Path) -> pa.ipc.RecordBatchFileReader:
    """Open one observation file (IPC file format), with the path in any error."""
    try:
        return pa.ipc.open_file(pa.memory_map(str(path)))
    except (OSError, pa.ArrowInvalid) as e:
        raise InputError(f"cannot read dedup observation file {path}: {e}") from e


def iter_batches(path: Path, columns: Sequence[str]) -> Iterator[pa.RecordBatch]:
    """The record batches of ``path`` restricted to ``columns``."""
    reader = open_observation(path)
    missing = [c for c in columns if c not in reader.schema.names]
    if missing:
        raise InputError(f"dedup observation file {path} lacks columns {missing}")
    for i in range(reader.num_record_batches):
        yield reader.get_batch(i).select(list(columns))


def _keep_numbers(column: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """Numbers to maximize for ``column:<name>``: nulls and NaN rank lowest."""
    if pa.types.is_boolean(column.type):
        column = column.cast(pa.int8())
    if pa.types.is_integer(column.type):
        return column.cast(pa.int64()).fill_null(np.iinfo(np.int64).min).to_numpy()
    values = column.cast(pa.float64()).fill_null(-np.inf).to_numpy()
    return np.where(np.isnan(values), -np.inf, values)


@dataclass
class Corpus:
    """What ``fit`` knows about every observed document, indexed by ``gid``."""

    paths: list[Path]
    gid_by_file: list[np.ndarray]
    """For each file, the gid of each of its rows (in file row order)."""
    shard: np.ndarray
    row: np.ndarray
    repeat: np.ndarray
    """Internal ids sorted by gid."""
    length: np.ndarray
    lang_codes: np.ndarray | None
    lang_names: list[str]
    keep_value: np.ndarray | None

    @property
    def size(self) -> int:
        return len(self.shard)


def _lang_codes(
    columns: list[pa.ChunkedArray | None], lens: list[int]
) -> tuple[np.ndarray, list[str]]:
    names: dict[str, int] = {}
    parts = []
    for col, n in zip(columns, lens, strict=True):
        if col is None:
            parts.append(np.full(n, -1, dtype=np.int32))
            continue
        encoded = col.cast(pa.string()).combine_chunks().dictionary_encode()
        remap = np.array(
            [names.setdefault(v, len(names)) for v in encoded.dictionary.to_pylist()] + [-1],
            dtype=np.int32,
        )
        idx = encoded.indices.fill_null(len(remap) - 1).to_numpy()
        parts.append(remap[idx])
    return (np.concatenate(parts) if parts else np.empty(0, np.int32)), list(names)


def read_corpus(paths: Sequence[Path], *, with_keep_value: bool) -> Corpus:
    """Read ids, lengths, languages (and keep values) of every observation file."""
    ids: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    lengths, langs, keeps, lens = [], [], [], []
    for path in paths:
        reader = open_observation(path)
        names = reader.schema.names
        wanted = [SHARD_COL, ROW_COL, REPEAT_COL, LENGTH_COL]
        if with_keep_value:
            wanted.append(KEEP_COL)
        missing = [c for c in wanted if c not in names]
        if missing:
            raise InputError(f"dedup observation file {path} lacks columns {missing}")
        table = reader.read_all()
        ids.append(tuple(table.column(c).to_numpy() for c in (SHARD_COL, ROW_COL, REPEAT_COL)))
        lengths.append(table.column(LENGTH_COL).to_numpy())
        langs.append(table.column(LANG_COL) if LANG_COL in names else None)
        if with_keep_value:
            keeps.append(_keep_numbers(table.column(KEEP_COL)))
        lens.append(table.num_rows)
    shard = np.concatenate([i[0] for i in ids]).astype(np.int32) if ids else np.empty(0, np.int32)
    row = np.concatenate([i[1] for i in ids]).astype(np.int64) if ids else np.empty(0, np.int64)
    rep = np.concatenate([i[2] for i in ids]).astype(np.int32) if ids else np.empty(0, np.int32)
    order = np.lexsort((rep, row, shard))
    shard, row, rep = shard[order], row[order], rep[order]
    if len(order) > 1:
        same = (shard[1:] == shard[:-1]) & (row[1:] == row[:-1]) & (rep[1:] == rep[:-1])
        if same.any():
            i = int(np.flatnonzero(same)[0])
            raise InputError(
                f"document (shard {shard[i]}, row {row[i]}, repeat {rep[i]}) observed twice"
            )
    length = np.concatenate(lengths).astype(np.int64) if lengths else np.empty(0, np.int64)
    gid = np.empty(len(order), dtype=np.int64)
    gid[order] = np.arange(len(order), dtype=np.int64)
    bounds = np.concatenate(([0], np.cumsum(lens))).astype(np.int64)
    has_lang = any(col is not None for col in langs)
    codes, lang_names = _lang_codes(langs, lens) if has_lang else (None, [])
    return Corpus(
        paths=list(paths),
        gid_by_file=[gid[bounds[i] : bounds[i + 1]] for i in range(len(lens))],
        shard=shard,
        row=row,
        repeat=rep,
        length=length[order],
        lang_codes=None if codes is None else codes[order],
        lang_names=lang_names,
        keep_value=np.concatenate(keeps)[order] if with_keep_value and keeps else None,
    )
