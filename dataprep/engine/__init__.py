"""The engine: runs a recipe's stages over input shards (see docs/architecture.md).

``driver`` plans passes and fits global stages, ``shard_pass`` runs one pass over
one shard in a worker, ``split`` drops and counts, ``accounting`` sums the counts,
``executors`` run shard jobs on local processes or a Ray cluster. Importing this
package imports nothing heavy.
"""
