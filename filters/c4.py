# ruff: noqa: RUF001, RUF002  (intentional non-ASCII punctuation of other scripts)
"""C4 cleaning (Raffel et al. 2020, "Exploring the Limits of Transfer Learning with a
Unified Text-to-Text Transformer", section 2.2), a rewriter.

Line rules, applied to each ``str.splitlines`` line after ``strip()``, in the order
of TFDS ``c4_utils.clean_page`` and datatrove 0.10.1's ``C4QualityFilter``:

1. a word (whitespace-split) longer than ``max_word_length`` (1000) -> drop line;
2. citation markers ``[1]``, ``[edit]``, ``[citation needed]`` are removed;
3. no terminal punctuation (``. ? ! " '``, or ends with ``...``) -> drop line
   (on in C4, off in FineWeb's use of C4);
4. fewer than ``min_words_per_line`` (3) words (counted before step 2) -> drop line;
5. "lorem ipsum" -> the page is dropped (signal ``has_lorem_ipsum``);
6. "javascript" -> drop line;
7. ``{`` -> the page is dropped (signal ``has_curly_bracket``);
8. cookie / terms of use / privacy policy boilerplate -> drop line.

Document rule: fewer than ``min_sentences`` (5) sentences in the kept lines.
Rules 5 and 7 and the sentence minimum are decided from signals, so they can be
re-thresholded from stored signals; a page-dropping line is otherwise kept, as
with the rule disabled. Words in lines of scripts without spaces are counted as
clusters (``filters._text.count_words``); terminal punctuation includes the
sentence-final marks of other scripts (``。！？।`` ...), and per-language extras.

Sentences are counted without a model: terminal-mark runs followed by space or
end of line, plus one for a kept line that does not end with one (datatrove uses
spaCy's sentencizer; abbreviations like "Dr." count as a sentence end here).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Any, ClassVar

import pyarrow as pa

from filters._lang import language_info
from filters._rules import LangConfig, Rule, RuleFilter
from filters._text import (
    OTHER_SPACE,
    UNSEG_RE,
    Analysis,
    count_words,
    safe_text,
    tokenize,
)
from filters.base import Rewriter, Signals, _as_pylist

CITATION_RE = re.compile(r"\[\d*]|\[edit]|\[citation needed]")
#: C4's terminal marks plus sentence-final marks of other scripts.
END_PUNCTUATION = (".", "?", "!", '"', "'", "。", "！", "？", "｡", "।", "॥", "။", "។", "؟", "۔")
ELLIPSIS = "..."
POLICY_SUBSTRINGS = (
    "terms of use",
    "privacy policy",
    "cookie policy",
    "uses cookies",
    "use of cookies",
    "use cookies",
)
_TERMINALS = ".!?‼‽⁇⁈⁉。！？｡।॥။។؟۔"
_CLOSERS = "\"'”’»)]」』"
#: Full-width sentence ends of Chinese and Japanese: no space follows them.
_CJK_TERMINALS = "。！？｡"
_TERMINAL_TUPLE = tuple(_TERMINALS)
#: A sentence end: ``[terminals]+[closers]*`` followed by whitespace or the end, or a
#: run of CJK terminals anywhere. Both branches start with a terminal, and the leading
#: lookahead says so, which lets ``re`` skip other characters twice as fast.
SENTENCE_END_RE = re.compile(
    f"(?=[{re.escape(_TERMINALS)}])"
    f"(?:[{re.escape(_TERMINALS)}]+[{re.escape(_CLOSERS)}]*(?=\\s|$)"
    f"|[{re.escape(_CJK_TERMINALS)}]+[{re.escape(_CLOSERS)}]*)"
)
#: ``SENTENCE_END_RE`` for Arrow's RE2 (no lookahead): the whitespace after a sentence
#: end is consumed instead of looked at, which cannot change the count since no match
#: starts with whitespace. RE2's ``\\s`` is ASCII-only, hence ``str.isspace``'s set.
SENTENCE_END_RE2 = (
    f"[{re.escape(_TERMINALS)}]+[{re.escape(_CLOSERS)}]*(?:[ \\t\\n\\v\\f\\r{OTHER_SPACE}]|$)"
    f"|[{re.escape(_CJK_TERMINALS)}]+[{re.escape(_CLOSERS)}]*"
)
_LINE_COUNTERS = ("long_word", "no_terminal_punct", "few_words", "javascript", "policy")


@dataclass(frozen=True, kw_only=True)
class C4Config(LangConfig):
    """C4 settings (Raffel et al. 2020; TFDS ``c4_utils``). ``None`` disables a rule."""

    remove_citations: bool = True
    filter_no_terminal_punct: bool = True
    """C4 keeps only lines ending in terminal punctuation; FineWeb turns this off."""
    min_words_per_line: int | None = 3
    max_word_length: int | None = 1000
    filter_javascript: bool = True
    filter_policy: bool = True
    filter_lorem_ipsum: bool = True
    filter_curly_bracket: bool = True
    min_sentences: int | None = 5


class C4(RuleFilter, Rewriter):
    """C4 line cleaning and page rules (``c4_v1``). ``rewrite`` returns the cleaned text."""

    name: ClassVar[str] = "c4"
    Config: ClassVar[type[C4Config]] = C4Config  # type: ignore[assignment]
    rules: ClassVar[tuple[Rule, ...]] = (
        Rule("c4:lorem_ipsum", "has_lorem_ipsum", ">=", const=1, enabled_by="filter_lorem_ipsum"),
        Rule(
            "c4:curly_bracket",
            "has_curly_bracket",
            ">=",
            const=1,
            enabled_by="filter_curly_bracket",
        ),
        Rule("c4:too_few_sentences", "sentence_count", "<", "min_sentences"),
    )
    reasons: ClassVar[tuple[str, ...]] = tuple(r.reason for r in rules)
    unknown_lang_rules: ClassVar[str | None] = (
        "the default thresholds and only the common sentence-end punctuation"
    )
    signal_names: ClassVar[tuple[str, ...]] = (
        "lines_total",
        "lines_removed",
        "chars_removed",
        *(f"lines_removed_{c}" for c in _LINE_COUNTERS),
        "citations_removed",
        "sentence_count",
        "has_lorem_ipsum",
        "has_curly_bracket",
    )

    def _adjust_settings(self, values: dict[str, Any], code: str | None) -> None:
        info = language_info(code)
        extra = tuple(info.get("terminal_punct", ())) if info else ()
        values["_end"] = END_PUNCTUATION + extra

    def rewrite_analysis(self, a: Analysis, lang: str | None = None) -> tuple[Analysis, Signals]:
        """The rewritten text as an :class:`Analysis` reusing ``a``'s token count."""
        removed: list[str] = []
        new, sig = self._rewrite(a.text, lang, removed)
        return _rewritten(a, new, sig, removed), sig

    def rewrite_analyses(
        self, analyses: Sequence[Analysis], langs: Sequence[str | None]
    ) -> tuple[list[Analysis], dict[str, list[float]]]:
        """``rewrite_analysis`` for a batch; sentence ends are counted in one Arrow call."""
        out: list[Analysis] = []
        sigs: list[Signals] = []
        for a, lang in zip(analyses, langs, strict=True):
            removed: list[str] = []
            new, sig = self._rewrite(a.text, lang, removed, count_ends=False)
            out.append(_rewritten(a, new, sig, removed))
            sigs.append(sig)
        for sig, n in zip(sigs, count_sentence_ends([b.text for b in out]), strict=True):
            sig["sentence_count"] += n
        return out, {n: [sig[n] for sig in sigs] for n in self.signal_names}

    def analyze_signals(self, a: Analysis, lang: str | None = None) -> Signals:
        return self.rewrite(a.text, lang)[1]

    def signals(self, text: str, lang: str | None = None) -> Signals:
        return self.rewrite(safe_text(text), lang)[1]

    def rewrite(self, text: str, lang: str | None = None) -> tuple[str, Signals]:
        return self._rewrite(text, lang, None)

    def _rewrite(  # noqa: C901
        self, text: str, lang: str | None, removed_lines: list[str] | None, count_ends: bool = True
    ) -> tuple[str, Signals]:
        """The rewrite; with ``count_ends=False`` the sentence count lacks the sentence
        ends of the new text (the caller adds ``count_sentence_ends``)."""
        s = self.settings(lang)
        end, max_len, min_words = s["_end"], s["max_word_length"], s["min_words_per_line"]
        no_punct, cite = s["filter_no_terminal_punct"], s["remove_citations"]
        js, policy = s["filter_javascript"], s["filter_policy"]
        removed = dict.fromkeys(_LINE_COUNTERS, 0)
        kept: list[str] = []
        kept_idx: list[int] = []
        n_lines = n_cites = lorem = curly = tails = 0
        # Page-level look-ups: a line (a substring) can only contain what the page
        # does, unless removing a citation joined two pieces of it.
        low_page = text.lower()
        scan_page = (
            "lorem ipsum" in low_page
            or (js and "javascript" in low_page)
            or (policy and any(p in low_page for p in POLICY_SUBSTRINGS))
        )
        has_curly = "{" in text
        lines = text.splitlines()
        for raw in lines:
            n_lines += 1
            line = raw.strip()
            if (
                max_len is not None
                and len(line) > max_len
                and max(map(len, line.split())) > max_len
            ):
                removed["long_word"] += 1
                continue
            before = line
            k = 0
            if cite and "[" in line:
                line, k = CITATION_RE.subn("", line)
                n_cites += k
            if no_punct and (not line.endswith(end) or line.endswith(ELLIPSIS)):
                removed["no_terminal_punct"] += 1
                continue
            if min_words is not None and _fewer_words(before, min_words):
                removed["few_words"] += 1
                continue
            if scan_page or k:
                low = line.lower()
                if "lorem ipsum" in low:
                    lorem = 1
                if js and "javascript" in low:
                    removed["javascript"] += 1
                    continue
            if has_curly and "{" in line:
                curly = 1
            if (scan_page or k) and policy and any(p in low for p in POLICY_SUBSTRINGS):
                removed["policy"] += 1
                continue
            kept.append(line)
            kept_idx.append(n_lines - 1)
            if not line.rstrip(_CLOSERS).endswith(_TERMINAL_TUPLE):
                tails += 1
        new_text = "\n".join(kept).strip()
        if removed_lines is not None:
            keep = set(kept_idx)
            removed_lines.extend(ln for i, ln in enumerate(lines) if i not in keep)
        sig: Signals = {
            "lines_total": float(n_lines),
            "lines_removed": float(n_lines - len(kept)),
            "chars_removed": float(len(text) - len(new_text)),
        }
        for c in _LINE_COUNTERS:
            sig[f"lines_removed_{c}"] = float(removed[c])
        sig["citations_removed"] = float(n_cites)
        ends = len(SENTENCE_END_RE.findall(new_text)) if count_ends else 0
        sig["sentence_count"] = float(ends + tails)
        sig["has_lorem_ipsum"] = float(lorem)
        sig["has_curly_bracket"] = float(curly)
        return new_text, sig

    def signal_batch(self, texts: Any, langs: Any = None) -> pa.Table:
        return self.rewrite_batch(texts, langs)[1]

    def rewrite_batch(self, texts: Any, langs: Any = None) -> tuple[pa.Array, pa.Table]:
        items = [safe_text(t) for t in _as_pylist(texts)]
        lang_list = _as_pylist(langs) if langs is not None else [None] * len(items)
        out: list[str] = []
        cols: dict[str, list[float]] = {n: [] for n in self.signal_names}
        for text, lang in zip(items, lang_list, strict=True):
            new, sig = self._rewrite(text, lang, None, count_ends=False)
            out.append(new)
            for n, col in cols.items():
                col.append(sig[n])
        sentences = cols["sentence_count"]
        for i, ends in enumerate(count_sentence_ends(out)):
            sentences[i] += ends
        table = pa.table({n: pa.array(v, type=pa.float64()) for n, v in cols.items()})
        return to_string_array(out), table


