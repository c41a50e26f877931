"""Stage ``tokens_v1``: count each document's tokens with the tokenizer the model will use.

Adds the column ``n_tokens`` (int64; :data:`dataprep.output.columns.N_TOKENS_COL`):
the number of token ids of the text, without special tokens (the Megatron export
appends one end-of-document token per document on top). Options, exactly one of:

* ``tokenizer``: a Hugging Face ``tokenizer.json`` (loaded with ``tokenizers``);
* ``tiktoken``: a tiktoken encoding name (``cl100k_base``), where tiktoken is
  installed and the encoding is in its cache (nothing is downloaded by dataprep).

It removes nothing. From the stage on, ``stats.json`` counts tokens in and kept
per stage and per language (``tokens_in``, ``tokens_kept``, ``tokens_in_by_lang``,
``tokens_kept_by_lang``). Tokenizers load once per worker process.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from dataprep.output.columns import N_TOKENS_COL
from dataprep.recipe.registry import register
from dataprep.stages.base import BatchStage, StageConfig, StageContext, StageOutput, empty_reasons
from dataprep.tokens.tokenizer import TextTokenizer, TokenizerSpec


@dataclass(frozen=True, kw_only=True)
class TokensConfig(StageConfig):
    """Options of ``tokens_v1``."""

    tokenizer: str | None = None
    """A Hugging Face ``tokenizer.json`` file (relative to the current folder)."""
    tiktoken: str | None = None
    """A tiktoken encoding name, e.g. ``cl100k_base`` (instead of ``tokenizer``)."""

    def spec(self) -> TokenizerSpec:
        return TokenizerSpec(tokenizer=self.tokenizer, tiktoken=self.tiktoken)


@register("tokens_v1")
class TokensStage(BatchStage[TokensConfig]):
    """Adds ``n_tokens``; keeps every document."""

    def __init__(self, config: TokensConfig, ctx: StageContext) -> None:
        super().__init__(config, ctx)
        config.spec().check(f"stage {ctx.name}")
        self._tok: TextTokenizer | None = None

    def setup(self) -> None:
        if self._tok is None:
            self._tok = self.config.spec().load(f"stage {self.name}")

    def process(self, batch: pa.RecordBatch) -> StageOutput:
        self.setup()
        assert self._tok is not None
        texts = batch.column(self.ctx.text_column).to_pylist()
        ids = self._tok.encode_batch([t or "" for t in texts])
        counts = pa.array(np.fromiter((len(x) for x in ids), np.int64, len(ids)))
        names = batch.schema.names
        if N_TOKENS_COL in names:
            batch = batch.set_column(names.index(N_TOKENS_COL), N_TOKENS_COL, counts)
        else:
            batch = batch.append_column(N_TOKENS_COL, counts)
        return StageOutput(batch, empty_reasons(batch.num_rows))
