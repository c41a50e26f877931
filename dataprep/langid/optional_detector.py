"""What the optional member pickers (``member: lingua``, ``member: cld2``) share.

Each picker lives in its own module around an optional package: whether the package
is installed (without importing it), its import with the one-line error naming the
extra to install, and how a picked language becomes a :class:`Label`.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Sequence
from typing import Any

from dataprep.errors import ConfigError
from dataprep.langid.labels import Label


def installed(module: str) -> bool:
    """Whether ``module`` can be imported (without importing it)."""
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # ValueError: sys.modules[module] is None
        return False


def load(module: str, missing: str) -> Any:
    """``module``, imported; :class:`ConfigError` ``missing`` when it cannot be."""
    try:
        return importlib.import_module(module)
    except ImportError as e:
        raise ConfigError(missing) from e


def member_label(
    codes: Sequence[str], members: Sequence[tuple[Label, float]], best: Label
) -> Label:
    """The label of a picked language (``codes``: our codes for it, aliases first to
    last): the model's own label when it gave one of them (its code, its script),
    else the first code with ``best``'s script."""
    given = {lab.lang: lab for lab, _ in members}
    return next((given[c] for c in codes if c in given), Label(codes[0], best.script))
