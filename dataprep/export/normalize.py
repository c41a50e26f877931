"""Phase 1 of an export, one job per data part: the part in the export's schema.

Each part is rewritten as an uncompressed Arrow file (memory-mapped later, so a
shard gathers its rows from every part without reading whole files) holding the
selected columns plus: ``_dp_size`` (the row's bytes toward ``--shard-bytes``),
``_dp_lang`` and ``_dp_ntok`` (for the manifest) and, for megatron, ``_dp_ids`` (the
document's token ids with the end-of-document token appended).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.ipc as ipc
import pyarrow.parquet as pq

from dataprep.errors import ConfigError, InputError, OutputError
from dataprep.export.megatron import token_dtype
from dataprep.export.options import IDS_COL, LANG_COL, NTOK_COL, SIZE_COL, ExportOptions
from dataprep.export.schema import conform
from dataprep.output.columns import LANG_COLUMN, N_TOKENS_COL
from dataprep.output.reader import PartFile, iter_batches, open_output
from dataprep.tokens.tokenizer import TextTokenizer

_TOKENIZERS: dict[str, TextTokenizer] = {}
_ENCODE_ROWS = 1024


@dataclass(frozen=True)
class NormalizeJob:
    run: Path
    """The run's output folder (its ``signals/`` side table is joined when it has one)."""
    source: Path
    target: Path
    schema: pa.Schema
    text_column: str
    options: ExportOptions


def tokenizer_for(options: ExportOptions) -> TextTokenizer:
    """The export's tokenizer, loaded once per process."""
    assert options.tokenizer is not None
    key = repr(options.tokenizer)
    if key not in _TOKENIZERS:
        tok = options.tokenizer.load("export")
        if tok.eod_id is None:
            raise ConfigError(
                f"tokenizer {tok.name} has no end-of-document token: pass --eod-token TOKEN"
            )
        _TOKENIZERS[key] = tok
    return _TOKENIZERS[key]


def _ids_column(texts: pa.ChunkedArray, tok: TextTokenizer) -> pa.Array:
    values: list[np.ndarray] = []
    for start in range(0, len(texts), _ENCODE_ROWS):
        chunk = texts.slice(start, _ENCODE_ROWS).to_pylist()
        values += [np.array([*ids, tok.eod_id], np.int32) for ids in tok.encode_batch(chunk)]
    lengths = np.fromiter((len(v) for v in values), np.int32, len(values))
    offsets = np.zeros(len(values) + 1, np.int32)
    np.cumsum(lengths, out=offsets[1:])
    flat = np.concatenate(values) if values else np.zeros(0, np.int32)
    return pa.ListArray.from_arrays(pa.array(offsets), pa.array(flat))


def run_normalize(job: NormalizeJob) -> int:
    """Write ``job.target`` (atomically); return its row count."""
    opts = job.options
    table = _read_part(job)
    n = table.num_rows
    lang = table.column(LANG_COLUMN) if LANG_COLUMN in table.column_names else pa.nulls(n)
    ntok = table.column(N_TOKENS_COL) if N_TOKENS_COL in table.column_names else pa.nulls(n)
    extra: dict[str, pa.Array | pa.ChunkedArray] = {}
    if opts.format == "megatron":
        tok = tokenizer_for(opts)
        ids = _ids_column(table.column(job.text_column).fill_null(""), tok)
        lengths = pc.list_value_length(ids).cast(pa.int64())
        extra[IDS_COL] = ids
        extra[SIZE_COL] = pc.multiply(lengths, token_dtype(tok.vocab_size).itemsize)
        ntok = lengths
        cols: dict[str, pa.Array | pa.ChunkedArray] = {}
    else:
        conformed = conform(table, job.schema)
        cols = dict(zip(conformed.column_names, conformed.columns, strict=True))
        sizes = np.zeros(n, np.int64)
        for col in conformed.columns:
            if pa.types.is_large_string(col.type) or pa.types.is_large_binary(col.type):
                sizes += pc.binary_length(col).fill_null(0).to_numpy().astype(np.int64)
        extra[SIZE_COL] = pa.array(sizes)
    extra[LANG_COL] = lang.cast(pa.string())
    extra[NTOK_COL] = ntok.cast(pa.int64())
    _write_arrow(job.target, pa.table({**cols, **extra}))
    return n


def _read_part(job: NormalizeJob) -> pa.Table:
    """The columns of the part the export needs, with those of its ``signals/`` side
    table (``output.signals: separate``) joined through :mod:`dataprep.output.reader`,
    which checks that both files hold the same documents in the same order."""
    run, part = open_output(job.run), PartFile(job.source, None)
    if run.signals_file(part) is None:
        try:
            return pq.read_table(job.source)
        except (OSError, pa.ArrowException) as e:
            raise InputError(f"cannot read {job.source}: {e}") from e
    names = [*job.schema.names, job.text_column, LANG_COLUMN, N_TOKENS_COL]
    have = run.schema(part)
    wanted = [n for n in dict.fromkeys(names) if n in have.names]
    batches = list(iter_batches(run, part, wanted))
    if not batches:
        return pa.schema([have.field(n) for n in wanted]).empty_table()
    return pa.Table.from_batches(batches)


def _write_arrow(path: Path, table: pa.Table) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with ipc.new_file(str(tmp), table.schema) as w:
            w.write_table(table)
        os.replace(tmp, path)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise OutputError(f"cannot write {path}: {e}") from e
