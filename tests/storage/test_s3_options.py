"""Recipe options that name files (here a blocklist) accept bucket URLs."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest
from s3_store import S3

from dataprep.engine.driver import run_pipeline
from dataprep.errors import ConfigError
from dataprep.recipe.config import Recipe, parse_recipe
from dataprep.sample_data import sample_path


def _recipe(blocklist: str) -> Recipe:
    return parse_recipe(
        {
            "name": "dirty",
            "stages": [{"stage": "dirty_words_v1", "blocklists": {"*": blocklist}}],
        }
    )


def _removed(out: Path) -> list[str]:
    table = pq.read_table(out / "removed" / "dirty_words_v1")
    return sorted(table.column("id").to_pylist())


def test_a_blocklist_in_a_bucket_removes_what_the_local_file_removes(
    s3: S3, tmp_path: Path
) -> None:
    local = tmp_path / "terms.txt"
    local.write_text("# words\nmuseum\nrecipe\n")
    url = s3.upload(local, "lists/terms.txt")
    got, ref = tmp_path / "got", tmp_path / "ref"
    sample = [str(sample_path())]
    run_pipeline(_recipe(url), sample, got, workers=1, progress=False)
    run_pipeline(_recipe(str(local)), sample, ref, workers=1, progress=False)
    assert _removed(got) == _removed(ref) != []


def test_a_missing_blocklist_object_is_a_config_error_naming_it(s3: S3, tmp_path: Path) -> None:
    recipe = _recipe(s3.url("lists/none.txt"))
    with pytest.raises(ConfigError, match=r"cannot read blocklist s3://.*/lists/none\.txt"):
        run_pipeline(recipe, [str(sample_path())], tmp_path / "o", workers=1, progress=False)


def test_a_classifier_model_in_a_bucket_comes_with_its_model_card(s3: S3) -> None:
    """The card (preprocessing, positive label) is fetched with the model."""
    from dataprep.classify.model import Classifier

    local = Path(__file__).resolve().parents[1] / "data" / "classify" / "quality-tiny.ftz"
    s3.upload(local.with_name(local.name + ".json"), "models/quality-tiny.ftz.json")
    remote = Classifier(s3.upload(local, "models/quality-tiny.ftz"))
    ref = Classifier(local)
    assert remote.path != ref.path and remote.path.read_bytes() == ref.path.read_bytes()
    assert (remote.preprocessing, remote._positive) == (ref.preprocessing, ref._positive)
    assert ref._positive == "positive"
