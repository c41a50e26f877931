"""``extends: NAME_OR_PATH``: a recipe that starts from another one.

Merge rules (the child is the recipe that says ``extends``):

- ``extends`` names a shipped recipe (``web-en``) or a YAML path, relative to the
  child's folder; a base may itself extend another (a cycle is an error).
- ``name`` and ``description``: the child's, when given.
- ``input``, ``output``, ``run``, ``storage``: merged key by key; the child's keys win.
- ``stages``: the base's list, in its order, where each child entry
  - naming a stage of the base (by instance name: its ``name``, else its ``stage``)
    changes that stage's options key by key (``annotate`` too);
  - with ``remove: true`` drops that stage from the base;
  - naming no stage of the base is appended at the end.

The merged data are then validated like any recipe, so a typo in the child fails
with the same message as in a self-contained recipe.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from dataprep.errors import ConfigError

#: Loads a recipe's plain data by name or path: ``(data, path it came from)``.
Reader = Callable[[str], tuple[Any, str]]

_MERGED_SECTIONS = ("input", "output", "run", "storage")
#: How many recipes one chain of ``extends`` may stack (a cycle is reported first).
MAX_DEPTH = 16


def resolve_extends(data: Any, source: str, read: Reader, _seen: tuple[str, ...] = ()) -> Any:
    """``data`` with its ``extends`` chain merged in (unchanged without one)."""
    if not isinstance(data, Mapping) or "extends" not in data:
        return data
    where = source or "recipe"
    ref = data["extends"]
    if not isinstance(ref, str) or not ref:
        raise ConfigError(f"{where}: extends must name a recipe or a YAML path, got {ref!r}")
    candidate = Path(source).parent / ref if source else Path(ref)
    base_data, base_source = read(str(candidate) if candidate.is_file() else ref)
    key = str(Path(base_source).resolve())
    chain = (*_seen, str(Path(source).resolve()) if source else where)
    if key in chain:
        raise ConfigError(f"{where}: extends {ref!r} makes a cycle")
    if len(chain) > MAX_DEPTH:
        raise ConfigError(f"{where}: more than {MAX_DEPTH} recipes in an extends chain")
    base = resolve_extends(base_data, base_source, read, chain)
    if not isinstance(base, Mapping):
        raise ConfigError(f"{base_source}: a recipe must be a mapping")
    return merge(base, {k: v for k, v in data.items() if k != "extends"}, where)


def merge(base: Mapping[str, Any], child: Mapping[str, Any], where: str) -> dict[str, Any]:
    """The child recipe's data laid over the base's (see the module docstring)."""
    out = copy.deepcopy(dict(base))
    for key, value in child.items():
        if key in _MERGED_SECTIONS and isinstance(value, Mapping):
            section = out.get(key)
            merged = dict(section) if isinstance(section, Mapping) else {}
            merged.update(value)
            out[key] = merged
        elif key == "stages" and isinstance(value, list):
            out[key] = _merge_stages(out.get("stages") or [], value, where)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _name(entry: Any) -> str | None:
    if isinstance(entry, str):
        return entry
    if isinstance(entry, Mapping):
        found = entry.get("name") or entry.get("stage")
        return str(found) if found is not None else None
    return None


def _merge_stages(base: list[Any], child: list[Any], where: str) -> list[Any]:
    stages = [({"stage": s} if isinstance(s, str) else dict(s)) for s in base]
    for i, entry in enumerate(child):
        entry = {"stage": entry} if isinstance(entry, str) else entry
        if not isinstance(entry, Mapping):
            raise ConfigError(f"{where}: stages[{i}]: expected a mapping, got {entry!r}")
        entry = dict(entry)
        remove = entry.pop("remove", False)
        if not isinstance(remove, bool):
            raise ConfigError(f"{where}: stages[{i}].remove: expected true or false")
        name = _name(entry)
        names = [_name(s) for s in stages]
        if remove:
            if name not in names:
                valid = ", ".join(str(n) for n in names)
                raise ConfigError(
                    f"{where}: stages[{i}] removes {name!r}, not in the base ({valid})"
                )
            del stages[names.index(name)]
        elif name in names:
            stages[names.index(name)].update(entry)
        else:
            stages.append(entry)
    return stages
