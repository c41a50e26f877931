"""Throttling and concurrency, injected by a proxy in front of the test S3 server.

``proxy.py`` answers ``503 SlowDown`` (S3's throttling reply) to the first requests
and counts requests in flight; the recipe's ``storage`` section sets the retries
(botocore's ``standard`` mode, ``max_attempts``) and ``max_concurrency``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from helpers import output_bytes, storage_settings
from proxy import running_proxy
from s3_store import S3

from dataprep.engine.driver import run_pipeline
from dataprep.errors import DataprepError
from dataprep.io import storage
from dataprep.recipe.config import load_recipe
from dataprep.sample_data import sample_path

THROTTLED = 3


def _recipe(tmp_path: Path, endpoint: str, **settings: object) -> Path:
    lines = [f"  {k}: {v}" for k, v in settings.items()]
    path = tmp_path / f"r-{len(list(tmp_path.glob('r-*')))}.yaml"
    path.write_text(
        "extends: dedup\nstorage:\n"
        f"  options: {{s3: {{endpoint_url: '{endpoint}'}}}}\n" + "\n".join(lines) + "\n"
    )
    return path


def test_throttled_requests_are_retried_and_the_run_succeeds(s3: S3, tmp_path: Path) -> None:
    shard = sample_path() / "shard-003.jsonl"
    url = s3.upload(shard, f"crawl/{shard.name}")
    with running_proxy(s3.endpoint, throttle=THROTTLED) as proxy:
        settings = {"retry_mode": "standard", "max_attempts": THROTTLED + 1}
        recipe = load_recipe(str(_recipe(tmp_path, proxy.endpoint, **settings)))
        run_pipeline(recipe, [url], s3.url("clean"), workers=1, progress=False)
        assert proxy.throttled == THROTTLED
    ref = tmp_path / "ref"
    run_pipeline(load_recipe("dedup"), [str(shard)], ref, workers=1, progress=False)
    assert output_bytes(s3.download("clean", tmp_path / "got")) == output_bytes(ref)


def test_without_retries_a_throttled_request_fails_the_run(s3: S3, tmp_path: Path) -> None:
    url = s3.upload(sample_path() / "shard-003.jsonl", "crawl/one.jsonl")
    with running_proxy(s3.endpoint, throttle=1) as proxy:
        recipe = load_recipe(str(_recipe(tmp_path, proxy.endpoint, max_attempts=1)))
        with pytest.raises(DataprepError, match=r"SlowDown|reduce your request rate"):
            run_pipeline(recipe, [url], s3.url("clean"), workers=1, progress=False)


@pytest.mark.parametrize("bound", [1, 2])
def test_an_upload_has_at_most_max_concurrency_requests_in_flight(
    s3: S3, tmp_path: Path, bound: int
) -> None:
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(6 * (5 << 20)))  # six parts of 5 MiB
    with (
        running_proxy(s3.endpoint) as proxy,
        storage_settings(proxy.endpoint, max_concurrency=bound, part_bytes=5 << 20),
    ):
        storage.put_file(big, storage.ObjectPath.parse(s3.url("big.bin")))
        assert proxy.methods["PUT"] == 6  # the six parts: a multipart upload
        assert 1 <= proxy.peak <= bound
    assert s3.fs().cat_file(f"{s3.bucket}/big.bin") == big.read_bytes()
