"""The fast paths against the readable definitions they replace, value for value."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import filters._ngrams_batch as ngrams_batch
import filters.stack as stack_module
from filter_texts import GOOD
from filters import C4, GopherRepetition, default_stack
from filters._chars import class_counts
from filters._ngrams import repetition_chars
from filters._split import split_batch
from filters._table import _arrow_table, _python_table, token_table
from filters._text import (
    LINE_SPLIT_RE,
    OTHER_SPACE,
    PARA_SPLIT_RE,
    PUNCTUATION,
    Analysis,
    count_words,
    split_lines,
    split_paragraphs,
    tokenize,
)
from filters.c4 import (
    _CJK_TERMINALS,
    _CLOSERS,
    _TERMINALS,
    SENTENCE_END_RE,
    _fewer_words,
    count_sentence_ends,
)
from filters.gopher_repetition import DUP_NS, TOP_NS, duplicates

ROOT = Path(__file__).resolve().parents[2]
FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Few distinct tokens (some sharing characters) so that n-grams repeat often.
_docs = st.lists(
    st.lists(st.sampled_from(["a", "bb", "ab", "b", ".", "ccc"]), max_size=60),
    max_size=12,
)


@FAST
@given(docs=_docs, chunk=st.sampled_from([1, 7, 50, 1 << 14]))
def test_batch_kernel_equals_reference(docs: list[list[str]], chunk: int) -> None:
    old = ngrams_batch.CHUNK_TOKENS
    ngrams_batch.CHUNK_TOKENS = chunk  # documents split across chunks too
    try:
        top, dup = ngrams_batch.repetition_chars_batch(docs, TOP_NS, DUP_NS)
    finally:
        ngrams_batch.CHUNK_TOKENS = old
    for i, tokens in enumerate(docs):
        ref_top, ref_dup = repetition_chars(tokens, TOP_NS, DUP_NS)
        assert {n: int(top[n][i]) for n in TOP_NS} == ref_top, tokens
        assert {n: int(dup[n][i]) for n in DUP_NS} == ref_dup, tokens


def test_batch_kernel_long_repeats() -> None:
    words = GOOD.split()
    docs = [words * 3, [], words + words[:7] + words, ["x"] * 50, words[:3]]
    top, dup = ngrams_batch.repetition_chars_batch(docs, TOP_NS, DUP_NS)
    for i, tokens in enumerate(docs):
        ref_top, ref_dup = repetition_chars(tokens, TOP_NS, DUP_NS)
        assert {n: int(top[n][i]) for n in TOP_NS} == ref_top
        assert {n: int(dup[n][i]) for n in DUP_NS} == ref_dup


def _reference_signals(text: str) -> dict[str, float]:
    """Gopher repetition as first written: regex splits, a loop, the n-gram definitions."""

    def dups(parts: list[str]) -> tuple[int, int]:
        seen: set[str] = set()
        n_dup = n_chars = 0
        for p in parts:
            if p in seen:
                n_dup += 1
                n_chars += len(p)
            else:
                seen.add(p)
        return n_dup, n_chars

    n_chars = max(len(text), 1)
    paras = PARA_SPLIT_RE.split(text.strip())
    lines = LINE_SPLIT_RE.split(text)
    top, dup = repetition_chars(tokenize(text), TOP_NS, DUP_NS)
    out = {
        "dup_para_frac": dups(paras)[0] / max(len(paras), 1),
        "dup_para_char_frac": dups(paras)[1] / n_chars,
        "dup_line_frac": dups(lines)[0] / max(len(lines), 1),
        "dup_line_char_frac": dups(lines)[1] / n_chars,
    }
    out.update({f"top_{n}gram_char_frac": top[n] / n_chars for n in TOP_NS})
    out.update({f"dup_{n}gram_char_frac": dup[n] / n_chars for n in DUP_NS})
    return out


_pieces = st.sampled_from(["the cat", "sat", " ", "\n", "\n\n", "\n\n\n", ".", "a b c d e", "中文"])
_texts = st.one_of(st.text(max_size=200), st.lists(_pieces, max_size=60).map("".join))


@FAST
@given(texts=st.lists(_texts, max_size=6))
def test_gopher_repetition_equals_reference(texts: list[str]) -> None:
    f = GopherRepetition()
    table = f.signal_batch(texts)
    for i, text in enumerate(texts):
        ref = _reference_signals(text)
        assert f.signals(text) == ref
        assert {n: table.column(n)[i].as_py() for n in f.signal_names} == ref


@FAST
@given(text=st.one_of(st.text(max_size=60), st.text(alphabet="ab\n \r\t", max_size=40)))
def test_line_and_paragraph_splits(text: str) -> None:
    assert split_lines(text) == LINE_SPLIT_RE.split(text)
    assert split_paragraphs(text) == PARA_SPLIT_RE.split(text.strip())
    parts = split_lines(text)
    assert duplicates(parts) == (
        len(parts) - len(set(parts)),
        sum(len(p) for i, p in enumerate(parts) if p in parts[:i]),
    )


_ORIGINAL_SENTENCE_END = re.compile(
    f"[{re.escape(_TERMINALS)}]+[{re.escape(_CLOSERS)}]*(?=\\s|$)"
    f"|[{re.escape(_CJK_TERMINALS)}]+[{re.escape(_CLOSERS)}]*"
)


@FAST
@given(text=st.text(alphabet=f"ab \n\t{_TERMINALS}{_CLOSERS}", max_size=40))
def test_sentence_end_pattern_unchanged(text: str) -> None:
    assert SENTENCE_END_RE.findall(text) == _ORIGINAL_SENTENCE_END.findall(text)


@FAST
@given(
    lines=st.lists(
        st.sampled_from(
            [
                "Read our Privacy Policy now.",
                "java[1]script is off.",
                "priv[edit]acy policy applies.",
                "Lorem ipsum dolor sit amet.",
                "A normal line with words.",
                "x { y } z.",
                "short",
                "The COOKIE policy is here.",
            ]
        ),
        max_size=8,
    )
)
def test_c4_page_prefilter_keeps_line_rules(lines: list[str]) -> None:
    """Lines whose citations are removed are still checked one by one."""
    text = "\n".join(lines)
    new, sig = C4().rewrite(text)
    kept = []
    for line in lines:
        clean = re.sub(r"\[\d*]|\[edit]|\[citation needed]", "", line)
        low = clean.lower()
        if len(line.split()) < 3 or "javascript" in low or "policy" in low:
            continue
        kept.append(clean)
    assert new == "\n".join(kept).strip()
    assert sig["has_lorem_ipsum"] == float(any("Lorem" in ln for ln in lines))


def test_stack_in_several_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    docs = [GOOD, "", "a\n\na\n\na", GOOD + "\n" + GOOD, "x y z " * 40, None, "lorem ipsum {"]
    whole = default_stack().run(docs)
    monkeypatch.setattr(stack_module, "BATCH_DOCS", 2)
    parts = default_stack().run(docs)
    assert parts.signals.equals(whole.signals)
    assert parts.reason.equals(whole.reason)
    assert parts.texts.equals(whole.texts)


_HASHSEED_SCRIPT = """
import json, sys
from filters import GopherRepetition, default_stack
texts = json.loads(sys.stdin.read())
rep = GopherRepetition()
out = {
    "batch": rep.signal_batch(texts).to_pydict(),
    "docs": [rep.signals(t) for t in texts],
    "stack": default_stack().run(texts).signals.to_pydict(),
}
print(json.dumps(out, sort_keys=True))
"""


def test_signals_do_not_depend_on_hash_seed() -> None:
    words = GOOD.split()
    texts = [GOOD, " ".join(words * 3), " ".join(words[:20] * 2 + words), "a b " * 50, ""]
    outs = []
    for seed in ("0", "4242"):
        proc = subprocess.run(
            [sys.executable, "-c", _HASHSEED_SCRIPT],
            input=json.dumps(texts),
            capture_output=True,
            text=True,
            cwd=ROOT,
            env={"PYTHONHASHSEED": seed, "PATH": "/usr/bin:/bin"},
            check=True,
        )
        outs.append(proc.stdout)
    assert outs[0] == outs[1]
    assert json.loads(outs[0])["batch"]["top_2gram_char_frac"][3] > 0


def test_other_space_is_python_whitespace() -> None:
    spaces = {c for c in map(chr, range(0x110000)) if c.isspace()}
    other = {c for c in spaces if c not in " \t\n\v\f\r"}
    assert {c for c in spaces if re.fullmatch(f"[{OTHER_SPACE}]", c)} == other
    assert all(len(f"a{c}b".split()) == 2 for c in spaces)


# Characters on both sides of every tokenizer boundary: punctuation, clusters and
# their marks, Latin/Indic marks, every kind of whitespace, letters and digits.
_TOKEN_CHARS = (
    "aZé1٣_€" + PUNCTUATION[:40] + "…—。「」、・〜" + "中文かカ々ー" + "ภาษาไทย\u0e31\u0e48"
    "ພາສາ" + "မြန်မာ" + "ខ្មែរ" + "हिन्दी" + "\u0301\u3099\uff9e" + "😀\U00020001"
    " \t\n\r\x0b\x0c\x1c\x1f\x85\xa0\u1680\u2000\u200a\u200b\u2028\u2029\u202f\u205f\u3000\x00"
)


@FAST
@given(texts=st.lists(st.text(alphabet=_TOKEN_CHARS, max_size=60), max_size=6))
def test_arrow_token_table_equals_tokenize(texts: list[str]) -> None:
    analyses = [Analysis(t) for t in texts]
    arrow = _arrow_table(analyses)
    python = _python_table([Analysis(t) for t in texts])
    assert arrow is not None
    for t in (arrow, python):
        got = [t.vocab[i] for i in t.ids.tolist()]
        expected = [tok for text in texts for tok in tokenize(text)]
        assert got == expected
        assert t.n_tok.tolist() == [len(tokenize(text)) for text in texts]
    assert arrow.lengths.tolist() == python.lengths.tolist()
    for name in ("is_symbol", "has_alpha"):  # Arrow kernels vs the str methods
        by_token = dict(zip(python.vocab, getattr(python, name).tolist(), strict=True))
        assert getattr(arrow, name).tolist() == [by_token[v] for v in arrow.vocab]
    probe = [*python.vocab[:3], "not-a-token", "\u3000"]
    assert [arrow.vocab[i] if i >= 0 else None for i in arrow.ids_of(probe).tolist()] == [
        v if v in python.position else None for v in probe
    ]
    if analyses:
        assert token_table(analyses) is token_table(analyses)  # built once per batch


@FAST
@given(texts=st.lists(st.text(alphabet="".join(map(chr, range(128))), max_size=40), max_size=6))
def test_split_batch_ascii_equals_tokenize(texts: list[str]) -> None:
    split = split_batch(texts)  # the ASCII path: no code points, no UTF-8 lengths
    assert split is not None
    assert split[0].to_pylist() == [tok for text in texts for tok in tokenize(text)]
    assert split[1].tolist() == [len(tokenize(text)) for text in texts]


def test_split_batch_classifies_every_code_point_as_tokenize() -> None:
    # Each character between letters, punctuation, a cluster and its marks, spaces:
    # the class table of ``split_batch`` against ``tokenize``'s regexes.
    chars = [chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
    chars = chars[:0x10000] + chars[0x10000::97] + ["\U00020001", "\U0003134f", "\U00031350"]
    texts = [f"a{c}b{c}{c}.{c}中{c}\u0e01\u0e31{c}\u0e31 {c}" for c in chars]
    for i in range(0, len(texts), 4096):
        part = texts[i : i + 4096]
        split = split_batch(part)
        assert split is not None
        tokens, n_tok = split
        assert tokens.to_pylist() == [tok for text in part for tok in tokenize(text)]
        assert n_tok.tolist() == [len(tokenize(text)) for text in part]


@FAST
@given(
    line=st.text(alphabet=_TOKEN_CHARS, max_size=30),
    k=st.sampled_from([0, 1, 2, 3, 4, 7, 2.5, -1]),
)
def test_c4_fewer_words_equals_count_words(line: str, k: float) -> None:
    assert _fewer_words(line, k) == (count_words(line) < k)


def test_token_table_with_lone_surrogates() -> None:
    texts = ["a \ud800 b.", "", "  "]
    t = token_table([Analysis(x) for x in texts])
    assert [t.vocab[i] for i in t.ids.tolist()] == ["a", "\ud800", "b", "."]
    assert t.n_tok.tolist() == [4, 0, 0]


@FAST
@given(
    texts=st.lists(
        st.text(alphabet=f"ab \n\t\x0b\x1c\x85\u3000{_TERMINALS}{_CLOSERS}", max_size=40),
        max_size=5,
    )
)
def test_arrow_sentence_ends_equal_findall(texts: list[str]) -> None:
    assert count_sentence_ends(texts) == [len(SENTENCE_END_RE.findall(t)) for t in texts]
    with_surrogate = [*texts, "a.\ud800 b. "]
    assert count_sentence_ends(with_surrogate) == [
        len(SENTENCE_END_RE.findall(t)) for t in with_surrogate
    ]


def _class_counts_reference(text: str) -> list[int]:
    return [
        sum(map(str.isalnum, text)),
        len(re.findall(r"\d", text)),
        sum(map(str.isspace, text)),
        sum(map(str.isupper, text)),
        sum(map(str.isalpha, text)),
    ]


@FAST
@given(texts=st.lists(st.text(max_size=80), max_size=6))
def test_class_counts_equal_str_predicates(texts: list[str]) -> None:
    got = class_counts(texts)
    assert got.shape == (len(texts), 5)
    assert got.tolist() == [_class_counts_reference(t) for t in texts]


def test_class_counts_above_the_bmp_and_surrogates() -> None:
    # bold A, B, 1, 2 (math alphanumerics), an emoji, a lone surrogate, Roman numeral
    # twelve, vulgar half, superscript two, Arabic-Indic three, NKo one, titlecase DZ
    texts = [
        "\U0001d400\U0001d401 \U0001d7cf\U0001d7d0 \U0001f600",
        "",
        "\ud800x",
        "\u216b \u00bd \u00b2 \u0663 \u07c1 \u03a3 \u01c5",
        "\U0001d7ce\U00020001",
    ]
    assert class_counts(texts).tolist() == [_class_counts_reference(t) for t in texts]
