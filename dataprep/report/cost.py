"""Cost and size: seconds per stage and tokens in/kept per stage and language.

Both are read defensively, as runs of older versions lack them:

* seconds: a stage's ``cpu_seconds`` / ``wall_seconds`` in ``stats.json``, else in
  ``run.json``'s ``timing.stages`` (times are not deterministic, so the engine keeps
  them out of ``stats.json``), and a global stage's fit seconds from
  ``timing.fits``. They go to ``report.json``'s ``run.timing.stages``, the one part of
  the report that differs between identical runs;
* tokens: ``tokens_in`` / ``tokens_kept`` (and ``*_by_lang``) of the stages that saw
  an ``n_tokens`` column (``tokens_v1`` ran at or before them).
"""

from __future__ import annotations

import math
from typing import Any

from dataprep.output.reader import Output


def finite_number(value: Any) -> float | None:
    """``value`` as a float when it is a finite number (not a bool), else None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def stage_seconds(out: Output) -> list[dict[str, Any]]:
    """Per stage (pipeline order): CPU, wall and fit seconds; empty when the run has none."""
    timing = _dict(out.run.get("timing"))
    per_stage, fits = _dict(timing.get("stages")), _dict(timing.get("fits"))
    rows = []
    for name in out.stage_names:
        st, t = _dict(out.stats["stages"].get(name)), _dict(per_stage.get(name))
        row = {
            "name": name,
            "cpu_seconds": finite_number(st.get("cpu_seconds", t.get("cpu_seconds"))),
            "wall_seconds": finite_number(st.get("wall_seconds", t.get("wall_seconds"))),
            "fit_seconds": finite_number(_dict(st).get("fit_seconds", fits.get(name))),
        }
        rows.append(row)
    if all(r[k] is None for r in rows for k in ("cpu_seconds", "wall_seconds", "fit_seconds")):
        return []
    return rows


def tokens(out: Output) -> dict[str, Any] | None:
    """Tokens in and kept per stage and per language; None when no stage counted any."""
    stages: list[dict[str, Any]] = []
    langs: dict[str, dict[str, dict[str, int]]] = {}
    for name, st in out.stats["stages"].items():
        if "tokens_in" not in st:
            continue
        stages.append(
            {
                "name": name,
                "tokens_in": int(st.get("tokens_in", 0)),
                "tokens_kept": int(st.get("tokens_kept", 0)),
            }
        )
        kept = _dict(st.get("tokens_kept_by_lang"))
        for lang, n in _dict(st.get("tokens_in_by_lang")).items():
            langs.setdefault(lang, {})[name] = {
                "tokens_in": int(n),
                "tokens_kept": int(kept.get(lang, 0)),
            }
    if not stages:
        return None
    first = stages[0]["name"]
    order = sorted(langs, key=lambda k: (-langs[k].get(first, {}).get("tokens_in", 0), k))
    return {
        "stages": stages,
        "by_lang": [{"lang": lang, "by_stage": langs[lang]} for lang in order],
    }
