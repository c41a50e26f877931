"""``dataprep export``: a finished run's kept documents as training shards.

Formats: Parquet, zstd-compressed JSON lines, and the tokenized Megatron-LM indexed
dataset (``.bin`` + ``.idx``, :mod:`dataprep.export.megatron`). The export reads
the run's ``data/`` parts into one unified schema (:mod:`dataprep.export.schema`),
shuffles the whole output with a seeded permutation, cuts it into shards of about
``--shard-bytes`` and writes each shard atomically; an interrupted export continues
where it stopped (:mod:`dataprep.export.run`).
"""
