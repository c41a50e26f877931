"""A real S3-compatible server on 127.0.0.1 for the storage tests.

``moto``'s standalone server (``ThreadedMotoServer``, from the ``moto[server]``
package on PyPI) speaks the S3 REST API over HTTP; s3fs and botocore talk to it
exactly as to AWS, through ``AWS_ENDPOINT_URL``. It is started once per test
session and stopped when the session ends; every test gets its own bucket.
"""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

pytest.importorskip("s3fs", reason="the cloud extra is not installed")
moto_server = pytest.importorskip("moto.server", reason="moto[server] is not installed")

#: Fake credentials for the local server: tests check they never reach an output file.
KEY_ID = "AKIADATAPREPTESTKEY1"
SECRET = "dataprep-test-secret-do-not-leak-0123456789"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class S3:
    endpoint: str
    bucket: str

    def url(self, key: str = "") -> str:
        return f"s3://{self.bucket}/{key}".rstrip("/")

    def fs(self):  # type: ignore[no-untyped-def]
        import s3fs

        return s3fs.S3FileSystem(
            endpoint_url=self.endpoint, key=KEY_ID, secret=SECRET, skip_instance_cache=True
        )

    def upload(self, local: Path, key: str) -> str:
        """Upload a file or a folder's files under ``key``; its URL."""
        fs = self.fs()
        files = [local] if local.is_file() else sorted(p for p in local.rglob("*") if p.is_file())
        for f in files:
            rel = f.name if f == local else f.relative_to(local).as_posix()
            target = f"{self.bucket}/{key}/{rel}" if f != local else f"{self.bucket}/{key}"
            fs.put_file(str(f), target)
        return self.url(key)

    def download(self, key: str, local: Path) -> Path:
        """Every object under ``key`` into the folder ``local``."""
        fs = self.fs()
        prefix = f"{self.bucket}/{key}".rstrip("/")
        for obj in fs.find(prefix):
            target = local / obj[len(prefix) + 1 :]
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(fs.cat_file(obj))
        return local


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
