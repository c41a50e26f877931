"""Corpora in buckets: a recipe over local disk vs an S3 server (moto, on 127.0.0.1).

Generates a corpus of Parquet shards of ~1 KB documents, starts moto's S3 server on
127.0.0.1 (``moto[server]``, in the dev extra), uploads the corpus, and times the same
recipe four ways (best of ``--repeat`` wall times, 2 workers): local -> local,
s3 -> local, local -> s3 and s3 -> s3 (a remote output always works in a local staging
folder, ``--work-dir``). Then it measures what keeping ``_work/`` in the bucket instead
would add: the size of the run's intermediate files (``--keep-work``) and the time to
upload and read back that many bytes to the same server, which a bucket ``_work/``
would pay at least once per pass, plus a request per file for each rename (a copy and
a delete: object stores have no rename). And the read rate of one large Parquet object
by row groups vs the same file on disk. Prints tables; asserts nothing.

moto is a Python server on the same two cores: it is slower per byte than a real
store and has no network latency (a real one adds ~10-50 ms per request), so read the
ratios as a lower bound of the cost of a store, not as a store's speed.

    python benchmarks/bench_storage.py [--shards 8] [--docs 4000] [--recipe dedup] [--repeat 2]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import socket
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pyarrow as pa
import pyarrow.parquet as pq

WORDS = [
    "".join(random.Random(i).choice("abcdefghijklmnopqrstuvwxyz") for _ in range(2 + i % 8))
    for i in range(5000)
]


def make_corpus(root: Path, shards: int, docs: int) -> int:
    """``shards`` Parquet files of ``docs`` ~1 KB documents (2% exact duplicates)."""
    rng = random.Random(0)
    root.mkdir(parents=True)
    texts: list[str] = []
    for s in range(shards):
        rows = []
        for _ in range(docs):
            if texts and rng.random() < 0.02:
                rows.append(rng.choice(texts))
                continue
            text = " ".join(rng.choice(WORDS) for _ in range(170)) + "."
            texts.append(text)
            rows.append(text)
        ids = [f"s{s}-{i}" for i in range(docs)]
        pq.write_table(
            pa.table({"id": ids, "text": rows}), root / f"part-{s:03d}.parquet", row_group_size=1000
        )
    return sum(p.stat().st_size for p in root.iterdir())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def best(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shards", type=int, default=8)
    ap.add_argument("--docs", type=int, default=4000, help="documents per shard")
    ap.add_argument("--recipe", default="dedup")
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()

    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    os.environ.update(
        AWS_ENDPOINT_URL=f"http://127.0.0.1:{port}",
        AWS_ACCESS_KEY_ID="bench",
        AWS_SECRET_ACCESS_KEY="bench",
        AWS_DEFAULT_REGION="us-east-1",
    )
    import logging

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    import s3fs

    from dataprep.engine.driver import run_pipeline
    from dataprep.io import storage
    from dataprep.io.discover import scan_inputs
    from dataprep.io.readers import iter_positioned_batches
    from dataprep.recipe.config import load_recipe

    tmp = Path(tempfile.mkdtemp(prefix="bench-storage-"))
    try:
        size = make_corpus(tmp / "corpus", args.shards, args.docs)
        fs = s3fs.S3FileSystem(skip_instance_cache=True)
        bucket = f"bench-{uuid.uuid4().hex[:8]}"
        fs.mkdir(bucket)
        fs.put(str(tmp / "corpus") + "/", f"{bucket}/corpus/", recursive=True)
        s3_in, recipe = f"s3://{bucket}/corpus", load_recipe(args.recipe)
        docs = args.shards * args.docs
        print(f"corpus: {docs:,} documents, {size / 1e6:.1f} MB Parquet, recipe {args.recipe}")

        def run(inp: str, out: str, **kw: object) -> None:
            work = tmp / "scratch"
            run_pipeline(recipe, [inp], out, workers=2, progress=False, overwrite=True, **kw)
            shutil.rmtree(work, ignore_errors=True)

        local_in = str(tmp / "corpus")
        modes = [
            ("local -> local", local_in, str(tmp / "out")),
            ("s3 -> local", s3_in, str(tmp / "out")),
            ("local -> s3 (work-dir local)", local_in, f"s3://{bucket}/clean"),
            ("s3 -> s3 (work-dir local)", s3_in, f"s3://{bucket}/clean"),
        ]
        print("\n| run | wall s (best) | docs/s |\n|---|---|---|")
        for label, inp, out in modes:
            extra = {"work_dir": tmp / "scratch"} if out.startswith("s3://") else {}
            t = best(lambda i=inp, o=out, e=extra: run(i, o, **e), args.repeat)
            print(f"| {label} | {t:.2f} | {docs / t:,.0f} |")

        kept = tmp / "kept"
        run_pipeline(recipe, [local_in], kept, workers=2, progress=False, keep_work=True)
        work_files = [p for p in (kept / "_work").rglob("*") if p.is_file()]
        work_bytes = sum(p.stat().st_size for p in work_files)
        up = best(lambda: fs.put(str(kept / "_work"), f"{bucket}/work/", recursive=True), 1)
        down = best(lambda: fs.get(f"{bucket}/work/", str(tmp / "back"), recursive=True), 1)
        mb_work = work_bytes / 1e6
        print(
            f"\n_work/ of the run: {len(work_files)} files, {mb_work:.1f} MB; "
            f"to the server {up:.2f} s, back {down:.2f} s "
            f"({mb_work / max(up, 1e-9):.0f} / {mb_work / max(down, 1e-9):.0f} MB/s)"
        )

        big = tmp / "corpus" / "part-000.parquet"
        remote = scan_inputs([f"{s3_in}/part-000.parquet"]).shards[0]
        local = scan_inputs([str(big)]).shards[0]

        def read(shard: object) -> None:
            for _ in iter_positioned_batches(shard, batch_size=1024):  # type: ignore[arg-type]
                pass

        mb = big.stat().st_size / 1e6
        t_local, t_remote = best(lambda: read(local), 3), best(lambda: read(remote), 3)
        print(
            f"\nread one {mb:.1f} MB Parquet file by row groups: disk {mb / t_local:.0f} MB/s, "
            f"S3 server {mb / t_remote:.0f} MB/s (block {storage.READ_BLOCK >> 20} MiB)"
        )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        server.stop()


if __name__ == "__main__":
    main()
