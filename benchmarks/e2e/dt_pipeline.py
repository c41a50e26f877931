"""The datatrove side of the end-to-end benchmark (runs in the datatrove venv only).

The same recipe as ``web-en-equiv.yaml``, built from datatrove 0.10.1's own blocks,
run with its ``LocalPipelineExecutor`` (``tasks`` = input shards, ``workers`` = cores):

1. ParquetReader -> LanguageFilter(en) -> GopherRepetitionFilter -> GopherQualityFilter
   -> C4QualityFilter(filter_no_terminal_punct=False) -> FineWebQualityFilter
   -> ParquetWriter(filtered/) -> ExactDedupSignature (text as is)
2. ExactFindDedups (1 task)
3. ParquetReader(filtered/) -> ExactDedupFilter -> ParquetWriter(exact/)
   -> MinhashDedupSignature (MinhashConfig defaults: 5-grams, 14 buckets x 8 hashes)
4. MinhashDedupBuckets (14 tasks), 5. MinhashDedupCluster (1 task)
6. ParquetReader(exact/) -> MinhashDedupFilter -> ParquetWriter(output/)

Every filter has an exclusion writer (``removed/STEP/``), as dataprep keeps removed
documents aside. Writes ``result.json``: wall seconds per executor step and
datatrove's own per-block timers (``stats.json`` of each step's logging folder).

    /tmp/dt-venv/bin/python dt_pipeline.py --input DIR --work DIR --tasks 8 --workers 2 \
        --model lid.176.ftz
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))


def _steps(inp: str, work: Path, model: str) -> list[tuple[str, list[Any], str]]:
    from datatrove.pipeline.dedup import MinhashDedupCluster, MinhashDedupFilter
    from datatrove.pipeline.dedup.exact_dedup import (
        ExactDedupConfig,
        ExactDedupFilter,
        ExactDedupSignature,
        ExactFindDedups,
    )
    from datatrove.pipeline.dedup.minhash import (
        MinhashConfig,
        MinhashDedupBuckets,
        MinhashDedupSignature,
    )
    from datatrove.pipeline.filters import (
        C4QualityFilter,
        FineWebQualityFilter,
        GopherQualityFilter,
        GopherRepetitionFilter,
        LanguageFilter,
    )
    from datatrove.pipeline.readers import ParquetReader
    from datatrove.pipeline.writers import ParquetWriter
    from dt_lid import LocalFT176LID

    def rm(name: str) -> ParquetWriter:
        return ParquetWriter(str(work / "removed" / name))

    lid = LanguageFilter(languages=["en"], exclusion_writer=rm("langid"))
    lid.model = LocalFT176LID(["en"], model)
    exact = ExactDedupConfig(content_getter=_text)
    mh = MinhashConfig()
    w = str(work)
    return [
        (
            "filters",
            [
                ParquetReader(inp, id_key="id"),
                lid,
                GopherRepetitionFilter(exclusion_writer=rm("gopher_repetition")),
                GopherQualityFilter(exclusion_writer=rm("gopher_quality")),
                C4QualityFilter(filter_no_terminal_punct=False, exclusion_writer=rm("c4")),
                FineWebQualityFilter(exclusion_writer=rm("fineweb")),
                ParquetWriter(f"{w}/filtered"),
                ExactDedupSignature(f"{w}/exact_sigs", config=exact),
            ],
            "data",
        ),
        ("exact_find", [ExactFindDedups(f"{w}/exact_sigs", f"{w}/exact_dups", config=exact)], "1"),
        (
            "exact_filter+minhash_sig",
            [
                ParquetReader(f"{w}/filtered", id_key="id"),
                ExactDedupFilter(f"{w}/exact_dups", config=exact, exclusion_writer=rm("exact")),
                ParquetWriter(f"{w}/exact"),
                MinhashDedupSignature(f"{w}/mh_sigs", config=mh),
            ],
            "data",
        ),
        (
            "minhash_buckets",
            [MinhashDedupBuckets(f"{w}/mh_sigs", f"{w}/mh_buckets", config=mh)],
            "buckets",
        ),
        (
            "minhash_cluster",
            [MinhashDedupCluster(f"{w}/mh_buckets", f"{w}/mh_remove", config=mh)],
            "1",
        ),
        (
            "minhash_filter",
            [
                ParquetReader(f"{w}/exact", id_key="id"),
                MinhashDedupFilter(f"{w}/mh_remove", exclusion_writer=rm("minhash")),
                ParquetWriter(f"{w}/output"),
            ],
            "data",
        ),
    ]


def _text(doc: Any) -> str:
    return doc.text


def main() -> None:
    from datatrove.executor import LocalPipelineExecutor

    ap = argparse.ArgumentParser()
    ap.add_argument("--input", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--tasks", type=int, required=True)
    ap.add_argument("--workers", type=int, required=True)
    ap.add_argument("--model", required=True)
    args = ap.parse_args()
    work = Path(args.work)
    walls: dict[str, float] = {}
    blocks: dict[str, dict[str, float]] = {}
    for name, pipeline, kind in _steps(args.input, work, args.model):
        tasks = {"data": args.tasks, "1": 1, "buckets": 14}[kind]
        logs = work / "logs" / name
        ex = LocalPipelineExecutor(
            pipeline, tasks=tasks, workers=min(args.workers, tasks), logging_dir=str(logs)
        )
        t0 = time.perf_counter()
        ex.run()
        walls[name] = time.perf_counter() - t0
        blocks[name] = _block_seconds(logs / "stats.json")
        if name == "filters":
            made = sorted((work / "filtered").glob("*.parquet"))
            if len(made) != args.tasks:  # ranks must line up with the signature files
                sys.exit(f"expected {args.tasks} files in filtered/, found {len(made)}")
    out = {"walls": walls, "blocks": blocks}
    (work / "result.json").write_text(json.dumps(out, indent=1), encoding="utf-8")


def _block_seconds(path: Path) -> dict[str, float]:
    """Total seconds per block from datatrove's merged stats (summed over tasks)."""
    stats = json.loads(path.read_text(encoding="utf-8"))
    out: dict[str, float] = {}
    for block in stats:
        ts = block.get("time_stats") or {}
        out[block["name"]] = out.get(block["name"], 0.0) + float(ts.get("total", 0.0))
    return out


if __name__ == "__main__":
    main()
