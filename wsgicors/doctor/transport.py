"""HTTP transports: how the doctor sends one request and gets the response back.

:class:`HTTPTransport` talks to a real server over the network;
:class:`WSGITransport` calls a WSGI application in process. Neither follows
redirects: the browser model decides what happens next.

The stdlib's ``http.client`` is imported by its absolute name: ``wsgicors/http.py``
(the HTTP vocabulary of the core, imported here as ``..http``) can never shadow it,
since Python 3 has no implicit relative imports.
"""

from __future__ import annotations

import http.client
import io
import socket
import ssl
import sys
import urllib.parse
from collections.abc import Sequence
from typing import Any, Protocol

from ..logsafe import logsafe
from .browser import Header, Response
from .report import DoctorError

#: Most bytes of a response body read (and thrown away) per exchange.
MAX_BODY = 1 << 20


class Transport(Protocol):
    """Something that sends one request and returns the response, without redirects."""

    def send(self, method: str, url: str, headers: Sequence[Header]) -> Response:
        """Send *method* to *url* with *headers*; raise DoctorError on failure."""


class HTTPTransport:
    """Send requests with :mod:`http.client`; every failure becomes a DoctorError."""

    def __init__(self, timeout: float = 10.0, context: ssl.SSLContext | None = None) -> None:
        self.timeout = timeout
        self.context = context

    def send(self, method: str, url: str, headers: Sequence[Header]) -> Response:
        """Send one request, read at most :data:`MAX_BODY` bytes of the answer."""
        parts = urllib.parse.urlsplit(url)
        host = parts.hostname or ""
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError as exc:
            raise DoctorError(f"invalid port in URL {logsafe(url)}") from exc
        where = f"{host}:{port}"
        conn = self._connection(parts.scheme, host, port)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        try:
            conn.putrequest(method, target, skip_accept_encoding=True)
            for name, value in headers:
                conn.putheader(name, value)
            conn.endheaders()
            answer = conn.getresponse()
            answer.read(MAX_BODY)
            return Response(answer.status, tuple(answer.getheaders()),
                            location(url, answer.getheader("Location")))
        except Exception as exc:
            raise DoctorError(_network_error(exc, where, self.timeout)) from exc
        finally:
            conn.close()

    def _connection(self, scheme: str, host: str, port: int) -> http.client.HTTPConnection:
        if scheme == "https":
            context = self.context or ssl.create_default_context()
            return http.client.HTTPSConnection(host, port, timeout=self.timeout,
                                               context=context)
        return http.client.HTTPConnection(host, port, timeout=self.timeout)


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
    if isinstance(exc, (http.client.BadStatusLine, http.client.RemoteDisconnected)):
        return f"{where} did not answer with HTTP ({type(exc).__name__})"
    if isinstance(exc, http.client.HTTPException):
        return f"invalid HTTP answer from {where}: {type(exc).__name__}"
    if isinstance(exc, OSError):
        return f"network error with {where}: {exc.strerror or exc}"
    return f"error talking to {where}: {type(exc).__name__}: {logsafe(exc)}"


def location(url: str, value: str | None) -> str | None:
    """The absolute URL a ``Location`` *value* of a response to *url* points at."""
    return None if value is None else urllib.parse.urljoin(url, value.strip())


class WSGITransport:
    """Call a WSGI application in process, as a server would (no network)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def send(self, method: str, url: str, headers: Sequence[Header]) -> Response:
        """Build a WSGI environ for the request and run the application."""
        parts = urllib.parse.urlsplit(url)
        captured: list[Any] = []

        def start_response(status: str, header_list: list[Header], exc_info: Any = None) -> Any:
            captured[:] = [status, header_list]
            return lambda data: None

        try:
            body = self.app(_environ(method, parts, headers), start_response)
            try:
                for _chunk in body:
                    pass
            finally:
                close = getattr(body, "close", None)
                if close is not None:
                    close()
        except Exception as exc:
            raise DoctorError(
                f"the application raised {type(exc).__name__}: {logsafe(exc)}") from exc
        if not captured:
            raise DoctorError("the application returned without calling start_response")
        status, header_list = captured
        found = next((v for k, v in header_list if k.lower() == "location"), None)
        return Response(int(str(status)[:3]), tuple(header_list), location(url, found))


def path_info(url: str) -> str:
    """PATH_INFO for *url*, decoded the way WSGI servers decode it."""
    path = urllib.parse.urlsplit(url).path or "/"
    return urllib.parse.unquote_to_bytes(path).decode("latin-1")


def _environ(method: str, parts: urllib.parse.SplitResult, headers: Sequence[Header]
             ) -> dict[str, Any]:
    scheme = parts.scheme or "http"
    host = parts.hostname or "localhost"
    port = str(parts.port or (443 if scheme == "https" else 80))
    env: dict[str, Any] = {
        "REQUEST_METHOD": method, "SCRIPT_NAME": "",
        "PATH_INFO": path_info(parts.geturl()),
        "QUERY_STRING": parts.query, "SERVER_NAME": host, "SERVER_PORT": port,
        "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": parts.netloc or host, "wsgi.version": (1, 0), "wsgi.url_scheme": scheme,
        "wsgi.input": io.BytesIO(b""), "wsgi.errors": sys.stderr, "wsgi.multithread": False,
        "wsgi.multiprocess": False, "wsgi.run_once": False,
    }
    for name, value in headers:
        key = name.upper().replace("-", "_")
        if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            env[key] = value
        else:
            key = "HTTP_" + key
            env[key] = f"{env[key]},{value}" if key in env else value
    return env