def _fewer_words(line: str, min_words: float) -> bool:
    """``count_words(line) < min_words``, splitting no further than needed.

    Without unsegmented-script characters a word is a whitespace-split piece, and
    ``split(None, k)`` has at most ``k + 1`` pieces, so fewer than ``k`` pieces means
    fewer than ``k`` words. Otherwise every base character of those scripts starts
    one cluster, a word of its own: ``k`` of them are enough.
    """
    if not (isinstance(min_words, int) and min_words > 0):
        return count_words(line) < min_words
    if line.isascii() or UNSEG_RE.search(line) is None:
        return len(line.split(None, min_words)) < min_words
    if len(list(islice(UNSEG_RE.finditer(line), min_words))) == min_words:
        return False
    return count_words(line) < min_words


def _rewritten(a: Analysis, new: str, sig: Signals, removed: list[str]) -> Analysis:
    """``a`` when unchanged, else an :class:`Analysis` of ``new`` with its token count."""
    if new == a.text:
        return a
    b = Analysis(new)
    if sig["citations_removed"] == 0:
        # Tokens never span a line break: the kept lines keep their tokens, and
        # the removed lines joined by newlines have the tokens they had.
        b.__dict__["n_tokens"] = a.n_tokens - len(tokenize("\n".join(removed)))
    return b


def count_sentence_ends(texts: list[str]) -> list[int]:
    """``len(SENTENCE_END_RE.findall(t))`` for each text (RE2 in Arrow when it can)."""
    import pyarrow.compute as pc

    try:
        arr = pa.array(texts, type=pa.string())
    except (UnicodeEncodeError, pa.ArrowException):
        return [len(SENTENCE_END_RE.findall(t)) for t in texts]
    counts: list[int] = pc.count_substring_regex(arr, pattern=SENTENCE_END_RE2).to_pylist()
    return counts


def to_string_array(values: list[str]) -> pa.Array:
    """Arrow strings; lone surrogates (only possible from Python input) become U+FFFD."""
    try:
        return pa.array(values, type=pa.string())
    except (UnicodeEncodeError, pa.ArrowException):
        fixed = [v.encode("utf-8", "replace").decode("utf-8") for v in values]
        return pa.array(fixed, type=pa.string())
