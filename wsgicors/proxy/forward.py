"""Forward one request to the one upstream, streaming both ways (http.client).

Nothing here decides CORS: the engine (:class:`wsgicors.CORSMiddleware`) wraps
:class:`Forwarder`. The one CORS-related step here is proxy glue: the upstream's own
``Access-Control-*`` headers and the ``Origin`` token of its ``Vary`` are removed
(:func:`wsgicors.headers.without_cors`) before the engine merges the proxy's, so the
browser only ever sees the proxy's policy.
"""

from __future__ import annotations

import http.client
import socket
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, NamedTuple
from urllib.parse import SplitResult, quote, urlsplit, urlunsplit

from .. import ConfigError, Problem
from ..headers import without_cors

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
#: send_response): passing the upstream's too would send them twice.
SERVER_SET = frozenset({"date", "server"})
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
        conn = self._connect()
        try:
            conn.request(environ["REQUEST_METHOD"], self.target(environ),
                         body=request_body(environ), headers=self.request_headers(environ))
            response = conn.getresponse()
        except (OSError, http.client.HTTPException, ValueError) as exc:
            conn.close()
            return _bad_gateway(start_response, self.upstream, exc)
        headers = self.response_headers(response.getheaders(), environ)
        start_response(f"{response.status} {response.reason}", headers)
        return ResponseBody(conn, response)

    def _connect(self) -> http.client.HTTPConnection:
        up = self.upstream
        if up.scheme == "https":
            return http.client.HTTPSConnection(up.host, up.port, timeout=self.timeout)
        return http.client.HTTPConnection(up.host, up.port, timeout=self.timeout)

    def target(self, environ: WSGIEnvironment) -> str:
        """The request target sent upstream: the prefix, then the path as the client
        sent it (raw, so ``%2F`` stays ``%2F``), then the query."""
        raw = environ.get("REQUEST_URI") or environ.get("RAW_URI")
        if not (isinstance(raw, str) and raw.startswith("/")):
            # PATH_INFO is the decoded path as latin-1 text (PEP 3333): back to bytes.
            path = (environ.get("PATH_INFO", "") or "/").encode("latin-1")
            raw = quote(path, safe="/;=,:@!$&'()*+~")
            query = environ.get("QUERY_STRING")
            if query:
                raw = f"{raw}?{query}"
        return self.upstream.prefix + raw

    def request_headers(self, environ: WSGIEnvironment) -> dict[str, str]:
        """The client's headers minus hop-by-hop ones, with Host and X-Forwarded-*."""
        incoming = list(_environ_headers(environ))
        drop = HOP_BY_HOP | REPLACED_REQUEST_HEADERS | _connection_tokens(incoming)
        headers = {name: value for name, value in incoming if name.lower() not in drop}
        headers["Host"] = self.upstream.authority
        length = environ.get("CONTENT_LENGTH")
        if length:
            headers["Content-Length"] = length
        client = environ.get("REMOTE_ADDR", "")
        before = headers.pop("X-Forwarded-For", "")
        headers["X-Forwarded-For"] = f"{before}, {client}" if before else client
        headers["X-Forwarded-Proto"] = environ.get("wsgi.url_scheme", "http")
        headers["X-Forwarded-Host"] = environ.get("HTTP_HOST", "")
        return headers

    def response_headers(self, headers: list[Header],
                         environ: WSGIEnvironment) -> list[Header]:
        """The upstream's headers for the client: hop-by-hop ones removed, Location
        rewritten to the proxy, and (with *replace_cors*) its CORS headers removed."""
        drop = HOP_BY_HOP | SERVER_SET | _connection_tokens(headers)
        out: list[Header] = []
        for name, value in headers:
            lname = name.lower()
            if lname in drop:
                continue
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


def request_body(environ: WSGIEnvironment) -> Iterator[bytes] | None:
    """The request body as blocks read as they arrive; None when there is none.

    With a Content-Length, exactly that many bytes (the server's input stream may
    not end there); a chunked body is read to its end (the server dechunks it) and
    http.client sends it upstream chunked again.
    """
    stream = environ["wsgi.input"]
    length = environ.get("CONTENT_LENGTH")
    if length:
        return _read_exactly(stream, int(length))
    if "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
        return iter(lambda: stream.read(BLOCK), b"")
    return None


def _read_exactly(stream: InputStream, length: int) -> Iterator[bytes]:
    while length > 0:
        block = stream.read(min(length, BLOCK))
        if not block:
            raise ValueError("the client sent less than its Content-Length")
        length -= len(block)
        yield block


class ResponseBody:
    """The upstream's response body, passed on block by block as it arrives."""

    def __init__(self, conn: http.client.HTTPConnection,
                 response: http.client.HTTPResponse) -> None:
        self.conn = conn
        self.response = response

    def __iter__(self) -> Iterator[bytes]:
        while True:
            block = self.response.read1(BLOCK)
            if not block:
                return
            yield block

    def close(self) -> None:
        """Close the upstream connection (the WSGI server calls this)."""
        self.response.close()
        self.conn.close()


def _bad_gateway(start_response: StartResponse, upstream: Upstream,
                 exc: BaseException) -> list[bytes]:
    reason = "timed out" if isinstance(exc, socket.timeout) else type(exc).__name__
    body = (f"wsgicors proxy: no answer from {upstream.origin}: {reason}\n"
            ).encode("ascii", "backslashreplace")
    start_response("502 Bad Gateway", [("Content-Type", "text/plain; charset=utf-8"),
                                       ("Content-Length", str(len(body)))])
    return [body]
