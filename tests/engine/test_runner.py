"""The runner: accounting always balances, output is deterministic, global stages
can stand anywhere, annotate keeps everything, removed documents are kept aside."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corpus_helpers import make_docs, write_shard
from dataprep.engine.driver import run_pipeline
from dataprep.errors import InputError, OutputError, ResumeError
from dataprep.recipe.config import parse_recipe

STACK = [
    {"stage": "toy_upper_v0"},
    {"stage": "toy_min_words_v0", "min_words": 2},
    {"stage": "toy_exact_dedup_v0"},
    {"stage": "toy_min_words_v0", "name": "min4", "min_words": 4},
]


N_NONEMPTY = sum(bool(d["text"]) for start in (0, 15, 30, 45) for d in make_docs(15, start=start))


def recipe(stages: list, **run: object) -> object:
    return parse_recipe({"name": "t", "run": {"batch_size": 5, **run}, "stages": stages})


def tree_digest(root: Path) -> dict[str, str]:
    """sha256 of every data and stats file under ``root``.

    run.json (input mtimes, timing) and the reports (they show timing) are left out;
    the report's own determinism is tested in tests/report.
    """
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
        and p.name not in ("run.json", "run.log")
        and not p.name.startswith("report.")
    }


def kept_rows(out: Path) -> list[dict]:
    return pq.read_table(out / "data").to_pylist() if (out / "data").exists() else []


def test_counts_balance_and_removed_docs_are_kept_aside(corpus: Path, tmp_path: Path) -> None:
    res = run_pipeline(recipe(STACK), [str(corpus)], tmp_path / "out", workers=1, progress=False)
    stats = json.loads((tmp_path / "out" / "stats.json").read_text())
    assert stats["docs_read"] == 60
    prev_out = None
    for name, s in stats["stages"].items():
        assert s["docs_in"] == s["docs_kept"] + s["docs_removed"], name
        assert sum(s["removed_by_reason"].values()) == s["docs_removed"]
        if prev_out is not None:
            assert s["docs_in"] == prev_out
        prev_out = s["docs_out"]
        removed_dir = tmp_path / "out" / "removed" / name
        n_removed_files = pq.read_table(removed_dir).num_rows if removed_dir.exists() else 0
        assert n_removed_files == s["docs_removed"], name
    assert len(kept_rows(tmp_path / "out")) == stats["docs_out"] == prev_out
    docs = [d for start in (0, 15, 30, 45) for d in make_docs(15, start=start)]
    expected = {
        "null_text": sum(d["text"] is None for d in docs),
        "empty_text": sum(d["text"] == "" for d in docs),
    }
    assert stats["stages"]["input"]["removed_by_reason"] == expected
    removed = pq.read_table(tmp_path / "out" / "removed" / "toy_exact_dedup_v0").to_pylist()
    assert {r["stage"] for r in removed} == {"toy_exact_dedup_v0"}
    assert {r["reason"] for r in removed} == {"dup"}
    assert res.fit_summaries == {"toy_exact_dedup_v0": {"toy": True}}
    assert not (tmp_path / "out" / "_work").exists()


def test_same_bytes_with_one_and_two_workers(corpus: Path, tmp_path: Path) -> None:
    r = recipe([*STACK, {"stage": "toy_repeat_v0", "copies": 2}])
    run_pipeline(r, [str(corpus)], tmp_path / "w1", workers=1, progress=False)
    run_pipeline(r, [str(corpus)], tmp_path / "w2", workers=2, progress=False)
    d1, d2 = tree_digest(tmp_path / "w1"), tree_digest(tmp_path / "w2")
    assert d1 == d2
    assert any(k.startswith("data/") for k in d1)


def test_global_stage_first_last_and_adjacent(corpus: Path, tmp_path: Path) -> None:
    stages = [
        {"stage": "toy_exact_dedup_v0"},
        {"stage": "toy_repeat_v0", "copies": 3},
        {"stage": "toy_min_words_v0", "min_words": 2},
        {"stage": "toy_exact_dedup_v0", "name": "dedup_again"},
    ]
    run_pipeline(recipe(stages), [str(corpus)], tmp_path / "o", workers=1, progress=False)
    stats = json.loads((tmp_path / "o" / "stats.json").read_text())["stages"]
    first = stats["toy_exact_dedup_v0"]
    rep = stats["toy_repeat_v0"]
    assert rep["docs_added"] == 2 * first["docs_out"]
    assert rep["docs_out"] == 3 * first["docs_out"]
    # Copies are identical texts, so the second dedup keeps one of each.
    assert stats["dedup_again"]["docs_out"] == stats["toy_min_words_v0"]["docs_out"] // 3
    rows = kept_rows(tmp_path / "o")
    assert {r["repeat"] for r in rows} == {0}


def test_upsampled_copies_are_numbered(corpus: Path, tmp_path: Path) -> None:
    run_pipeline(
        recipe([{"stage": "toy_repeat_v0", "copies": 2}]),
        [str(corpus)],
        tmp_path / "o",
        workers=1,
        progress=False,
    )
    rows = kept_rows(tmp_path / "o")
    assert len(rows) == 2 * N_NONEMPTY
    by_id: dict[str, list[int]] = {}
    for r in rows:
        by_id.setdefault(r["original_id"], []).append(r["repeat"])
    assert all(sorted(v) == [0, 1] for v in by_id.values())
    assert len({r["id"] for r in rows}) == len(rows)  # copies get `<id>#<repeat>`


def test_annotate_keeps_everything_and_records_reasons(corpus: Path, tmp_path: Path) -> None:
    stages = [{"stage": "toy_min_words_v0", "min_words": 4, "annotate": True}]
    run_pipeline(recipe(stages), [str(corpus)], tmp_path / "o", workers=1, progress=False)
    stats = json.loads((tmp_path / "o" / "stats.json").read_text())["stages"]["toy_min_words_v0"]
    rows = kept_rows(tmp_path / "o")
    assert stats["docs_removed"] == 0 and len(rows) == N_NONEMPTY
    flagged = [r for r in rows if r["toy_min_words_v0__reason"] is not None]
    assert len(flagged) == stats["flagged_by_reason"]["too_few_words"] > 0
    assert all(r["toy_min_words_v0__words"] < 4 for r in flagged)


def test_rewriting_stage_bytes_are_accounted(tmp_path: Path) -> None:
    write_shard(tmp_path / "in" / "a.jsonl", [{"text": "keep this\nDROP THIS LINE\nand this"}])
    run_pipeline(
        recipe([{"stage": "toy_upper_v0"}]),
        [str(tmp_path / "in")],
        tmp_path / "o",
        workers=1,
        progress=False,
    )
    s = json.loads((tmp_path / "o" / "stats.json").read_text())["stages"]["toy_upper_v0"]
    assert s["bytes_rewritten_away"] == len("\nDROP THIS LINE")
    assert kept_rows(tmp_path / "o")[0]["text"] == "keep this\nand this"


def test_keep_removed_false_writes_no_removed_folder(corpus: Path, tmp_path: Path) -> None:
    r = parse_recipe({"output": {"keep_removed": False}, "stages": STACK})
    run_pipeline(r, [str(corpus)], tmp_path / "o", workers=1, progress=False)
    assert not (tmp_path / "o" / "removed").exists()


def test_refuses_non_empty_output_unless_overwrite(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "o"
    out.mkdir()
    (out / "precious.txt").write_text("x")
    with pytest.raises(OutputError, match="not empty"):
        run_pipeline(recipe(STACK), [str(corpus)], out, workers=1, progress=False)
    with pytest.raises(OutputError, match="does not look like a dataprep output"):
        run_pipeline(recipe(STACK), [str(corpus)], out, workers=1, progress=False, overwrite=True)
    assert (out / "precious.txt").exists()
    (out / "precious.txt").unlink()
    run_pipeline(recipe(STACK), [str(corpus)], out, workers=1, progress=False)
    run_pipeline(recipe(STACK), [str(corpus)], out, workers=1, progress=False, overwrite=True)


def test_user_error_leaves_no_partial_output(tmp_path: Path) -> None:
    write_shard(tmp_path / "in" / "a.jsonl", [{"text": "fine text here"}] * 3)
    write_shard(tmp_path / "in" / "b.jsonl", [{"body": "no text column"}])
    with pytest.raises(InputError, match=r"b\.jsonl: no text column 'text'"):
        run_pipeline(
            recipe(STACK), [str(tmp_path / "in")], tmp_path / "o", workers=1, progress=False
        )
    assert not (tmp_path / "o").exists()


def test_resume_after_an_interrupted_pass_gives_the_same_output(
    corpus: Path, tmp_path: Path
) -> None:
    r = recipe(STACK)
    run_pipeline(r, [str(corpus)], tmp_path / "ref", workers=1, progress=False)
    out = tmp_path / "o"
    run_pipeline(r, [str(corpus)], out, workers=1, progress=False, keep_work=True)
    # Simulate a crash in the last pass: the run is not finished, one shard's record
    # and files disappear, a stale temporary file is left behind.
    run = json.loads((out / "run.json").read_text())
    del run["finished"]
    (out / "run.json").write_text(json.dumps(run))
    (out / "stats.json").unlink()
    last = max(out.glob("_work/pass-*"))
    (last / "done" / "00002.json").unlink()
    for p in (out / "data").glob("part-00002-*"):
        p.unlink()
    (out / "data" / ".part-00002-0000.parquet.tmp").write_bytes(b"partial")
    run_pipeline(r, [str(corpus)], out, workers=1, progress=False, resume=True)
    assert tree_digest(out) == tree_digest(tmp_path / "ref")


def test_resume_with_changed_recipe_is_refused(corpus: Path, tmp_path: Path) -> None:
    run_pipeline(recipe(STACK), [str(corpus)], tmp_path / "o", workers=1, progress=False)
    other = recipe(STACK[:1])
    with pytest.raises(ResumeError, match="recipe changed"):
        run_pipeline(other, [str(corpus)], tmp_path / "o", workers=1, progress=False, resume=True)


texts = st.one_of(
    st.none(),
    st.text(alphabet=st.sampled_from(list("ab \nXY")), max_size=30),
    st.sampled_from(["same text twice here", "UPPER\nlower words here"]),
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    shards=st.lists(st.lists(texts, min_size=0, max_size=12), min_size=1, max_size=3),
    batch_size=st.integers(1, 7),
)
def test_docs_in_equals_kept_plus_removed_for_any_mixture(
    tmp_path_factory: pytest.TempPathFactory, shards: list, batch_size: int
) -> None:
    tmp = tmp_path_factory.mktemp("prop")
    n_total = 0
    for i, docs in enumerate(shards):
        write_shard(tmp / "in" / f"s{i}.jsonl", [{"text": t} for t in docs] or [{"text": None}])
        n_total += max(len(docs), 1)
    stages = [*STACK, {"stage": "toy_repeat_v0", "copies": 2}]
    res = run_pipeline(
        recipe(stages, batch_size=batch_size),
        [str(tmp / "in")],
        tmp / "out",
        workers=1,
        progress=False,
    )
    flow = n_total
    for name, s in res.stats.items():
        assert s.docs_in == flow, name
        assert s.docs_in == s.docs_kept + s.docs_removed
        flow = s.docs_kept + s.docs_added
    assert len(kept_rows(tmp / "out")) == flow


def test_resuming_a_finished_run_changes_nothing(corpus: Path, tmp_path: Path) -> None:
    r = recipe(STACK)
    first = run_pipeline(r, [str(corpus)], tmp_path / "o", workers=1, progress=False)
    before = tree_digest(tmp_path / "o")
    again = run_pipeline(r, [str(corpus)], tmp_path / "o", workers=1, progress=False, resume=True)
    assert tree_digest(tmp_path / "o") == before
    assert {k: v.to_dict() for k, v in again.stats.items()} == {
        k: v.to_dict() for k, v in first.stats.items()
    }


def test_a_global_stage_can_rewrite_text_from_its_decisions(tmp_path: Path) -> None:
    docs = [
        {"id": "a", "text": "Menu | Home\nFirst story here"},
        {"id": "b", "text": "Menu | Home\nSecond story here"},
        {"id": "c", "text": "Only its own line"},
    ]
    write_shard(tmp_path / "in" / "a.jsonl", docs)
    res = run_pipeline(
        recipe([{"stage": "toy_shared_lines_v0"}]),
        [str(tmp_path / "in")],
        tmp_path / "o",
        workers=1,
        progress=False,
    )
    rows = {r["id"]: r["text"] for r in kept_rows(tmp_path / "o")}
    assert rows == {"a": "First story here", "b": "Second story here", "c": "Only its own line"}
    assert res.stats["toy_shared_lines_v0"].chars_rewritten == 2 * len("Menu | Home\n")
