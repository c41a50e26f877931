"""The one protocol every pipeline step follows.

A stage never reads or writes files and never drops rows itself: it receives an
Arrow record batch and returns the same rows with its signal columns added and a
``reason`` array (null = keep, otherwise a stable reason code). The runner owns
I/O, counting and dropping, so accounting is identical for every stage
(see datatrove ``pipeline/base.py`` for the same split, over Python objects).

Two kinds of stage are first-class:

* :class:`BatchStage` decides each document from its own batch (filters, language ID).
* :class:`GlobalStage` needs to see the whole corpus first (dedup, balancing). It is
  run in two steps: ``observe`` is called on every batch in the workers and returns
  a small per-document summary; the runner stores those summaries, then calls
  ``fit`` once in the driver with all of them; ``fit`` returns one decision row per
  observed document, which the runner joins back onto the documents in the next pass.
  A global stage may instead be fitted *partitioned* (``shuffle``, ``fit_partitioned``,
  ``fit_task``; see :mod:`dataprep.stages.fit`): its observations are hash-partitioned
  by the workers and the fit runs partition by partition as executor tasks.

Every batch carries three internal columns that identify a document for the
whole run and define "input order": ``_dp_shard`` (index of the input file in
sorted path order), ``_dp_row`` (row index in that file) and ``_dp_repeat``
(copy number after up-sampling, 0 otherwise).
"""

from __future__ import annotations

import dataclasses
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Generic, Literal, TypeVar, get_args, get_origin

import pyarrow as pa

from dataprep.errors import ConfigError
from dataprep.output.columns import LANG_COLUMN
from dataprep.stages.fit import FitEnv, FitRunner, Shuffled


@dataclass(frozen=True, kw_only=True)
class StageContext:
    """What a stage knows about the run it is part of (never about files)."""

    name: str
    """Instance name, unique in the recipe; prefixes nothing, used in stats and reports."""
    text_column: str = "text"
    id_column: str = "id"
    lang_column: str = LANG_COLUMN
    """Set by ``stages.build`` from ``dataprep.output.columns.LANG_COLUMN``; stages that
    read or write the language use this, never a literal."""
    seed: int = 0
    annotate: bool = False
    """When true the runner records the stage's reasons but keeps every document."""


@dataclass(frozen=True, kw_only=True)
class StageConfig:
    """Base of every stage's typed, frozen, keyword-only configuration.

    Validation has one form: ``__post_init__`` raises :class:`ConfigError` with a
    message that names the key (``"threshold must be in (0, 1), got 2"``); the recipe
    loader prefixes it with the stage, so the user sees one line saying where and what.
    """


C = TypeVar("C", bound=StageConfig)


@dataclass
class StageOutput:
    """What a stage returns for one batch.

    ``batch`` has exactly the input rows, in order, with signal columns added
    (and, for rewriting stages, the text column replaced). ``reason`` is a string
    array of the same length: null keeps the document, a value names why it goes.
    """

    batch: pa.RecordBatch
    reason: pa.Array

    def __post_init__(self) -> None:
        if len(self.reason) != self.batch.num_rows:
            raise ValueError(
                f"stage returned {len(self.reason)} reasons for {self.batch.num_rows} rows"
            )


