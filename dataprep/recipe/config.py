"""Recipes: YAML loaded safely into typed, frozen dataclasses.

A recipe is data, never code: it is parsed like ``yaml.safe_load`` but without
aliases (a 1 KB alias bomb would expand to a billion values), every key is
checked against the dataclass it fills (unknown keys fail with a "did you mean"
hint), and stages are looked up by registered name only (see ``registry``).

Example::

    name: web-en
    input: {text_column: text, id_column: id}
    output: {keep_removed: ids, signals: separate}
    run: {seed: 0, batch_size: 1024}
    stages:
      - stage: gopher_quality_v1
      - stage: minhash_dedup_v1
        threshold: 0.8
"""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
import json
import re
import reprlib
import types
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_type_hints

import yaml

from dataprep.errors import ConfigError
from dataprep.recipe.extends import resolve_extends


@dataclass(frozen=True, kw_only=True)
class InputConfig:
    """How to read the input shards."""

    text_column: str = "text"
    id_column: str = "id"
    """Used when present; otherwise ids are made from the shard name and row."""
    format: str = "auto"
    """``auto`` (by extension), ``parquet``, ``arrow`` or ``jsonl``."""
    on_error: str = "fail"
    """``fail`` stops at a bad file or record; ``quarantine`` sets the smallest bad unit
    aside (record, row, row group, rest of a broken stream, file) and counts it."""

    def __post_init__(self) -> None:
        if self.on_error not in ("fail", "quarantine"):
            raise ConfigError(f"on_error must be 'fail' or 'quarantine', got {show(self.on_error)}")
        if self.format not in ("auto", "parquet", "arrow", "jsonl"):
            raise ConfigError(
                f"format must be auto, parquet, arrow or jsonl, got {show(self.format)}"
            )


@dataclass(frozen=True, kw_only=True)
class OutputConfig:
    """How to write the results."""

    keep_removed: str | bool = "ids"
    """What ``removed/STAGE/`` holds of each removed document: ``ids`` (every column but
    the text: id, ``stage``, ``reason``, signals), ``full`` (the text too) or ``none``
    (no ``removed/`` folder). ``true`` is read as ``full``, ``false`` as ``none``. The
    report and ``inspect`` take removed texts from the report's sample store."""
    columns: tuple[str, ...] | None = None
    """Data columns ``data/`` keeps (the text and id columns always): null keeps every
    input column and the columns stages make for training (``lang``, ``dup_cluster``,
    ``dup_cluster_size``, ``repeat``, ``original_id``, ``n_tokens``)."""
    signals: str = "keep"
    """Stage signal columns (``NAME__*``, ``lang_score``, ``dup_jaccard``...): ``keep``
    them in ``data/``, ``drop`` them, or write them to a ``separate`` side table
    ``signals/`` (same part names and rows as ``data/``, joined by id) that the report,
    ``inspect`` and ``redecide`` read."""
    max_shard_bytes: int = 256 * 1024 * 1024
    """Start a new output part when a part would exceed about this many bytes."""
    compression: str = "zstd"
    """A codec of pyarrow's Parquet writer: none, snappy, gzip, brotli, lz4 or zstd."""
    compression_level: int | None = 3
    """Ignored by ``none`` and ``snappy``, which have no levels."""
    keep_internal_columns: bool = False
    """Keep ``_dp_shard``/``_dp_row`` (input position) in the output."""

    def __post_init__(self) -> None:
        mode = self.keep_removed
        if isinstance(mode, bool):  # the old form: true wrote whole documents
            mode = "full" if mode else "none"
        _one_of("keep_removed", mode, KEEP_REMOVED)
        object.__setattr__(self, "keep_removed", mode)
        _one_of("signals", self.signals, SIGNALS)
        # Checked here, not by the writer, so a typo fails before any work starts.
        if self.compression not in COMPRESSIONS:
            raise ConfigError(
                f"compression {show(self.compression)} is not a Parquet codec"
                f"{_suggest(str(self.compression), COMPRESSIONS)}"
            )
        if self.compression in _LEVELLESS:
            object.__setattr__(self, "compression_level", None)
        elif self.compression_level is not None:
            import pyarrow as pa

            lo = pa.Codec.minimum_compression_level(self.compression)
            hi = pa.Codec.maximum_compression_level(self.compression)
            if not lo <= self.compression_level <= hi:
                raise ConfigError(
                    f"compression_level {self.compression_level} is out of range for "
                    f"{self.compression} ({lo} to {hi})"
                )


