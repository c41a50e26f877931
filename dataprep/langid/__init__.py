"""Language identification with fastText (stage ``fasttext_langid_v1``).

Importing this package is light: the ``fasttext`` module and the model are loaded
only when a stage first predicts (see :mod:`dataprep.langid.backend`).
"""