class Stage(ABC, Generic[C]):
    """Common part of batch and global stages.

    A stage declares its contract once, in its class statement, and the base checks
    it (datatrove's ``BaseFilter``: subclasses write only ``filter``)::

        class MinWords(BatchStage[MinWordsConfig]):  # kind="batch", Config=MinWordsConfig
            rewrites_text = False                     # the default

            def process(self, batch): ...

    ``Config`` comes from the type argument (or an explicit ``Config = ...``), ``kind``
    from the base (:class:`BatchStage` or :class:`GlobalStage`); ``__init__`` checks the
    config's type, so subclasses need no constructor unless they prepare something.
    """

    #: Registered (versioned) name, e.g. ``gopher_quality_v1``; set by ``@register``.
    registered_name: ClassVar[str] = ""
    #: The frozen dataclass holding this stage's options (from ``BatchStage[Config]``).
    Config: ClassVar[type[StageConfig]] = StageConfig
    #: ``batch`` or ``global``; set by :class:`BatchStage` / :class:`GlobalStage` only.
    kind: ClassVar[Literal["batch", "global"]]
    #: Whether the stage may replace the text column (its removed text is reported).
    #: A stage whose output text can differ from its input must say True (checked by
    #: ``tests/stages/test_contract.py`` on every registered stage).
    rewrites_text: ClassVar[bool] = False

    config: C

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "kind" in vars(cls) and cls.__module__ != __name__:
            raise TypeError(
                f"{cls.__qualname__}: kind is set by subclassing BatchStage or GlobalStage, "
                "not declared"
            )
        if "Config" not in vars(cls) and cls.__module__ != __name__:
            arg = _config_argument(cls)
            if arg is not None:
                cls.Config = arg

    def __init__(self, config: C, ctx: StageContext) -> None:
        if not isinstance(config, type(self).Config):
            raise ConfigError(
                f"stage {ctx.name}: {type(self).__name__} needs a {type(self).Config.__name__},"
                f" got {type(config).__name__}"
            )
        self.config = config
        self.ctx = ctx

    @property
    def name(self) -> str:
        return self.ctx.name

    def required_columns(self) -> Sequence[str]:
        """Columns the input must have before this stage runs."""
        return (self.ctx.text_column,)

    def setup(self) -> None:
        """Load models or tables; called once per worker process before any batch."""

    def thresholds(self) -> dict[str, Any]:
        """Thresholds per signal column, drawn on the report's histograms."""
        return {}


class BatchStage(Stage[C]):
    """A stage that decides each document from its own batch."""

    kind: ClassVar[Literal["batch", "global"]] = "batch"

    @abstractmethod
    def process(self, batch: pa.RecordBatch) -> StageOutput:
        """Return the batch with signal columns added and a reason per row."""


