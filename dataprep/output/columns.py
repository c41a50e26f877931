"""Every column name dataprep itself writes or relies on, in one place.

Stages, the engine, the readers, the report and ``redecide`` all name columns
through this module, so the naming rules cannot drift apart:

* a stage instance's signal ``S`` is the column ``NAME__S`` (:func:`signal_column`),
  its reason code (annotate mode, or kept by a rewriting stage) ``NAME__reason``;
* the internal position columns ``_dp_shard``/``_dp_row``/``_dp_repeat`` say where a
  document came from; they never reach ``data/`` unless asked for;
* a *signal* is a per-document measurement a stage made to decide (``NAME__*`` and
  :data:`STAGE_SIGNAL_COLUMNS`, :func:`is_signal`); ``output.signals`` keeps, drops or
  separates them, every other column is data (input columns, ``lang``, dedup
  clusters, copy columns, ``n_tokens``);
* removed documents carry ``stage`` and ``reason`` (an input column of either name is
  kept as ``input_stage``/``input_reason``, see :mod:`dataprep.stages.removed`).

It imports nothing, so every layer (``io`` included) may use it.
"""

from __future__ import annotations

from collections.abc import Collection

SHARD_COL = "_dp_shard"
ROW_COL = "_dp_row"
REPEAT_COL = "_dp_repeat"
INTERNAL_COLUMNS = (SHARD_COL, ROW_COL, REPEAT_COL)
"""Position of a document: input shard, row in the file, copy number."""

COPIES_COL = "copies"
"""Decision column of a global stage: how many copies of a kept document to emit."""
MAX_COPIES = 1000
"""Most copies one stage may emit of one document: the engine numbers copies in base
1000 (see :mod:`dataprep.engine.positions`), so a 1001st copy would share a number."""
REASON_COL = "reason"
"""Decision column of a global stage, and the column of removed documents: why."""
STAGE_COL = "stage"
"""Column of removed documents: the stage instance that removed them."""
REPEAT_PUBLIC_COL = "repeat"
"""Copy number of an up-sampled document, as users see it."""
ORIGINAL_ID_COL = "original_id"
"""Id of the input document an up-sampled copy was made from (copies get distinct ids,
``<id>#<repeat>``)."""
LANG_COLUMN = "lang"
"""The language code column (written by language ID, read by per-language stages)."""

INPUT_STAGE = "input"
"""The pseudo-stage that counts what was read and removes null, empty and bad input."""

SIGNAL_SEPARATOR = "__"


def signal_column(stage: str, signal: str) -> str:
    """``NAME__signal``: the column of one signal of one stage instance."""
    return f"{stage}{SIGNAL_SEPARATOR}{signal}"


def reason_column(stage: str) -> str:
    """``NAME__reason``: the reason codes a stage recorded without removing."""
    return signal_column(stage, REASON_COL)


def signal_prefix(stage: str) -> str:
    """What every signal column of ``stage`` starts with."""
    return f"{stage}{SIGNAL_SEPARATOR}"


N_TOKENS_COL = "n_tokens"
"""Tokens of a document's text (int64), written by ``tokens_v1``; counted per stage in
``stats.json``, used by ``balance_v1`` with ``unit: tokens`` and by ``dataprep export``."""

STAGE_SIGNAL_COLUMNS = (
    "lang_script",
    "lang_score",
    "lang_topk",
    "lang_group_score",
    "lang_mix",
    "lang_mixed",
    "dup_of",
    "dup_jaccard",
)
"""Signals stages write without their ``NAME__`` prefix (language ID, near dedup)."""


def is_signal(column: str, stages: Collection[str]) -> bool:
    """Whether ``column`` is a signal of one of the stage instances ``stages``."""
    if column in STAGE_SIGNAL_COLUMNS:
        return True
    return any(column.startswith(signal_prefix(s)) for s in stages)
