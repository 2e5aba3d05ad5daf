"""A recording upstream that sends no CORS headers, and the proxy on a real server.

The upstream is the standard library's HTTP/1.1 server: it records every request
(method, raw target, headers, body, whether the body came chunked) and answers:

* ``/redirect?to=PATH``: ``302`` with an absolute ``Location`` on the upstream itself;
  ``/location?is=URL``: ``302`` with exactly that ``Location``.
* ``/cors``: its own CORS headers (``Access-Control-Allow-Origin: *``,
  ``Access-Control-Allow-Credentials: true``, ``Vary: Origin, Accept-Encoding``).
* ``/stream``: a chunked body in three parts, with hop-by-hop response headers.
* anything else: the request echoed as JSON.
"""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.support.servers import in_thread
from wsgicors.proxy.cli import bind


@dataclass
class Seen:
    """One request as the upstream received it."""

    method: str
    target: str
    headers: list[tuple[str, str]]
    body: bytes
    chunked: bool

    def header(self, name: str) -> str | None:
        """The value of header *name* (any case), None when absent."""
        return header(self.headers, name)


@dataclass
class Upstream:
    """The running upstream: its URL and what it has seen."""

    server: ThreadingHTTPServer
    seen: list[Seen] = field(default_factory=list)

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://127.0.0.1:{self.server.server_port}"


def _read_body(handler: BaseHTTPRequestHandler) -> tuple[bytes, bool]:
    if "chunked" in (handler.headers.get("Transfer-Encoding") or "").lower():
        parts = []
        while True:
            size = int(handler.rfile.readline().split(b";")[0], 16)
            data = handler.rfile.read(size + 2)[:size]
            if size == 0:
                return b"".join(parts), True
            parts.append(data)
    length = int(handler.headers.get("Content-Length") or 0)
    return handler.rfile.read(length), False


def _handler(upstream: Upstream) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def handle_one_request(self) -> None:
            self.raw_requestline = self.rfile.readline(65537)
            if not self.raw_requestline or not self.parse_request():
                self.close_connection = True
                return
            body, chunked = _read_body(self)
            upstream.seen.append(Seen(self.command, self.path, list(self.headers.items()),
                                      body, chunked))
            self.answer(body)
            self.wfile.flush()

        def answer(self, body: bytes) -> None:
            parts = urlsplit(self.path)
            query = parse_qs(parts.query)
            if parts.path.endswith("/redirect"):
                to = query.get("to", ["/data"])[0]
                self.send(302, b"", [("Location", upstream.url + to)])
            elif parts.path == "/location":
                self.send(302, b"", [("Location", query["is"][0])])
            elif parts.path == "/cors":
                self.send(200, b"cors", [
                    ("Access-Control-Allow-Origin", "*"),
                    ("Access-Control-Allow-Credentials", "true"),
                    ("Vary", "Origin, Accept-Encoding")])
            elif parts.path == "/stream":
                self.stream()
            else:
                echo = {"method": self.command, "target": self.path,
                        "body": body.decode("utf-8", "replace")}
                self.send(200, json.dumps(echo).encode(), [("Content-Type", "application/json")])

        def send(self, status: int, body: bytes, headers: list[tuple[str, str]]) -> None:
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def stream(self) -> None:
            self.send_response(200)
            for name, value in (("Transfer-Encoding", "chunked"), ("Keep-Alive", "timeout=5"),
                                ("Connection", "X-Hop"), ("X-Hop", "1"), ("X-Kept", "1")):
                self.send_header(name, value)
            self.end_headers()
            for part in (b"part1", b"part2", b"part3"):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
            self.wfile.write(b"0\r\n\r\n")

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def upstream_server() -> Iterator[Upstream]:
    """Run the recording upstream on a free 127.0.0.1 port."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    upstream = Upstream(server)
    server.RequestHandlerClass = _handler(upstream)
    server.daemon_threads = True
    with in_thread(server):
        yield upstream


@contextmanager
def serving(app: Any) -> Iterator[int]:
    """Serve *app* with the proxy's own server (werkzeug, threaded); yield its port."""
    with in_thread(bind("127.0.0.1", 0, app)) as port:
        yield port


def request(port: int, method: str, target: str, body: Any = None,
            headers: dict[str, str] | None = None) -> tuple[int, list[tuple[str, str]], bytes]:
    """One request to 127.0.0.1:*port*: status, headers and body."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(method, target, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.getheaders(), response.read()
    finally:
        conn.close()


def header(headers: list[tuple[str, str]], name: str) -> str | None:
    """The values of *name* in a header list, joined; None when absent."""
    values = [v for k, v in headers if k.lower() == name.lower()]
    return ", ".join(values) if values else None
