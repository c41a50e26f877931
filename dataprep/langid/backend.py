"""The fastText backend: find, check and load a model, and predict one text.

dataprep depends on one fastText build, ``fasttext-wheel`` (it predicts and
trains), and ships the compressed ``lid.176.ftz`` model in
``dataprep/langid/models/`` (Joulin et al. 2017, "Bag of Tricks for Efficient Text
Classification"; model licence CC BY-SA 3.0, see ``models/NOTICE.md``).

Several wheels (``fasttext-wheel``, ``fasttext-predict``, ``fasttext-numpy2*``)
install the same ``fasttext`` module files and silently overwrite each other, and
``fasttext-wheel``'s ``model.predict()`` fails with numpy >= 2. So we call only
what every backend has: ``fasttext.load_model(path)`` and the low-level
``model.f.predict(line, k, threshold, "replace")``, which needs no numpy and
returns the same probabilities as ``predict()``. :func:`check_fasttext_backend`
turns a missing or broken module into a one-line :class:`ConfigError`.

Models are cached per process, keyed by resolved path: loading ``lid.176.ftz``
takes ~15 ms, ``lid.176.bin`` or GlotLID several seconds and ~1 GB of memory.
"""

from __future__ import annotations

import functools
import os
import threading
from pathlib import Path
from typing import Any

from dataprep.errors import ConfigError
from dataprep.io import storage

_DEFAULT_MODEL_NAME = "lid.176.ftz"
_FIX_ENV = "reinstall it with `pip install --force-reinstall --no-deps fasttext-wheel`"
_MODELS = Path(__file__).resolve().parent / "models"
_load_lock = threading.Lock()


def default_model_path() -> Path:
    """Path of the ``lid.176.ftz`` shipped with dataprep (``dataprep/langid/models/``)."""
    return _MODELS / _DEFAULT_MODEL_NAME


def check_fasttext_backend(*, need_train: bool = False) -> Any:
    """Return the ``fasttext`` module if it has what dataprep calls, else ConfigError.

    dataprep calls ``fasttext.load_model`` and ``model.f.predict`` only;
    ``need_train=True`` also requires ``train_supervised``, which predict-only builds
    (``fasttext-predict``, installed over ours by another package) lack.
    """
    try:
        import fasttext
    except ImportError as e:
        if getattr(e, "name", None) == "fasttext":
            raise ConfigError(
                "the `fasttext` module is missing: run `pip install fasttext-wheel` "
                "(dataprep's fastText build)"
            ) from e
        raise ConfigError(f"the `fasttext` module is broken ({e}): {_FIX_ENV}") from e
    if not callable(getattr(fasttext, "load_model", None)):
        where = getattr(fasttext, "__file__", None) or "an empty namespace package"
        raise ConfigError(
            f"the `fasttext` module at {where} has no load_model (a half-uninstalled "
            f"backend?): {_FIX_ENV}"
        )
    if need_train and not callable(getattr(fasttext, "train_supervised", None)):
        raise ConfigError(
            "the installed `fasttext` backend is predict-only (another package installed "
            "fasttext-predict over dataprep's fasttext-wheel); training needs "
            "`pip install --force-reinstall --no-deps fasttext-wheel`"
        )
    return fasttext


def resolve_model_path(model_path: str | os.PathLike[str] | None) -> Path:
    """The model file to use; ConfigError naming the path when it does not exist."""
    if model_path is None:
        path = default_model_path()
    else:
        path = storage.option_file("language-ID model", model_path)
    if not path.is_file():
        raise ConfigError(f"language-ID model file not found: {path}")
    return path.resolve()


@functools.lru_cache(maxsize=4)
def _load_cached(path: str) -> Any:
    fasttext = check_fasttext_backend()
    try:
        model = fasttext.load_model(path)
    except Exception as e:  # the bindings raise ValueError/RuntimeError on bad files
        raise ConfigError(f"cannot load fastText model {path}: {e}") from e
    if not callable(getattr(getattr(model, "f", None), "predict", None)):
        raise ConfigError(
            f"the `fasttext` backend loaded {path} without a low-level `.f.predict`: {_FIX_ENV}"
        )
    return model


def load_model(model_path: str | os.PathLike[str] | None = None) -> Any:
    """Load a fastText model once per process (cached by resolved path)."""
    path = str(resolve_model_path(model_path))
    with _load_lock:
        return _load_cached(path)


def clear_model_cache() -> None:
    """Forget loaded models (tests; or to free memory after a run)."""
    _load_cached.cache_clear()


def prepare_line(text: str, max_chars: int | None) -> str:
    """One fastText input line: first ``max_chars`` characters, newlines as spaces.

    fastText reads one line: anything after an inner ``\\n`` would be ignored
    silently, so newlines become spaces and the line ends with ``\\n``. Lone
    surrogates (from bad decoding upstream) raise TypeError in every backend, so
    they are re-encoded as ``?`` first.
    """
    if max_chars is not None:
        text = text[:max_chars]
    text = text.replace("\n", " ")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", errors="replace").decode("utf-8")
    return text + "\n"


def predict_line(model: Any, line: str, k: int) -> list[tuple[float, str]]:
    """``[(probability, "__label__xx"), ...]`` best first, for a prepared line."""
    return model.f.predict(line, k, 0.0, "replace")
