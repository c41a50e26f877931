"""Exact and near-duplicate removal (registered as ``exact_dedup_v1`` and ``minhash_dedup_v1``).

Layout, one concept per module:

* :mod:`.normalize` - text normalization shared by both stages.
* :mod:`.shingles` - word / character n-gram hashes, chosen per document by script.
* :mod:`.minhash` - vectorized MinHash signatures (datasketch ``affine32`` compatible).
* :mod:`.lsh` - band/row choice, band keys, candidate pairs.
* :mod:`.spill` - band keys and hashes spilled to disk, partitioned by key hash.
* :mod:`.scratch` - disk-backed arrays with their space reserved (no SIGBUS on a full disk).
* :mod:`.unionfind` - deterministic connected components (id = first document); the
  near fit no longer clusters by components (they chain), see :mod:`.near`.
* :mod:`.corpus` - reading observations: input-order ids, lengths, languages.
* :mod:`.keep` - keep policies and the decision / summary tables.
* :mod:`.exact` and :mod:`.near` - the two ``fit`` algorithms (near: exact Jaccard
  verification, greedy center clustering in keep order).
* :mod:`.stages` - the registered stages (configs, ``observe``).

Importing this package imports nothing heavy: numpy, pyarrow and xxhash only.
"""
