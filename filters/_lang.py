"""Per-language data: stop words, terminal punctuation, built-in threshold overrides.

The data live in ``filters/data/*.json`` (package data), keyed by ISO 639-1 code,
and are read on first use, never at import time. ``normalize_lang`` accepts ISO
639-1 (``"en"``), ISO 639-3 (``"eng"``), FineWeb-2 style (``"cmn_Hani"``), BCP-47
(``"zh-Hans"``) and fastText labels (``"__label__en"``).
"""

from __future__ import annotations

import json
import re
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

_DATA = Path(__file__).parent / "data"
_SPLIT_RE = re.compile(r"[-_]")


@cache
def _load(name: str) -> dict[str, Any]:
    with open(_DATA / name, encoding="utf-8") as f:
        data: dict[str, Any] = json.load(f)
    return data


@lru_cache(maxsize=1024)
def normalize_lang(lang: str | None) -> str | None:
    """The ISO 639-1 code for ``lang`` when known, else its lower-cased base code."""
    if lang is None:
        return None
    code = lang.strip().removeprefix("__label__")
    code = _SPLIT_RE.split(code, maxsplit=1)[0].lower()
    if not code:
        return None
    aliases: dict[str, str] = _load("languages.json")["aliases"]
    return aliases.get(code, code)


def language_info(lang: str | None) -> dict[str, Any] | None:
    """The ``languages.json`` entry of ``lang`` (``None`` when unknown)."""
    code = normalize_lang(lang)
    if code is None:
        return None
    langs: dict[str, dict[str, Any]] = _load("languages.json")["languages"]
    return langs.get(code)


def known_languages() -> tuple[str, ...]:
    """ISO 639-1 codes that have data (stop words) shipped with the package."""
    return tuple(sorted(_load("languages.json")["languages"]))


def override_languages(filter_name: str) -> tuple[str, ...]:
    """Languages with built-in threshold overrides for one filter (sorted)."""
    table: dict[str, dict[str, Any]] = _load("lang_thresholds.json")
    return tuple(sorted(table.get(filter_name, {})))


def builtin_overrides(filter_name: str, lang: str | None) -> dict[str, float | None]:
    """Built-in per-language threshold overrides for one filter (may be empty)."""
    code = normalize_lang(lang)
    if code is None:
        return {}
    table: dict[str, dict[str, dict[str, float | None]]] = _load("lang_thresholds.json")
    return dict(table.get(filter_name, {}).get(code, {}))
