"""Work units inside one input file (``io/units.py``): a big Parquet or Arrow file is
cut into units of whole row groups / record batches, one job each, and the output
rows, ids and stats do not depend on how it was cut or how many workers ran it."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pid_stage  # noqa: F401  (registers toy_pid_v0; this folder is on sys.path)
import pyarrow as pa
import pyarrow.ipc as ipc
import pyarrow.parquet as pq
import pytest

from dataprep.engine.driver import run_pipeline
from dataprep.engine.executors import local
from dataprep.engine.shard_pass import ShardJob, ShardResult, run_shard_pass
from dataprep.errors import ConfigError, InputError, ResumeError
from dataprep.io.discover import scan_inputs
from dataprep.io.jsonl import BOM
from dataprep.io.units import (
    AUTO_MAX_BYTES,
    AUTO_MIN_BYTES,
    WHOLE,
    plan_units,
    resolve_unit_bytes,
)
from dataprep.recipe.config import parse_recipe

N_DOCS = 1000
GROUPS = 10
SMALL = 1  # every row group / record batch is a unit of its own
DEFAULT = 128 * 1024 * 1024


class Killed(Exception):
    """Stands for a worker killed mid-run."""


def _docs() -> list[dict[str, Any]]:
    letters = "abcdefghijklmnoprstuvyz"
    vocab = [letters[k % 23] + letters[(k * 7) % 23] + letters[(k * 11) % 23] for k in range(300)]
    docs = []
    for i in range(N_DOCS):
        words = [vocab[(i * 31 + k * 17 + k * k) % 300] for k in range(20 + i % 60)]
        text = (
            " ".join(
                w + (" the" if k % 5 == 0 else " and" if k % 7 == 0 else "")
                for k, w in enumerate(words)
            )
            + f" end{i}."
        )
        if i % 50 == 3:
            text = "too short"
        if i % 7 == 0:
            text = "the same duplicated text here for the dedup stage to find"
        docs.append({"text": text, "n": i})
    docs[5]["text"] = None
    docs[250]["text"] = ""
    return docs


def _write(path: Path) -> Path:
    table = pa.Table.from_pylist(_docs())
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".jsonl":  # a byte order mark and blank lines: rows are not lines
        lines = [json.dumps(d) + ("\n\n" if i % 97 == 0 else "\n") for i, d in enumerate(_docs())]
        path.write_bytes(BOM + "".join(lines).encode())
    elif path.suffix == ".parquet":
        pq.write_table(table, path, row_group_size=N_DOCS // GROUPS)
    else:
        with ipc.new_file(str(path), table.schema) as w:
            for batch in table.to_batches(max_chunksize=N_DOCS // GROUPS):
                w.write_batch(batch)
    return path


def _recipe(unit_bytes: int, **extra: Any) -> Any:
    stages: list[dict[str, Any]] = [
        {"stage": "exact_dedup_v1"},
        {"stage": "gopher_quality_v1", "min_words": 5},
    ]
    return parse_recipe(
        {"run": {"unit_bytes": unit_bytes, "batch_size": 64}, "stages": stages, **extra}
    )


def _rows(out: Path) -> list[tuple[Any, ...]]:
    rows: list[tuple[Any, ...]] = []
    for p in sorted((out / "data").glob("part-*.parquet")):
        t = pq.read_table(p)
        rows.extend(zip(t.column("id").to_pylist(), t.column("text").to_pylist(), strict=True))
    return rows


def _small(src: Path) -> int:
    """A unit size that cuts ``src`` into about ten units."""
    return src.stat().st_size // GROUPS if src.suffix == ".jsonl" else SMALL


def _run(src: Path, out: Path, unit_bytes: int, workers: int) -> tuple[list[Any], bytes]:
    run_pipeline(_recipe(unit_bytes), [str(src)], out, workers=workers, progress=False)
    return _rows(out), (out / "stats.json").read_bytes()


@pytest.fixture(scope="module", params=["big.parquet", "big.arrow", "big.jsonl"])
def big(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _write(tmp_path_factory.mktemp("units") / str(request.param))


@pytest.mark.parametrize("name", ["big.parquet", "big.arrow"])
def test_units_follow_row_groups_and_keep_the_files_row_numbers(name: str, tmp_path: Path) -> None:
    big = _write(tmp_path / name)  # JSONL units are byte ranges: see the JSONL tests below
    (shard,) = scan_inputs([str(big)], format="auto").shards
    assert plan_units(shard, DEFAULT) == (WHOLE,)
    units = plan_units(shard, SMALL)
    assert [(u.index, u.count, u.first, u.end) for u in units] == [
        (k, GROUPS, k, k + 1) for k in range(GROUPS)
    ]
    assert [u.row_start for u in units] == list(range(0, N_DOCS, N_DOCS // GROUPS))
    size = big.stat().st_size
    assert 1 < len(plan_units(shard, size // 3)) < GROUPS


@pytest.mark.slow
def test_unit_size_and_workers_change_file_names_only(big: Path, tmp_path: Path) -> None:
    base_rows, base_stats = _run(big, tmp_path / "whole-1", DEFAULT, 1)
    assert sorted(p.name for p in (tmp_path / "whole-1" / "data").iterdir()) == [
        "part-00000-0000.parquet"
    ]
    assert N_DOCS // 5 < len(base_rows) < N_DOCS  # the stages keep some, remove some
    assert base_rows[0][0] == f"{big.name}:0"
    small = _small(big)
    for unit_bytes, workers in [(small, 1), (small, 2), (DEFAULT, 2)]:
        out = tmp_path / f"{unit_bytes}-{workers}"
        rows, stats = _run(big, out, unit_bytes, workers)
        assert rows == base_rows
        assert stats == base_stats
    names = sorted(p.name for p in (tmp_path / f"{small}-2" / "data").iterdir())
    assert names[0] == "part-00000-0000-0000.parquet"
    assert {n[:15] for n in names} == {f"part-00000-{k:04d}" for k in range(GROUPS)}


def test_two_workers_share_a_single_file(tmp_path: Path) -> None:
    src = _write(tmp_path / "one.parquet")
    seen = tmp_path / "pids"
    seen.mkdir()
    recipe = parse_recipe(
        {
            "run": {"unit_bytes": SMALL, "batch_size": 50},
            "stages": [{"stage": "toy_pid_v0", "folder": str(seen)}],
        }
    )
    run_pipeline(recipe, [str(src)], tmp_path / "out", workers=2, progress=False)
    assert len(list(seen.iterdir())) == 2
    assert len(_rows(tmp_path / "out")) == N_DOCS - 2  # the null and the empty text


def test_a_multi_unit_shard_interrupted_after_some_units_resumes_identically(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = _write(tmp_path / "in" / "big.parquet")
    want_rows, want_stats = _run(src, tmp_path / "clean", SMALL, 1)
    calls: list[int] = []
    killed: list[int] = []

    def dies_at_unit_4(job: ShardJob, progress: Any = None) -> ShardResult:
        if job.plan.index == 1 and job.unit.index == 4 and not killed:
            killed.append(job.unit.index)
            raise Killed
        calls.append(job.unit.index)
        return run_shard_pass(job, progress)

    monkeypatch.setattr(local, "run_shard_pass", dies_at_unit_4)
    out = tmp_path / "out"
    with pytest.raises(Killed):
        run_pipeline(_recipe(SMALL), [str(src)], out, workers=1, progress=False)
    done = sorted(p.name for p in (out / "_work" / "pass-1" / "done").iterdir())
    assert done == [f"00000-{k:04d}.json" for k in range(4)]
    calls.clear()
    run_pipeline(_recipe(SMALL), [str(src)], out, workers=1, progress=False, resume=True)
    assert calls == list(range(4, GROUPS))  # only the units not done are run again
    assert _rows(out) == want_rows
    assert (out / "stats.json").read_bytes() == want_stats


def test_resume_refuses_another_unit_size(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = _write(tmp_path / "in" / "big.parquet")

    def dies(job: ShardJob, progress: Any = None) -> ShardResult:
        raise Killed

    monkeypatch.setattr(local, "run_shard_pass", dies)
    out = tmp_path / "out"
    with pytest.raises(Killed):
        run_pipeline(_recipe(SMALL), [str(src)], out, workers=1, progress=False)
    with pytest.raises(ResumeError, match="unit_bytes"):
        run_pipeline(_recipe(DEFAULT), [str(src)], out, workers=1, progress=False, resume=True)


def test_unit_bytes_is_validated_and_not_hashed() -> None:
    with pytest.raises(ConfigError, match="unit_bytes"):
        parse_recipe({"run": {"unit_bytes": -1}})
    assert parse_recipe({}).run.unit_bytes == 0  # sized from the corpus
    assert _recipe(SMALL).digest() == _recipe(DEFAULT).digest()
    assert "unit_bytes" not in json.dumps(_recipe(SMALL).to_dict())


LINE = 100  # bytes per line of the fixed-width JSONL file below


def _fixed_lines(n: int, bad: dict[int, bytes]) -> bytes:
    """``n`` JSONL lines of exactly LINE bytes; line i (1-based) replaced by ``bad[i]``."""
    out = []
    for i in range(1, n + 1):
        body = json.dumps({"text": f"document number {i} of the test"})
        line = bad.get(i, (body + " " * (LINE - 1 - len(body))).encode())
        out.append(line + b"\n")
    return b"".join(out)


def test_jsonl_units_are_the_lines_starting_in_their_byte_range(tmp_path: Path) -> None:
    src = tmp_path / "f.jsonl"
    src.write_bytes(_fixed_lines(40, {}))
    (shard,) = scan_inputs([str(src)], format="auto").shards
    units = plan_units(shard, 10 * LINE + 1)  # boundaries fall inside lines 11, 22, 33
    assert [(u.first, u.end, u.line_start, u.row_start) for u in units] == [
        (0, 11 * LINE, 0, 0),
        (11 * LINE, 22 * LINE, 11, 11),
        (22 * LINE, 33 * LINE, 22, 22),
        (33 * LINE, 40 * LINE, 33, 33),
    ]
    gz = tmp_path / "f.jsonl.gz"
    gz.write_bytes(gzip.compress(src.read_bytes()))
    (zipped,) = scan_inputs([str(gz)], format="auto").shards
    assert plan_units(zipped, LINE) == (WHOLE,)  # a compressed stream cannot be cut


def test_a_bad_jsonl_line_on_a_unit_boundary_is_quarantined_once(tmp_path: Path) -> None:
    # Line 11 starts exactly on the boundary at byte 1000; line 20 straddles the one at 2000
    # (it starts at 1900), line 31 starts right after the one at 3000.
    src = tmp_path / "in" / "f.jsonl"
    src.parent.mkdir()
    src.write_bytes(_fixed_lines(40, {11: b"{not json", 20: b'{"text": 1}', 31: b"[]"}))
    (shard,) = scan_inputs([str(src)], format="auto").shards
    assert len(plan_units(shard, 10 * LINE)) == 4
    stats = []
    for unit_bytes, workers in [(DEFAULT, 1), (10 * LINE, 1), (10 * LINE, 2)]:
        out = tmp_path / f"out-{unit_bytes}-{workers}"
        recipe = parse_recipe(
            {"run": {"unit_bytes": unit_bytes}, "input": {"on_error": "quarantine"}}
        )
        run_pipeline(recipe, [str(src)], out, workers=workers, progress=False)
        stats.append((out / "stats.json").read_bytes())
        assert len(_rows(out)) == 37
        assert _rows(out)[10][0] == "f.jsonl:11"  # the row after bad line 11 keeps its number
    assert stats[0] == stats[1] == stats[2]
    doc = json.loads(stats[0])
    assert [e["line"] for e in doc["quarantine"]] == [11, 20, 31]
    assert doc["stages"]["input"]["docs_in"] == 40


def test_a_bad_jsonl_line_in_a_later_unit_is_named_by_its_line_in_the_file(
    tmp_path: Path,
) -> None:
    src = tmp_path / "in" / "f.jsonl"
    src.parent.mkdir()
    src.write_bytes(_fixed_lines(40, {27: b"{broken"}))
    recipe = parse_recipe({"run": {"unit_bytes": 10 * LINE}})
    with pytest.raises(InputError, match=r"f\.jsonl:27: invalid JSON"):
        run_pipeline(recipe, [str(src)], tmp_path / "out", workers=1, progress=False)


def test_the_default_unit_size_comes_from_the_corpus_size_never_from_workers() -> None:
    mib = 1024 * 1024
    assert resolve_unit_bytes(5000, [10**12]) == 5000  # a configured size is kept
    assert resolve_unit_bytes(0, [40 * mib]) == AUTO_MIN_BYTES  # small: >= 4 MiB units
    assert resolve_unit_bytes(0, [1024 * mib, None]) == 16 * mib  # 64 units of 1 GiB
    assert resolve_unit_bytes(0, [10**13]) == AUTO_MAX_BYTES  # large: <= 128 MiB units


def test_one_40_mb_parquet_file_is_cut_into_units_by_default(tmp_path: Path) -> None:
    """With the default recipe, -j 2 has work for both workers in one mid-size file;
    the run records the resolved size, which a resume checks."""
    src = tmp_path / "in" / "big.parquet"
    src.parent.mkdir()
    rng = __import__("random").Random(0)
    words = ["".join(rng.choice("abcdefghij") for _ in range(6)) for _ in range(5000)]
    texts = [" ".join(rng.choice(words) for _ in range(150)) for _ in range(40_000)]
    pq.write_table(pa.table({"text": texts}), src, row_group_size=1000, compression="none")
    size = src.stat().st_size
    assert size > 40_000_000
    out = tmp_path / "out"
    recipe = parse_recipe({"stages": [{"stage": "toy_pid_v0"}]})
    run_pipeline(recipe, [str(src)], out, workers=1, progress=False)
    assert json.loads((out / "run.json").read_text())["unit_bytes"] == AUTO_MIN_BYTES
    parts = sorted(p.name for p in (out / "data").glob("*.parquet"))
    assert 8 <= len(parts) <= 10 and all(p.startswith("part-00000-") for p in parts)
