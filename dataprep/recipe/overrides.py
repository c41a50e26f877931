"""``--set DOTTED.KEY=VALUE``: change one value of a recipe from the command line.

The change is made to the recipe's plain data *before* it is validated, so a value
given on the command line is checked exactly like the same value in the YAML file
(types, unknown keys with "did you mean", ranges), and the recipe hash covers it.

Paths: ``input.text_column``, ``run.workers``, ``output.compression``, and
``stages.NAME.OPTION`` where ``NAME`` is a stage's instance name (its ``name``, else
its ``stage``) or its position in the list (``stages.0.min_words``). Deeper keys
create mappings on the way (``stages.gopher_quality_v1.lang_overrides.de.min_words=30``).
``VALUE`` is read as a YAML scalar or flow value: ``30``, ``0.5``, ``true``, ``null``,
``[a, b]``, ``{de: 1}``; anything else is a string.
"""

from __future__ import annotations

import copy
import difflib
from collections.abc import Iterable, Mapping
from typing import Any

import yaml

from dataprep.errors import ConfigError


def parse_assignment(text: str) -> tuple[list[str], Any]:
    """``"run.workers=2"`` -> (``["run", "workers"]``, ``2``)."""
    key, sep, raw = text.partition("=")
    parts = [p.strip() for p in key.split(".")]
    if not sep or not all(parts):
        raise ConfigError(f"--set expects DOTTED.KEY=VALUE (e.g. run.workers=2), got {text!r}")
    try:
        value = yaml.safe_load(raw) if raw.strip() else ""
    except yaml.YAMLError as e:
        raise ConfigError(f"--set {key}: {raw!r} is not a valid value ({e})") from e
    return parts, value


def apply_overrides(data: Any, assignments: Iterable[str]) -> Any:
    """A copy of recipe ``data`` with every ``DOTTED.KEY=VALUE`` applied, in order."""
    items = list(assignments)
    if not items:
        return data
    if not isinstance(data, Mapping):
        return data  # parse_recipe says what is wrong with the recipe itself
    out = copy.deepcopy(dict(data))
    for text in items:
        parts, value = parse_assignment(text)
        if parts[0] == "stages":
            target = _stage_entry(out, parts, text)
            _set_path(target, parts[2:], value, text)
        else:
            _set_path(out, parts, value, text)
    return out


def _stage_entry(data: dict[str, Any], parts: list[str], text: str) -> dict[str, Any]:
    if len(parts) < 3:
        raise ConfigError(f"--set {text!r}: use stages.NAME.OPTION=VALUE")
    stages = data.get("stages")
    if not isinstance(stages, list):
        raise ConfigError(f"--set {text!r}: the recipe has no list of stages")
    names = [_instance_name(s) for s in stages]
    wanted = parts[1]
    if wanted.isdigit() and int(wanted) < len(stages):
        index = int(wanted)
    elif wanted in names:
        index = names.index(wanted)
    else:
        close = difflib.get_close_matches(wanted, [n for n in names if n], n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        valid = ", ".join(n for n in names if n)
        raise ConfigError(f"--set {text!r}: no stage named {wanted!r}{hint} (stages: {valid})")
    entry = stages[index]
    if isinstance(entry, str):
        entry = stages[index] = {"stage": entry}
    if not isinstance(entry, dict):
        raise ConfigError(f"--set {text!r}: stages[{index}] is not a mapping")
    return entry


def _instance_name(entry: Any) -> str:
    if isinstance(entry, str):
        return entry
    if isinstance(entry, Mapping):
        return str(entry.get("name") or entry.get("stage") or "")
    return ""


def _set_path(target: dict[str, Any], keys: list[str], value: Any, text: str) -> None:
    for i, key in enumerate(keys[:-1]):
        nxt = target.get(key)
        if nxt is None:
            nxt = target[key] = {}
        if not isinstance(nxt, dict):
            where = ".".join(keys[: i + 1])
            raise ConfigError(f"--set {text!r}: {where} is not a mapping")
        target = nxt
    target[keys[-1]] = value
