"""The stage registry: found by name through the ``dataprep.stages`` entry points.

The public API is ``register``/``has``/``get``/``names``/``items``; a fresh
:class:`StageRegistry` with fake entry points stands in for installed packages.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from dataprep.errors import ConfigError
from dataprep.recipe import registry
from dataprep.recipe.registry import StageRegistry

#: A module that builds a keep-everything stage for a test registry ``REG``.
_TARGET_MODULE = (
    "from dataclasses import dataclass\n"
    "from dataprep.stages.base import BatchStage, StageConfig, StageOutput, empty_reasons\n"
    "REG = None\n"
    "@dataclass(frozen=True, kw_only=True)\n"
    "class C(StageConfig):\n    pass\n"
    "def make():\n"
    "    class Lazy(BatchStage[C]):\n"
    "        def process(self, batch):  # keeps every document\n"
    "            return StageOutput(batch, empty_reasons(batch.num_rows))\n"
    "    return Lazy\n"
)


@dataclass
class FakeEntryPoint:
    """What the registry uses of ``importlib.metadata.EntryPoint``."""

    name: str
    value: str
    dist: Any

    def load(self) -> Any:
        return importlib.import_module(self.value)


def _stage_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, module: str, stage: str) -> Any:
    """Write ``module``, which registers ``stage`` in the registry its target module's
    ``REG`` names (set it before the module is loaded), on sys.path; the target module."""
    target = f"{module}_target"
    (tmp_path / f"{module}.py").write_text(
        f"from {target} import REG, make\nREG.register({stage!r})(make())\n"
    )
    (tmp_path / f"{target}.py").write_text(_TARGET_MODULE)
    monkeypatch.syspath_prepend(str(tmp_path))
    return importlib.import_module(target)


def _registry(*eps: FakeEntryPoint) -> StageRegistry:
    return StageRegistry("test.group", find=lambda: list(eps))


def test_every_builtin_stage_has_an_entry_point_of_its_own_name_naming_its_module() -> None:
    from importlib.metadata import entry_points

    declared = {ep.name: ep.value for ep in entry_points(group=registry.GROUP)}
    by_name = {r.name: r for r in registry.items() if r.distribution == "dataprep"}
    assert {name: r.cls.__module__ for name, r in by_name.items()} == {
        name: module for name, module in declared.items() if name in by_name
    }
    assert set(by_name) == set(declared)  # no entry point left without its stage
    assert by_name["minhash_dedup_v1"].distribution == "dataprep"
    assert registry.has("balance_v1") and not registry.has("balance_v0")


def test_looking_up_a_stage_imports_only_its_own_module() -> None:
    """A run of quality filters does not pay for the dedup, language ID or cleaning
    modules (each worker process would pay it again)."""
    code = (
        "import sys\n"
        "from dataprep.recipe import registry\n"
        "assert registry.get('c4_v1').__module__ == 'dataprep.stages.quality'\n"
        "heavy = ['dataprep.dedup.stages', 'dataprep.langid.stage', 'dataprep.cleaning.stages',"
        " 'dataprep.classify.stage', 'dataprep.balance.stage', 'dataprep.tokens.stage']\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
        "registry.names()\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert out[0] == "[]"
    assert out[1] != "[]"  # the listing still loads every entry point


def test_an_unknown_name_is_a_config_error_with_suggestions() -> None:
    with pytest.raises(ConfigError, match=r"unknown stage 'gopher_qualty_v1'; did you mean "):
        registry.get("gopher_qualty_v1")


def test_a_module_that_fails_to_import_is_one_line_naming_distribution_and_module(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "broken_stages_mod.py").write_text("import no_such_dependency_xyz\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    reg = _registry(
        FakeEntryPoint("broken", "broken_stages_mod", SimpleNamespace(name="dataprep-broken"))
    )
    message = (
        r"cannot load stages of distribution 'dataprep-broken' from module "
        r"'broken_stages_mod' .*ModuleNotFoundError: No module named 'no_such_dependency_xyz'"
    )
    with pytest.raises(ConfigError, match=message) as e:
        reg.get("anything_v1")
    assert "\n" not in str(e.value)
    with pytest.raises(ConfigError, match="dataprep-broken"):
        reg.names()  # not skipped on a second look either
    sys.modules.pop("broken_stages_mod", None)


def test_a_missing_module_is_not_skipped() -> None:
    reg = _registry(FakeEntryPoint("gone", "dataprep.not_written_yet", SimpleNamespace(name="x")))
    with pytest.raises(ConfigError, match=r"'dataprep\.not_written_yet'.*ModuleNotFoundError"):
        reg.has("toy_min_words_v0")


def test_entry_points_load_only_on_first_lookup(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = _stage_module(tmp_path, monkeypatch, "lazy_stages_mod", "lazy_v1")
    reg = _registry(FakeEntryPoint("lazy", "lazy_stages_mod", SimpleNamespace(name="lazy-dist")))
    target.REG = reg
    assert "lazy_stages_mod" not in sys.modules
    assert reg.has("lazy_v1")
    assert [(r.name, r.distribution) for r in reg.items()] == [("lazy_v1", "lazy-dist")]
    for mod in ("lazy_stages_mod", "lazy_stages_mod_target"):
        sys.modules.pop(mod, None)


def test_an_entry_point_named_after_the_stage_is_loaded_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = _stage_module(tmp_path, monkeypatch, "own_stage_mod", "own_v1")
    (tmp_path / "other_stage_mod.py").write_text("raise ImportError('must not be loaded')\n")
    dist = SimpleNamespace(name="own-dist")
    reg = _registry(
        FakeEntryPoint("own_v1", "own_stage_mod", dist),
        FakeEntryPoint("others", "other_stage_mod", dist),
    )
    target.REG = reg
    assert reg.has("own_v1")  # the broken module behind "others" was never imported
    assert "other_stage_mod" not in sys.modules
    with pytest.raises(ConfigError, match="other_stage_mod"):
        reg.get("something_else_v1")  # an unknown name loads them all, and says so
    for mod in ("own_stage_mod", "own_stage_mod_target"):
        sys.modules.pop(mod, None)


def test_without_any_entry_point_an_unknown_name_says_to_install_dataprep() -> None:
    with pytest.raises(
        ConfigError, match=r"no installed package declares entry points.*pip install -e"
    ) as e:
        _registry().get("gopher_quality_v1")
    assert "\n" not in str(e.value)


def test_a_name_registered_twice_raises() -> None:
    reg = _registry()
    first, second = registry.get("toy_min_words_v0"), registry.get("toy_upper_v0")
    reg.register("same_v1")(first)
    with pytest.raises(ValueError, match="'same_v1' is registered twice"):
        reg.register("same_v1")(second)


def test_stages_registered_by_test_code_are_listed_with_their_module() -> None:
    by_name = {r.name: r for r in registry.items()}
    assert by_name["toy_min_words_v0"].distribution == "toy_stages"
