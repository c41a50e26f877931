"""The test S3 server's bucket as the tests use it, and its fake credentials.

Kept out of ``conftest.py`` so that tests import it by a name no other test folder
uses (every folder's ``conftest`` module is named ``conftest``).
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from pathlib import Path

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
