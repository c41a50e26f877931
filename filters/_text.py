# ruff: noqa: RUF001  (intentional non-ASCII punctuation of other scripts)
"""Script-aware tokenization shared by every filter: each document is split once.

Tokens are the whitespace-separated pieces of the text after every punctuation
run and every unsegmented-script cluster has been set apart (``tokenize``):

* a **cluster** of a script written without spaces (Chinese, Japanese kana/kanji,
  Thai, Lao, Khmer, Burmese) is one base character plus its combining marks. One
  cluster is one word unit; otherwise a Chinese paragraph is "1 word" and every
  length rule misfires (FineWeb-2, Penedo et al. 2025, likewise needs a per-script
  notion of a word for languages without spaces);
* a **punctuation run** (characters of ``PUNCTUATION``; ``...`` is one token) is a
  *symbol token*, as spaCy/NLTK (used by datatrove) emit punctuation as tokens;
* everything else between whitespace is a **word** (letters, digits, marks, other
  symbols such as ``€5``). Words and clusters are the *non-symbol words*.

Splitting with one capturing ``re.split`` and a C-level ``str.split`` is about
twice as fast as ``re.findall`` with an equivalent pattern.

The tokens follow the script of the text whatever the language label says. A
document labelled with a language of a spaced script (``en``, ``de``...) that is
*mixed*, i.e. whose unsegmented-script characters are at least
``MIXED_SCRIPT_SHARE`` but under half of its letters (an English page with Chinese
paragraphs), is judged by its label's rules on its label's text: the word-level
signals come from the text without its unsegmented-script runs
(:func:`majority_text`, :meth:`Analysis.judged`), while line-level signals and the
output keep the whole text. Otherwise a Chinese part would count as hundreds of
one-character words and fail English word-length rules.
"""

from __future__ import annotations

import re
from functools import cached_property
from itertools import filterfalse

from filters._lang import normalize_lang