#: ``output.keep_removed``: what of a removed document ``removed/STAGE/`` holds.
KEEP_REMOVED = ("ids", "full", "none")
#: ``output.signals``: where stage signal columns go.
SIGNALS = ("keep", "drop", "separate")
#: What pyarrow's Parquet writer accepts as ``compression`` (``none``: uncompressed).
COMPRESSIONS = ("none", "snappy", "gzip", "brotli", "lz4", "zstd")
_LEVELLESS = ("none", "snappy")


@dataclass(frozen=True, kw_only=True)
class RunConfig:
    """How to run the stages."""

    seed: int = 0
    batch_size: int = 1024
    """Documents per record batch; memory per worker is bounded by this."""
    workers: int = 0
    """Worker processes; 0 = all cores."""
    unit_bytes: int = 0
    """About how many input bytes one job reads: a Parquet file is cut into units of
    whole row groups, an Arrow IPC file into units of whole record batches, an
    uncompressed JSONL file into byte ranges of whole lines, so one big file keeps
    several workers busy. 0 (the default) sizes units from the corpus
    (:func:`dataprep.io.units.resolve_unit_bytes`: about 64 units, 4-128 MiB each),
    never from the worker count. Changes only how many output files there are and
    their names, never the rows of ``data/`` in order; not part of the recipe hash (a
    resumed run checks the resolved size against ``run.json``)."""

    def __post_init__(self) -> None:
        if self.batch_size < 1:
            raise ConfigError(f"batch_size must be at least 1, got {self.batch_size}")
        if self.workers < 0:
            raise ConfigError(f"workers must be 0 (all cores) or more, got {self.workers}")
        if self.unit_bytes < 0:
            raise ConfigError(
                f"unit_bytes must be 0 (sized from the corpus) or more, got {self.unit_bytes}"
            )


@dataclass(frozen=True, kw_only=True)
class StorageConfig:
    """How to reach object stores (``s3://``, ``gs://``, ``hf://`` paths).

    Not part of the recipe hash and never written to ``run.json``, ``stats.json`` or
    reports: credentials may be given here, though the environment is better."""

    options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    """Per scheme (``s3``, ``gs``, ``hf``), keyword arguments of its fsspec filesystem,
    e.g. ``{s3: {endpoint_url: "http://minio:9000"}}``."""
    max_attempts: int = 10
    """Attempts per request (S3: botocore's retries, with backoff; s3fs's own loop)."""
    retry_mode: str = "adaptive"
    """botocore's retry mode: ``adaptive`` also slows down on ``503 SlowDown``."""
    max_concurrency: int = 4
    """Requests in flight at once per worker process (S3: parts of one upload or
    ranges of one download; botocore's connection pool is sized to match)."""
    part_bytes: int = 64 << 20
    """Size of one part of a multipart upload (S3 allows 5 MiB to 5 GiB); a file under
    two parts is sent in one PUT."""

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ConfigError(f"max_attempts must be at least 1, got {self.max_attempts}")
        if self.max_concurrency < 1:
            raise ConfigError(f"max_concurrency must be at least 1, got {self.max_concurrency}")
        if not 5 << 20 <= self.part_bytes <= 5 << 30:
            raise ConfigError(
                f"part_bytes must be between 5 MiB and 5 GiB (S3's limits), got {self.part_bytes}"
            )
        if self.retry_mode not in ("legacy", "standard", "adaptive"):
            raise ConfigError(
                f"retry_mode must be legacy, standard or adaptive, got {show(self.retry_mode)}"
            )


