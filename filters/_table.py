"""One token table per batch of documents, shared by the batch paths of the filters.

Touching every token as a Python string costs about as much as splitting the text,
and each filter used to do it again (hashing for n-grams and stop words, ``len``,
``isalpha``). A :class:`TokenTable` does it once per batch:

* ``ids``: the dense id of every token of every document, end to end (exact: ids
  come from a dictionary of the token strings, in order of first appearance);
* ``n_tok``: tokens per document;
* per distinct token (``vocab``): its length, whether it is a symbol token
  (punctuation run) and whether it contains a letter; on the Arrow path these come
  from Arrow kernels over the dictionary (only non-ASCII tokens' letter test is
  asked in Python), and the dictionary becomes Python strings only if asked for.

Signals are then numpy sums over ``ids``. When every text can be encoded as UTF-8
the tokens never become Python strings: ``filters._split.split_batch`` finds them
from a table of code-point classes (numpy) and Arrow dictionary-encodes them in C++.
Texts Arrow cannot hold (lone surrogates) use ``Analysis.tokens``; both ways give
the same table.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from itertools import chain
from typing import Any

from filters._split import split_batch
from filters._text import _P, ALPHA_RE, PUNCT_SET, Analysis

#: A token starting with punctuation: a symbol token (a punctuation run).
_SYMBOL_START = f"^[{_P}]"


def _has_alpha(token: str) -> bool:
    """A word token containing a letter (``Analysis.n_alpha_tokens``'s test)."""
    if token.isalpha():
        return True
    if token.isdecimal() or token[0] in PUNCT_SET:
        return False
    return ALPHA_RE.search(token) is not None


class TokenTable:
    """The tokens of a batch of documents as integer ids (see module docstring)."""

    def __init__(self, docs: Sequence[Analysis], ids: Any, n_tok: Any, vocab: Any) -> None:
        """``vocab``: the distinct tokens, a list of str or an Arrow string array (the
        per-token properties are then computed by Arrow kernels)."""
        import numpy as np
        import pyarrow as pa

        self.docs = list(docs)
        self.ids = ids
        self.n_tok = n_tok
        self.arrow_vocab: pa.Array | None = vocab if isinstance(vocab, pa.Array) else None
        if self.arrow_vocab is None:
            self.__dict__["vocab"] = list(vocab)
        self.n_vocab = len(vocab)
        self.starts = np.zeros(len(n_tok) + 1, dtype=np.int64)
        np.cumsum(n_tok, out=self.starts[1:])

    @cached_property
    def vocab(self) -> list[str]:
        """The distinct tokens (id -> token)."""
        values: list[str] = [] if self.arrow_vocab is None else self.arrow_vocab.to_pylist()
        return values

    @cached_property
    def lengths(self) -> Any:
        """Characters of each distinct token."""
        import numpy as np
        import pyarrow.compute as pc

        if self.arrow_vocab is not None:  # code points, as len()
            return np.asarray(pc.utf8_length(self.arrow_vocab), dtype=np.int64)
        return np.fromiter(map(len, self.vocab), dtype=np.int64, count=self.n_vocab)

    @cached_property
    def is_symbol(self) -> Any:
        """Distinct tokens that are punctuation runs (they start with punctuation)."""
        import numpy as np
        import pyarrow.compute as pc

        if self.arrow_vocab is not None:
            first = pc.match_substring_regex(self.arrow_vocab, pattern=_SYMBOL_START)
            return np.asarray(first, dtype=bool)
        starts = (t[0] in PUNCT_SET for t in self.vocab)
        return np.fromiter(starts, dtype=bool, count=self.n_vocab)

    @cached_property
    def has_alpha(self) -> Any:
        """Distinct tokens containing a letter (:func:`_has_alpha`). In ASCII that is
        a letter ``A-Z``/``a-z``, which Arrow finds; other tokens are asked in Python."""
        import numpy as np
        import pyarrow.compute as pc

        if self.arrow_vocab is None:
            return np.fromiter(map(_has_alpha, self.vocab), dtype=bool, count=self.n_vocab)
        d = self.arrow_vocab
        # an ASCII letter is what ASCII case mapping changes (cheaper than a regex)
        out = np.asarray(pc.not_equal(pc.ascii_lower(d), pc.ascii_upper(d)), dtype=bool)
        other = np.flatnonzero(~np.asarray(pc.string_is_ascii(d), dtype=bool))
        if other.size:
            tokens = d.take(other).to_pylist()
            out[other] = np.fromiter(map(_has_alpha, tokens), dtype=bool, count=other.size)
        return out

    @cached_property
    def position(self) -> dict[str, int]:
        """Distinct token -> id."""
        return dict(zip(self.vocab, range(self.n_vocab), strict=True))

    def ids_of(self, tokens: Sequence[str]) -> Any:
        """The id of each of ``tokens`` (-1 when not in the batch), int64."""
        import numpy as np
        import pyarrow as pa
        import pyarrow.compute as pc

        if self.arrow_vocab is not None and "position" not in self.__dict__:
            found = pc.index_in(pa.array(tokens, pa.string()), value_set=self.arrow_vocab)
            return np.asarray(found.fill_null(-1), dtype=np.int64)
        pos = self.position
        return np.fromiter((pos.get(t, -1) for t in tokens), np.int64, len(tokens))

    def doc_sums(self, per_id: Any) -> Any:
        """Per document, the sum over its tokens of ``per_id[id]`` (int64)."""
        import numpy as np

        c = np.zeros(len(self.ids) + 1, dtype=np.int64)
        np.cumsum(per_id[self.ids], out=c[1:])
        return c[self.starts[1:]] - c[self.starts[:-1]]

    def doc_of_token(self) -> Any:
        import numpy as np

        return np.repeat(np.arange(len(self.n_tok), dtype=np.int64), self.n_tok)


def token_table(analyses: Sequence[Analysis]) -> TokenTable:
    """The table of ``analyses`` (built once; later calls with the same list reuse it)."""
    first = analyses[0].__dict__.get("_table") if analyses else None
    if (
        first is not None
        and len(first.docs) == len(analyses)
        and all(x is y for x, y in zip(first.docs, analyses, strict=True))
    ):
        return first  # type: ignore[no-any-return]
    table = _arrow_table(analyses)
    if table is None:
        table = _python_table(analyses)
    for a, n in zip(analyses, table.n_tok.tolist(), strict=True):
        a.__dict__["_table"] = table
        a.__dict__.setdefault("n_tokens", n)
    return table


def _python_table(analyses: Sequence[Analysis]) -> TokenTable:
    import numpy as np

    token_lists = [a.tokens for a in analyses]
    n_tok = np.fromiter(map(len, token_lists), dtype=np.int64, count=len(token_lists))
    pos: dict[str, int] = {}
    flat = chain.from_iterable(token_lists)
    ids = np.fromiter((pos.setdefault(t, len(pos)) for t in flat), np.int64, int(n_tok.sum()))
    table = TokenTable(analyses, ids, n_tok, list(pos))
    table.__dict__["position"] = pos
    return table


def _arrow_table(analyses: Sequence[Analysis]) -> TokenTable | None:
    import numpy as np

    split = split_batch([a.token_text for a in analyses])
    if split is None:
        return None  # lone surrogates
    tokens, n_tok = split
    enc = tokens.dictionary_encode()
    ids = np.asarray(enc.indices, dtype=np.int64)
    return TokenTable(analyses, ids, n_tok, enc.dictionary)
