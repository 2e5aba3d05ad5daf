"""Forward one request to the one upstream, streaming both ways (http.client).

Framing is never copied: the request goes upstream with the canonical path
(:mod:`wsgicors.proxy.target`) and a ``Content-Length`` of the bytes actually sent
(or chunked), the response comes back with the length the proxy read (or chunked);
:mod:`wsgicors.proxy.framing` decides both and refuses what is ambiguous.

Nothing here decides CORS: the engine (:class:`wsgicors.CORSMiddleware`) wraps
:class:`Forwarder`. The one CORS-related step here is proxy glue: the upstream's own
``Access-Control-*`` headers and the ``Origin`` token of its ``Vary`` are removed
(:func:`wsgicors.headers.without_cors`) before the engine merges the proxy's, so the
browser only ever sees the proxy's policy.
"""

from __future__ import annotations

import http.client
import re
import socket
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, NamedTuple
from urllib.parse import SplitResult, urlsplit, urlunsplit

from .. import ConfigError, Problem
from ..headers import without_cors
from .framing import FramingError, content_length, request_length, response_length
from .target import PathError, request_path, split_target

if TYPE_CHECKING:
    from _typeshed.wsgi import InputStream, StartResponse, WSGIEnvironment

Header = tuple[str, str]

#: RFC 9110 7.6.1 hop-by-hop headers, plus the de facto Proxy-Connection: they
#: describe one connection and are never forwarded, in either direction.
HOP_BY_HOP = frozenset({
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization",
    "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade",
})
#: Request headers the proxy sets itself (or must not pass: the server already
#: answered ``Expect: 100-continue``).
REPLACED_REQUEST_HEADERS = frozenset({
    "host", "content-length", "expect", "x-forwarded-proto", "x-forwarded-host",
})
#: Response headers the serving layer always sets itself (http.server's
#: send_response), or that the proxy computes: the upstream's are never passed on.
SERVER_SET = frozenset({"date", "server", "content-length"})
#: CR, LF and NUL are never valid in a field value (RFC 9110 5.5); an upstream's
#: folded lines (obs-fold) or bare CR become one space, so no client splits a header.
_LINE_BREAKS = re.compile(r"[\r\n\0]+[ \t]*")
#: environ key set when the upstream's CORS headers were replaced (for the log line).
REPLACED_KEY = "wsgicors.proxy.cors_replaced"
BLOCK = 64 * 1024


class Upstream(NamedTuple):
    """The one server the proxy reaches: ``scheme://authority`` and a path prefix."""

    scheme: str
    host: str
    port: int
    #: ``host[:port]`` exactly as the Host header must say it (port kept when given).
    authority: str
    #: The upstream URL's path without its trailing slash ("" for none or "/").
    prefix: str

    @property
    def origin(self) -> str:
        """``scheme://authority``: what absolute Locations pointing here start with."""
        return f"{self.scheme}://{self.authority}"

    @classmethod
    def parse(cls, url: str) -> Upstream:
        """Parse and check *url*; raise ConfigError when it cannot be an upstream."""
        parts = urlsplit(url)
        problem = None
        if parts.scheme not in ("http", "https") or not parts.hostname:
            problem = "is not an http:// or https:// URL with a host"
        elif parts.username is not None or parts.query or parts.fragment:
            problem = "must not carry credentials, a query or a fragment"
        else:
            try:
                port = parts.port or (443 if parts.scheme == "https" else 80)
            except ValueError:
                problem = "has an invalid port"
        if problem is not None:
            raise ConfigError([Problem(
                "proxy-upstream", "upstream", f"{url!r} {problem}.",
                "give the API's base URL, e.g. https://api.example.com or "
                "http://127.0.0.1:8000/v1.")])
        authority = parts.netloc.lower()
        # Strip only the trailing slash: "/" becomes "", never "//" (werkzeug's
        # ProxyMiddleware turns a "/" prefix into "//").
        return cls(parts.scheme, parts.hostname or "", port, authority,
                   parts.path.rstrip("/"))