# Base characters of scripts written without spaces (punctuation of those scripts excluded).
_UNSEG_BASE = (
    "\u2e80-\u2fdf\u3005-\u3007\u3021-\u3029\u3031-\u3035\u3038-\u303c"
    "\u3041-\u3096\u309d-\u309f\u30a1-\u30fa\u30fc-\u30ff\u3100-\u312f\u3190-\u31ff"
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9d\U00020000-\U0003134f"
    "\u0e01-\u0e30\u0e32\u0e33\u0e3f-\u0e46\u0e50-\u0e59"  # Thai
    "\u0e81-\u0eb0\u0eb2\u0eb3\u0ebd-\u0ec6\u0ed0-\u0edf"  # Lao
    "\u1000-\u102a\u103f-\u1049\u104c-\u1055\u105a-\u105d\u1061\u1065\u1066"
    "\u106e-\u1070\u1075-\u1081\u108e\u1090-\u1099\u109e\u109f"  # Burmese
    "\u1780-\u17b3\u17d7\u17dc\u17e0-\u17e9"  # Khmer
)
# Combining marks of those scripts: they stay attached to the preceding base.
_UNSEG_MARK = (
    "\u3099\u309a\uff9e\uff9f"
    "\u0e31\u0e34-\u0e3a\u0e47-\u0e4e"
    "\u0eb1\u0eb4-\u0ebc\u0ec8-\u0ece"
    "\u102b-\u103e\u1056-\u1059\u105e-\u1060\u1062-\u1064\u1067-\u106d\u1071-\u1074"
    "\u1082-\u108d\u108f\u109a-\u109d"
    "\u17b4-\u17d3\u17dd"
)
# Combining marks of spaced scripts (not matched by ``\w``): Latin diacritics,
# Cyrillic, Hebrew, Arabic, and the Indic blocks (whose letters \w already covers).
_MARK = (
    "\u0300-\u036f\u0483-\u0489\u0591-\u05bd\u05bf\u05c1\u05c2\u05c4\u05c5\u05c7"
    "\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06dc\u06df-\u06e4\u06e7\u06e8\u06ea-\u06ed"
    "\u0900-\u0963\u0966-\u096f\u0971-\u0dff\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20f0\ufe20-\ufe2f"
)
#: Characters that make up symbol tokens (ASCII punctuation plus common Unicode punctuation).
PUNCTUATION = (
    "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
    "¡§«¶·»¿‐‑‒–—―‖‗‘’‚‛“”„‟†‡•‣․‥…‰′″‹›※‼‽⁂⁇⁈⁉"
    "、。〃〈〉《》「」『』【】〔〕〖〗〘〙〚〛〜〝〞〟〰・"
    "！＂＃＄％＆＇（）＊＋，－．／：；＜＝＞？＠［＼］＾＿｀｛｜｝～｡｢｣､･"
    "،؛؟۔।॥๏๚๛၊။።፧፨។៕៖"
)
_P = re.escape(PUNCTUATION)
_CLUSTER = f"[{_UNSEG_BASE}][{_UNSEG_MARK}]*"
#: Separators set apart as their own tokens: group 1 a cluster, group 2 a punctuation run.
SEP_RE = re.compile(f"({_CLUSTER})|([{_P}]+)")
#: Exactly the punctuation runs of ``tokenize`` (maximal runs).
PUNCT_RUN_RE = re.compile(f"[{_P}]+")
#: ``SEP_RE`` for texts without unsegmented-script characters (same tokens, faster).
PUNCT_SPLIT_RE = re.compile(f"([{_P}]+)")
#: Matches a text containing at least one unsegmented-script character.
UNSEG_RE = re.compile(f"[{_UNSEG_BASE}]")
#: A run of unsegmented-script clusters and the punctuation of those scripts (CJK
#: symbols and punctuation, fullwidth forms), as removed by :func:`majority_text`.
UNSEG_RUN_RE = re.compile(f"(?:{_CLUSTER}|[\u3000-\u303f\uff01-\uff65])+")
_UNSEG_BASE_RE = re.compile(f"[{_UNSEG_BASE}]")
#: Languages written without spaces: their text *is* the unsegmented clusters.
UNSEG_LANGS = frozenset({"zh", "ja", "th", "lo", "km", "my", "yue", "wuu"})
#: Share of a document's letters in unsegmented scripts from which a document
#: labelled with a spaced-script language is judged on its label's text only. Each
#: cluster is a one-letter word, so with English words of ~5 letters a 15% share
#: already brings the mean word length near Gopher's minimum of 3 (20%: 2.8).
MIXED_SCRIPT_SHARE = 0.1
#: A letter (alphabetic character) anywhere in a token.
ALPHA_RE = re.compile(r"[^\W\d_]")
#: Paragraph and line separators as used by Gopher repetition (datatrove).
PARA_SPLIT_RE = re.compile(r"\n{2,}")
LINE_SPLIT_RE = re.compile(r"\n+")
PUNCT_SET = frozenset(PUNCTUATION)
#: Characters ``str.split()`` and ``str.isspace`` take as whitespace besides ``" \\t\\n\\v\\f\\r"``
#: (a regex character-class body), for regex engines whose ``\\s`` is ASCII-only.
OTHER_SPACE = "\x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"


def split_lines(text: str) -> list[str]:
    """``LINE_SPLIT_RE.split(text)`` (pieces between runs of ``\\n``), via ``str.split``."""
    parts = text.split("\n")
    if len(parts) <= 2:
        return parts
    return [parts[0], *filter(None, parts[1:-1]), parts[-1]]


def split_paragraphs(text: str) -> list[str]:
    """``PARA_SPLIT_RE.split(text.strip())``, via ``str.split``.

    The stripped text neither starts nor ends with a newline, so splitting on
    ``"\\n\\n"`` leaves only empty pieces (runs of 4+ newlines) and pieces starting
    with one ``"\\n"`` (runs of odd length) to fix.
    """
    s = text.strip()
    if "\n\n" not in s:
        return [s]
    return [p[1:] if p[0] == "\n" else p for p in s.split("\n\n") if p]


def split_tokens(text: str) -> tuple[list[str], list[str]]:
    """(all tokens in order, the punctuation-run tokens in order)."""
    if text.isascii() or UNSEG_RE.search(text) is None:
        parts = PUNCT_SPLIT_RE.split(text)
        return " ".join(parts).split(), parts[1::2]
    parts2 = SEP_RE.split(text)  # [segment, cluster|None, punct|None, segment, ...]
    return " ".join(filter(None, parts2)).split(), list(filter(None, parts2[2::3]))


