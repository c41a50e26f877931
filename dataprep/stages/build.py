"""Turn a recipe's stage specs into stage objects (one place, driver and workers alike)."""

from __future__ import annotations

from typing import Any

from dataprep.output.columns import LANG_COLUMN
from dataprep.recipe import registry
from dataprep.recipe.config import Recipe, stage_config
from dataprep.stages.base import Stage, StageContext


def make_stages(recipe: Recipe) -> list[Stage[Any]]:
    """Stage objects, not set up: models stay unloaded until ``setup()``."""
    out = []
    for spec in recipe.stages:
        ctx = StageContext(
            name=spec.name,
            text_column=recipe.input.text_column,
            id_column=recipe.input.id_column,
            lang_column=LANG_COLUMN,
            seed=recipe.run.seed,
            annotate=spec.annotate,
        )
        out.append(registry.get(spec.stage)(stage_config(spec), ctx))
    return out
