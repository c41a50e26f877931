"""What an export is asked to do (recorded so a resumed export must match it)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from dataprep.errors import ConfigError
from dataprep.tokens.tokenizer import TokenizerSpec

FORMATS = ("parquet", "jsonl.zst", "megatron")
#: Internal columns of the normalized parts (never written to a shard).
SIZE_COL, LANG_COL, NTOK_COL, IDS_COL = "_dp_size", "_dp_lang", "_dp_ntok", "_dp_ids"


@dataclass(frozen=True, kw_only=True)
class ExportOptions:
    format: str
    shard_bytes: int = 256 * 1024 * 1024
    """Target bytes per shard: string bytes of its rows (parquet, jsonl.zst; before
    compression) or bytes of the ``.bin`` (megatron)."""
    shuffle_seed: int | None = 0
    """Seed of the permutation across the whole output; ``None`` keeps the run's order."""
    columns: tuple[str, ...] | None = None
    """Columns to write (parquet, jsonl.zst); ``None`` = all."""
    tokenizer: TokenizerSpec | None = None
    """Required for megatron; the end-of-document token is appended to every document."""
    compression_level: int = 3

    def __post_init__(self) -> None:
        if self.format not in FORMATS:
            raise ConfigError(f"format must be one of {', '.join(FORMATS)}, got {self.format!r}")
        if self.shard_bytes < 1:
            raise ConfigError(f"shard bytes must be >= 1, got {self.shard_bytes}")
        if self.format == "megatron" and self.tokenizer is None:
            raise ConfigError("--format megatron needs --tokenizer tokenizer.json (or --tiktoken)")
        if self.tokenizer is not None:
            self.tokenizer.check("export")

    def params(self) -> dict[str, Any]:
        """JSON-able; two exports with equal params write the same bytes."""
        data = asdict(self)
        data["columns"] = list(self.columns) if self.columns is not None else None
        return data

    @property
    def ext(self) -> str:
        return {"parquet": ".parquet", "jsonl.zst": ".jsonl.zst", "megatron": ""}[self.format]
