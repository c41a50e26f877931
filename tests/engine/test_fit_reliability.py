"""SIGKILL during a partitioned fit, then ``--resume``: the same bytes.

The fits of ``exact_dedup_v1``, ``minhash_dedup_v1``, ``line_dedup_v1``, ``token_kl_v1``,
``balance_v1``, ``decontaminate_v1`` and ``classifier_top_v1`` run as executor tasks
(``engine/partitioned.py``), each recorded as done under ``_work/pass-P/fit/_tasks``.
Here the real CLI (two worker processes, many work units) is killed with SIGKILL
after a random number of those records, i.e. anywhere inside a fit, between its
steps, or in the driver's own steps, and resumed; the output must equal an
uninterrupted run's byte for byte.
"""

from __future__ import annotations

import json
import random
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from test_reliability import assert_visible_files_complete, cli, digest, finish

from dataprep.output.layout import Layout

RECIPE = """\
name: fit-reliability
run: {batch_size: 64, unit_bytes: 1}
stages:
  - stage: exact_dedup_v1
  - stage: minhash_dedup_v1
    threshold: 0.7
"""
FILES, DOCS, ROW_GROUP = 4, 1200, 100


def near_duplicate_corpus(root: Path, seed: int = 0, *, langs: bool = False) -> Path:
    """Parquet files of documents in families of near-duplicates (a few words changed),
    exact copies among them; ``ROW_GROUP`` rows per row group (a work unit each). With
    ``langs`` a ``lang`` column of four languages in skewed shares."""
    rng = np.random.default_rng(seed)
    vocab = np.array([f"w{i}" for i in range(5000)])
    texts: list[str] = []
    while len(texts) < FILES * DOCS:
        base = rng.choice(vocab, size=int(rng.integers(40, 90)))
        for _ in range(int(rng.integers(1, 5))):
            words = base.copy()
            hit = rng.random(len(words)) < rng.uniform(0.0, 0.15)
            words[hit] = rng.choice(vocab, size=int(hit.sum()))
            texts.append(" ".join(words.tolist()))
    order = rng.permutation(len(texts))[: FILES * DOCS]
    root.mkdir(parents=True)
    for f in range(FILES):
        chunk = [texts[i] for i in order[f * DOCS : (f + 1) * DOCS]]
        table = pa.table({"id": [f"f{f}-{i}" for i in range(DOCS)], "text": chunk})
        if langs:
            lang = rng.choice(["en", "fr", "de", "sw"], DOCS, p=[0.6, 0.2, 0.15, 0.05])
            table = table.append_column("lang", pa.array(lang.tolist()))
        pq.write_table(table, root / f"part{f}.parquet", row_group_size=ROW_GROUP)
    return root


#: Task records each fit writes at least (4 partitions, 48 units): exact dedup
#: 4 ``group`` + 48 ``decide``; MinHash 4 ``pairs`` + ``verify`` + driver steps +
#: 4 ``clusters`` + 48 ``decide``. Kill points stay below these.
RECORDS = (50, 55)


LINE_RECIPE = """\
name: line-fit-reliability
run: {batch_size: 64, unit_bytes: 1}
stages:
  - stage: line_dedup_v1
    per: lang
    bucket_docs: 700
    max_occurrences: 3
  - stage: line_dedup_apply_v1
"""
#: ``line_dedup_v1``: 48 ``langs`` + ``bounds`` + 4 ``count`` + 48 ``decide``.
LINE_RECORDS = (100,)


def line_corpus(root: Path, seed: int = 0) -> Path:
    """Parquet files of pages with boilerplate lines (Zipf-distributed) in 3 languages,
    ``ROW_GROUP`` rows per row group (a work unit each)."""
    rng = np.random.default_rng(seed)
    boiler = [f"boilerplate line {k} of the site" for k in range(200)]
    langs = np.array(["en", "fr", "de"])
    root.mkdir(parents=True)
    for f in range(FILES):
        texts = []
        for i in range(DOCS):
            picks = np.minimum(rng.zipf(1.5, size=int(rng.integers(1, 6))), len(boiler)) - 1
            lines = [f"page {f}-{i} text"] + [boiler[k] for k in picks.tolist()]
            texts.append("\n".join(lines[j] for j in rng.permutation(len(lines))))
        table = pa.table(
            {
                "id": [f"f{f}-{i}" for i in range(DOCS)],
                "text": texts,
                "lang": rng.choice(langs, size=DOCS, p=[0.6, 0.3, 0.1]).tolist(),
            }
        )
        pq.write_table(table, root / f"part{f}.parquet", row_group_size=ROW_GROUP)
    return root


