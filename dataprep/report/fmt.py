"""Human-readable numbers for the HTML report and the terminal (1,234 / 12.3 MB / 4.5%)."""

from __future__ import annotations

import math

NONE = "\u2013"  # an en dash
_UNITS = ("B", "kB", "MB", "GB", "TB", "PB")


def count(n: int | float | None) -> str:
    """``1234`` -> ``1,234``; None -> an en dash."""
    if n is None:
        return NONE
    return f"{round(n):,}"


def size(n: int | float | None) -> str:
    """Bytes in decimal units: ``12_345_678`` -> ``12.3 MB``."""
    if n is None:
        return NONE
    value, unit = float(n), 0
    while abs(value) >= 1000 and unit < len(_UNITS) - 1:
        value /= 1000
        unit += 1
    return f"{int(value)} B" if unit == 0 else f"{value:.1f} {_UNITS[unit]}"


def pct(part: float | None, whole: float | None = 1.0) -> str:
    """``pct(45, 1000)`` -> ``4.5%``; an undefined ratio -> an en dash."""
    if part is None or whole is None or not whole:
        return NONE
    return f"{100.0 * part / whole:.1f}%"


def number(x: float | None) -> str:
    """A signal value: integers as counts, others with 3 significant digits."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return NONE
    if float(x).is_integer() and abs(x) < 1e15:
        return count(x)
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    return f"{x:.3g}"


def seconds(s: float | None) -> str:
    """``75.2`` -> ``1 min 15 s``."""
    if s is None:
        return NONE
    if s < 60:
        return f"{s:.1f} s"
    minutes, rest = divmod(round(s), 60)
    if minutes < 60:
        return f"{minutes} min {rest} s"
    return f"{minutes // 60} h {minutes % 60} min"
