"""Phase 2 of an export, one job per output shard: gather its rows, write the shard.

A shard's rows come from every normalized part (memory-mapped Arrow, so only the
rows taken are read), in the shuffled order the plan gives. The shard file is
written under a temporary name and renamed; its manifest entry is returned.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.ipc as ipc
import pyarrow.parquet as pq

from dataprep.errors import OutputError
from dataprep.export.megatron import token_dtype, write_indexed
from dataprep.export.normalize import tokenizer_for
from dataprep.export.options import IDS_COL, LANG_COL, NTOK_COL, SIZE_COL, ExportOptions
from dataprep.export.schema import narrow

_INTERNAL = (SIZE_COL, LANG_COL, NTOK_COL, IDS_COL)


@dataclass(frozen=True)
class ShardJob:
    index: int
    parts: tuple[Path, ...]
    part_of_row: np.ndarray
    """Normalized part of each row of the shard, in output order."""
    row_in_part: np.ndarray
    target: Path
    """The shard file (megatron: the prefix of ``.bin``/``.idx``)."""
    large_strings: bool
    options: ExportOptions


def gather(job: ShardJob) -> pa.Table:
    """The shard's rows in output order."""
    order = np.argsort(job.part_of_row, kind="stable")
    pieces = []
    for p in np.unique(job.part_of_row):
        rows = job.row_in_part[job.part_of_row == p]
        with pa.memory_map(str(job.parts[int(p)])) as source:
            pieces.append(ipc.open_file(source).read_all().take(pa.array(rows)))
    table = pa.concat_tables(pieces)
    # ``table`` is grouped by part; put every row back at its output position.
    return table.take(pa.array(np.argsort(order, kind="stable")))


def run_shard(job: ShardJob) -> dict[str, Any]:
    table = gather(job)
    entry: dict[str, Any] = {"file": job.target.name, "docs": table.num_rows}
    ntok = table.column(NTOK_COL)
    if ntok.null_count == 0 and table.num_rows:
        entry["tokens"] = int(pc.sum(ntok).as_py() or 0)
        by_lang: Counter[str] = Counter()
        langs = table.column(LANG_COL).fill_null("und").to_pylist()
        for lang, n in zip(langs, ntok.to_pylist(), strict=True):
            by_lang[lang] += n
        entry["tokens_by_lang"] = dict(sorted(by_lang.items()))
    fmt = job.options.format
    if fmt == "megatron":
        tok = tokenizer_for(job.options)
        ids = table.column(IDS_COL).combine_chunks()
        dtype = token_dtype(tok.vocab_size)
        flat = pc.list_flatten(ids).to_numpy(zero_copy_only=False)
        lengths = pc.list_value_length(ids).to_numpy(zero_copy_only=False)
        write_indexed(job.target, flat.astype(dtype), lengths, dtype)
        entry["bytes"] = job.target.with_suffix(".bin").stat().st_size
        return entry
    internal = [c for c in _INTERNAL if c in table.column_names]
    data = narrow(table.drop_columns(internal), large=job.large_strings)
    tmp = job.target.with_name(f".{job.target.name}.tmp")
    try:
        if fmt == "parquet":
            pq.write_table(data, tmp, compression="zstd",
                           compression_level=job.options.compression_level)  # fmt: skip
        else:
            _write_jsonl_zst(data, tmp)
        os.replace(tmp, job.target)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise OutputError(f"cannot write {job.target}: {e}") from e
    entry["bytes"] = job.target.stat().st_size
    return entry


def _write_jsonl_zst(table: pa.Table, path: Path) -> None:
    with pa.CompressedOutputStream(str(path), "zstd") as out:
        for batch in table.to_batches(max_chunksize=4096):
            lines = [json.dumps(row, ensure_ascii=False, default=str) for row in batch.to_pylist()]
            if lines:
                out.write(("\n".join(lines) + "\n").encode("utf-8"))
