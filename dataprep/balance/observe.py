"""What ``balance_v1`` records per document, and reading it back in the driver.

The category is the value of the balanced column (``column``, default the language
column ``lang``), cast to string; a null is ``und`` in the language column and
``null`` in any other. With ``within`` the value of that column is recorded too
(``group``, nulls as ``null``), for balancing inside each group.

The selection hash is ``xxhash64(key, seed=ctx.seed)`` where ``key`` is the UTF-8
form of the document id (``str(value)`` for numbers; for a copy made by an earlier
up-sampling stage, ``<id>#<repeat>``, the id of its input document). When the
input has no id column the text itself is the key (prefixed so it cannot equal an
id), which, unlike the id dataprep makes up for such files (``FILE:ROW``, recognised
as an id ending in ``:`` and the document's row), does not depend on how the corpus
is split into files; so is a null id. A document copied by an earlier up-sampling
stage (``_dp_repeat`` > 0) gets the repeat number appended to its key, so its copies
are selected independently. xxhash 4.x accepts only bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from dataprep.errors import ConfigError, InputError
from dataprep.output.columns import N_TOKENS_COL, REPEAT_COL, ROW_COL, SHARD_COL
from dataprep.stages.base import StageContext

LANG, BYTES, HASH, GROUP, SIZE = "lang", "bytes", "hash", "group", "size"
N_TOKENS = N_TOKENS_COL
"""The token count column ``tokens_v1`` writes: ``unit: tokens`` reads it exactly."""
_SEED_MASK = (1 << 64) - 1
_UND = "und"
_NULL = "null"


def _key(value: Any) -> bytes:
    if isinstance(value, bytes):
        return value
    return str(value).encode("utf-8", errors="surrogatepass")


def made_up_id(value: Any, row: int) -> bool:
    """Whether ``value`` is the id dataprep gives a document of a file without ids
    (``FILE:ROW``, :mod:`dataprep.io.columns`)."""
    return isinstance(value, str) and value.endswith(f":{row}") and len(value) > len(str(row)) + 1


def selection_hashes(
    ids: Sequence[Any] | None,
    texts: Sequence[str | None],
    repeats: Sequence[int],
    seed: int,
    rows: Sequence[int] | None = None,
) -> np.ndarray:
    """uint64 selection hash per document (see the module docstring); with ``rows``
    (each document's row in its file) a made-up ``FILE:ROW`` id counts as no id."""
    import xxhash

    seed &= _SEED_MASK
    out = np.empty(len(texts), dtype=np.uint64)
    for i, text in enumerate(texts):
        value = ids[i] if ids is not None else None
        if repeats[i] and isinstance(value, str):
            value = value.removesuffix(f"#{repeats[i]}")  # a copy's id (engine/copies.py)
        if value is not None and rows is not None and made_up_id(value, rows[i]):
            value = None
        key = b"\x00text\x00" + _key(text or "") if value is None else _key(value)
        if repeats[i]:
            key += b"\x00repeat\x00" + str(repeats[i]).encode()
        out[i] = xxhash.xxh64_intdigest(key, seed=seed)
    return out


def unknown_category(column: str, ctx: StageContext) -> str:
    """What a null in the balanced column is recorded as (``und`` or ``null``)."""
    return _UND if column == ctx.lang_column else _NULL


def observe_batch(
    batch: pa.RecordBatch,
    ctx: StageContext,
    *,
    column: str | None = None,
    within: str | None = None,
    unit: str = "bytes",
) -> pa.RecordBatch:
    """Per-document category (column ``lang`` of the summary), UTF-8 ``bytes``, ``hash``.

    ``column`` defaults to ``ctx.lang_column``; with ``within`` a ``group`` column is added.
    With ``unit`` ``chars`` or ``tokens`` a ``size`` column is added: the text's Unicode
    code points, or the ``n_tokens`` column's value (null where the documents have no
    token count; ``fit`` then approximates and says so).
    """
    names = batch.schema.names
    col = column or ctx.lang_column
    for needed in (col, within):
        if needed is not None and needed not in names:
            hint = (
                "; put a fasttext_langid_v1 stage before it in the recipe"
                if needed == ctx.lang_column
                else ""
            )
            raise ConfigError(
                f"{ctx.name}: balance_v1 needs the column {needed!r}, which the documents "
                f"do not have{hint}"
            )
    if ctx.text_column not in names:
        raise InputError(f"{ctx.name}: the documents have no text column {ctx.text_column!r}")
    text = batch.column(ctx.text_column)
    null = unknown_category(col, ctx)
    lang = pc.fill_null(batch.column(col).cast(pa.string()), null)
    nbytes = pc.fill_null(pc.binary_length(text), 0).cast(pa.int64())
    ids = batch.column(ctx.id_column).to_pylist() if ctx.id_column in names else None
    reps = batch.column(REPEAT_COL).to_pylist() if REPEAT_COL in names else [0] * batch.num_rows
    rows = batch.column(ROW_COL).to_pylist() if ROW_COL in names else None
    hashes = selection_hashes(ids, text.to_pylist(), [r or 0 for r in reps], ctx.seed, rows)
    arrays, out_names = [lang, nbytes, pa.array(hashes)], [LANG, BYTES, HASH]
    if unit in ("chars", "tokens"):
        arrays.append(_unit_sizes(batch, text, unit))
        out_names.append(SIZE)
    if within is not None:
        arrays.append(pc.fill_null(batch.column(within).cast(pa.string()), _NULL))
        out_names.append(GROUP)
    return pa.RecordBatch.from_arrays(arrays, out_names)


def _unit_sizes(batch: pa.RecordBatch, text: pa.Array, unit: str) -> pa.Array:
    """Size per document in unit ``chars`` or ``tokens`` (float64; null = unknown)."""
    if unit == "chars":
        return pc.fill_null(pc.utf8_length(text), 0).cast(pa.float64())
    if N_TOKENS in batch.schema.names:
        counts = batch.column(N_TOKENS)
        if not (pa.types.is_integer(counts.type) or pa.types.is_floating(counts.type)):
            raise InputError(f"column {N_TOKENS!r} holds {counts.type} values, not token counts")
        return counts.cast(pa.float64())
    return pa.nulls(batch.num_rows, pa.float64())


def _encode(column: pa.ChunkedArray) -> tuple[list[str], np.ndarray]:
    """Sorted distinct values and each row's index into them."""
    encoded = pc.dictionary_encode(column.combine_chunks())
    found = encoded.dictionary.to_pylist()
    values = sorted(found)  # stable order whatever the shard order
    remap = np.array([values.index(x) for x in found], dtype=np.int64)
    indices = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    return values, (remap[indices] if indices.size else indices)


def read_observations(
    paths: Sequence[Path], *, grouped: bool = False, sized: bool = False
) -> dict[str, Any]:
    """Concatenate observation files into numpy arrays plus a category dictionary.

    With ``grouped`` the result also has ``groups`` (sorted names) and ``group_idx``;
    with ``sized`` ``size`` (float64, NaN where unknown).
    """
    extra = [*([GROUP] if grouped else []), *([SIZE] if sized else [])]
    cols = [LANG, BYTES, HASH, *extra, SHARD_COL, ROW_COL, REPEAT_COL]
    tables = []
    for path in paths:
        try:
            with pa.memory_map(str(path)) as source:
                table = pa.ipc.open_file(source).read_all()
            tables.append(table.select(cols))
        except (OSError, pa.ArrowInvalid, KeyError) as e:
            raise InputError(f"cannot read balance observations {path}: {e}") from e
    if tables:
        table = pa.concat_tables(tables).combine_chunks()
    else:
        schema = [pa.string(), pa.int64(), pa.uint64(), *([pa.string()] if grouped else [])]
        schema += [pa.float64()] if sized else []
        schema += [pa.int32(), pa.int64(), pa.int32()]
        table = pa.table([pa.array([], t) for t in schema], names=cols)
    langs, lang_idx = _encode(table.column(LANG))
    groups, group_idx = _encode(table.column(GROUP)) if grouped else (["all"], None)
    if group_idx is None:
        group_idx = np.zeros(lang_idx.size, dtype=np.int64)
    return {
        "langs": langs,
        "lang_idx": lang_idx,
        "groups": groups,
        "group_idx": group_idx,
        "bytes": _np(table, BYTES, np.int64),
        "hash": _np(table, HASH, np.uint64),
        "shard": _np(table, SHARD_COL, np.int32),
        "row": _np(table, ROW_COL, np.int64),
        "repeat": _np(table, REPEAT_COL, np.int32),
        "size": (
            pc.fill_null(table.column(SIZE), np.nan).to_numpy().astype(np.float64)
            if sized
            else None
        ),
    }


def _np(table: pa.Table, name: str, dtype: Any) -> np.ndarray:
    return table.column(name).to_numpy().astype(dtype, copy=False)
