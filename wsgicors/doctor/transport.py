"""HTTP transports: how the doctor sends one request and gets the response back.

:class:`HTTPTransport` talks to a real server over a socket; :class:`WSGITransport`
and :class:`ASGITransport` call a WSGI or ASGI application in process. None follows
redirects: the browser model decides what happens next.

The HTTP transport reads responses with its own small HTTP/1.1 reader, on purpose:
the doctor must see the bytes a browser sees, and browsers read header blocks that a
strict parser rejects (white space before a colon, obs-fold, a bare LF, a line with
no colon, a NUL byte, two different Content-Length values). The stdlib's
``http.client`` stops parsing at the first malformed header line and then waits for
the connection to close; h11 raises on the same responses. Neither could say what
Chromium or Firefox make of them, which is the doctor's whole point. Here every read
is bounded in bytes and by one deadline per request, the header block is kept as
received, and each browser's way of reading it is applied by the browser model
(:mod:`wsgicors.doctor.responses`). The doctor imports no ``http`` module at all;
``..http`` is the core's HTTP vocabulary (``wsgicors/http.py``).
"""

from __future__ import annotations

import asyncio
import inspect
import io
import re
import socket
import ssl
import sys
import time
import urllib.parse
from collections.abc import Sequence
from typing import Any, Protocol

from ..logsafe import logsafe
from ..toolbase.errors import ToolError
from . import responses
from .responses import Header, Response

#: Most bytes of a response body read (and thrown away) per exchange.
MAX_BODY = 1 << 20
#: Largest header block accepted, as in Chromium (Firefox allows a little more).
MAX_HEAD = 256 * 1024
_READ_SIZE = 65536
# The end of a header block: an empty line, after CRLF or a bare LF (both browsers).
_HEAD_END = re.compile(rb"\n\r?\n")
# Methods whose requests browsers send with "Content-Length: 0" when there is no body.
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class Transport(Protocol):
    """Something that sends one request and returns the response, without redirects."""

    def send(self, method: str, url: str, headers: Sequence[Header], *, body: bytes = b""
             ) -> Response:
        """Send *method* to *url* with *headers* (and *body*); raise ToolError on failure."""


class HTTPTransport:
    """Send requests over TCP (TLS for https); every failure becomes a ToolError.

    *timeout* bounds each whole exchange: connecting, sending, and reading the
    header block. A body still arriving at the deadline is cut short, not an error:
    browsers judge CORS on the header block alone.
    """

    def __init__(self, timeout: float = 10.0, context: ssl.SSLContext | None = None) -> None:
        self.timeout = timeout
        self.context = context

    def send(self, method: str, url: str, headers: Sequence[Header], *, body: bytes = b""
             ) -> Response:
        """Send one request; read its header block and at most :data:`MAX_BODY` bytes."""
        parts = urllib.parse.urlsplit(url)
        host = parts.hostname or ""
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError as exc:
            raise ToolError(f"invalid port in URL {logsafe(url)}") from exc
        where = f"{host}:{port}"
        deadline = time.monotonic() + self.timeout
        try:
            with self._connect(parts.scheme, host, port) as sock:
                sock.sendall(_request(method, parts, headers, body))
                head, rest = _read_head(sock, deadline, where)
                received = _read_body(sock, rest, method, head, deadline)
        except ToolError:
            raise
        except Exception as exc:
            raise ToolError(_network_error(exc, where, self.timeout)) from exc
        return responses.response_from_head(head, url, received)

    def _connect(self, scheme: str, host: str, port: int) -> socket.socket:
        sock = socket.create_connection((host, port), timeout=self.timeout)
        if scheme != "https":
            return sock
        context = self.context or ssl.create_default_context()
        try:
            return context.wrap_socket(sock, server_hostname=host)
        except BaseException:
            sock.close()
            raise