class Forwarder:
    """A WSGI application that sends every request it gets to *upstream*.

    :param upstream: where to send requests.
    :param timeout: seconds to wait to connect and between reads from the upstream.
    :param replace_cors: remove the upstream's CORS headers (a policy will add its own).
    """

    def __init__(self, upstream: Upstream, timeout: float = 30.0,
                 replace_cors: bool = True) -> None:
        self.upstream = upstream
        self.timeout = timeout
        self.replace_cors = replace_cors

    def __call__(self, environ: WSGIEnvironment,
                 start_response: StartResponse) -> Iterable[bytes]:
        try:
            target = self.target(environ)
            length = request_length(environ)
        except FramingError as exc:
            return plain_answer(start_response, exc.status, f"wsgicors proxy: {exc.reason}")
        except PathError as exc:
            return plain_answer(start_response, "400 Bad Request", f"wsgicors proxy: {exc}")
        conn = self._connect()
        try:
            conn.request(environ["REQUEST_METHOD"], target, body=request_body(environ, length),
                         headers=self.request_headers(environ, length))
            response = conn.getresponse()
            headers, announced = self.framed_response(response, environ)
        except ClientBodyError as exc:
            conn.close()  # the upstream never gets the end of a body the client broke
            return plain_answer(start_response, "400 Bad Request", f"wsgicors proxy: {exc}")
        except FramingError as exc:
            conn.close()
            return plain_answer(start_response, exc.status, "wsgicors proxy: refused the "
                                f"answer of {self.upstream.origin}: {exc.reason}")
        except (OSError, http.client.HTTPException, ValueError) as exc:
            conn.close()
            return _bad_gateway(start_response, self.upstream, _failure(exc))
        start_response(f"{response.status} {response.reason}", headers)
        return ResponseBody(conn, response, announced)

    def _connect(self) -> http.client.HTTPConnection:
        up = self.upstream
        if up.scheme == "https":
            return http.client.HTTPSConnection(up.host, up.port, timeout=self.timeout)
        return http.client.HTTPConnection(up.host, up.port, timeout=self.timeout)

    def target(self, environ: WSGIEnvironment) -> str:
        """The request target sent upstream: the prefix, then the canonical path
        (:func:`wsgicors.proxy.target.normalize`: ``%2F`` stays ``%2F``), then the
        query as sent; PathError when the path is refused."""
        return self.upstream.prefix + request_path(environ) + split_target(environ)[1]

    def request_headers(self, environ: WSGIEnvironment,
                        length: int | None = 0) -> dict[str, str]:
        """The client's headers minus hop-by-hop and framing ones, with Host,
        X-Forwarded-* and the *length* of the body sent (None: it goes chunked)."""
        incoming = list(_environ_headers(environ))
        drop = HOP_BY_HOP | REPLACED_REQUEST_HEADERS | _connection_tokens(incoming)
        headers = {name: value for name, value in incoming if name.lower() not in drop}
        headers["Host"] = self.upstream.authority
        if length:
            headers["Content-Length"] = str(length)
        client = environ.get("REMOTE_ADDR", "")
        before = headers.pop("X-Forwarded-For", "")
        headers["X-Forwarded-For"] = f"{before}, {client}" if before else client
        headers["X-Forwarded-Proto"] = environ.get("wsgi.url_scheme", "http")
        headers["X-Forwarded-Host"] = environ.get("HTTP_HOST", "")
        return headers

    def framed_response(self, response: http.client.HTTPResponse,
                        environ: WSGIEnvironment) -> tuple[list[Header], int | None]:
        """The headers for the client and the body length they announce (None: the
        body goes chunked); FramingError when the upstream's framing is ambiguous."""
        lengths = response.msg.get_all("Content-Length") or []
        if _bodiless(response, environ):
            # No body follows; a HEAD's or a 304's Content-Length describes the GET
            # body and is kept when valid, a 204 never has one (RFC 9110 8.6).
            body_length: int | None = 0
            length = None if response.status == 204 else _valid_length(lengths)
        else:
            body_length = length = response_length(
                lengths, response.msg.get_all("Transfer-Encoding") or [],
                bool(response.chunked), response.length)
        headers = self.response_headers(response.getheaders(), environ)
        if length is not None:
            headers.append(("Content-Length", str(length)))
        return headers, body_length

    def response_headers(self, headers: list[Header],
                         environ: WSGIEnvironment) -> list[Header]:
        """The upstream's headers for the client: hop-by-hop and framing ones
        removed, line breaks in values made spaces, Location rewritten to the proxy,
        and (with *replace_cors*) its CORS headers removed."""
        drop = HOP_BY_HOP | SERVER_SET | _connection_tokens(headers)
        out: list[Header] = []
        for name, value in headers:
            lname = name.lower()
            if lname in drop:
                continue
            value = _LINE_BREAKS.sub(" ", value)
            if lname == "location":
                value = self.local_location(value, environ)
            out.append((name, value))
        if self.replace_cors:
            out, replaced = without_cors(out)
            if replaced:
                environ[REPLACED_KEY] = True
        return out

    def local_location(self, location: str, environ: WSGIEnvironment) -> str:
        """*location* pointing at the proxy when it points at the upstream."""
        up = self.upstream
        parts = urlsplit(location)
        if parts.scheme or parts.netloc:
            if not self._is_upstream(parts):
                return location  # somewhere else: the browser goes there itself
            local = _strip_prefix(parts.path or "/", up.prefix)
            if local is None:
                return location
            rest = urlunsplit(("", "", local, parts.query, parts.fragment))
            scheme = environ.get("wsgi.url_scheme", "http")
            return f"{scheme}://{environ.get('HTTP_HOST', '')}{rest}"
        if location.startswith("/"):
            path, sep, rest = location.partition("?")
            local = _strip_prefix(path, up.prefix)
            return location if local is None else local + sep + rest
        return location

    def _is_upstream(self, url: SplitResult) -> bool:
        """True when *url* (absolute or scheme-relative) names the upstream's origin."""
        up = self.upstream
        scheme = (url.scheme or up.scheme).lower()
        try:
            port = url.port or (443 if scheme == "https" else 80)
        except ValueError:
            return False
        return (scheme, url.hostname, port) == (up.scheme, up.host.lower(), up.port)


