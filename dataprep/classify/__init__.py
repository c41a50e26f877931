"""fastText document classifiers: training (``dataprep train-classifier``) and scoring stages.

* :mod:`~dataprep.classify.text`: the one preprocessing function used by training and scoring;
* :mod:`~dataprep.classify.model`: a classifier file, its model card, lazy loading, scoring;
* :mod:`~dataprep.classify.data`, :mod:`~dataprep.classify.train`,
  :mod:`~dataprep.classify.metrics`, :mod:`~dataprep.classify.card`: training;
* :mod:`~dataprep.classify.stage`: stages ``classifier_v1`` and ``classifier_top_v1``;
* :mod:`~dataprep.classify.top`: the exact top-fraction selection (pure numpy).

Importing this package is light: ``fasttext`` and the models load on first use.
"""