def _request(method: str, parts: urllib.parse.SplitResult, headers: Sequence[Header],
             body: bytes = b"") -> bytes:
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    lines = [f"{method} {target} HTTP/1.1", f"Host: {parts.netloc.rpartition('@')[2]}",
             "Accept: */*", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in headers]
    if body or method.upper() in _BODY_METHODS:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace") + body


def _recv(sock: socket.socket, deadline: float) -> bytes:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise TimeoutError
    sock.settimeout(remaining)
    return sock.recv(_READ_SIZE)


def _read_head(sock: socket.socket, deadline: float, where: str) -> tuple[bytes, bytes]:
    """The final (non-1xx) header block and the bytes received after it."""
    data = b""
    while True:
        match = _HEAD_END.search(data)
        if match is None:
            if len(data) > MAX_HEAD:
                raise ToolError(f"{where} sent more than {MAX_HEAD // 1024} KiB of "
                                  "headers; browsers give up there")
            try:
                chunk = _recv(sock, deadline)
            except ConnectionResetError:
                chunk = b""
            if not chunk:
                if not data.strip():
                    raise ToolError(f"{where} closed the connection without answering")
                return _checked(data, where), b""  # the connection ended the header block
            data += chunk
            continue
        head, data = data[: match.end()], data[match.end():]
        if not responses.is_interim(head):
            return _checked(head, where), data


def _checked(head: bytes, where: str) -> bytes:
    try:
        responses.status_of(head)
    except ValueError:
        raise ToolError(f"{where} did not answer with HTTP") from None
    return head


def _read_body(sock: socket.socket, data: bytes, method: str, head: bytes,
               deadline: float) -> bytes:
    framing = responses.body_framing(head, method)
    try:
        while framing.wants_more(data) and len(data) < MAX_BODY:
            chunk = _recv(sock, deadline)
            if not chunk:
                break
            data += chunk
    except OSError:
        pass  # a body cut short (timeout, reset) does not change the verdict
    return framing.decode(data)[:MAX_BODY]


def _network_error(exc: BaseException, where: str, timeout: float) -> str:
    if isinstance(exc, (TimeoutError, socket.timeout)):
        return f"timed out after {timeout:g} s talking to {where}"
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"TLS certificate of {where} not trusted: {exc.verify_message}"
    if isinstance(exc, ssl.SSLError):
        return f"TLS error with {where}: {exc.reason or exc}"
    if isinstance(exc, socket.gaierror):
        return f"cannot resolve host of {where}: {exc.strerror}"
    if isinstance(exc, ConnectionRefusedError):
        return f"connection refused by {where} (is the server running?)"
    if isinstance(exc, OSError):
        return f"network error with {where}: {exc.strerror or exc}"
    return f"error talking to {where}: {type(exc).__name__}: {logsafe(exc)}"


