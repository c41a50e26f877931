"""Shared inputs for the filter tests (a module, not conftest, so imports are unambiguous)."""

from __future__ import annotations

#: Six distinct lines of ordinary English prose: passes every default filter.
GOOD_LINES = (
    "The history of the city goes back to the Roman period, when a small settlement was founded.",
    "Over the centuries it grew into an important trading center with a large weekly market.",
    "Today the city is known for its museums, its old churches and its famous university.",
    "Many visitors come every year to see the cathedral and walk along the quiet river banks.",
    "The local economy depends on tourism, services and a growing technology sector as well.",
    "In recent years several companies have moved their offices to a new business district.",
)
GOOD = "\n".join(GOOD_LINES)
