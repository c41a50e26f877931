"""What every CLI test checks about an error: exactly one line, no traceback."""

from __future__ import annotations

import pytest


def one_line_error(capsys: pytest.CaptureFixture[str]) -> str:
    """The single ``dataprep: error:`` line printed since the last read (asserted alone)."""
    err = capsys.readouterr().err.strip().splitlines()
    errors = [line for line in err if line.startswith("dataprep: error:")]
    assert len(errors) == 1, err
    assert not any("Traceback" in line for line in err)
    return errors[0]