class GlobalStage(Stage[C]):
    """A stage that decides after a pass over the whole corpus.

    ``fit`` may store what it learned for the report in ``self._summary``, which
    ``fit_summary`` returns (a copy).
    """

    kind: ClassVar[Literal["batch", "global"]] = "global"

    def __init__(self, config: C, ctx: StageContext) -> None:
        super().__init__(config, ctx)
        self._summary: dict[str, Any] = {}

    @abstractmethod
    def observe(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        """Per-document summary (one row per input row, in order).

        Runs in the workers. The runner appends the internal id columns, so the
        summary holds only what ``fit`` needs (hashes, a language, a length...).
        """

    @abstractmethod
    def fit(self, observations: Sequence[Path], workdir: Path) -> Iterator[pa.RecordBatch]:
        """Decide for every observed document; runs once, in the driver.

        ``observations`` are Arrow IPC files (one per shard, shard order), each
        with the ``observe`` columns plus ``_dp_shard``, ``_dp_row``, ``_dp_repeat``.
        ``workdir`` is a private folder for spilling. Yields decision batches with
        the three internal columns, ``reason`` (null keeps), optionally
        ``copies`` (int32 >= 1, for up-sampling) and any signal columns to add to
        the documents. Every observed document must get exactly one decision row;
        the order of rows does not matter.
        """

    def may_copy(self) -> bool:
        """Whether ``fit`` may decide ``copies`` > 1 (up-sampling). The engine then gives
        every document after this stage ``repeat``, ``original_id`` and distinct copy ids
        (:mod:`dataprep.engine.copies`), and refuses copies from a stage that says False."""
        return False

    def fit_summary(self) -> dict[str, Any]:
        """Facts learned by ``fit`` for the report (e.g. language mix, cluster sizes)."""
        return dict(self._summary)

    def restore_fit(self, summary: dict[str, Any]) -> None:
        """Take back what ``fit`` learned from its summary, as written by an earlier run.

        ``--resume`` after a finished fit does not fit again: the engine reads the
        summary back and calls this, so that whatever else ``fit`` set (thresholds
        for stats.json and the report) is the same as in an uninterrupted run.
        """
        self._summary = dict(summary)

    # -- partitioned fit (optional; see ``stages/fit.py``) ------------------------

    @property
    def partitioned(self) -> bool:
        """Whether the engine fits this stage partition by partition on the executor
        (it overrides :meth:`shuffle`) instead of calling :meth:`fit` on the driver."""
        return type(self).shuffle is not GlobalStage.shuffle

    def shuffle(self, observations: pa.RecordBatch) -> Shuffled:
        """Rows of one observation batch (with the internal id columns) to send to
        the hash-partitioned shuffle; runs in the workers after ``observe``."""
        raise NotImplementedError(f"{type(self).__name__} has no partitioned fit")

    def fit_partitioned(self, runner: FitRunner) -> None:
        """Drive the fit from the driver through ``runner`` (tasks on the executor),
        holding no per-document state beyond what the stage states; the last step
        writes ``runner.env.decisions[u]`` for every unit with observations and
        fills ``self._summary`` exactly as :meth:`fit` would."""
        raise NotImplementedError(f"{type(self).__name__} has no partitioned fit")

    def fit_task(
        self, step: str, index: int, params: dict[str, Any], env: FitEnv
    ) -> dict[str, Any]:
        """One task of a partitioned fit (in a worker); returns a small JSON result."""
        raise NotImplementedError(f"{type(self).__name__} has no partitioned fit")

    def rewrite(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        """The batch with its text rewritten from this stage's decision columns.

        Called in the workers, only when ``rewrites_text`` is true, on each batch
        after the decision columns were joined (e.g. to drop the lines ``fit``
        marked); the runner counts the bytes taken away. Default: unchanged.
        """
        return batch


def _config_argument(cls: type) -> type[StageConfig] | None:
    """The ``StageConfig`` subclass given as type argument in ``cls``'s bases, if any
    (``class X(BatchStage[XConfig])``)."""
    for base in getattr(cls, "__orig_bases__", ()):
        if isinstance(get_origin(base), type) and issubclass(get_origin(base), Stage):
            for arg in get_args(base):
                if isinstance(arg, type) and issubclass(arg, StageConfig):
                    return arg
    return None


def check_contract(cls: type[Stage[Any]]) -> None:
    """Raise TypeError when a stage class breaks the declared contract; the registry
    calls it, so a broken stage fails when it is registered, not mid-run."""
    where = f"stage class {cls.__module__}.{cls.__qualname__}"
    is_batch, is_global = issubclass(cls, BatchStage), issubclass(cls, GlobalStage)
    if is_batch == is_global:
        raise TypeError(f"{where} must subclass exactly one of BatchStage and GlobalStage")
    if cls.kind != ("batch" if is_batch else "global"):
        raise TypeError(
            f"{where} is a {'Batch' if is_batch else 'Global'}Stage; kind says {cls.kind}"
        )
    config = cls.Config
    # Filters of the ``filters`` package bring their own config base (it does not
    # import dataprep), so the rule is "a frozen dataclass", not "a StageConfig".
    if config is StageConfig or not dataclasses.is_dataclass(config):
        raise TypeError(
            f"{where} declares no config: subclass {'BatchStage' if is_batch else 'GlobalStage'}"
            "[YourConfig] with YourConfig a frozen dataclass deriving from StageConfig"
        )
    if not config.__dataclass_params__.frozen:  # type: ignore[attr-defined]
        raise TypeError(f"{where}: its Config {config.__name__} must be a frozen dataclass")
    if not isinstance(cls.rewrites_text, bool):
        raise TypeError(f"{where}: rewrites_text must be True or False")
    if (
        issubclass(cls, GlobalStage)
        and (cls.shuffle is not GlobalStage.shuffle)
        and (
            cls.fit_partitioned is GlobalStage.fit_partitioned
            or cls.fit_task is GlobalStage.fit_task
        )
    ):
        raise TypeError(f"{where} overrides shuffle() but not fit_partitioned() and fit_task()")
    if (
        issubclass(cls, GlobalStage)
        and not cls.rewrites_text
        and cls.rewrite is not GlobalStage.rewrite
    ):
        raise TypeError(f"{where} overrides rewrite() but declares rewrites_text = False")


def config_fields(config_cls: type[StageConfig]) -> dict[str, dataclasses.Field[Any]]:
    """Option name -> dataclass field, for validation and help text."""
    return {f.name: f for f in dataclasses.fields(config_cls)}


def empty_reasons(n: int) -> pa.Array:
    """A reason array that keeps every row."""
    return pa.nulls(n, type=pa.string())


def reasons_where(mask: Any, reason: str) -> pa.Array:
    """A reason array: ``reason`` where ``mask`` (booleans) is true, null (keep) elsewhere."""
    import pyarrow.compute as pc

    return pc.if_else(pa.array(mask, type=pa.bool_()), reason, pa.scalar(None, pa.string()))


__all__ = [
    "BatchStage",
    "GlobalStage",
    "Stage",
    "StageConfig",
    "StageContext",
    "StageOutput",
    "check_contract",
    "config_fields",
    "empty_reasons",
    "reasons_where",
    "field",
]