class WSGITransport:
    """Call a WSGI application in process, as a server would (no network)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def send(self, method: str, url: str, headers: Sequence[Header], *, body: bytes = b""
             ) -> Response:
        """Build a WSGI environ for the request and run the application."""
        parts = urllib.parse.urlsplit(url)
        captured: list[Any] = []

        def start_response(status: str, header_list: list[Header], exc_info: Any = None) -> Any:
            captured[:] = [status, header_list]
            return lambda data: None

        try:
            result = self.app(_environ(method, parts, headers, body), start_response)
            try:
                for _chunk in result:
                    pass
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()
        except Exception as exc:
            raise ToolError(
                f"the application raised {type(exc).__name__}: {logsafe(exc)}") from exc
        if not captured:
            raise ToolError("the application returned without calling start_response")
        status, header_list = captured
        return Response(int(str(status)[:3]), tuple(header_list), url=url)


def path_info(url: str) -> str:
    """PATH_INFO for *url*, decoded the way WSGI servers decode it."""
    path = urllib.parse.urlsplit(url).path or "/"
    return urllib.parse.unquote_to_bytes(path).decode("latin-1")


def _environ(method: str, parts: urllib.parse.SplitResult, headers: Sequence[Header],
             body: bytes = b"") -> dict[str, Any]:
    scheme = parts.scheme or "http"
    host = parts.hostname or "localhost"
    port = str(parts.port or (443 if scheme == "https" else 80))
    env: dict[str, Any] = {
        "REQUEST_METHOD": method, "SCRIPT_NAME": "",
        "PATH_INFO": path_info(parts.geturl()),
        "QUERY_STRING": parts.query, "SERVER_NAME": host, "SERVER_PORT": port,
        "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": parts.netloc or host, "wsgi.version": (1, 0), "wsgi.url_scheme": scheme,
        "wsgi.input": io.BytesIO(body), "wsgi.errors": sys.stderr, "wsgi.multithread": False,
        "wsgi.multiprocess": False, "wsgi.run_once": False,
    }
    if body:
        env["CONTENT_LENGTH"] = str(len(body))
    for name, value in headers:
        key = name.upper().replace("-", "_")
        if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            env[key] = value
        else:
            key = "HTTP_" + key
            env[key] = f"{env[key]},{value}" if key in env else value
    return env


def is_asgi(app: Any) -> bool:
    """True if *app* is an ASGI application (a coroutine function, or an object with one
    as ``__call__``)."""
    return inspect.iscoroutinefunction(app) or inspect.iscoroutinefunction(
        type(app).__call__)


def in_process(app: Any) -> WSGITransport | ASGITransport:
    """A transport calling *app* in process, WSGI or ASGI."""
    return ASGITransport(app) if is_asgi(app) else WSGITransport(app)


class ASGITransport:
    """Call an ASGI 3 application in process.

    One ``http`` scope per request on a fresh event loop, as a server would (no
    lifespan, an empty body); the response is the ``http.response.start`` message's
    status and headers.
    """

    def __init__(self, app: Any) -> None:
        self.app = app

    def send(self, method: str, url: str, headers: Sequence[Header], *, body: bytes = b""
             ) -> Response:
        """Run the application on one request; raise ToolError if it fails."""
        try:
            return asyncio.run(self._call(method, url, headers, body))
        except ToolError:
            raise
        except Exception as exc:
            raise ToolError(
                f"the application raised {type(exc).__name__}: {logsafe(exc)}") from exc

    async def _call(self, method: str, url: str, headers: Sequence[Header], body: bytes
                    ) -> Response:
        sent: list[dict[str, Any]] = []
        requested = False

        async def receive() -> dict[str, Any]:
            nonlocal requested
            if not requested:
                requested = True
                return {"type": "http.request", "body": body, "more_body": False}
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        try:
            await self.app(_scope(method, url, headers), receive, send)
        except Exception:
            # Starlette's error handler sends its 500 page and then re-raises: a server
            # has sent that page to the client, and so does this transport.
            if not any(m.get("type") == "http.response.start" for m in sent):
                raise
        start = next((m for m in sent if m.get("type") == "http.response.start"), None)
        if start is None:
            raise ToolError("the application returned without http.response.start")
        return Response(int(start["status"]), tuple(
            (bytes(k).decode("latin-1"), bytes(v).decode("latin-1"))
            for k, v in start.get("headers", ())), url=url)


def _scope(method: str, url: str, headers: Sequence[Header]) -> dict[str, Any]:
    parts = urllib.parse.urlsplit(url)
    scheme = parts.scheme or "http"
    port = parts.port or (443 if scheme == "https" else 80)
    raw = [(b"host", (parts.netloc or "localhost").encode("latin-1"))]
    raw += [(n.lower().encode("latin-1"), v.encode("latin-1")) for n, v in headers]
    return {
        "type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1", "method": method, "scheme": scheme,
        "path": path_info(url), "raw_path": (parts.path or "/").encode("latin-1"),
        "query_string": parts.query.encode("latin-1"), "root_path": "",
        "headers": raw, "server": (parts.hostname or "localhost", port),
        "client": ("127.0.0.1", 50000), "state": {},
    }
