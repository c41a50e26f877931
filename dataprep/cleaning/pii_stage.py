"""``pii_redact_v1``: replace emails, IP addresses and phone numbers by placeholders.

A rewriting batch stage over :mod:`.pii` (patterns, placeholders and sources there).
It never removes a document. National phone formats are those of the regions of each
document's language (``lang`` column, :data:`.pii_phones.LANG_REGIONS`), or of
``phone_regions`` when set. Columns: ``{name}__emails``, ``{name}__ipv4``,
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
from .pii_phones import regions_for

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
    phone_regions: tuple[str, ...] | None = None
    """ISO 3166 regions whose national phone formats are accepted in every document;
    null: the regions of the document's language (unknown language: US GB DE FR JP AU)."""

    def __post_init__(self) -> None:
        if self.phone_regions is not None:
            import phonenumbers

            known = phonenumbers.SUPPORTED_REGIONS
            bad = [r for r in self.phone_regions if r not in known]
            if bad:
                raise ConfigError(f"phone_regions: unknown region codes {bad} (use e.g. 'GB')")
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
        texts = batch.column(self.ctx.text_column).to_pylist()
        if self.ctx.lang_column in batch.schema.names:
            langs = batch.column(self.ctx.lang_column).cast(pa.string()).to_pylist()
        else:
            langs = [None] * len(texts)
        fixed = self.config.phone_regions
        for text, lang in zip(texts, langs, strict=True):
            if text is None:
                out.append(None)
                for k in _COLUMNS:
                    counts[k].append(0)
                continue
            regions = tuple(fixed) if fixed is not None else regions_for(lang)
            new, per_kind, _ = redact(text, self.opts, regions=regions)
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
