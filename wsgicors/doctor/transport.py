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
is bounded in bytes and by one deadline per request, parsing is linear in the bytes
received (:mod:`wsgicors.doctor.responses`), the header block is kept as
received, and each browser's way of reading it is applied by the browser model
(:mod:`wsgicors.doctor.responses`). The doctor imports no ``http`` module at all;
``..http`` is the core's HTTP vocabulary (``wsgicors/http.py``).
"""

from __future__ import annotations

import asyncio
import contextvars
import copy
import inspect
import io
import re
import socket
import ssl
import sys
import threading
import time
import urllib.parse
from collections.abc import Sequence
from typing import Any, Protocol, TypeVar

from ..logsafe import logsafe
from ..toolbase.errors import ToolError
from . import responses
from .responses import Header, Response

#: Most bytes of a response body read (and thrown away) per exchange.
MAX_BODY = 1 << 20
#: Largest header block accepted, as in Chromium (Firefox allows a little more).
MAX_HEAD = 256 * 1024
#: Most header lines read: more is no real server's answer, and a "response too large".
MAX_HEADER_LINES = 1000
_READ_SIZE = 65536
# How long past its deadline an in-process call may take to return what it has.
_GRACE = 0.25
# The end of a header block: an empty line, after CRLF or a bare LF (both browsers).
_HEAD_END = re.compile(rb"\n\r?\n")
# Methods whose requests browsers send with "Content-Length: 0" when there is no body.
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class Transport(Protocol):
    """Something that sends one request and returns the response, without redirects."""

    def send(self, method: str, url: str, headers: Sequence[Header], *, body: bytes = b""
             ) -> Response:
        """Send *method* to *url* with *headers* (and *body*); raise ToolError on failure."""


_Bounded = TypeVar("_Bounded", bound="_Deadlines")


class _Deadlines:
    """The time limits of a transport: *timeout* per request, and optionally one
    deadline for a whole series of requests (:meth:`within`)."""

    def __init__(self, timeout: float | None) -> None:
        self.timeout = timeout
        self.until: float | None = None  # a time.monotonic() for the whole series
        self.series = 0.0  # the seconds the series was given

    def within(self: _Bounded, seconds: float) -> _Bounded:
        """This transport, with every request it sends ending *seconds* from now at
        the latest: one deadline for a whole check, or every probe of one audited URL."""
        bounded = copy.copy(self)
        bounded.until = time.monotonic() + seconds
        bounded.series = seconds
        return bounded

    def _deadline(self) -> float | None:
        """When the request starting now must end (None: never)."""
        own = None if self.timeout is None else time.monotonic() + self.timeout
        if self.until is None or (own is not None and own <= self.until):
            return own
        return self.until

    def _late(self, deadline: float, where: str) -> str:
        """Why a request to *where* that ran out of time at *deadline* failed."""
        if self.until is not None and deadline >= self.until:
            return (f"gave up on {where}: every request of this run must end within "
                    f"{self.series:g} s")
        return f"timed out after {self.timeout:g} s talking to {where}"


class HTTPTransport(_Deadlines):
    """Send requests over TCP (TLS for https); every failure becomes a ToolError.

    *timeout* bounds each whole exchange, one deadline from resolving the host name
    to the last byte read: every read and every parsing step runs before it, and the
    parsing is linear in the bytes received. A body still arriving at the deadline
    is cut short, not an error: browsers judge CORS on the header block alone. At most
    :data:`MAX_HEAD` bytes and :data:`MAX_HEADER_LINES` lines of headers are read
    (more is a "response too large" ToolError), and at most *max_body* bytes of body
    (0: none at all, as the audit needs).
    """

    def __init__(self, timeout: float = 10.0, context: ssl.SSLContext | None = None, *,
                 max_body: int = MAX_BODY) -> None:
        super().__init__(timeout)
        self.context = context
        self.max_body = max_body

    def send(self, method: str, url: str, headers: Sequence[Header], *, body: bytes = b""
             ) -> Response:
        """Send one request; read its header block and at most *max_body* bytes."""
        deadline = self._deadline()
        assert deadline is not None  # an HTTPTransport always has a timeout
        try:
            parts = urllib.parse.urlsplit(url)
            host = parts.hostname or ""
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError as exc:  # a port out of range, an unclosed "[" ...
            raise ToolError(f"invalid URL {logsafe(url)}: {exc}") from exc
        where = f"{host}:{port}"
        try:
            with self._connect(parts.scheme, host, port, deadline) as sock:
                _send_all(sock, _request(method, parts, headers, body), deadline)
                head, rest = _read_head(sock, deadline, where)
                received = _read_body(sock, rest, method, head, deadline, self.max_body)
        except ToolError:
            raise
        except TimeoutError as exc:
            raise ToolError(self._late(deadline, where)) from exc
        except Exception as exc:
            raise ToolError(_network_error(exc, where)) from exc
        return responses.response_from_head(head, url, received)

    def _connect(self, scheme: str, host: str, port: int, deadline: float) -> socket.socket:
        sock = _open(host, port, deadline)
        if scheme != "https":
            return sock
        if self.context is None:
            self.context = ssl.create_default_context()
        try:
            sock.settimeout(_left(deadline))  # the whole handshake, not each read
            return self.context.wrap_socket(sock, server_hostname=host)
        except BaseException:
            sock.close()
            raise


def _left(deadline: float) -> float:
    """Seconds until *deadline*; TimeoutError if it has passed."""
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise TimeoutError
    return remaining


def _open(host: str, port: int, deadline: float) -> socket.socket:
    """A TCP connection to *host*, name resolution and connecting within *deadline*."""
    error: OSError = ConnectionRefusedError(f"no address for {host}")
    for family, kind, proto, _name, address in _resolve(host, port, deadline):
        sock = socket.socket(family, kind, proto)
        try:
            sock.settimeout(_left(deadline))
            sock.connect(address)
            return sock
        except OSError as exc:
            sock.close()
            if isinstance(exc, TimeoutError):
                raise
            error = exc
    raise error


def _resolve(host: str, port: int, deadline: float) -> list[Any]:
    """``getaddrinfo`` within *deadline*: it cannot be interrupted, so it runs in a
    daemon thread that is left behind if the resolver is slower than the deadline."""
    found: list[Any] = []

    def lookup() -> None:
        try:
            found.append(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM))
        except Exception as exc:  # UnicodeError for a name IDNA refuses, too
            found.append(exc)

    thread = threading.Thread(target=lookup, name="wsgicors-resolve", daemon=True)
    thread.start()
    thread.join(_left(deadline))
    if not found:
        raise TimeoutError
    if isinstance(found[0], Exception):
        raise found[0]
    return list(found[0])


def _send_all(sock: socket.socket, data: bytes, deadline: float) -> None:
    view = memoryview(data)
    while view:
        sock.settimeout(_left(deadline))
        view = view[sock.send(view):]


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
    sock.settimeout(_left(deadline))
    return sock.recv(_READ_SIZE)


def _read_head(sock: socket.socket, deadline: float, where: str) -> tuple[bytes, bytes]:
    """The final (non-1xx) header block and the bytes received after it.

    Interim 1xx blocks count towards :data:`MAX_HEAD`. Each received byte is
    searched once for the end of the block.
    """
    data = bytearray()
    start = 0  # where the block being read starts in data
    searched = 0  # where the next search for its end starts
    while True:
        match = _HEAD_END.search(data, searched)
        if (len(data) if match is None else match.end()) > MAX_HEAD:
            raise ToolError(f"response too large: {where} sent more than "
                            f"{MAX_HEAD // 1024} KiB of headers; browsers give up there")
        if match is None:
            searched = max(start, len(data) - 2)  # an end may straddle two reads
            try:
                chunk = _recv(sock, deadline)
            except ConnectionResetError:
                chunk = b""
            if not chunk:
                if not data[start:].strip():
                    raise ToolError(f"{where} closed the connection without answering")
                return _checked(bytes(data[start:]), where), b""  # the close ended it
            data += chunk
            continue
        head = bytes(data[start: match.end()])
        start = searched = match.end()
        if not responses.is_interim(head):
            return _checked(head, where), bytes(data[start:])


def _checked(head: bytes, where: str) -> bytes:
    try:
        responses.status_of(head)
    except ValueError:
        raise ToolError(f"{where} did not answer with HTTP") from None
    if responses.line_count(head) > MAX_HEADER_LINES:
        raise ToolError(f"response too large: {where} sent more than {MAX_HEADER_LINES} "
                        "header lines")
    return head


def _read_body(sock: socket.socket, data: bytes, method: str, head: bytes,
               deadline: float, limit: int) -> bytes:
    reader = responses.BodyReader(responses.body_framing(head, method), limit)
    reader.feed(data)
    try:
        while not reader.done:
            chunk = _recv(sock, deadline)
            if not chunk:
                break
            reader.feed(chunk)
    except OSError:
        pass  # a body cut short (deadline, reset) does not change the verdict
    return reader.body


def _network_error(exc: BaseException, where: str) -> str:
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


class _InProcess(_Deadlines):
    """What the in-process transports share: each call within its deadline (see
    :class:`WSGITransport`)."""

    def __init__(self, app: Any, timeout: float | None = None) -> None:
        super().__init__(timeout)
        self.app = app
        self._stuck: list[threading.Thread] = []  # shared with the copies within() makes

    def send(self, method: str, url: str, headers: Sequence[Header], *, body: bytes = b""
             ) -> Response:
        """Run the application on one request; raise ToolError if it fails."""
        deadline = self._deadline()
        if deadline is None:
            return self._call(method, url, headers, body, None)
        if deadline <= time.monotonic():
            raise ToolError(self._late(deadline, "the application"))
        if any(thread.is_alive() for thread in self._stuck):
            raise ToolError("the application is still running a request that missed its "
                            "deadline; wsgicors sends it no other request")
        done: list[Response | BaseException] = []

        def call() -> None:
            try:
                done.append(self._call(method, url, headers, body, deadline))
            except BaseException as exc:  # handed to the waiting thread
                done.append(exc)

        thread = threading.Thread(target=contextvars.copy_context().run, args=(call,),
                                  name="wsgicors-app", daemon=True)
        thread.start()
        thread.join(max(0.0, deadline - time.monotonic()) + _GRACE)
        if not done:
            self._stuck.append(thread)
            raise ToolError(self._late(deadline, "the application") + " (it keeps running "
                            "in this process; wsgicors sends it no other request)")
        if isinstance(done[0], BaseException):
            raise done[0]
        return done[0]

    def _late(self, deadline: float, where: str) -> str:
        if self.until is not None and deadline >= self.until:
            return (f"{where} did not answer within the {self.series:g} s this run has "
                    "for all its requests")
        return f"{where} did not answer within {self.timeout:g} s"

    def _call(self, method: str, url: str, headers: Sequence[Header], body: bytes,
              deadline: float | None) -> Response:
        raise NotImplementedError


class WSGITransport(_InProcess):
    """Call a WSGI application in process, as a server would (no network).

    *timeout* (seconds; None, the default, for none) bounds each call. An application
    cannot be interrupted safely (it may hold a lock, or be half-way through a write),
    so with a timeout each call runs in a daemon thread, as a threaded WSGI server runs
    it, and the transport stops waiting at the deadline: a body still streaming then
    is cut between two items and closed; an application that has not answered makes
    the call fail with a ToolError, is left running in that thread and gets no further
    request until it returns (the process may exit meanwhile). Without a timeout (for
    test suites) the call runs in the caller's thread. Either way at most
    :data:`MAX_BODY` body bytes are read. :meth:`within` gives one deadline to a series.
    """

    def _call(self, method: str, url: str, headers: Sequence[Header], body: bytes,
              deadline: float | None) -> Response:
        parts = urllib.parse.urlsplit(url)
        captured: list[Any] = []

        def start_response(status: str, header_list: list[Header], exc_info: Any = None) -> Any:
            captured[:] = [status, header_list]
            return lambda data: None

        try:
            result = self.app(_environ(method, parts, headers, body), start_response)
            try:
                _drain(result, deadline)
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
        return Response(_wsgi_status(status), tuple(header_list), url=url)


def _drain(body: Any, deadline: float | None) -> None:
    """Iterate a WSGI body (start_response may come with its first item): at most
    :data:`MAX_BODY` bytes, and not past *deadline*."""
    read = 0
    for chunk in body:
        read += len(chunk)
        if read >= MAX_BODY or (deadline is not None and time.monotonic() >= deadline):
            return


def _wsgi_status(status: object) -> int:
    """The code of a WSGI status line (``"200 OK"``); ToolError if it has none."""
    text = str(status)
    code, rest = text[:3], text[3:]
    if code.isascii() and code.isdigit() and code[0] != "0" and rest[:1] in ("", " "):
        return int(code)
    raise ToolError(f"the application's status {logsafe(text)} is not an HTTP status "
                    "line such as '200 OK'")


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


def in_process(app: Any, timeout: float | None = None) -> WSGITransport | ASGITransport:
    """A transport calling *app* in process, WSGI or ASGI, each call within *timeout*
    seconds (None: unbounded)."""
    return ASGITransport(app, timeout) if is_asgi(app) else WSGITransport(app, timeout)


class ASGITransport(_InProcess):
    """Call an ASGI 3 application in process.

    One ``http`` scope per request on a fresh event loop, as a server would (no
    lifespan, an empty body); the response is the ``http.response.start`` message's
    status and headers. *timeout* (seconds; None for none) bounds each call, as for
    :class:`WSGITransport`: at the deadline the application's task is cancelled, and
    one that blocks the event loop is left running in its thread.
    """

    def _call(self, method: str, url: str, headers: Sequence[Header], body: bytes,
              deadline: float | None) -> Response:
        try:
            return asyncio.run(self._run(method, url, headers, body, deadline))
        except ToolError:
            raise
        except Exception as exc:
            raise ToolError(
                f"the application raised {type(exc).__name__}: {logsafe(exc)}") from exc

    async def _run(self, method: str, url: str, headers: Sequence[Header], body: bytes,
                   deadline: float | None) -> Response:
        start: list[dict[str, Any]] = []  # only the start message: a body is not kept
        requested = False

        async def receive() -> dict[str, Any]:
            nonlocal requested
            if not requested:
                requested = True
                return {"type": "http.request", "body": body, "more_body": False}
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            if message.get("type") == "http.response.start" and not start:
                start.append(message)

        call = self.app(_scope(method, url, headers), receive, send)
        try:
            if deadline is None:
                await call
            else:
                await asyncio.wait_for(call, max(0.0, deadline - time.monotonic()))
        except Exception:
            # Past the deadline, or an error after the start message (Starlette's error
            # handler sends its 500 page and then re-raises): a server has sent that
            # start to the client, and so does this transport; a body still streaming
            # at the deadline is cut short.
            if start:
                pass
            elif deadline is not None and time.monotonic() >= deadline:
                raise ToolError(self._late(deadline, "the application")) from None
            else:
                raise
        if not start:
            raise ToolError("the application returned without http.response.start")
        return Response(_asgi_status(start[0].get("status")), tuple(
            (bytes(k).decode("latin-1"), bytes(v).decode("latin-1"))
            for k, v in start[0].get("headers", ())), url=url)


def _asgi_status(status: object) -> int:
    """The ``status`` of an ASGI start message; ToolError unless an int from 100 to 999."""
    if isinstance(status, int) and not isinstance(status, bool) and 100 <= status <= 999:
        return status
    raise ToolError(f"the application's status {logsafe(status)} is not an HTTP status "
                    "code (an int such as 200)")


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