@dataclass(frozen=True, kw_only=True)
class StageSpec:
    """One entry of ``stages``: a registered stage, its instance name and options."""

    stage: str
    name: str
    annotate: bool = False
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class Recipe:
    """A whole pipeline definition."""

    name: str = "recipe"
    description: str = ""
    input: InputConfig = field(default_factory=InputConfig)
    output: OutputConfig = field(default_factory=OutputConfig)
    run: RunConfig = field(default_factory=RunConfig)
    storage: StorageConfig = field(default_factory=StorageConfig)
    stages: tuple[StageSpec, ...] = ()
    source: str = ""
    """Where the recipe came from (a path or a shipped name); not hashed."""

    def to_dict(self) -> dict[str, Any]:
        """Plain data form; what the recipe hash and the report record."""
        data = dataclasses.asdict(self)
        data.pop("source")
        # How the work is cut changes file names only, not the documents: kept out of
        # the hash (and stats.json) so outputs compare across unit sizes.
        data["run"].pop("unit_bytes")
        # Where the files live and how to reach them (credentials) is not the recipe.
        data.pop("storage")
        return data

    def digest(self) -> str:
        """SHA-256 of the canonical JSON form: identifies a recipe for resume."""
        blob = json.dumps(self.to_dict(), sort_keys=True, default=str).encode()
        return hashlib.sha256(blob).hexdigest()


#: Longest value an error message shows: a recipe value can be arbitrarily large.
SHOW_CHARS = 80
_REPR = reprlib.Repr()
_REPR.maxstring = _REPR.maxother = SHOW_CHARS


def show(value: Any) -> str:
    """A bounded ``repr`` of a recipe value for error messages (at most ~80 chars;
    ``reprlib`` stops early, so even a huge nested value costs little)."""
    text = _REPR.repr(value)
    return text if len(text) <= SHOW_CHARS else text[: SHOW_CHARS - 3] + "..."


def _suggest(key: str, valid: Sequence[str]) -> str:
    close = difflib.get_close_matches(key[: SHOW_CHARS * 2], list(valid), n=1)
    return f"; did you mean {close[0]!r}?" if close else f" (valid: {', '.join(valid)})"


