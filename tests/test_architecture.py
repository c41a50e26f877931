"""The package layering drawn in docs/architecture.md, checked on every import.

A stage that reaches into the engine, a reader that imports a stage, or the filters
package importing dataprep would each make the next change harder (or, for
``filters``, break ``import filters`` on its own). Every ``import`` and ``from ...
import`` in the source tree, lazy ones inside functions included, is checked.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
STAGE_PACKAGES = {"stages", "dedup", "langid", "balance", "cleaning", "classify", "tokens"}

#: Layer of a module -> the layers it may import (besides itself).
ALLOWED: dict[str, set[str]] = {
    "filters": set(),
    "errors": set(),
    "output.columns": set(),
    "output.stats_format": set(),
    "output.layout": set(),
    "io": {"errors", "output.columns"},
    "output.folder": {"errors", "output.layout"},
    "output.reader": {"errors", "output.layout", "output.stats_format", "output.columns"},
    "output.redecide": {
        "errors", "io", "recipe", "stage", "output.columns", "output.layout", "output.reader",
    },
    "recipe": {"errors", "stage", "output.columns"},
    "stage": {"errors", "filters", "io", "recipe", "stage", "output.columns", "dataprep"},
    "report": {"errors", "io", "output.columns", "output.layout", "output.reader"},
    "export": {
        "errors", "io", "stage", "output.columns", "output.folder", "output.reader",
    },
    "engine": {
        "errors", "filters", "io", "recipe", "stage", "report", "dataprep",
        "output.columns", "output.layout", "output.folder", "output.stats_format",
    },
}  # fmt: skip


def layer(module: str) -> str | None:
    """The layer a dotted module name belongs to (None: outside the project)."""
    parts = module.split(".")
    if parts[0] == "filters":
        return "filters"
    if parts[0] != "dataprep":
        return None
    if len(parts) == 1:
        return "dataprep"
    if parts[1] == "output" and len(parts) > 2:
        return f"output.{parts[2]}"
    if parts[1] in STAGE_PACKAGES:
        return "stage"
    return parts[1]


def imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(node.module)
    return found


def sources() -> list[Path]:
    return sorted(
        [*ROOT.joinpath("dataprep").rglob("*.py"), *ROOT.joinpath("filters").rglob("*.py")]
    )


@pytest.mark.parametrize("path", sources(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_import_respects_the_layering(path: Path) -> None:
    module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
    own = layer(module)
    if own not in ALLOWED:
        return  # cli, __main__, sample_data: the top may import anything
    bad = []
    for target in imports(path):
        other = layer(target)
        if other is not None and other != own and other not in ALLOWED[own]:
            bad.append(f"{target} ({other})")
    assert not bad, f"{module} ({own}) may not import: {', '.join(bad)}"


def test_the_top_level_holds_only_the_cli_errors_and_packages() -> None:
    top = sorted(p.name for p in ROOT.joinpath("dataprep").glob("*.py"))
    assert top == ["__init__.py", "__main__.py", "cli.py", "errors.py"]


#: Test-only dependencies (the dev extra): runtime code must not import them, since a
#: plain ``pip install dataprep`` does not bring them.
TEST_ONLY = {"polars", "datasketch", "pytest", "hypothesis", "jsonschema", "datasets"}


@pytest.mark.parametrize("path", sources(), ids=lambda p: str(p.relative_to(ROOT)))
def test_runtime_code_imports_no_test_only_dependency(path: Path) -> None:
    used = {name.split(".")[0] for name in imports(path)} & TEST_ONLY
    assert not used, f"{path.relative_to(ROOT)} imports {sorted(used)} (dev extra only)"
