"""Stages are found by registered, versioned name only (dolma ``core/registry.py``).

Recipes name stages (``gopher_quality_v1``); they never name import paths, so no
code is ever reached from configuration. Registering a name twice raises; an
unknown name raises with the closest valid names.
"""

from __future__ import annotations

import difflib
import importlib
from collections.abc import Callable

from dataprep.errors import ConfigError
from dataprep.stages.base import Stage

_STAGES: dict[str, type[Stage]] = {}

#: Modules that register the built-in stages, imported on first lookup so that
#: ``import dataprep`` stays light. Fixed list: never taken from configuration.
_BUILTIN_MODULES = (
    "dataprep.stages.quality",
    "dataprep.stages.quality_stack",
    "dataprep.dedup.stages",
    "dataprep.langid.stage",
    "dataprep.balance.stage",
    "dataprep.cleaning.stages",
    "dataprep.classify.stage",
)
_loaded = False


def register(name: str) -> Callable[[type[Stage]], type[Stage]]:
    """Class decorator: make a stage available to recipes under ``name``."""

    def wrap(cls: type[Stage]) -> type[Stage]:
        if name in _STAGES and _STAGES[name] is not cls:
            raise ValueError(f"stage name {name!r} is registered twice")
        cls.registered_name = name
        _STAGES[name] = cls
        return cls

    return wrap


def _load_builtins() -> None:
    global _loaded
    if _loaded:
        return
    _loaded = True
    for module in _BUILTIN_MODULES:
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as e:
            # A built-in module that is not written yet is simply absent; a
            # missing third-party dependency inside one is a real error.
            if e.name != module and not module.startswith(str(e.name) + "."):
                raise


def get_stage(name: str) -> type[Stage]:
    """The stage class registered as ``name``; ConfigError with suggestions otherwise."""
    if name in _STAGES:
        return _STAGES[name]
    _load_builtins()
    try:
        return _STAGES[name]
    except KeyError:
        close = difflib.get_close_matches(name, _STAGES, n=3)
        hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
        valid = ", ".join(sorted(_STAGES))
        raise ConfigError(f"unknown stage {name!r}{hint} (valid: {valid})") from None


def stage_names() -> list[str]:
    """All registered stage names, sorted."""
    _load_builtins()
    return sorted(_STAGES)
