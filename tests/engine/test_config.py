"""Recipe validation: one-line errors naming the key, with the closest valid one."""

from __future__ import annotations

from pathlib import Path

import pytest

from dataprep.errors import ConfigError
from dataprep.recipe.config import load_recipe, parse_recipe, shipped_recipes


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"stagse": []}, r"unknown key 'stagse'; did you mean 'stages'\?"),
        ({"run": {"batch_sise": 4}}, r"run: unknown key 'batch_sise'; did you mean 'batch_size'\?"),
        ({"run": {"seed": "zero"}}, r"run\.seed: expected int, got 'zero'"),
        ({"run": {"seed": True}}, r"run\.seed: expected int"),
        (
            {"output": {"keep_removed": "yes"}},
            r"output: keep_removed must be one of ids, full, none, got 'yes'$",
        ),
        ({"output": {"keep_removed": 1}}, r"output\.keep_removed: expected str"),
        (
            {"output": {"signals": "seperate"}},
            r"output: signals must be .*did you mean 'separate'\?",
        ),
        ({"output": {"columns": "text"}}, r"output\.columns: expected"),
        (
            {"stages": [{"stage": "toy_min_wrds_v0"}]},
            r"unknown stage 'toy_min_wrds_v0'; did you mean 'toy_min_words_v0'",
        ),
        (
            {"stages": [{"stage": "toy_min_words_v0", "min_word": 3}]},
            r"stages\[0\] \(toy_min_words_v0\): unknown key 'min_word'; did you mean 'min_words'\?",
        ),
        (
            {"stages": [{"stage": "toy_min_words_v0", "min_words": 2.5}]},
            r"stages\[0\].*min_words: expected int, got 2\.5",
        ),
        ({"stages": ["toy_min_words_v0", "toy_min_words_v0"]}, r"used twice"),
        (
            {"stages": [{"stage": "toy_min_words_v0", "annotate": "no"}]},
            r"annotate: expected true or false",
        ),
        ({"stages": [{"name": "x"}]}, r"expected a mapping with a 'stage' key"),
        ({"stages": [{"stage": "toy_min_words_v0", "name": "../evil"}]}, r"invalid stage name"),
        ([1, 2], r"a recipe must be a mapping"),
    ],
)
def test_bad_recipes_fail_with_one_line_naming_the_key(data: object, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as err:
        parse_recipe(data)
    assert "\n" not in str(err.value)


def test_good_recipe_is_typed_and_frozen() -> None:
    r = parse_recipe(
        {
            "name": "x",
            "run": {"seed": 3},
            "stages": [{"stage": "toy_min_words_v0", "min_words": 5, "name": "short"}],
        }
    )
    assert r.run.seed == 3 and r.stages[0].name == "short"
    with pytest.raises(AttributeError):
        r.run.seed = 4  # type: ignore[misc]


def test_recipe_digest_changes_with_options_only() -> None:
    a = parse_recipe({"stages": [{"stage": "toy_min_words_v0", "min_words": 5}]}, source="a.yaml")
    b = parse_recipe({"stages": [{"stage": "toy_min_words_v0", "min_words": 5}]}, source="b.yaml")
    c = parse_recipe({"stages": [{"stage": "toy_min_words_v0", "min_words": 6}]})
    assert a.digest() == b.digest() != c.digest()


def test_yaml_is_loaded_safely(tmp_path: Path) -> None:
    p = tmp_path / "r.yaml"
    p.write_text("name: !!python/object/apply:os.system ['echo pwned']\n")
    with pytest.raises(ConfigError, match=r"r\.yaml"):
        load_recipe(str(p))


def test_unknown_recipe_name_suggests_shipped_ones() -> None:
    with pytest.raises(ConfigError, match="no recipe file or shipped recipe named 'multilingal'"):
        load_recipe("multilingal")


def test_every_shipped_recipe_validates() -> None:
    shipped = shipped_recipes()
    assert {"multilingual", "web-en", "dedup", "langid"} <= set(shipped)
    for path in shipped.values():
        assert load_recipe(str(path)).stages


def _billion_laughs() -> str:
    """A ~400-byte YAML sequence whose last item stands for 9**9 (387 million) strings."""
    items = ['&a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, cur in zip("abcdefgh", "bcdefghi", strict=True):
        items.append(f"&{cur} [{', '.join([f'*{prev}'] * 9)}]")
    return "[" + ", ".join(items) + "]"


@pytest.mark.parametrize(
    "where",
    [
        "description: {bomb}\n",
        "stages:\n  - stage: toy_min_words_v0\n    min_words: {bomb}\n",
    ],
    ids=["shown-as-text", "shown-in-an-error"],
)
def test_yaml_alias_bomb_is_refused_before_it_expands(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], where: str
) -> None:
    import tracemalloc

    from dataprep.cli import main

    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(where.format(bomb=_billion_laughs()))
    assert bomb.stat().st_size < 2000
    out = tmp_path / "out"
    tracemalloc.start()
    try:
        code = main(["run", str(bomb), "-i", str(tmp_path), "-o", str(out), "--no-progress"])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "may not use YAML aliases" in err[0], err
    assert peak < 50 * 1024 * 1024
    assert not out.exists()


def test_a_huge_value_in_an_error_is_shown_truncated() -> None:
    huge = ["x" * 1000] * 10_000
    with pytest.raises(ConfigError) as info:
        parse_recipe({"run": {"seed": huge}})
    assert "run.seed: expected int" in str(info.value)
    assert len(str(info.value)) < 200
