"""A local fake of the Hugging Face Hub's HTTP API, enough for ``HfFileSystem`` to
resolve, list and read one dataset repository (no network: 127.0.0.1 only).

Routes served (those ``huggingface_hub``'s ``HfFileSystem`` calls to list and read):

- ``GET /api/datasets/ORG/NAME[/revision/REV]``: the repository's info;
- ``GET /api/datasets/ORG/NAME/tree/REV[/PATH][?recursive=true]``: a folder's entries;
- ``POST /api/datasets/ORG/NAME/paths-info/REV``: entries of named paths;
- ``GET|HEAD /datasets/ORG/NAME/resolve/REV/PATH``: a file's bytes, with ``Range``.

Anything else is a 404, recorded in ``unknown`` so that a test can show what was
asked for.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, unquote, urlsplit

from local_server import serving

SHA = "0123456789abcdef0123456789abcdef01234567"


@dataclass
class FakeHub:
    repo: str
    """``ORG/NAME`` of the one dataset repository."""
    files: dict[str, bytes]
    """Path in the repository -> content."""
    url: str = ""
    requests: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)

    def folders(self) -> set[str]:
        out = set()
        for path in self.files:
            parts = path.split("/")[:-1]
            out.update("/".join(parts[: i + 1]) for i in range(len(parts)))
        return out

    def entry(self, path: str) -> dict[str, object] | None:
        if path in self.files:
            data = self.files[path]
            oid = hashlib.sha1(data).hexdigest()
            return {"type": "file", "oid": oid, "size": len(data), "path": path}
        if path in self.folders():
            return {"type": "directory", "oid": SHA, "size": 0, "path": path}
        return None

    def tree(self, folder: str, recursive: bool) -> list[dict[str, object]] | None:
        if folder and folder not in self.folders():
            return None
        prefix = f"{folder}/" if folder else ""
        names = sorted(p for p in [*self.files, *self.folders()] if p.startswith(prefix))
        if not recursive:
            names = [p for p in names if "/" not in p[len(prefix) :]]
        return [e for p in names if (e := self.entry(p)) is not None]


def _handler(hub: FakeHub) -> type[BaseHTTPRequestHandler]:
    api = re.compile(rf"^/api/datasets/{re.escape(hub.repo)}(?:/revision/[^/]+)?$")
    tree = re.compile(rf"^/api/datasets/{re.escape(hub.repo)}/tree/[^/]+/?(.*)$")
    paths_info = re.compile(rf"^/api/datasets/{re.escape(hub.repo)}/paths-info/[^/]+$")
    resolve = re.compile(rf"^/datasets/{re.escape(hub.repo)}/resolve/[^/]+/(.+)$")

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def _json(self, data: object) -> None:
            self._send(200, json.dumps(data).encode(), {"Content-Type": "application/json"})

        def _not_found(self, path: str) -> None:
            body = json.dumps({"error": "Entry not found"}).encode()
            self._send(404, body, {"X-Error-Code": "EntryNotFound"})

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            path, query = unquote(parts.path), parse_qs(parts.query)
            hub.requests.append(f"{self.command} {self.path}")
            if api.match(path):
                siblings = [{"rfilename": p} for p in sorted(hub.files)]
                self._json({"id": hub.repo, "sha": SHA, "private": False, "siblings": siblings})
            elif m := tree.match(path):
                entries = hub.tree(m.group(1).strip("/"), query.get("recursive") == ["true"])
                self._json(entries) if entries is not None else self._not_found(path)
            elif (m := resolve.match(path)) and m.group(1) in hub.files:
                self._file(hub.files[m.group(1)])
            else:
                hub.unknown.append(f"{self.command} {self.path}")
                self._not_found(path)

        do_HEAD = do_GET

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            hub.requests.append(f"POST {self.path}")
            if not paths_info.match(unquote(urlsplit(self.path).path)):
                hub.unknown.append(f"POST {self.path}")
                self._not_found(self.path)
                return
            if self.headers.get("Content-Type", "").startswith("application/json"):
                paths = json.loads(body or b"{}").get("paths", [])
            else:
                paths = parse_qs(body.decode()).get("paths", [])
            self._json([e for p in paths if (e := hub.entry(p)) is not None])

        def _file(self, data: bytes) -> None:
            headers = {
                "ETag": f'"{hashlib.sha256(data).hexdigest()}"',
                "X-Repo-Commit": SHA,
                "Accept-Ranges": "bytes",
                "Content-Type": "application/octet-stream",
            }
            rng = re.match(r"bytes=(\d+)-(\d*)$", self.headers.get("Range", ""))
            if rng is None:
                self._send(200, data, headers)
                return
            start = int(rng.group(1))
            end = min(int(rng.group(2)) + 1 if rng.group(2) else len(data), len(data))
            headers["Content-Range"] = f"bytes {start}-{end - 1}/{len(data)}"
            self._send(206, data[start:end], headers)

    return Handler


@contextmanager
def running_hub(repo: str, files: dict[str, bytes]) -> Iterator[FakeHub]:
    """The fake Hub on a free port of 127.0.0.1, stopped on exit."""
    hub = FakeHub(repo, files)
    with serving(_handler(hub)) as url:
        hub.url = url
        yield hub