def _one_of(key: str, value: Any, valid: Sequence[str]) -> None:
    """ConfigError unless ``value`` is one of ``valid`` (with the closest one as a hint)."""
    if value not in valid:
        close = difflib.get_close_matches(str(value), list(valid), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise ConfigError(f"{key} must be one of {', '.join(valid)}, got {show(value)}{hint}")


def _check_scalar(value: Any, hint: Any) -> tuple[bool, Any]:
    if hint is float and isinstance(value, (int, float)) and not isinstance(value, bool):
        return True, float(value)
    if hint is int and isinstance(value, int) and not isinstance(value, bool):
        return True, value
    if hint in (bool, str) and isinstance(value, hint):
        return True, value
    return False, None


def _check_type(where: str, value: Any, hint: Any) -> Any:
    """Validate (and lightly coerce) one value against a type hint."""
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if hint is Any:
        return value
    if origin in (typing.Union, types.UnionType):
        return _check_union(where, value, args)
    if origin is typing.Literal:
        if value in args:
            return value
        valid = [str(a) for a in args]
        raise ConfigError(
            f"{where}: {show(value)} is not one of {', '.join(valid)}"
            f"{_suggest(str(value), valid) if isinstance(value, str) else ''}"
        )
    if hint in (float, int, bool, str):
        ok, out = _check_scalar(value, hint)
        if ok:
            return out
    elif origin in _SEQUENCES or hint in (tuple, list):
        if isinstance(value, (list, tuple)):
            inner = args[0] if args else Any
            return tuple(_check_type(f"{where}[{i}]", v, inner) for i, v in enumerate(value))
    elif origin in _MAPPINGS or hint in (dict, Mapping):
        if isinstance(value, dict):
            kt, vt = args if len(args) == 2 else (Any, Any)
            return {
                _check_type(where, k, kt): _check_type(f"{where}.{k}", v, vt)
                for k, v in value.items()
            }
    else:
        return value
    raise ConfigError(f"{where}: expected {_type_name(hint)}, got {show(value)}")


_SEQUENCES = (tuple, list, Sequence, typing.Sequence)
_MAPPINGS = (dict, Mapping, typing.Mapping)


def _check_union(where: str, value: Any, args: tuple[Any, ...]) -> Any:
    if value is None and type(None) in args:
        return None
    errors = []
    for arg in (a for a in args if a is not type(None)):
        try:
            return _check_type(where, value, arg)
        except ConfigError as e:
            errors.append(str(e))
    raise ConfigError(errors[0] if errors else f"{where}: must not be null")


def _type_name(hint: Any) -> str:
    return getattr(hint, "__name__", None) or str(hint).replace("typing.", "")


def build_dataclass(cls: type, data: Any, where: str) -> Any:
    """Fill dataclass ``cls`` from a mapping, rejecting unknown keys with a hint."""
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise ConfigError(f"{where}: expected a mapping of options, got {show(data)}")
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init}
    hints = get_type_hints(cls)
    values: dict[str, Any] = {}
    for key, raw in data.items():
        if key not in fields:
            raise ConfigError(f"{where}: unknown key {show(key)}{_suggest(str(key), list(fields))}")
        sub = hints[key]
        if isinstance(sub, type) and dataclasses.is_dataclass(sub):
            values[key] = build_dataclass(sub, raw, f"{where}.{key}")
        else:
            values[key] = _check_type(f"{where}.{key}", raw, sub)
    missing = [
        n
        for n, f in fields.items()
        if n not in values
        and f.default is dataclasses.MISSING
        and f.default_factory is dataclasses.MISSING
    ]
    if missing:
        raise ConfigError(f"{where}: missing required key {missing[0]!r}")
    try:
        return cls(**values)
    # Our configs raise ConfigError from __post_init__; ValueError/TypeError come from
    # the filters package's configs, which do not import dataprep.
    except (ConfigError, ValueError, TypeError) as e:
        raise ConfigError(f"{where}: {e}") from e


_STAGE_META_KEYS = ("stage", "name", "annotate")
#: Stage names become folder names under ``removed/``: no separators, no leading dot.
_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


def _parse_stage(i: int, raw: Any, seen: set[str]) -> StageSpec:
    from dataprep.recipe import registry

    where = f"stages[{i}]"
    if isinstance(raw, str):
        raw = {"stage": raw}
    if not isinstance(raw, Mapping) or "stage" not in raw:
        raise ConfigError(f"{where}: expected a mapping with a 'stage' key, got {show(raw)}")
    stage_cls = registry.get(str(raw["stage"]))
    name = str(raw.get("name") or raw["stage"])
    if not _NAME_RE.fullmatch(name):
        raise ConfigError(
            f"{where}: invalid stage name {show(name)}; use letters, digits, '_', '-' or '.'"
        )
    if name in seen:
        raise ConfigError(f"{where}: stage name {show(name)} is used twice; give one a 'name'")
    seen.add(name)
    annotate = raw.get("annotate", False)
    if not isinstance(annotate, bool):
        raise ConfigError(f"{where}.annotate: expected true or false, got {show(annotate)}")
    options = {k: v for k, v in raw.items() if k not in _STAGE_META_KEYS}
    # Validate now so a bad option fails before any work starts.
    build_dataclass(stage_cls.Config, options, f"{where} ({raw['stage']})")
    return StageSpec(stage=str(raw["stage"]), name=name, annotate=annotate, options=options)


