"""User-supplied word and URL/domain block lists (``blocklist_v1``).

Nothing is shipped or downloaded: lists are plain UTF-8 files, one entry a line
(``#`` starts a comment), in the spirit of C4's bad-words list (Raffel et al.
2020) and the URL block lists of RefinedWeb/FineWeb. Per language:
``word_files={"en": "en.txt", "*": "all.txt"}`` (``"*"`` applies to every
language, including ``lang=None``).

Word entries match whole tokens case-insensitively; an entry with a space or
with characters of a script written without spaces matches as a substring of
the lower-cased text (as C4 does for Chinese, Japanese and Thai).

The URL is not part of the text: pass it as ``signals(text, lang, url=...)`` or
``signal_batch(texts, langs, urls=...)``. A URL is blocked when its host is a
listed domain or a subdomain of one, or when the URL (without scheme, ``www.``
and trailing ``/``) is listed exactly.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlsplit

import pyarrow as pa

from filters._lang import normalize_lang
from filters._rules import LangConfig, Rule, RuleFilter
from filters._text import UNSEG_RE, Analysis, safe_text
from filters.base import Signals, _as_pylist


@dataclass(frozen=True, kw_only=True)
class BlocklistConfig(LangConfig):
    """Lists and tolerance; ``None`` disables a rule."""

    word_files: Mapping[str, str] = field(default_factory=dict)
    """Language code (or ``"*"``) -> path of a word list."""
    words: tuple[str, ...] = ()
    """Inline words for every language."""
    url_files: tuple[str, ...] = ()
    """Paths of domain/URL lists."""
    domains: tuple[str, ...] = ()
    """Inline domains or URLs."""
    max_blocked_words: int | None = 0
    """Drop when more distinct listed words than this occur."""
    block_urls: bool = True

    def __post_init__(self) -> None:
        for lang, path in self.word_files.items():
            check_list_file(f"word_files[{lang!r}]", path)
        for i, path in enumerate(self.url_files):
            check_list_file(f"url_files[{i}]", path)


def check_list_file(option: str, path: str) -> None:
    """Raise ``ValueError`` naming ``option`` unless ``path`` is a readable file.

    Called when the configuration is built, so that a recipe naming a missing list
    fails before any work starts rather than in a worker half-way through a run.
    """
    p = Path(path)
    if not p.exists():
        why = "no such file"
    elif p.is_dir():
        why = "it is a directory, not a list file"
    elif not p.is_file():
        why = "not a regular file"
    elif not os.access(p, os.R_OK):
        why = "permission denied"
    else:
        return
    raise ValueError(f"{option}: cannot read list {path}: {why}")


def _read_list(path: str) -> list[str]:
    try:
        with open(path, encoding="utf-8") as f:
            return [s for s in (ln.split("#", 1)[0].strip() for ln in f) if s]
    except OSError as e:
        raise ValueError(f"blocklist: cannot read list {path}: {e}") from e


def _norm_url(url: str) -> str:
    u = url.strip().lower()
    u = u.split("://", 1)[1] if "://" in u else u
    return u.removeprefix("www.").rstrip("/")


class Blocklist(RuleFilter):
    """Drop documents with listed words or from listed domains (``blocklist_v1``)."""

    #: The pipeline passes the batch's ``url`` column as ``urls=`` when present.
    uses_urls: ClassVar[bool] = True

    name: ClassVar[str] = "blocklist"
    Config: ClassVar[type[BlocklistConfig]] = BlocklistConfig  # type: ignore[assignment]
    rules: ClassVar[tuple[Rule, ...]] = (
        Rule("blocklist:url", "blocked_url", ">=", const=1, enabled_by="block_urls"),
        Rule("blocklist:words", "blocked_words", ">", "max_blocked_words"),
    )
    reasons: ClassVar[tuple[str, ...]] = tuple(r.reason for r in rules)
    signal_names: ClassVar[tuple[str, ...]] = ("blocked_url", "blocked_words")

    def __init__(self, config: Any = None, *, strict: bool = False, **overrides: Any) -> None:
        super().__init__(config, strict=strict, **overrides)
        cfg = self.config
        self._lists: dict[str, list[str]] = {
            str(normalize_lang(k) if k != "*" else "*"): _read_list(p)
            for k, p in cfg.word_files.items()  # type: ignore[attr-defined]
        }
        self._matchers: dict[str | None, tuple[frozenset[str], tuple[str, ...]]] = {}

    @cached_property
    def _domains(self) -> frozenset[str]:
        cfg = self.config
        entries = list(cfg.domains)  # type: ignore[attr-defined]
        for path in cfg.url_files:  # type: ignore[attr-defined]
            entries += _read_list(path)
        return frozenset(_norm_url(e) for e in entries)

    def _matcher(self, lang: str | None) -> tuple[frozenset[str], tuple[str, ...]]:
        code = normalize_lang(lang)
        if code not in self._matchers:
            words = list(self.config.words)  # type: ignore[attr-defined]
            words += self._lists.get("*", [])
            if code is not None:
                words += self._lists.get(code, [])
            low = {w.lower() for w in words}
            subs = tuple(sorted(w for w in low if " " in w or UNSEG_RE.search(w)))
            self._matchers[code] = (frozenset(low - set(subs)), subs)
        return self._matchers[code]

    def url_blocked(self, url: str | None) -> bool:
        """True when ``url``'s host (or a parent domain) or the URL itself is listed."""
        if not url or not self._domains:
            return False
        norm = _norm_url(url)
        if norm in self._domains:
            return True
        try:
            host = (urlsplit(url if "://" in url else "//" + url).hostname or "").rstrip(".")
        except ValueError:
            return False
        parts = host.split(".")
        return any(".".join(parts[i:]) in self._domains for i in range(len(parts)))

    def analyze_signals(
        self, a: Analysis, lang: str | None = None, *, url: str | None = None
    ) -> Signals:
        tokens, subs = self._matcher(lang)
        found = 0
        if tokens:
            found += len(tokens & {t.lower() for t in a.token_set})
        if subs:
            low = a.text.lower()
            found += sum(1 for w in subs if w in low)
        return {"blocked_url": float(self.url_blocked(url)), "blocked_words": float(found)}

    def signals(self, text: str, lang: str | None = None, *, url: str | None = None) -> Signals:
        return self.analyze_signals(Analysis(safe_text(text)), lang, url=url)

    def signal_batch(
        self,
        texts: Any,
        langs: Sequence[str | None] | None = None,
        *,
        urls: Sequence[str | None] | None = None,
    ) -> pa.Table:
        items = _as_pylist(texts)
        lang_list = _as_pylist(langs) if langs is not None else [None] * len(items)
        url_list = _as_pylist(urls) if urls is not None else [None] * len(items)
        rows = [
            self.analyze_signals(Analysis(safe_text(t)), lg, url=u)
            for t, lg, u in zip(items, lang_list, url_list, strict=True)
        ]
        return pa.table(
            {n: pa.array([r[n] for r in rows], type=pa.float64()) for n in self.signal_names}
        )
