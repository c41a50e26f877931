"""Per-language word blocklists for ``dirty_words_v1``: reading and matching.

A blocklist file is UTF-8 text, one term per line (a word or a phrase); blank lines and
lines starting with ``#`` are ignored; terms are NFC-normalized and case-folded.

Matching, per term:

* a term with characters of a script written without spaces (Chinese, Japanese, Thai,
  Lao, Khmer, Burmese; :data:`filters._text.UNSEG_RE`) is matched as a **substring** of
  the case-folded text (non-overlapping, longest term first): such text has no spaces
  to match on. For a term with Han or kana characters a substring match must also not
  cut a word: it is not counted when (a) it only partly overlaps a word of the jieba
  segmentation of the text (jieba-rs, through ``rjieba``: its ~350k-word dictionary;
  角色|情感 holds 色情) or (b) it overlaps, or lies inside, a known clean compound of
  ``data/cjk_compounds.txt`` (出色|情報: jieba knows little Japanese; エロージョン).
  A match inside a longer jieba word still counts (色情网站), and so does a term jieba
  splits into pieces of its own (坏|词).
  Thai, Lao, Khmer and Burmese terms stay plain substrings;
* any other term is matched as a whole **token sequence**: the term and the text are
  split by :func:`filters._text.split_tokens`, so ``ass`` does not match ``class``
  and ``f*ck`` matches the tokens ``f``, ``*``, ``ck`` in order. The longest term
  starting at a token wins and matches never overlap, so a phrase and its own
  sub-term (``naughty phrase``, ``naughty``) count once.

The lists of every language that applies to a document (``*`` and its own) are
merged before matching, so a term in both counts once. Each match counts the words of
the term (:func:`filters._text.count_words`: one per word, one per character cluster of
unsegmented scripts), so the ratio ``dirty words / words`` is comparable across scripts.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from dataprep.errors import ConfigError
from dataprep.io import storage

_COMPOUNDS_FILE = Path(__file__).parent / "data" / "cjk_compounds.txt"
#: Han ideographs, hiragana, katakana (the scripts jieba and the compound list cover).
_HAN_KANA_RE = re.compile(
    r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f]"
)


def _norm(text: str) -> str:
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    return text.casefold()


@dataclass
class Blocklist:
    """The compiled terms of one language."""

    single: dict[str, int] = field(default_factory=dict)
    """One-token terms -> words per match."""
    phrases: dict[str, list[tuple[tuple[str, ...], int]]] = field(default_factory=dict)
    """First token -> (token sequence, words per match) of multi-token terms."""
    substring: re.Pattern[str] | None = None
    substring_words: dict[str, int] = field(default_factory=dict)
    terms: tuple[str, ...] = ()
    """The normalized terms (to merge lists)."""

    @property
    def size(self) -> int:
        return len(self.single) + sum(map(len, self.phrases.values())) + len(self.substring_words)


def compile_terms(terms: list[str]) -> Blocklist:
    """Compile normalized terms into a :class:`Blocklist`."""
    from filters._text import UNSEG_RE, count_words, split_tokens

    out = Blocklist()
    out.terms = tuple(sorted({_norm(t.strip()) for t in terms if t.strip()}))
    for term in out.terms:
        if UNSEG_RE.search(term):
            out.substring_words[term] = max(count_words(term), 1)
            continue
        tokens = split_tokens(term)[0]
        words = max(count_words(term), 1)
        if len(tokens) == 1:
            out.single[tokens[0]] = words
        elif tokens:
            out.phrases.setdefault(tokens[0], []).append((tuple(tokens), words))
    if out.substring_words:
        alts = sorted(out.substring_words, key=lambda t: (-len(t), t))
        out.substring = re.compile("|".join(map(re.escape, alts)))
    for seqs in out.phrases.values():
        seqs.sort(key=lambda p: -len(p[0]))  # longest phrase first
    return out


def merge(lists: list[Blocklist]) -> Blocklist:
    """One list holding the terms of all ``lists`` (a term in several counts once)."""
    if len(lists) == 1:
        return lists[0]
    return compile_terms([t for bl in lists for t in bl.terms])


@cache
def _compounds() -> re.Pattern[str]:
    words = [
        w.strip()
        for w in _COMPOUNDS_FILE.read_text(encoding="utf-8").splitlines()
        if w.strip() and not w.startswith("#")
    ]
    return re.compile("|".join(map(re.escape, sorted(set(words), key=lambda w: (-len(w), w)))))


def _partly_overlaps(w_start: int, w_end: int, start: int, end: int) -> bool:
    """Word ``[w_start, w_end)`` straddles an edge of match ``[start, end)`` (a word inside
    the match or containing it does not)."""
    overlap = w_start < end and w_end > start
    holds_match = w_start <= start and w_end >= end
    inside = start <= w_start and w_end <= end
    return overlap and not holds_match and not inside


def _cuts_a_word(norm: str, start: int, end: int, words: list[tuple[int, int]]) -> bool:
    """Whether the match ``norm[start:end]`` cuts a word (module docstring)."""
    if any(_partly_overlaps(ws, we, start, end) for ws, we in words):
        return True
    lo, hi = max(0, start - 8), min(len(norm), end + 8)
    for pos in range(lo, hi):  # overlapping occurrences of compounds around the match
        m = _compounds().match(norm, pos, hi)  # a clean word overlapping more than the match
        if (
            m
            and m.start() < end
            and m.end() > start
            and not (start <= m.start() and m.end() <= end)
        ):
            return True
    return False


def _words(text: str) -> list[tuple[int, int]]:
    """Spans of the jieba words of ``text``."""
    import rjieba  # lazy: only texts with a Han/kana blocklist match pay for segmentation

    spans, pos = [], 0
    for word in rjieba.cut(text):
        spans.append((pos, pos + len(word)))
        pos += len(word)
    return spans


def check_blocklist(option: str, path: str) -> None:
    """ConfigError naming ``option`` unless ``path`` is a readable file (checked when
    the recipe is parsed, before any work starts; a URL is checked when the stage is
    built, once the recipe's ``storage`` settings apply)."""
    from filters.blocklist import check_list_file

    if storage.is_remote(path):
        return
    try:
        check_list_file(option, path)
    except ValueError as e:
        raise ConfigError(str(e).replace("cannot read list", "cannot read blocklist")) from None


def read_terms(path: str) -> list[str]:
    """Terms of a blocklist file (ConfigError naming the file when it cannot be read)."""
    try:
        lines = storage.option_file("blocklist", path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"cannot read blocklist {path}: {e}") from e
    return [line for line in lines if line.strip() and not line.lstrip().startswith("#")]


def count_dirty(text: str, lists: list[Blocklist]) -> tuple[int, int, int]:
    """(matches, words inside matches, words of the text) of ``text`` against ``lists``."""
    from filters._text import split_tokens

    norm = _norm(text)
    tokens, punct = split_tokens(norm)
    n_words = len(tokens) - len(punct)
    matches = dirty = 0
    bl = merge(lists) if lists else Blocklist()
    if bl.single or bl.phrases:
        i = 0
        while i < len(tokens):
            tok, step = tokens[i], 1
            for seq, w2 in bl.phrases.get(tok, ()):
                if tuple(tokens[i : i + len(seq)]) == seq:
                    matches, dirty, step = matches + 1, dirty + w2, len(seq)
                    break
            else:
                w = bl.single.get(tok)
                if w is not None:
                    matches, dirty = matches + 1, dirty + w
            i += step
    if bl.substring is not None:
        words: list[tuple[int, int]] | None = None
        for m in bl.substring.finditer(norm):
            if _HAN_KANA_RE.search(m.group(0)):
                if words is None:
                    words = _words(norm)
                if _cuts_a_word(norm, m.start(), m.end(), words):
                    continue
            matches += 1
            dirty += bl.substring_words[m.group(0)]
    return matches, dirty, n_words