def parse_recipe(data: Any, source: str = "") -> Recipe:
    """Validate plain data (from YAML) into a :class:`Recipe`."""
    where = source or "recipe"
    data = resolve_extends(data, source, _read_yaml)  # a no-op when read_recipe did it
    if not isinstance(data, Mapping):
        raise ConfigError(f"{where}: a recipe must be a mapping, got {type(data).__name__}")
    top = {f.name for f in dataclasses.fields(Recipe)} - {"source"}
    for key in data:
        if key not in top:
            raise ConfigError(f"{where}: unknown key {show(key)}{_suggest(str(key), sorted(top))}")
    raw_stages = data.get("stages") or []
    if not isinstance(raw_stages, list):
        raise ConfigError(f"{where}: 'stages' must be a list")
    seen: set[str] = set()
    try:
        stages = tuple(_parse_stage(i, s, seen) for i, s in enumerate(raw_stages))
        return Recipe(
            name=str(data.get("name", "recipe")),
            description=str(data.get("description", "")),
            input=build_dataclass(InputConfig, data.get("input"), "input"),
            output=build_dataclass(OutputConfig, data.get("output"), "output"),
            run=build_dataclass(RunConfig, data.get("run"), "run"),
            storage=build_dataclass(StorageConfig, data.get("storage"), "storage"),
            stages=stages,
            source=source,
        )
    except ConfigError as e:
        if source and not str(e).startswith(source):
            raise ConfigError(f"{source}: {e}") from None
        raise


def shipped_recipes() -> dict[str, Path]:
    """Recipes shipped in the ``pipelines`` package, by name."""
    import pipelines

    folder = Path(pipelines.__file__).parent
    return {p.stem: p for p in sorted(folder.glob("*.yaml"))}


def load_recipe(name_or_path: str) -> Recipe:
    """Load a recipe from a YAML path or the name of a shipped recipe."""
    data, source = read_recipe(name_or_path)
    return parse_recipe(data, source=source)


def read_recipe(name_or_path: str) -> tuple[Any, str]:
    """The YAML data of a recipe file or shipped recipe, and its path (not validated;
    an ``extends`` chain merged in, see :mod:`dataprep.recipe.extends`)."""
    data, source = _read_yaml(name_or_path)
    return resolve_extends(data, source, _read_yaml), source


def _read_yaml(name_or_path: str) -> tuple[Any, str]:
    path = Path(name_or_path)
    if not path.is_file():
        shipped = shipped_recipes()
        if name_or_path in shipped:
            path = shipped[name_or_path]
        else:
            hint = _suggest(name_or_path, sorted(shipped))
            raise ConfigError(f"no recipe file or shipped recipe named {name_or_path!r}{hint}")
    try:
        data = _parse_yaml(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        at = f" line {mark.line + 1}" if mark is not None else ""
        problem = getattr(e, "problem", None) or "invalid YAML"
        raise ConfigError(f"{path}:{at}: {problem}") from e
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"cannot read recipe {path}: {e}") from e
    return data, str(path)


class _RecipeLoader(yaml.SafeLoader):
    """``safe_load`` without aliases: ``*name`` can repeat a subtree exponentially
    (a 1 KB "billion laughs" file expands to 10^9 values when validated or shown),
    and a recipe never needs one."""

    def compose_node(self, parent: yaml.Node | None, index: object) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, "recipes may not use YAML aliases (&/*)", event.start_mark
            )
        return super().compose_node(parent, index)  # type: ignore[no-any-return]


def _parse_yaml(text: str) -> Any:
    return yaml.load(text, Loader=_RecipeLoader)  # noqa: S506 - a SafeLoader subclass


def stage_config(spec: StageSpec) -> Any:
    """The typed config object for one stage spec."""
    from dataprep.recipe import registry

    cls = registry.get(spec.stage)
    return build_dataclass(cls.Config, dict(spec.options), f"stage {spec.name}")
