"""The ``stats.json`` format: its version and its JSON Schema.

``stats.json`` is deterministic (no times, no absolute paths: those live in
``run.json``), so two runs of the same recipe over the same input give the same
bytes. Its layout is described by ``stats.schema.json`` next to this module
(JSON Schema 2020-12, checked in the tests against real outputs); the engine
writes it (:func:`dataprep.engine.driver.stats_document`) and
:mod:`dataprep.output.reader` is the one place that reads it.
"""

from __future__ import annotations

from pathlib import Path

STATS_VERSION = 1
"""Bumped when a key changes meaning or disappears (adding a key does not)."""

SCHEMA_PATH = Path(__file__).with_name("stats.schema.json")