def _strip_prefix(path: str, prefix: str) -> str | None:
    """*path* below the upstream's *prefix*, as the proxy's path; None if outside."""
    if not prefix:
        return path
    if path == prefix or path.startswith(prefix + "/"):
        return path[len(prefix):] or "/"
    return None


def _environ_headers(environ: WSGIEnvironment) -> Iterator[Header]:
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            yield key[5:].replace("_", "-").title(), value
        elif key == "CONTENT_TYPE" and value:
            yield "Content-Type", value


def _connection_tokens(headers: Iterable[Header]) -> frozenset[str]:
    """Header names a Connection header lists: hop-by-hop for this connection only."""
    return frozenset(
        token.strip().lower()
        for name, value in headers if name.lower() == "connection"
        for token in value.split(",") if token.strip())


def _bodiless(response: http.client.HTTPResponse, environ: WSGIEnvironment) -> bool:
    """True for the responses that never have a body (RFC 9112 6.3 item 1)."""
    status = response.status
    return (environ.get("REQUEST_METHOD") == "HEAD" or status in (204, 304)
            or 100 <= status < 200)


def _valid_length(lengths: list[str]) -> int | None:
    try:
        return content_length(lengths)
    except ValueError:
        return None


class ClientBodyError(Exception):
    """The client's body broke off or broke its framing while being forwarded."""


def request_body(environ: WSGIEnvironment, length: int | None) -> Iterator[bytes] | None:
    """The request body as blocks read as they arrive; None when there is none.

    *length* is :func:`~wsgicors.proxy.framing.request_length`'s: exactly that many
    bytes (the server's input stream may not end there), or for None a chunked body
    read to its end (the server dechunks it; http.client sends it upstream chunked).
    """
    stream = environ["wsgi.input"]
    if length == 0:
        return None
    if length is None:
        return _read_to_end(stream)
    return _read_exactly(stream, length)


def _read_exactly(stream: InputStream, length: int) -> Iterator[bytes]:
    while length > 0:
        block = _read(stream, min(length, BLOCK))
        if not block:
            raise ClientBodyError("the client sent less than its Content-Length")
        length -= len(block)
        yield block


def _read_to_end(stream: InputStream) -> Iterator[bytes]:
    while True:
        block = _read(stream, BLOCK)
        if not block:
            return
        yield block


def _read(stream: InputStream, size: int) -> bytes:
    try:
        return stream.read(size)
    except (OSError, ValueError) as exc:
        # A malformed chunk, or the client gone: stop before the body's end, so
        # the upstream never takes a truncated body for a whole one.
        raise ClientBodyError(f"the client's body is malformed ({exc})") from None


class ResponseBody:
    """The upstream's response body, passed on block by block as it arrives.

    :param length: the length announced to the client (None: chunked); a body that
        ends before it raises, so the server drops the connection instead of
        ending a short body as if it were whole.
    """

    def __init__(self, conn: http.client.HTTPConnection,
                 response: http.client.HTTPResponse, length: int | None = None) -> None:
        self.conn = conn
        self.response = response
        self.length = length

    def __iter__(self) -> Iterator[bytes]:
        sent = 0
        while True:
            block = self.response.read1(BLOCK)
            if not block:
                break
            sent += len(block)
            yield block
        if self.length is not None and sent < self.length:
            raise http.client.IncompleteRead(b"", self.length - sent)

    def close(self) -> None:
        """Close the upstream connection (the WSGI server calls this)."""
        self.response.close()
        self.conn.close()


def _failure(exc: BaseException) -> str:
    return "timed out" if isinstance(exc, socket.timeout) else type(exc).__name__


def _bad_gateway(start_response: StartResponse, upstream: Upstream,
                 reason: str) -> list[bytes]:
    return plain_answer(start_response, "502 Bad Gateway",
                        f"wsgicors proxy: no answer from {upstream.origin}: {reason}")


def plain_answer(start_response: StartResponse, status: str, text: str,
                 headers: Iterable[Header] = ()) -> list[bytes]:
    """Answer *status* with *text* (a line, ASCII-escaped) as the plain-text body."""
    body = (text + "\n").encode("ascii", "backslashreplace")
    start_response(status, [("Content-Type", "text/plain; charset=utf-8"),
                            ("Content-Length", str(len(body))), *headers])
    return [body]