def reference_run(
    tmp: Path, corpus: Path, recipe_text: str, removes: str | None
) -> tuple[Path, ...]:
    """Corpus, recipe and an uninterrupted run's output (in which ``removes``, when given,
    removed some)."""
    recipe = tmp / "r.yaml"
    recipe.write_text(recipe_text)
    ref = tmp / "ref"
    args = ["run", str(recipe), "-i", str(corpus), "-o", str(ref), "-j", "2", "--no-progress"]
    code, err = finish(cli([*args, "-q"]), timeout=300)
    assert code == 0, err
    if removes is not None:
        assert any(k.startswith(f"removed/{removes}/") for k in digest(ref))
    return corpus, recipe, ref


@pytest.fixture(scope="module")
def fit_setup(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ...]:
    tmp = tmp_path_factory.mktemp("fitrel")
    return reference_run(tmp, near_duplicate_corpus(tmp / "in"), RECIPE, "minhash_dedup_v1")


@pytest.fixture(scope="module")
def line_fit_setup(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ...]:
    tmp = tmp_path_factory.mktemp("linefitrel")
    setup = reference_run(tmp, line_corpus(tmp / "in"), LINE_RECIPE, None)
    fit = json.loads((setup[2] / "stats.json").read_text())["global_stages"]["line_dedup_v1"]
    assert fit["lines_dropped"] > 1000 and fit["buckets"] > 4, fit
    return setup


def _progress(out: Path, records: tuple[int, ...] = RECORDS) -> tuple[int, int]:
    """(fits finished, task records of the fit under way): grows through a run (a
    fit's records are deleted once its ``_fit.json`` is written)."""
    layout = Layout(out)
    for p in range(len(records)):
        if not layout.fit_done(p).exists():
            return p, _task_records(layout.pass_dir(p) / "fit" / "_tasks")
    return len(records), 0


def _task_records(folder: Path) -> int:
    """Task records under ``folder``, counted while the run may delete a step's folder
    (a finished step's records go once its output is written): a folder that
    vanishes during the walk is counted again."""
    while True:
        try:
            return len(list(folder.glob("**/*.json")))
        except FileNotFoundError:
            continue


#: Share of a fit's task records within which the kills land: the rest is margin for
#: the poll's lag (globbing hundreds of records with both cores busy on a slow CI
#: machine), so that a kill aimed near the end still lands inside the fit.
KILL_SHARE = 0.8


def kill_limit(records: int) -> int:
    """The last task-record count a kill waits for in a fit writing ``records``."""
    return max(2, int(records * KILL_SHARE))


def _kill_in_fit(
    setup: tuple[Path, ...],
    tmp_path: Path,
    kills: int,
    seed: int,
    records: tuple[int, ...] = RECORDS,
) -> None:
    """SIGKILL the run at ``kills`` random points inside its fits, then resume."""
    corpus, recipe, ref = setup
    out = tmp_path / "out"
    rng = random.Random(seed)
    points = [(p, k) for p, n in enumerate(records) for k in range(1, kill_limit(n))]
    last = len(records) - 1
    targets = sorted(rng.sample(points, kills)) if kills > 1 else [(last, rng.randint(1, 40))]
    args = ["run", str(recipe), "-i", str(corpus), "-o", str(out), "-j", "2", "--no-progress", "-q"]
    for k, target in enumerate(targets):
        p = cli(args + (["--resume"] if k else []))
        try:
            deadline = time.monotonic() + 120
            while _progress(out, records) < target and p.poll() is None:
                assert time.monotonic() < deadline, "the fit did not progress"
                time.sleep(0.002)
            time.sleep(rng.uniform(0, 0.01))
            assert p.poll() is None, "the run ended before the kill: the test proved nothing"
        finally:  # never leave the run going behind a failed assertion
            p.kill()
            finish(p, 30)
        assert _progress(out, records)[0] == target[0], "the kill landed after the fit"
        assert_visible_files_complete(out)
    code, err = finish(cli([*args, "--resume"]), timeout=300)
    assert code == 0, err
    assert digest(out) == digest(ref)


def test_sigkill_in_a_partitioned_fit_then_resume_gives_identical_output(
    fit_setup: tuple[Path, ...], tmp_path: Path
) -> None:
    _kill_in_fit(fit_setup, tmp_path, kills=1, seed=7)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(4))
def test_many_sigkills_in_partitioned_fits_then_resume(
    fit_setup: tuple[Path, ...], tmp_path: Path, seed: int
) -> None:
    _kill_in_fit(fit_setup, tmp_path, kills=4, seed=200 + seed)


def test_sigkill_in_the_partitioned_line_dedup_fit_then_resume(
    line_fit_setup: tuple[Path, ...], tmp_path: Path
) -> None:
    _kill_in_fit(line_fit_setup, tmp_path, kills=1, seed=11, records=LINE_RECORDS)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(4))
