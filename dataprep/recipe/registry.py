"""Stages are found by registered, versioned name only (dolma ``core/registry.py``).

Recipes name stages (``gopher_quality_v1``); they never name import paths, so no
code is ever reached from configuration. Which modules register stages is package
metadata, not a list in this file: every installed distribution may declare modules
in the ``dataprep.stages`` entry-point group (dataprep's own are in its
``pyproject.toml``; a third-party package declares its own the same way)::

    [project.entry-points."dataprep.stages"]
    shout = "dataprep_example_plugin.stages"

Those modules are imported on the first lookup, so ``import dataprep`` stays light.
An entry point *named after a stage* (``gopher_quality_v1 = "dataprep.stages.quality"``,
as dataprep declares each of its own) is loaded alone when a recipe looks that stage
up: a run imports the modules of its own stages and nothing else (all of dataprep's
stage modules cost ~0.2 s of imports per process, paid again by every worker).
Any other lookup, a name no entry point is named after, and the listings load every
entry point, so a plugin that names its entry point after its module still works.
A module that fails to import is a one-line :class:`ConfigError` naming its
distribution and module, never skipped. Registering a name twice raises; an unknown
name raises with the closest valid names.

Public API: :func:`register`, :func:`has`, :func:`get`, :func:`items`, :func:`names`.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable
from importlib.metadata import EntryPoint, entry_points
from typing import Any, NamedTuple, TypeVar

from dataprep.errors import ConfigError
from dataprep.stages.base import Stage, check_contract

#: The entry-point group whose modules register stages when imported.
GROUP = "dataprep.stages"

S = TypeVar("S", bound=type[Stage[Any]])


class Registered(NamedTuple):
    """One registry entry: what ``dataprep stages`` lists."""

    name: str
    cls: type[Stage[Any]]
    distribution: str
    """The installed distribution whose entry point provides the stage; for a stage
    registered by code outside any entry point (tests), its top-level module."""


class StageRegistry:
    """Registered name -> stage class, filled from one entry-point group on demand."""

    def __init__(self, group: str, find: Callable[[], Iterable[EntryPoint]] | None = None) -> None:
        self.group = group
        self._find = find or (lambda: entry_points(group=group))
        self._stages: dict[str, type[Stage[Any]]] = {}
        self._providers: dict[str, str] = {}
        """Top-level package of an entry point's module -> its distribution."""
        self._dist_of: dict[str, str] = {}
        """Stage name -> distribution, for stages registered while loading an entry point."""
        self._loading: str | None = None
        self._found: list[EntryPoint] | None = None
        self._entry_points = 0
        self._loaded = False
        self._tried: set[str] = set()
        """Names whose own entry points were loaded already."""
        self._error: ConfigError | None = None

    def register(self, name: str) -> Callable[[S], S]:
        """Class decorator: make a stage available to recipes under ``name``.

        The stage's contract (kind, typed config, rewrites_text) is checked here,
        so a broken stage fails when its module is imported."""

        def wrap(cls: S) -> S:
            if name in self._stages and self._stages[name] is not cls:
                old = self._stages[name]
                raise ValueError(
                    f"stage name {name!r} is registered twice "
                    f"({old.__module__}.{old.__qualname__} and {cls.__module__}.{cls.__qualname__})"
                )
            check_contract(cls)
            cls.registered_name = name
            self._stages[name] = cls
            if self._loading is not None:
                self._dist_of[name] = self._loading
            return cls

        return wrap

    def _entry_points_found(self) -> list[EntryPoint]:
        if self._found is None:
            self._found = sorted(self._find(), key=lambda e: (e.value, e.name))
            self._entry_points = len(self._found)
        return self._found

    def _load(self) -> None:
        """Load every entry point of the group (once)."""
        if self._error is not None:
            raise self._error
        if self._loaded:
            return
        self._loaded = True
        for ep in self._entry_points_found():
            self._load_one(ep)

    def _load_named(self, name: str) -> None:
        """Load only the entry points named ``name`` (once per name)."""
        if self._error is not None:
            raise self._error
        if self._loaded or name in self._tried:
            return
        self._tried.add(name)
        for ep in self._entry_points_found():
            if ep.name == name:
                self._load_one(ep)

    def _load_one(self, ep: EntryPoint) -> None:
        dist = ep.dist.name if ep.dist is not None else "?"
        module = ep.value.partition(":")[0].strip()
        self._providers.setdefault(module.partition(".")[0], dist)
        self._loading = dist
        try:
            ep.load()
        except Exception as e:
            self._error = ConfigError(
                f"cannot load stages of distribution {dist!r} from module {module!r} "
                f"(entry point {ep.name!r} in group {self.group!r}): "
                f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"
            )
            raise self._error from e
        finally:
            self._loading = None

    def has(self, name: str) -> bool:
        """Whether ``name`` is a registered stage (loads entry points if needed: the
        one named ``name`` first, all of them when that does not register it)."""
        if name not in self._stages:
            self._load_named(name)
        if name not in self._stages:
            self._load()
        return name in self._stages

    def get(self, name: str) -> type[Stage[Any]]:
        """The stage class registered as ``name``; ConfigError with suggestions otherwise."""
        if self.has(name):
            return self._stages[name]
        close = difflib.get_close_matches(name, list(self._stages), n=3)
        hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
        valid = ", ".join(sorted(self._stages))
        if not self._entry_points:
            # The group comes from installed metadata: a source tree that was never
            # installed (or installed before the group existed) has no stages at all.
            hint += (
                f"; no installed package declares entry points in group {self.group!r}:"
                " install dataprep (pip install -e .) so its stages are found"
            )
        raise ConfigError(f"unknown stage {name!r}{hint} (valid: {valid})")

    def names(self) -> list[str]:
        """All registered stage names, sorted."""
        self._load()
        return sorted(self._stages)

    def items(self) -> list[Registered]:
        """Every stage, sorted by name, with the distribution that provides it."""
        self._load()
        return [
            Registered(name, cls, self._provider(name, cls))
            for name, cls in sorted(self._stages.items())
        ]

    def _provider(self, name: str, cls: type[Stage[Any]]) -> str:
        # A module imported before the first lookup registered outside _load: fall
        # back to the distribution whose entry points live in the same package.
        top = cls.__module__.partition(".")[0]
        return self._dist_of.get(name) or self._providers.get(top) or top


_REGISTRY = StageRegistry(GROUP)

register = _REGISTRY.register
has = _REGISTRY.has
get = _REGISTRY.get
names = _REGISTRY.names
items = _REGISTRY.items

#: Older names, kept for callers outside the stages code.
get_stage = get
stage_names = names
