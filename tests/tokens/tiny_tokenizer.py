"""A tiny byte-level BPE tokenizer trained on the bundled sample texts (nothing downloaded).

Byte-level, so every text of every script encodes; ``<|endoftext|>`` is its special
end-of-document token (id 0).
"""

from __future__ import annotations

from pathlib import Path

from dataprep.sample_data import sample_path

EOD = "<|endoftext|>"


def train_tiny_tokenizer(path: Path, vocab_size: int = 600) -> Path:
    """Train the tokenizer on ``sample_data/texts/*.txt`` and save it as ``path``."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=[EOD],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    texts = sorted(Path(sample_path()).parent.joinpath("texts").glob("*.txt"))
    tok.train([str(p) for p in texts], trainer)
    tok.save(str(path))
    return path


def encode(path: Path, text: str) -> list[int]:
    """The tokenizer's own ids for ``text`` (no special tokens)."""
    from tokenizers import Tokenizer

    return list(Tokenizer.from_file(str(path)).encode(text, add_special_tokens=False).ids)


def eod_id(path: Path) -> int:
    """The id of the end-of-document token."""
    from tokenizers import Tokenizer

    found = Tokenizer.from_file(str(path)).token_to_id(EOD)
    assert found is not None
    return int(found)
