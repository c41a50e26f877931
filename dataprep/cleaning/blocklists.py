"""Per-language word blocklists for ``dirty_words_v1``: reading and matching.

A blocklist file is UTF-8 text, one term per line (a word or a phrase); blank lines and
lines starting with ``#`` are ignored; terms are NFC-normalized and case-folded.

Matching, per term:

* a term with characters of a script written without spaces (Chinese, Japanese, Thai,
  Lao, Khmer, Burmese; :data:`filters._text.UNSEG_RE`) is matched as a **substring** of
  the case-folded text (non-overlapping, longest term first): such text has no word
  boundaries to match on;
* any other term is matched as a whole **token sequence**: the term and the text are
  split by :func:`filters._text.split_tokens`, so ``ass`` does not match ``class``
  and ``f*ck`` matches the tokens ``f``, ``*``, ``ck`` in order.

Each match counts the words of the term (:func:`filters._text.count_words`: one per
word, one per character cluster of unsegmented scripts), so the ratio
``dirty words / words`` is comparable across scripts.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from dataprep.errors import ConfigError


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

    @property
    def size(self) -> int:
        return len(self.single) + sum(map(len, self.phrases.values())) + len(self.substring_words)


def compile_terms(terms: list[str]) -> Blocklist:
    """Compile normalized terms into a :class:`Blocklist`."""
    from filters._text import UNSEG_RE, count_words, split_tokens

    out = Blocklist()
    for term in sorted({_norm(t.strip()) for t in terms if t.strip()}):
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
    return out


def check_blocklist(option: str, path: str) -> None:
    """ConfigError naming ``option`` unless ``path`` is a readable file (checked when
    the recipe is parsed, before any work starts)."""
    from filters.blocklist import check_list_file

    try:
        check_list_file(option, path)
    except ValueError as e:
        raise ConfigError(str(e).replace("cannot read list", "cannot read blocklist")) from None


def read_terms(path: str) -> list[str]:
    """Terms of a blocklist file (ConfigError naming the file when it cannot be read)."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
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
    for bl in lists:
        if bl.single or bl.phrases:
            for i, tok in enumerate(tokens):
                w = bl.single.get(tok)
                if w is not None:
                    matches += 1
                    dirty += w
                for seq, w2 in bl.phrases.get(tok, ()):
                    if tuple(tokens[i : i + len(seq)]) == seq:
                        matches += 1
                        dirty += w2
        if bl.substring is not None:
            for m in bl.substring.finditer(norm):
                matches += 1
                dirty += bl.substring_words[m.group(0)]
    return matches, dirty, n_words
