"""Which columns of a document reach the output folder, and as which types.

The recipe's ``output`` section decides (README, "Output columns"):

* ``columns``: the data columns ``data/`` keeps (null: all of them); the text and id
  columns are always kept;
* ``signals``: a stage's signal columns (:func:`dataprep.output.columns.is_signal`)
  stay in ``data/`` (``keep``), are left out (``drop``), or go to a side table
  ``signals/`` (``separate``) whose parts have the same names and rows as ``data/``'s
  and hold the id column and the signals;
* ``keep_removed``: ``removed/STAGE/`` holds every column (``full``), every column
  but the text (``ids``), or nothing (``none``).

The text column is ``string`` in every written file unless a batch holds more than
2 GiB of text (then ``large_string``, which needs 64-bit offsets); the engine works
on ``large_string`` internally.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from dataprep.io.schema import narrow_strings
from dataprep.output.columns import INTERNAL_COLUMNS, is_signal
from dataprep.recipe.config import Recipe


@dataclass(frozen=True)
class OutputShape:
    """The output columns of one run (built from the recipe, picklable)."""

    text_column: str
    id_column: str
    stages: tuple[str, ...]
    columns: tuple[str, ...] | None
    signals: str
    keep_removed: str

    @classmethod
    def of(cls, recipe: Recipe) -> OutputShape:
        out = recipe.output
        return cls(
            text_column=recipe.input.text_column,
            id_column=recipe.input.id_column,
            stages=tuple(s.name for s in recipe.stages),
            columns=out.columns,
            signals=out.signals,
            keep_removed=str(out.keep_removed),
        )

    @property
    def separate(self) -> bool:
        return self.signals == "separate"

    def _kept_in_data(self, name: str) -> bool:
        if name in (self.text_column, self.id_column) or name in INTERNAL_COLUMNS:
            return True
        listed = self.columns is None or name in self.columns
        if is_signal(name, self.stages):
            return self.signals == "keep" or (self.columns is not None and listed)
        return listed

    def kept(self, batch: pa.RecordBatch) -> tuple[pa.RecordBatch, pa.RecordBatch]:
        """A batch of kept documents as ``data/`` holds it, and its side table (the id
        and the signals ``data/`` leaves out; written only with ``signals: separate``)."""
        batch = narrow_strings(batch, (self.text_column,))
        names = batch.schema.names
        data = [n for n in names if self._kept_in_data(n)]
        side = [self.id_column] + [n for n in names if n not in data and is_signal(n, self.stages)]
        return batch.select(data), batch.select(side)

    def removed(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        """A batch of removed documents as ``removed/STAGE/`` holds it."""
        if self.keep_removed == "ids":
            return batch.drop_columns([self.text_column])
        return narrow_strings(batch, (self.text_column,))
