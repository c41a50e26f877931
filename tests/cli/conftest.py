"""One finished run of the default recipe on the sample corpus, shared by the CLI tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from dataprep.cli import main


@pytest.fixture(scope="session")
def finished_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("cli") / "out"
    assert main(["run", "multilingual", "-o", str(out), "-j", "1", "--no-progress", "-q"]) == 0
    return out
