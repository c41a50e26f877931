"""A real S3-compatible server on 127.0.0.1 for the storage tests.

``moto``'s standalone server (``ThreadedMotoServer``, from the ``moto[server]``
package on PyPI) speaks the S3 REST API over HTTP; s3fs and botocore talk to it
exactly as to AWS, through ``AWS_ENDPOINT_URL``. It is started once per test
session and stopped when the session ends; every test gets its own bucket.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

pytest.importorskip("s3fs", reason="the cloud extra is not installed")
moto_server = pytest.importorskip("moto.server", reason="moto[server] is not installed")

from s3_store import KEY_ID, S3, SECRET, free_port  # noqa: E402


@pytest.fixture(scope="session")
def s3_server() -> Iterator[str]:
    """The endpoint of a moto S3 server on 127.0.0.1, stopped at the end of the session."""
    port = free_port()
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3_env(s3_server: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The standard AWS environment pointing at the test server (inherited by workers)."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_server)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", KEY_ID)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/dataprep-test-aws-config")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/dataprep-test-aws-creds")
    return s3_server


@pytest.fixture
def s3(s3_env: str) -> S3:
    """A fresh, empty bucket on the test server."""
    bucket = f"dp-{uuid.uuid4().hex[:12]}"
    store = S3(s3_env, bucket)
    store.fs().mkdir(bucket)
    return store


@pytest.fixture(autouse=True)
def default_storage_settings() -> Iterator[None]:
    """A run applies its recipe's ``storage`` section to this process (an endpoint of a
    proxy stopped since, say): every test starts and ends with the defaults."""
    from dataprep.io import storage

    storage.configure(storage.Settings())
    yield
    storage.configure(storage.Settings())
