"""Check every input shard before any work starts.

Reading one batch (or the footer) of each shard catches a missing text column, a
corrupt or wrong-format file and an unreadable path up front, so a user error
fails in seconds with a one-line message and never leaves partial output.

Parquet and Arrow files declare their schemas, so a column whose type differs between
two of them is found here too (the error the output's unify step would raise after
the last pass, :func:`dataprep.io.schema.unify`, naming both files). A JSONL file has
no schema: its types are known only once it is read, so a conflict with a JSONL file
is still found after the last pass.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import pyarrow as pa
import pyarrow.parquet as pq

from dataprep.errors import InputError
from dataprep.io import storage
from dataprep.io.columns import check_columns
from dataprep.io.discover import Shard
from dataprep.io.readers import iter_raw_batches
from dataprep.io.schema import unify

#: Formats whose files declare their schema (JSONL types are inferred while reading).
TYPED_FORMATS = ("parquet", "arrow")


def _schema(shard: Shard) -> pa.Schema | None:
    """The schema of a shard (None when it has no rows to tell from)."""
    if shard.format == "parquet":
        try:
            return pq.read_schema(storage.arrow_input(shard.path))
        except Exception as e:  # pyarrow raises several types for a bad file
            raise InputError(f"cannot read {shard.path}: not a valid Parquet file ({e})") from e
    for batch in iter_raw_batches(shard, batch_size=16):
        return batch.schema
    return None


def preflight(
    shards: Sequence[Shard],
    text_column: str,
    *,
    quarantine: bool = False,
    id_column: str | None = None,
    columns: Collection[str] | None = None,
) -> None:
    """Raise InputError for the first shard that cannot be read or lacks the text column.

    Text (and ``lang``, and with ``id_column`` the id) columns of a type the
    pipeline cannot use fail here too, before any output is written, and so does a
    column whose type differs between two Parquet/Arrow files (only among
    ``columns``, the data columns the output keeps, when given; the text and id
    columns are normalized by the reader and never conflict).
    In quarantine mode unreadable shards are left for the workers to set aside;
    a missing text column is still an error (it is almost always a recipe mistake).
    """
    typed: list[tuple[str, pa.Schema]] = []
    for shard in shards:
        try:
            schema = _check(shard, text_column, id_column)
        except InputError as e:
            if not quarantine or "no text column" in str(e):
                raise
            continue
        if schema is not None and shard.format in TYPED_FORMATS:
            typed.append((str(shard.path), schema))
    _check_types(typed, {text_column, id_column or text_column}, columns)


def _check_types(
    schemas: list[tuple[str, pa.Schema]], normalized: set[str], columns: Collection[str] | None
) -> None:
    """InputError naming both files when a column's type differs between two of them."""

    def kept(name: str) -> bool:
        return name not in normalized and (columns is None or name in columns)

    unify([(where, pa.schema([f for f in s if kept(f.name)])) for where, s in schemas])


def _check(shard: Shard, text_column: str, id_column: str | None) -> pa.Schema | None:
    """One shard's preflight check; its schema (None when it has no rows to tell from)."""
    if not storage.is_file(shard.path):
        raise InputError(f"{shard.path}: file not found")
    try:
        with storage.open_input(shard.path):
            pass
    except OSError as e:
        raise InputError(f"cannot open {shard.path}: {e.strerror}") from e
    schema = _schema(shard)
    if schema is None:
        return None
    if text_column not in schema.names:
        have = ", ".join(schema.names) or "none"
        raise InputError(
            f"{shard.path}: no text column {text_column!r} (columns: {have}); "
            "set input.text_column in the recipe"
        )
    check_columns(shard, schema, text_column=text_column, id_column=id_column)
    return schema
