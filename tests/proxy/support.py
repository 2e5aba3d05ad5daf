"""A recording upstream that sends no CORS headers, and the proxy on a real server.

The upstream is the standard library's HTTP/1.1 server: it records every complete
request (method, the target exactly as on the request line, headers, body, whether
the body came chunked; a request whose body breaks off is not recorded) and answers:

* ``/redirect?to=PATH``: ``302`` with an absolute ``Location`` on the upstream itself;
  ``/location?is=URL``: ``302`` with exactly that ``Location``.
* ``/cors``: its own CORS headers (``Access-Control-Allow-Origin: *``,
  ``Access-Control-Allow-Credentials: true``, ``Vary: Origin, Accept-Encoding``).
* ``/stream``: a chunked body in three parts, with hop-by-hop response headers.
* anything else: the request echoed as JSON.

:func:`raw_upstream` answers every request with given bytes, for responses no real
server library would write; :func:`exchange` sends raw bytes to the proxy and parses
the answer strictly (:func:`parse_response`), as a careful client would.
"""

from __future__ import annotations

import http.client
import json
import re
import socket
import socketserver
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


def _read_body(handler: BaseHTTPRequestHandler) -> tuple[bytes, bool] | None:
    """The body and whether it came chunked; None when it breaks off."""
    if "chunked" in (handler.headers.get("Transfer-Encoding") or "").lower():
        body, complete = dechunk(handler.rfile)
        return (body, True) if complete else None
    length = int(handler.headers.get("Content-Length") or 0)
    body = handler.rfile.read(length)
    return (body, False) if len(body) == length else None


def _handler(upstream: Upstream) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def handle_one_request(self) -> None:
            self.raw_requestline = self.rfile.readline(65537)
            self.close_connection = True
            if not self.raw_requestline or not self.parse_request():
                return
            read = _read_body(self)
            if read is None:
                return
            body, chunked = read
            # The target as sent: self.path has leading slashes merged by http.server.
            target = self.raw_requestline.split(b" ")[1].decode("latin-1")
            upstream.seen.append(Seen(self.command, target, list(self.headers.items()),
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


def dechunk(stream: Any) -> tuple[bytes, bool]:
    """A chunked body read strictly from *stream* (``readline``/``read``); whether it
    was complete: ends with the last chunk and CRLF, every size is hex digits and
    every chunk is followed by CRLF."""
    parts: list[bytes] = []
    while True:
        line = stream.readline(1000)
        match = re.fullmatch(rb"([0-9A-Fa-f]+)(;[^\r\n]*)?\r\n", line)
        if match is None:
            return b"".join(parts), False
        size = int(match.group(1), 16)
        if size == 0:
            while (trailer := stream.readline(1000)) not in (b"\r\n", b""):
                if not trailer.endswith(b"\r\n"):
                    return b"".join(parts), False
            return b"".join(parts), trailer == b"\r\n"
        data = stream.read(size)
        parts.append(data)
        if len(data) < size or stream.read(2) != b"\r\n":
            return b"".join(parts), False


@dataclass
class RawResponse:
    """A response as a strict client reads it off the wire."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes
    #: The body ended exactly where its framing says: nothing missing, nothing after.
    complete: bool

    def header(self, name: str) -> str | None:
        """The values of header *name* (any case), joined; None when absent."""
        return header(self.headers, name)


def parse_response(raw: bytes, head_request: bool = False) -> RawResponse:
    """*raw* (everything the server sent until it closed) read strictly: the body by
    the response's own framing (RFC 9112 6.3); never both Content-Length and
    Transfer-Encoding, never a header line that is not ``name: value``."""
    head, _sep, rest = raw.partition(b"\r\n\r\n")
    status_line, *lines = head.split(b"\r\n")
    headers = []
    for line in lines:
        name, colon, value = line.partition(b":")
        assert colon and re.fullmatch(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+", name), line
        assert b"\r" not in value and b"\n" not in value, line
        headers.append((name.decode("latin-1"), value.strip(b" \t").decode("latin-1")))
    status = int(status_line.split(b" ")[1])
    length = header(headers, "Content-Length")
    chunked = header(headers, "Transfer-Encoding")
    assert length is None or chunked is None, headers
    if head_request or status in (204, 304):
        return RawResponse(status, headers, rest, rest == b"")
    if chunked is not None:
        assert chunked.lower() == "chunked", chunked
        stream = _Bytes(rest)
        body, complete = dechunk(stream)
        return RawResponse(status, headers, body, complete and stream.left() == b"")
    if length is not None:
        size = int(length)
        return RawResponse(status, headers, rest[:size], len(rest) == size)
    return RawResponse(status, headers, rest, True)  # ends at close


class _Bytes:
    """``readline``/``read`` over bytes in memory."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def readline(self, limit: int) -> bytes:
        end = self.data.find(b"\n", self.pos, self.pos + limit)
        end = min(len(self.data), self.pos + limit) if end < 0 else end + 1
        line, self.pos = self.data[self.pos:end], end
        return line

    def read(self, size: int) -> bytes:
        data, self.pos = self.data[self.pos:self.pos + size], self.pos + size
        return data

    def left(self) -> bytes:
        return self.data[self.pos:]


def send_raw(port: int, data: bytes) -> bytes:
    """Send *data* as is to 127.0.0.1:*port*, end the sending side (a body cut short
    ends there), and return everything the server sends until it closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=15) as sock:
        sock.sendall(data)
        sock.shutdown(socket.SHUT_WR)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def exchange(port: int, data: bytes) -> RawResponse:
    """Send the raw request *data* to the proxy; its answer, read strictly."""
    return parse_response(send_raw(port, data), head_request=data.startswith(b"HEAD "))


@dataclass
class RawUpstream:
    """An upstream that answers every request with the same bytes; the request heads
    it received."""

    server: socketserver.ThreadingTCPServer
    heads: list[bytes] = field(default_factory=list)

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://127.0.0.1:{self.server.server_address[1]}"


@contextmanager
def raw_upstream(answer: bytes) -> Iterator[RawUpstream]:
    """Run an upstream that reads a request head, sends *answer* byte for byte and
    closes the connection."""

    class Handler(socketserver.StreamRequestHandler):
        def handle(self) -> None:
            lines = []
            while (line := self.rfile.readline(65537)) not in (b"\r\n", b"\n", b""):
                lines.append(line)
            upstream.heads.append(b"".join(lines))
            self.wfile.write(answer)

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    upstream = RawUpstream(server)
    with in_thread(server):
        yield upstream
