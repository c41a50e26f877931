"""Check every input shard before any work starts.

Reading one batch (or the footer) of each shard catches a missing text column, a
corrupt or wrong-format file and an unreadable path up front, so a user error
fails in seconds with a one-line message and never leaves partial output.
"""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa
import pyarrow.parquet as pq

from dataprep.errors import InputError
from dataprep.io import storage
from dataprep.io.columns import check_columns
from dataprep.io.discover import Shard
from dataprep.io.readers import iter_raw_batches


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
) -> None:
    """Raise InputError for the first shard that cannot be read or lacks the text column.

    Text (and ``lang``, and with ``id_column`` the id) columns of a type the
    pipeline cannot use fail here too, before any output is written.
    In quarantine mode unreadable shards are left for the workers to set aside;
    a missing text column is still an error (it is almost always a recipe mistake).
    """
    for shard in shards:
        if quarantine:
            try:
                _check(shard, text_column, id_column)
            except InputError as e:
                if "no text column" in str(e):
                    raise
            continue
        _check(shard, text_column, id_column)


def _check(shard: Shard, text_column: str, id_column: str | None) -> None:
    """One shard's preflight check."""
    if not storage.is_file(shard.path):
        raise InputError(f"{shard.path}: file not found")
    try:
        with storage.open_input(shard.path):
            pass
    except OSError as e:
        raise InputError(f"cannot open {shard.path}: {e.strerror}") from e
    schema = _schema(shard)
    if schema is None:
        return
    if text_column not in schema.names:
        have = ", ".join(schema.names) or "none"
        raise InputError(
            f"{shard.path}: no text column {text_column!r} (columns: {have}); "
            "set input.text_column in the recipe"
        )
    check_columns(shard, schema, text_column=text_column, id_column=id_column)