def tokenize(text: str) -> list[str]:
    """All tokens of ``text`` in order (see module docstring)."""
    return split_tokens(text)[0]


def count_words(text: str) -> int:
    """Whitespace word count, except that each unsegmented-script cluster counts as a word."""
    if text.isascii() or UNSEG_RE.search(text) is None:
        return len(text.split())
    tokens, punct = split_tokens(text)
    return len(tokens) - len(punct)


def majority_text(text: str, lang: str | None) -> str:
    """The text whose words a filter judges for a document labelled ``lang``.

    ``text`` itself (the same object) unless ``lang`` is a spaced-script language and
    the document is mixed (see module docstring); then ``text`` with every
    unsegmented-script run replaced by a space.
    """
    if lang is None or text.isascii() or UNSEG_RE.search(text) is None:
        return text
    code = normalize_lang(lang)
    if code is None or code in UNSEG_LANGS:
        return text
    unseg = len(_UNSEG_BASE_RE.findall(text))
    letters = sum(map(str.isalpha, text))
    if not MIXED_SCRIPT_SHARE * letters <= unseg < 0.5 * letters:
        return text
    return UNSEG_RUN_RE.sub(" ", text)


def safe_text(text: object) -> str:
    """``text`` as a str; ``None`` becomes empty. Lone surrogates are kept as they are."""
    return "" if text is None else str(text)


class Analysis:
    """One document, split once; every filter reads the pieces it needs.

    Pieces are computed on first use and cached, so a filter stack tokenizes each
    document a single time.
    """

    def __init__(self, text: str, token_text: str | None = None) -> None:
        self.text = text
        #: What the tokens are cut from: ``text``, or its majority-language part.
        self.token_text = text if token_text is None else token_text

    def judged(self, lang: str | None) -> Analysis:
        """This analysis as a filter judges it for label ``lang``: itself, or for a
        mixed document one whose tokens come from :func:`majority_text` (cached, so
        the filters of a stack share it)."""
        cache: dict[str | None, Analysis] = self.__dict__.setdefault("_judged", {})
        view = cache.get(lang)
        if view is None:
            part = majority_text(self.text, lang)
            view = self if part is self.text else Analysis(self.text, part)
            cache[lang] = view
        return view

    @cached_property
    def _split(self) -> tuple[list[str], list[str]]:
        return split_tokens(self.token_text)

    @cached_property
    def tokens(self) -> list[str]:
        return self._split[0]

    @cached_property
    def n_tokens(self) -> int:
        return len(self.tokens)

    @cached_property
    def punct_runs(self) -> list[str]:
        """The symbol tokens (punctuation runs), in order."""
        return self._split[1]

    @cached_property
    def n_words(self) -> int:
        """Non-symbol words: tokens that are not punctuation runs."""
        return self.n_tokens - len(self.punct_runs)

    @cached_property
    def word_chars(self) -> int:
        """Characters in non-symbol words."""
        return sum(map(len, self.tokens)) - sum(map(len, self.punct_runs))

    @cached_property
    def token_set(self) -> frozenset[str]:
        return frozenset(self.tokens)

    @cached_property
    def n_alpha_tokens(self) -> int:
        """Tokens containing at least one alphabetic character."""
        toks = self.tokens
        n_alpha = sum(map(str.isalpha, toks))
        rest = self.n_words - n_alpha - sum(map(str.isdecimal, toks))
        if rest <= 0:
            return n_alpha
        # Few tokens are mixed ("3rd", "हिन्दी" with marks): look at distinct ones only.
        mixed = filterfalse(str.isdecimal, filterfalse(str.isalpha, self.token_set))
        special = [t for t in mixed if t[0] not in PUNCT_SET and ALPHA_RE.search(t)]
        return n_alpha + sum(map(toks.count, special))

    @cached_property
    def lines(self) -> list[str]:
        """``str.splitlines`` lines (Gopher quality's and C4's notion of a line)."""
        return self.text.splitlines()
