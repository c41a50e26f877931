"""Fixtures for the filter tests."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from filter_texts import GOOD


@pytest.fixture
def good() -> str:
    return GOOD
