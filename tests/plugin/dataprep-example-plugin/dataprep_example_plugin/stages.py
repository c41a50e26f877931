"""``example_shout_v1``: upper-cases every document and drops the ones too short to shout.

The whole of a third-party stage: a frozen config dataclass, a ``BatchStage``
subclass naming it, ``process``, and ``@register`` with a versioned name. The
package's ``pyproject.toml`` lists this module in the ``dataprep.stages`` group, so
recipes can name the stage once the package is installed.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from dataprep.output.columns import signal_column
from dataprep.recipe.registry import register
from dataprep.stages.base import BatchStage, StageConfig, StageOutput, reasons_where


@dataclass(frozen=True, kw_only=True)
class ShoutConfig(StageConfig):
    """Options of ``example_shout_v1``."""

    min_chars: int = 3
    """Documents shorter than this are removed (reason ``too_quiet``)."""

    def __post_init__(self) -> None:
        from dataprep.errors import ConfigError

        if self.min_chars < 0:
            raise ConfigError(f"min_chars must be >= 0, got {self.min_chars}")


@register("example_shout_v1")
class Shout(BatchStage[ShoutConfig]):
    """Upper-case the text (an example third-party stage)."""

    rewrites_text = True

    def process(self, batch: pa.RecordBatch) -> StageOutput:
        col = self.ctx.text_column
        text = batch.column(col)
        chars = pc.utf8_length(text).fill_null(0)
        shouted = pc.utf8_upper(text).cast(pa.large_string())
        out = batch.set_column(batch.schema.get_field_index(col), col, shouted)
        out = out.append_column(signal_column(self.name, "chars"), chars)
        quiet = pc.less(chars, self.config.min_chars).to_numpy(zero_copy_only=False)
        return StageOutput(out, reasons_where(quiet, "too_quiet"))
