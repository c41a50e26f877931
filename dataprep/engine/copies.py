"""The public columns of an up-sampled output: ``repeat``, distinct ids, ``original_id``.

A global stage that may up-sample (``GlobalStage.may_copy()``) makes the engine emit
``copies`` copies of a document (:func:`dataprep.engine.decisions.replicate`, which
numbers them in ``_dp_repeat``). After that stage every document, copied or not,
gets the same three columns, so every part file of the output has one schema:

* ``repeat``: the copy number (``_dp_repeat``: 0 for the document itself, ``p * 1000 + w``
  for copy ``w`` of copy ``p`` after two up-sampling stages);
* the id column: ``<id>#<repeat>`` for a copy (``repeat`` > 0), so ids stay unique when
  the input's were (the made-up ``FILE:ROW`` ids included); the document itself keeps
  its id;
* ``original_id``: the id of the input document (the same on all its copies), to group
  or deduplicate copies.

The first up-sampling stage of a recipe moves input columns named ``repeat`` or
``original_id`` out of the way (``input_repeat``, ``input_original_id``, as removed
files do for ``stage``/``reason``); later ones own those columns and rewrite them.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from dataprep.output.columns import ORIGINAL_ID_COL, REPEAT_COL, REPEAT_PUBLIC_COL
from dataprep.stages.removed import make_room

COPY_SEPARATOR = "#"
"""Between a copy's original id and its copy number: ``doc-17#2``."""
COPY_COLUMNS = (REPEAT_PUBLIC_COL, ORIGINAL_ID_COL)


def label_copies(batch: pa.RecordBatch, *, id_column: str, first: bool) -> pa.RecordBatch:
    """``batch`` with ``repeat``, ``original_id`` and copy ids (see the module docstring).

    ``first``: no earlier stage of the recipe may up-sample, so a ``repeat`` or
    ``original_id`` column came with the input and is kept under ``input_<name>``.
    """
    if first:
        batch = make_room(batch, COPY_COLUMNS)
    repeat = batch.column(REPEAT_COL).cast(pa.int32())
    if ORIGINAL_ID_COL in batch.schema.names:
        original = batch.column(ORIGINAL_ID_COL)
    else:
        original = batch.column(id_column).cast(pa.string())
    suffix = pc.binary_join_element_wise(
        pa.scalar(COPY_SEPARATOR), repeat.cast(pa.string()), pa.scalar("")
    )
    copy_id = pc.binary_join_element_wise(original, suffix, pa.scalar(""))
    ids = pc.if_else(pc.greater(repeat, 0), copy_id, original)
    for name, values in (
        (id_column, ids),
        (REPEAT_PUBLIC_COL, repeat),
        (ORIGINAL_ID_COL, original),
    ):
        if name in batch.schema.names:
            batch = batch.set_column(batch.schema.get_field_index(name), name, values)
        else:
            batch = batch.append_column(name, values)
    return batch
