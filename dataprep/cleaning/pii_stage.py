"""``pii_redact_v1``: replace emails, IP addresses and phone numbers by placeholders.

A rewriting batch stage over :mod:`.pii` (patterns, placeholders and sources there).
It never removes a document. Columns: ``{name}__emails``, ``{name}__ipv4``,
``{name}__ipv6``, ``{name}__phones`` (int32, replacements made per document).
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from dataprep.errors import ConfigError
from dataprep.output.columns import signal_column
from dataprep.recipe.registry import register
from dataprep.stages.base import BatchStage, StageConfig, StageContext, StageOutput, empty_reasons

from ._common import add_columns, replace_text
from .pii import (
    EMAIL_PLACEHOLDERS,
    IP_PLACEHOLDERS,
    IPV6_PLACEHOLDERS,
    PHONE_PLACEHOLDERS,
    PIIOptions,
    redact,
)

_COLUMNS = {"email": "emails", "ipv4": "ipv4", "ipv6": "ipv6", "phone": "phones"}


@dataclass(frozen=True, kw_only=True)
class PIIRedactConfig(StageConfig):
    """Options of ``pii_redact_v1`` (FineWeb replaces emails and public IPs only)."""

    emails: bool = True
    ipv4: bool = True
    ipv6: bool = True
    phones: bool = True
    only_public_ips: bool = True
    """Keep private, loopback and reserved addresses (datatrove's default)."""
    email_placeholders: tuple[str, ...] = EMAIL_PLACEHOLDERS
    ip_placeholders: tuple[str, ...] = IP_PLACEHOLDERS
    ipv6_placeholders: tuple[str, ...] = IPV6_PLACEHOLDERS
    phone_placeholders: tuple[str, ...] = PHONE_PLACEHOLDERS

    def __post_init__(self) -> None:
        for name in ("email", "ip", "ipv6", "phone"):
            if not getattr(self, f"{name}_placeholders"):
                raise ConfigError(f"{name}_placeholders must hold at least one placeholder")

    def options(self) -> PIIOptions:
        return PIIOptions(
            email=self.emails,
            ipv4=self.ipv4,
            ipv6=self.ipv6,
            phone=self.phones,
            only_public_ips=self.only_public_ips,
            email_placeholders=tuple(self.email_placeholders),
            ip_placeholders=tuple(self.ip_placeholders),
            ipv6_placeholders=tuple(self.ipv6_placeholders),
            phone_placeholders=tuple(self.phone_placeholders),
        )


@register("pii_redact_v1")
class PIIRedact(BatchStage[PIIRedactConfig]):
    """Replace PII by placeholders and count replacements per type."""

    rewrites_text = True

    def __init__(self, config: PIIRedactConfig, ctx: StageContext) -> None:
        super().__init__(config, ctx)
        self.opts = self.config.options()

    def process(self, batch: pa.RecordBatch) -> StageOutput:
        out: list[str | None] = []
        counts: dict[str, list[int]] = {k: [] for k in _COLUMNS}
        for text in batch.column(self.ctx.text_column).to_pylist():
            if text is None:
                out.append(None)
                for k in _COLUMNS:
                    counts[k].append(0)
                continue
            new, per_kind, _ = redact(text, self.opts)
            out.append(new)
            for k in _COLUMNS:
                counts[k].append(per_kind[k])
        batch = replace_text(batch, self.ctx.text_column, out)
        batch = add_columns(
            batch,
            {
                signal_column(self.name, col): pa.array(counts[k], pa.int32())
                for k, col in _COLUMNS.items()
            },
        )
        return StageOutput(batch, empty_reasons(batch.num_rows))
