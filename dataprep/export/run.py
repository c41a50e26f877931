"""Run an export: check the folder, normalize the parts, plan the shuffle, write shards.

The output folder holds the shards and ``_manifest.json`` (deterministic: same run,
same options -> same bytes). While it runs, ``_export/`` holds the options, the
normalized parts and a completion record per finished job; an interrupted export
run again with the same options continues from those records, and a finished one is
left as it is. ``_export/`` is deleted when ``_manifest.json`` is written.
"""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pyarrow as pa
import pyarrow.ipc as ipc

from dataprep.errors import OutputError
from dataprep.export.normalize import NormalizeJob, run_normalize
from dataprep.export.options import SIZE_COL, ExportOptions
from dataprep.export.schema import MAX_SMALL_BYTES, select, unify, where
from dataprep.export.shards import ShardJob, run_shard
from dataprep.io.writers import atomic_write_bytes
from dataprep.output.columns import LANG_COLUMN, N_TOKENS_COL
from dataprep.output.folder import OutputLock
from dataprep.output.reader import open_output

MANIFEST = "_manifest.json"  # "_": Arrow and datasets readers skip it
WORK = "_export"
MARKER = ("dataprep_export", 1)
_SHARD = re.compile(r"\.?part-\d{5}(\.parquet|\.jsonl\.zst|\.bin|\.idx)(\.tmp)?")

J = TypeVar("J")


def plan_shards(sizes: np.ndarray, shard_bytes: int, seed: int | None) -> list[np.ndarray]:
    """Row numbers (over all parts, in run order) of each shard, in output order.

    The permutation comes from ``numpy.random.default_rng(seed)`` (PCG64: the same on
    every platform and numpy release that keeps its stream); shards are cut greedily
    in that order, a new one starting when the next row would pass ``shard_bytes``.
    """
    n = len(sizes)
    order = np.arange(n) if seed is None else np.random.default_rng(seed).permutation(n)
    shards: list[np.ndarray] = []
    start, used = 0, 0
    for i, size in enumerate(sizes[order].tolist()):
        if i > start and used + size > shard_bytes:
            shards.append(order[start:i])
            start, used = i, 0
        used += size
    if start < n:
        shards.append(order[start:])
    return shards


def _map(fn: Callable[[J], Any], jobs: Sequence[J], workers: int) -> Iterator[Any]:
    """``fn`` over ``jobs``, results in job order as they come (each is recorded at once,
    so an interrupted export keeps every job finished before the interruption)."""
    if workers <= 1 or len(jobs) <= 1:
        yield from (fn(j) for j in jobs)
        return
    with ProcessPoolExecutor(min(workers, len(jobs)), mp_context=get_context("spawn")) as ex:
        yield from ex.map(fn, jobs)


def _prepare(out_dir: Path, params: dict[str, Any], overwrite: bool) -> dict[str, Any] | None:
    """Check the folder; returns the finished manifest when there is nothing to do."""
    manifest_path, work = out_dir / MANIFEST, out_dir / WORK
    if manifest_path.is_file():
        old = json.loads(manifest_path.read_text())
        if old.get(MARKER[0]) != MARKER[1]:
            raise OutputError(f"{out_dir} holds a {MANIFEST} that dataprep did not write")
        if old.get("options") == params and not overwrite:
            return dict(old)
        if not overwrite:
            raise OutputError(
                f"{out_dir} holds an export with other options: pass --overwrite to replace it"
            )
        for entry in out_dir.iterdir():
            if _SHARD.fullmatch(entry.name):
                entry.unlink()
        manifest_path.unlink()
    if work.is_dir():
        saved = json.loads((work / "options.json").read_text())
        if saved != params:
            if not overwrite:
                raise OutputError(
                    f"{out_dir} holds an unfinished export with other options: run it again "
                    "with the same options to finish it, or pass --overwrite"
                )
            shutil.rmtree(work)
    foreign = [e.name for e in out_dir.iterdir() if not _ours(e)]
    if foreign:
        raise OutputError(
            f"{out_dir} is not empty ({', '.join(sorted(foreign)[:3])}): choose a new folder"
        )
    (work / "done").mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(work / "options.json", json.dumps(params, sort_keys=True).encode())
    return None


def _ours(entry: Path) -> bool:
    return entry.name in (WORK, MANIFEST, ".dataprep.lock") or bool(_SHARD.fullmatch(entry.name))


def _pending(work: Path, kind: str, jobs: Iterable[tuple[int, J]]) -> list[tuple[int, J]]:
    return [(i, j) for i, j in jobs if not (work / "done" / f"{kind}-{i:05d}.json").is_file()]


def _record(work: Path, kind: str, index: int, value: Any) -> None:
    atomic_write_bytes(work / "done" / f"{kind}-{index:05d}.json", json.dumps(value).encode())


