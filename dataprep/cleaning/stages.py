"""Registers every cleaning stage (the registry imports this module by name).

========================  ======  ==========================================
name                      kind    module
========================  ======  ==========================================
``url_dedup_v1``          global  :mod:`.url_dedup`
``line_dedup_v1``         global  :mod:`.line_dedup`
``line_dedup_apply_v1``   batch   :mod:`.line_apply` (rewrites)
``ngram_coverage_v1``     batch   :mod:`.ngram_coverage` (rewrites)
``dirty_words_v1``        batch   :mod:`.dirty_words`
``token_kl_v1``           global  :mod:`.token_kl`
``pii_redact_v1``         batch   :mod:`.pii_stage` (rewrites)
``decontaminate_v1``      global  :mod:`.decontaminate`
========================  ======  ==========================================
"""

from __future__ import annotations

from .decontaminate import Decontaminate
from .dirty_words import DirtyWords
from .line_apply import LineDedupApply
from .line_dedup import LineDedup
from .ngram_coverage import NgramCoverage
from .pii_stage import PIIRedact
from .token_kl import TokenKL
from .url_dedup import UrlDedup

__all__ = [
    "Decontaminate",
    "DirtyWords",
    "LineDedup",
    "LineDedupApply",
    "NgramCoverage",
    "PIIRedact",
    "TokenKL",
    "UrlDedup",
]