def test_many_sigkills_in_the_line_dedup_fit_then_resume(
    line_fit_setup: tuple[Path, ...], tmp_path: Path, seed: int
) -> None:
    _kill_in_fit(line_fit_setup, tmp_path, kills=4, seed=300 + seed, records=LINE_RECORDS)


KL_RECIPE = """\
name: kl-fit-reliability
run: {batch_size: 64, unit_bytes: 1}
stages:
  - stage: token_kl_v1
    drop_top_fraction: 0.01
"""
BALANCE_RECIPE = """\
name: balance-fit-reliability
run: {batch_size: 64, unit_bytes: 1}
stages:
  - stage: balance_v1
    max_repeats: 3
    caps: {en: 300000}
  - stage: balance_v1
    name: by_docs
    unit: docs
    budget: 3000
    max_repeats: 3
"""
#: Task records of each balance fit (48 units): 48 ``tally``, 8 x 48 ``pick``, 48
#: ``decide`` (more when a cut falls on a shared hash).
BALANCE_RECORDS = (450, 450)
#: Task records of the token_kl fit (48 units, 4 partitions): 48 ``langs``, 4 ``count``,
#: 4 ``logq``, 48 ``docs``, 8 x 48 ``kl-select``, 48 ``send``, 4 ``bins``, 48
#: ``decide``, 8 x 4 ``score-select``.
KL_RECORDS = (600,)


DECONTAM_RECIPE = """\
name: decontam-fit-reliability
run: {batch_size: 64, unit_bytes: 1}
stages:
  - stage: decontaminate_v1
    eval_sets: {quotes: "@TMP@/eval.txt"}
    ngram: 8
    max_train_docs: 2
"""
#: Task records of the decontaminate fit (48 units): 48 ``count``, ``common``, 48 ``decide``.
DECONTAM_RECORDS = (90,)
TOP_RECIPE = """\
name: top-fit-reliability
run: {batch_size: 64, unit_bytes: 1}
stages:
  - stage: classifier_top_v1
    model_path: "@MODEL@"
    fraction: 0.3
"""
#: Task records of the classifier_top fit (48 units): 48 ``groups``, 8 x 48 ``cut``,
#: 48 ``decide`` (8 x 48 ``tie`` more when documents share the cutoff score).
TOP_RECORDS = (450,)
TINY_MODEL = Path(__file__).resolve().parents[1] / "data" / "classify" / "quality-tiny.ftz"

#: Per stage: recipe (``@TMP@``: the test's folder), whether the corpus has a ``lang``
#: column, a stage that must remove documents in the reference run, task records per fit.
TASK_FITS = {
    "token_kl": (KL_RECIPE, False, "token_kl_v1", KL_RECORDS),
    "balance": (BALANCE_RECIPE, True, "by_docs", BALANCE_RECORDS),
    "decontaminate": (DECONTAM_RECIPE, False, "decontaminate_v1", DECONTAM_RECORDS),
    "classifier_top": (TOP_RECIPE, False, "classifier_top_v1", TOP_RECORDS),
}


def eval_set(corpus: Path, path: Path) -> None:
    """An eval set quoting 12 words of every 40th document of ``corpus`` (some of
    them in near-duplicate families, so their n-grams are common)."""
    texts = pq.read_table(corpus).column("text").to_pylist()
    path.write_text("".join(" ".join(t.split()[5:17]) + "\n" for t in texts[::40]))


@pytest.fixture(scope="module", params=sorted(TASK_FITS))
def task_fit(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[tuple[Path, ...], tuple[int, ...]]:
    """(corpus, recipe, reference output) and the task records of each fit."""
    recipe, langs, removes, records = TASK_FITS[request.param]
    tmp = tmp_path_factory.mktemp(request.param)
    corpus = near_duplicate_corpus(tmp / "in", seed=1, langs=langs)
    eval_set(corpus, tmp / "eval.txt")
    recipe = recipe.replace("@TMP@", str(tmp)).replace("@MODEL@", str(TINY_MODEL))
    return reference_run(tmp, corpus, recipe, removes), records


def test_sigkill_in_a_per_unit_task_fit_then_resume_gives_identical_output(
    task_fit: tuple[tuple[Path, ...], tuple[int, ...]], tmp_path: Path
) -> None:
    setup, records = task_fit
    _kill_in_fit(setup, tmp_path, kills=2, seed=11, records=records)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(3))
def test_many_sigkills_in_per_unit_task_fits_then_resume(
    task_fit: tuple[tuple[Path, ...], tuple[int, ...]], tmp_path: Path, seed: int
) -> None:
    setup, records = task_fit
    _kill_in_fit(setup, tmp_path, kills=4, seed=300 + seed, records=records)