def _load(work: Path, kind: str, index: int) -> Any:
    return json.loads((work / "done" / f"{kind}-{index:05d}.json").read_text())


def export_run(
    run_dir: str | Path,
    out_dir: str | Path,
    options: ExportOptions,
    *,
    workers: int = 1,
    overwrite: bool = False,
    log: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Export the kept documents of the finished run ``run_dir``; returns the manifest."""
    run = open_output(run_dir)
    parts = [p.path for p in run.kept_files()]
    inputs = run.stats.get("input_files", [])
    schema = unify(
        [
            (where(p, _origin(p, inputs)), run.schema(pf))
            for p, pf in zip(parts, run.kept_files(), strict=True)
        ]
    )
    schema = select(schema, options.columns, needed=())
    root = Path(out_dir)
    root.mkdir(parents=True, exist_ok=True)
    lock = OutputLock(root).acquire()
    try:
        done = _prepare(root, options.params(), overwrite)
        if done is not None:
            if log:
                log(f"{root}: already exported with these options")
            return done
        manifest = _export(run.root, run.text_column, parts, schema, root, options, workers)
        atomic_write_bytes(root / MANIFEST, (json.dumps(manifest, indent=2) + "\n").encode())
        shutil.rmtree(root / WORK)
    finally:
        lock.release()
    if log:
        log(f"exported {manifest['docs']:,} documents into {len(manifest['shards'])} shard(s)")
    return manifest


def _origin(part: Path, inputs: list[str]) -> str | None:
    m = re.match(r"part-(\d{5})", part.name)
    return inputs[int(m.group(1))] if m and int(m.group(1)) < len(inputs) else None


def _export(
    run: Path,
    text_column: str,
    parts: list[Path],
    schema: pa.Schema,
    root: Path,
    options: ExportOptions,
    workers: int,
) -> dict[str, Any]:
    work = root / WORK
    norm = [work / "parts" / f"{i:05d}.arrow" for i in range(len(parts))]
    jobs = [
        (i, NormalizeJob(run, p, norm[i], schema, text_column, options))
        for i, p in enumerate(parts)
    ]
    todo = _pending(work, "part", jobs)
    for (i, _), rows in zip(todo, _map(run_normalize, [j for _, j in todo], workers), strict=True):
        _record(work, "part", i, rows)
    counts = np.array([_load(work, "part", i) for i in range(len(parts))], np.int64)
    sizes = _column(norm, SIZE_COL)
    starts = np.concatenate([[0], np.cumsum(counts)])
    shards = plan_shards(sizes, options.shard_bytes, options.shuffle_seed)
    large = any(int(sizes[s].sum()) > MAX_SMALL_BYTES for s in shards)
    shard_jobs = []
    for k, rows in enumerate(shards):
        part = np.searchsorted(starts, rows, side="right") - 1
        target = root / f"part-{k:05d}{options.ext}"
        shard_jobs.append(
            (k, ShardJob(k, tuple(norm), part, rows - starts[part], target, large, options))
        )
    todo_shards = _pending(work, "shard", shard_jobs)
    for (k, _), entry in zip(
        todo_shards, _map(run_shard, [j for _, j in todo_shards], workers), strict=True
    ):
        _record(work, "shard", k, entry)
    entries = [_load(work, "shard", k) for k in range(len(shards))]
    return _manifest(entries, schema, options, text_column)


def _column(paths: list[Path], name: str) -> np.ndarray:
    out = []
    for path in paths:
        with pa.memory_map(str(path)) as source:
            out.append(ipc.open_file(source).read_all().column(name).to_numpy())
    return np.concatenate(out) if out else np.zeros(0, np.int64)


def _manifest(
    entries: list[dict[str, Any]], schema: pa.Schema, options: ExportOptions, text_column: str
) -> dict[str, Any]:
    total: Counter[str] = Counter()
    for e in entries:
        total.update(e.get("tokens_by_lang", {}))
    has_tokens = bool(entries) and all("tokens" in e for e in entries)
    manifest: dict[str, Any] = {
        MARKER[0]: MARKER[1],
        "format": options.format,
        "options": options.params(),
        "docs": sum(e["docs"] for e in entries),
        "bytes": sum(e["bytes"] for e in entries),
    }
    if has_tokens:
        manifest["tokens"] = sum(e["tokens"] for e in entries)
        manifest["tokens_by_lang"] = dict(sorted(total.items()))
        manifest["tokens_note"] = (
            "token ids in the .bin files, one end-of-document token per document included"
            if options.format == "megatron"
            else f"sum of the {N_TOKENS_COL} column (no end-of-document tokens)"
        )
    if options.format != "megatron":
        manifest["columns"] = [{"name": f.name, "type": str(f.type)} for f in schema]
    else:
        manifest["text_column"] = text_column
    manifest["lang_column"] = LANG_COLUMN
    manifest["shards"] = entries
    return manifest
