"""Load a user-given tokenizer: a Hugging Face ``tokenizer.json`` or a tiktoken encoding.

One small interface for both (:class:`TextTokenizer`): ``encode_batch`` returns token
ids per text, without special tokens (a document's tokens, not a prompt's), and
``eod_id`` is the end-of-document token appended by the Megatron export. Missing
libraries are one-line :class:`ConfigError` naming the extra to install.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dataprep.errors import ConfigError

EXTRA = "tokens"
"""The package extra that installs the tokenizer libraries (``pip install 'dataprep[tokens]'``)."""

#: End-of-document tokens looked for in a tokenizer's vocabulary, in this order.
EOD_CANDIDATES = ("<|endoftext|>", "</s>", "<eos>", "<|end_of_text|>", "[SEP]", "<eod>")


def require(module: str, what: str) -> None:
    """Raise a one-line ConfigError when ``module`` is not installed."""
    if importlib.util.find_spec(module) is None:
        raise ConfigError(
            f"{what} needs the {module!r} package: pip install 'dataprep[{EXTRA}]'"
            f" (or pip install {module})"
        )


@dataclass(frozen=True, kw_only=True)
class TokenizerSpec:
    """Which tokenizer: exactly one of a ``tokenizer.json`` path or a tiktoken encoding."""

    tokenizer: str | None = None
    tiktoken: str | None = None
    eod_token: str | None = None
    """End-of-document token (default: the first of EOD_CANDIDATES in the vocabulary)."""

    def check(self, what: str) -> None:
        """Validate before any work starts (file present, library installed)."""
        if (self.tokenizer is None) == (self.tiktoken is None):
            raise ConfigError(
                f"{what}: set exactly one of tokenizer (a tokenizer.json) or tiktoken"
            )
        if self.tokenizer is not None:
            require("tokenizers", what)
            if not Path(self.tokenizer).is_file():
                raise ConfigError(f"{what}: tokenizer file {self.tokenizer} does not exist")
        else:
            require("tiktoken", what)

    def load(self, what: str) -> TextTokenizer:
        self.check(what)
        if self.tokenizer is not None:
            return _load_hf(Path(self.tokenizer), self.eod_token, what)
        return _load_tiktoken(str(self.tiktoken), self.eod_token, what)


class TextTokenizer:
    """Token ids of texts, and the end-of-document id (``None`` when it has none)."""

    def __init__(self, encode: Any, eod_id: int | None, vocab_size: int, name: str) -> None:
        self._encode = encode
        self.eod_id = eod_id
        self.vocab_size = vocab_size
        self.name = name

    def encode_batch(self, texts: Sequence[str]) -> list[list[int]]:
        out: list[list[int]] = self._encode(list(texts))
        return out


def _load_hf(path: Path, eod_token: str | None, what: str) -> TextTokenizer:
    from tokenizers import Tokenizer

    try:
        tok = Tokenizer.from_file(str(path))
    except Exception as e:
        raise ConfigError(f"{what}: cannot load tokenizer {path}: {e}") from e
    fast = getattr(tok, "encode_batch_fast", tok.encode_batch)

    def encode(texts: list[str]) -> list[list[int]]:
        return [e.ids for e in fast(texts, add_special_tokens=False)]

    eod = _eod(lambda t: tok.token_to_id(t), eod_token, path.name, what)
    return TextTokenizer(encode, eod, tok.get_vocab_size(with_added_tokens=True), path.name)


def _load_tiktoken(name: str, eod_token: str | None, what: str) -> TextTokenizer:
    import tiktoken

    try:
        enc = tiktoken.get_encoding(name)
    except Exception as e:
        raise ConfigError(f"{what}: cannot load tiktoken encoding {name!r}: {e}") from e

    def encode(texts: list[str]) -> list[list[int]]:
        ids: list[list[int]] = enc.encode_ordinary_batch(texts)
        return ids

    def lookup(token: str) -> int | None:
        return enc._special_tokens.get(token)

    eod = _eod(lookup, eod_token, name, what)
    return TextTokenizer(encode, eod, enc.n_vocab, name)


def _eod(lookup: Any, wanted: str | None, name: str, what: str) -> int | None:
    if wanted is not None:
        found = lookup(wanted)
        if found is None:
            raise ConfigError(f"{what}: tokenizer {name} has no token {wanted!r}")
        return int(found)
    for candidate in EOD_CANDIDATES:
        found = lookup(candidate)
        if found is not None:
            return int(found)
    return None
