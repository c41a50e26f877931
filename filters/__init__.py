"""Document quality filters for multilingual pretraining corpora.

Usage::

    from filters import GopherQuality
    GopherQuality().keep(text)                 # True / False
    GopherQuality().reason(text, "en")         # None or "gopher_quality:word_count_low"
    GopherQuality().keep_batch(texts)          # list/Arrow/Polars in, the same kind out
    FILTERS["gopher_quality_v1"](min_words=20) # by versioned name, thresholds overridden

Each filter has a readable per-document definition (``signals`` then ``decide``)
and a batch path over Arrow/Polars columns (``signal_batch``, ``decide_batch``,
and ``rewrite_batch`` for the C4 rewriter); tests prove the two agree.
``FilterStack`` runs several filters tokenizing each document once.

Importing this package loads only pyarrow and the standard library.
"""

from __future__ import annotations

from filters.base import Filter, FilterConfig, Rewriter, Signals, UnknownLanguageWarning
from filters.blocklist import Blocklist, BlocklistConfig
from filters.c4 import C4, C4Config
from filters.fineweb import FineWeb, FineWebConfig
from filters.gopher_quality import GopherQuality, GopherQualityConfig
from filters.gopher_repetition import GopherRepetition, GopherRepetitionConfig
from filters.length import Length, LengthConfig
from filters.stack import FilterStack, StackResult, default_stack

#: Versioned registry names -> filter classes (what recipes name).
FILTERS: dict[str, type[Filter]] = {
    "gopher_quality_v1": GopherQuality,
    "gopher_repetition_v1": GopherRepetition,
    "c4_v1": C4,
    "fineweb_v1": FineWeb,
    "length_v1": Length,
    "blocklist_v1": Blocklist,
}

__all__ = [
    "C4",
    "FILTERS",
    "Blocklist",
    "BlocklistConfig",
    "C4Config",
    "Filter",
    "FilterConfig",
    "FilterStack",
    "FineWeb",
    "FineWebConfig",
    "GopherQuality",
    "GopherQualityConfig",
    "GopherRepetition",
    "GopherRepetitionConfig",
    "Length",
    "LengthConfig",
    "Rewriter",
    "Signals",
    "StackResult",
    "UnknownLanguageWarning",
    "default_stack",
]
