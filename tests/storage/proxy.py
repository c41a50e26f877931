"""A small HTTP proxy on 127.0.0.1 in front of the test S3 server, for fault injection.

It forwards every request to the server unchanged (SigV4 signs the ``Host`` header,
which is passed as it came) and can answer ``503 SlowDown`` instead, as S3 does
when throttling, for the first ``throttle`` requests. It counts what passed through:
requests by method, response body bytes of ``GET`` requests, and the most requests
in flight at once.
"""

from __future__ import annotations

import http.client
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler
from urllib.parse import urlsplit

from local_server import serving

SLOW_DOWN = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SlowDown</Code>'
    b"<Message>Please reduce your request rate.</Message></Error>"
)
_HOP = {"connection", "keep-alive", "transfer-encoding", "proxy-connection", "content-length"}


class Proxy:
    """What the proxy does and saw (shared by its handler threads)."""

    def __init__(self, upstream: str, throttle: int = 0) -> None:
        parts = urlsplit(upstream)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.throttle = throttle
        self.throttled = 0
        self.methods: Counter[str] = Counter()
        self.get_bytes = 0
        self.in_flight = 0
        self.peak = 0
        self.lock = threading.Lock()
        self.endpoint = ""

    def enter(self, method: str) -> bool:
        """Count a request; True when it is to be throttled."""
        with self.lock:
            self.methods[method] += 1
            if self.throttled < self.throttle:
                self.throttled += 1
                return True
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
            return False

    def leave(self, method: str, body_bytes: int) -> None:
        with self.lock:
            self.in_flight -= 1
            if method == "GET":
                self.get_bytes += body_bytes


def _handler(proxy: Proxy) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def _body(self) -> bytes:
            if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                out = bytearray()
                while True:
                    size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                    if size == 0:
                        while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                            pass
                        return bytes(out)
                    out += self.rfile.read(size)
                    self.rfile.readline()
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))

        def _reply(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
            self.send_response(status)
            for k, v in headers:
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def _forward(self) -> None:
            body = self._body()
            if proxy.enter(self.command):
                self._reply(503, [("Content-Type", "application/xml")], SLOW_DOWN)
                return
            sent = 0
            try:
                conn = http.client.HTTPConnection(proxy.host, proxy.port, timeout=60)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP}
                if body or self.command in ("PUT", "POST"):
                    headers["Content-Length"] = str(len(body))
                conn.request(self.command, self.path, body=body, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
                sent = len(data)
                kept = [(k, v) for k, v in resp.getheaders() if k.lower() not in _HOP]
                if self.command == "HEAD":
                    kept.append(("Content-Length", resp.getheader("Content-Length") or "0"))
                    self.send_response(resp.status)
                    for k, v in kept:
                        self.send_header(k, v)
                    self.end_headers()
                else:
                    self._reply(resp.status, kept, data)
                conn.close()
            finally:
                proxy.leave(self.command, sent)

        do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _forward

    return Handler


@contextmanager
def running_proxy(upstream: str, throttle: int = 0) -> Iterator[Proxy]:
    """A proxy to ``upstream`` on a free port of 127.0.0.1, stopped on exit."""
    proxy = Proxy(upstream, throttle)
    with serving(_handler(proxy)) as url:
        proxy.endpoint = url
        yield proxy
