"""What a run writes for the training stage (recipe ``output``):

* ``signals: keep | drop | separate``: signal columns stay in ``data/``, are left out,
  or go to ``signals/`` (same part names and rows, joined by id) that ``inspect``,
  ``redecide`` and the report still read;
* ``columns``: the data columns ``data/`` keeps (text and id always);
* the text column is ``string``; every part of ``data/`` has one schema, whatever
  columns the input files had, and a type conflict between two input files is one
  line naming both.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from cli_helpers import one_line_error

from corpus_helpers import write_shard
from dataprep.cli import main
from dataprep.engine.driver import run_pipeline
from dataprep.output.columns import is_signal
from dataprep.recipe.config import load_recipe, parse_recipe
from dataprep.sample_data import sample_path

MULTILINGUAL_STAGES = [s.name for s in load_recipe("multilingual").stages]
#: What data/ holds for the multilingual recipe with signals separate: the sample
#: corpus's columns, then lang, dedup clusters and the copy columns.
DATA_COLUMNS = [
    "id",
    "text",
    "url",
    "source",
    "dup_cluster",
    "dup_cluster_size",
    "lang",
    "repeat",
    "original_id",
]


@pytest.fixture(scope="module")
def separate(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("separate") / "out"
    code = main(["run", "multilingual", "-o", str(out), "-j", "1", "-q",
                 "--set", "output.signals=separate"])  # fmt: skip
    assert code == 0
    return out


def _parts(folder: Path) -> list[Path]:
    return sorted(folder.glob("part-*.parquet"))


def test_separate_writes_only_data_columns_and_a_row_aligned_side_table(separate: Path) -> None:
    data, side = _parts(separate / "data"), _parts(separate / "signals")
    assert [p.name for p in data] == [p.name for p in side] and data
    for d, s in zip(data, side, strict=True):
        schema = pq.read_schema(d)
        assert schema.names == DATA_COLUMNS
        assert schema.field("text").type == pa.string()
        signals = pq.read_schema(s).names
        assert signals[0] == "id" and len(signals) > 20
        assert all(is_signal(n, MULTILINGUAL_STAGES) for n in signals[1:])
        assert pq.read_table(d, columns=["id"]).equals(pq.read_table(s, columns=["id"]))


def test_redecide_inspect_and_report_read_the_side_table(
    separate: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert main(["redecide", str(separate), "--stage", "gopher_quality_v1",
                 "--set", "min_words=80"]) == 0  # fmt: skip
    printed = capsys.readouterr().out
    assert "documents re-decided" in printed and "gopher_quality:word_count_low" in printed
    assert main(["inspect", str(separate), "--kept", "-n", "1"]) == 0
    assert "id=" in capsys.readouterr().out
    assert main(["report", str(separate)]) == 0


def test_the_report_is_the_same_as_with_signals_kept_in_data(
    separate: Path, tmp_path: Path
) -> None:
    kept = tmp_path / "keep"
    assert main(["run", "multilingual", "-o", str(kept), "-j", "1", "-q"]) == 0
    a, b = (json.loads((r / "report.json").read_text()) for r in (separate, kept))
    assert "gopher_quality_v1__word_count" in json.dumps(a["signals"])
    for section in ("signals", "samples", "dedup", "stages", "language_mix"):
        assert a[section] == b[section], section


def test_signals_drop_leaves_them_out_and_redecide_says_why(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    recipe = parse_recipe({"output": {"signals": "drop"},
                           "stages": [{"stage": "gopher_quality_v1"}]})  # fmt: skip
    run_pipeline(recipe, [str(sample_path())], out, workers=1, progress=False)
    assert not (out / "signals").exists()
    for part in _parts(out / "data"):
        assert pq.read_schema(part).names == ["id", "text", "url", "source"]
    # Removed documents keep their signals: they say why they were removed.
    removed = pq.read_schema(_parts(out / "removed" / "gopher_quality_v1")[0]).names
    assert "gopher_quality_v1__word_count" in removed
    code = main(["redecide", str(out), "--stage", "gopher_quality_v1", "--set", "min_words=80"])
    assert code == 3
    assert "output.signals 'drop'" in one_line_error(capsys)


def test_columns_keeps_the_listed_data_columns_plus_text_and_id(tmp_path: Path) -> None:
    out = tmp_path / "out"
    recipe = parse_recipe(
        {"output": {"columns": ["url", "lang"], "signals": "drop"},
         "stages": [{"stage": "fasttext_langid_v1"}]}
    )  # fmt: skip
    run_pipeline(recipe, [str(sample_path())], out, workers=1, progress=False)
    for part in _parts(out / "data"):
        assert pq.read_schema(part).names == ["id", "text", "url", "lang"]


def _tree(root: Path, folders: tuple[str, ...]) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for f in folders
        for p in sorted((root / f).rglob("*.parquet"))
    }


def test_separate_output_is_the_same_bytes_with_one_and_two_workers(tmp_path: Path) -> None:
    recipe = parse_recipe(
        {"output": {"signals": "separate"}, "run": {"batch_size": 16},
         "stages": [{"stage": "fasttext_langid_v1"}, {"stage": "gopher_quality_v1"},
                    {"stage": "exact_dedup_v1"}]}
    )  # fmt: skip
    for w in (1, 2):
        run_pipeline(recipe, [str(sample_path())], tmp_path / f"w{w}", workers=w, progress=False)
    one = _tree(tmp_path / "w1", ("data", "signals", "removed"))
    assert one == _tree(tmp_path / "w2", ("data", "signals", "removed"))
    assert any(k.startswith("signals/") for k in one)


def _docs(n: int, start: int, **extra: object) -> list[dict]:
    return [{"id": f"d{i}", "text": f"document number {i} " * (1 + i % 5), **extra}
            for i in range(start, start + n)]  # fmt: skip


def _drifting(tmp_path: Path, score_b: object = 2) -> Path:
    inp = tmp_path / "in"
    write_shard(inp / "a.jsonl", _docs(20, 0, url="https://a.example"))
    write_shard(inp / "b.parquet", _docs(20, 20, score=score_b))
    write_shard(inp / "c.jsonl", _docs(20, 40, url="https://c.example", score=3))
    return inp


def test_inputs_with_drifting_columns_give_one_schema_that_datasets_and_polars_load(
    tmp_path: Path,
) -> None:
    datasets = pytest.importorskip("datasets", reason="datasets not installed (dev extra)")
    import polars as pl

    out = tmp_path / "out"
    run_pipeline(parse_recipe({"stages": []}), [str(_drifting(tmp_path))], out, workers=2,
                 progress=False)  # fmt: skip
    files = _parts(out / "data")
    assert len(files) == 3
    assert {tuple(pq.read_schema(f).names) for f in files} == {("id", "text", "url", "score")}
    frame = pl.scan_parquet(str(out / "data" / "*.parquet")).collect()
    assert frame.height == 60
    by_id = {r["id"]: r for r in frame.to_dicts()}
    assert by_id["d3"]["score"] is None and by_id["d3"]["url"] == "https://a.example"
    assert by_id["d23"]["url"] is None and by_id["d23"]["score"] == 2
    ds = datasets.load_dataset("parquet", data_files=[str(f) for f in files], split="train")
    assert ds.num_rows == 60 and ds.column_names == ["id", "text", "url", "score"]


def test_a_type_conflict_between_input_files_is_one_line_naming_both(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inp = _drifting(tmp_path, score_b="high")
    out = tmp_path / "out"
    assert main(["run", "dedup", "-i", str(inp), "-o", str(out), "-q"]) == 3
    line = one_line_error(capsys)
    assert "column 'score'" in line
    assert str(inp / "b.parquet") in line and str(inp / "c.jsonl") in line
    assert not out.exists()


class _Stop(Exception):
    pass


def test_an_interrupted_unify_step_resumes_to_the_same_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dataprep.engine import unify

    inp = _drifting(tmp_path)
    gopher = {"stage": "gopher_quality_v1", "annotate": True}
    recipe = parse_recipe({"output": {"signals": "separate"}, "stages": [gopher]})
    ref, out = tmp_path / "ref", tmp_path / "out"
    run_pipeline(recipe, [str(inp)], ref, workers=1, progress=False)
    rewrite, calls = unify._rewrite, []

    def second_fails(*args: object) -> None:
        calls.append(args)
        if len(calls) == 2:
            raise _Stop
        rewrite(*args)  # type: ignore[arg-type]

    with monkeypatch.context() as m:
        m.setattr(unify, "_rewrite", second_fails)
        with pytest.raises(_Stop):
            run_pipeline(recipe, [str(inp)], out, workers=1, progress=False)
    assert not (out / "stats.json").exists()
    run_pipeline(recipe, [str(inp)], out, workers=1, progress=False, resume=True)
    assert _tree(out, ("data", "signals")) == _tree(ref, ("data", "signals"))
    assert (out / "stats.json").read_bytes() == (ref / "stats.json").read_bytes()


@pytest.mark.parametrize("damage", ["reversed", "shorter"])
def test_a_side_table_that_does_not_match_its_data_part_is_an_error_never_a_mis_join(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], damage: str
) -> None:
    out = tmp_path / "out"
    recipe = parse_recipe({"output": {"signals": "separate"},
                           "stages": [{"stage": "gopher_quality_v1"}]})  # fmt: skip
    run_pipeline(recipe, [str(sample_path())], out, workers=1, progress=False)
    side = _parts(out / "signals")[0]
    table = pq.read_table(side)
    table = table.take(list(range(len(table)))[::-1]) if damage == "reversed" else table[1:]
    pq.write_table(table, side)
    args = ["redecide", str(out), "--stage", "gopher_quality_v1", "--set", "min_words=80"]
    assert main(args) == 3
    line = one_line_error(capsys)
    assert f"{side} does not match" in line
