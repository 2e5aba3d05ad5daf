"""WebKit's parts of the doctor that need no browser: names, messages, console, proxy.

What WebKit really does is checked against WebKitGTK by ``test_differential.py``;
these pin the pieces down one by one (the messages as WebKitGTK 2.50 prints them).
"""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from wsgicors.doctor import browser as rules
from wsgicors.doctor.messages import webkit_message
from wsgicors.doctor.webkit import _PageProxy, parse_console

from . import rawserver

ORIGIN = "http://localhost:3000"
URL = "http://127.0.0.1:8000/api"


@pytest.mark.parametrize(("headers", "names"), [
    ([("x-b", "1"), ("content-type", "application/json"), ("X-A", "1")],
     ["Content-Type", "x-b", "X-A"]),
    ([("X-Zeta", "1"), ("X-Alpha", "1")], ["X-Zeta", "X-Alpha"]),
    ([("Cache-Control", "no-cache"), ("authorization", "t"), ("x-api-key", "k")],
     ["Cache-Control", "Authorization", "x-api-key"]),
    ([("Accept", "a" * 129), ("range", "bytes=0-1,3-4"), ("accept-language", "en")],
     ["Accept", "Range"]),
    ([("X-Api-Key", "k"), ("x-api-key", "l")], ["X-Api-Key"]),
])
def test_webkit_names_known_headers_first_in_its_own_spelling(
    headers: list[tuple[str, str]], names: list[str]
) -> None:
    assert rules.webkit_header_names(headers) == names


def _failure(code: rules.FailureCode, **fields: object) -> rules.Failure:
    return rules.Failure(code, **fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(("failure", "reason"), [
    (_failure("missing-allow-origin", stage="actual", status=500, origin=ORIGIN),
     f"Origin {ORIGIN} is not allowed by Access-Control-Allow-Origin. Status code: 500"),
    (_failure("multiple-allow-origin", stage="preflight", hint="a, b"),
     "Access-Control-Allow-Origin cannot contain more than one origin."),
    (_failure("invalid-allow-methods", stage="preflight",
              headers=(("Access-Control-Allow-Methods", "GET;PUT"),
                       ("Access-Control-Allow-Methods", "x"))),
     "Header Access-Control-Allow-Methods has an invalid value: GET;PUT, x"),
    (_failure("allow-origin-mismatch", stage="redirect", status=302, origin="null",
              target="http://u:p@b.example/x"),
     "Cross-origin redirection to http://b.example/x denied by Cross-Origin Resource "
     "Sharing policy: Origin null is not allowed by Access-Control-Allow-Origin. Status "
     "code: 302"),
    (_failure("redirect-credentials", stage="redirect", target="http://u:p@b.example/x"),
     "Cross-origin redirection to http://b.example/x denied by Cross-Origin Resource "
     "Sharing policy: redirection URL http://u:p@b.example/x has credentials"),
    (_failure("redirect-scheme", stage="redirect", target="ftp://b.example/x"),
     "FTP URLs are disabled"),
    (_failure("too-many-redirects", stage="redirect"),
     "Load cannot follow more than 20 redirections"),
])
def test_webkit_messages_are_the_reason_then_fetch_api_cannot_load(
    failure: rules.Failure, reason: str
) -> None:
    assert webkit_message(failure, URL, ORIGIN) == (
        f"{reason}\nFetch API cannot load {URL} due to access control checks.")


def test_webkit_prints_nothing_for_a_network_error() -> None:
    failure = _failure("network-error", stage="actual", hint="ERR_INVALID_HTTP_RESPONSE")
    assert webkit_message(failure, URL, ORIGIN) is None


@pytest.mark.parametrize(("line", "entry"), [
    ("CONSOLE SECURITY ERROR Origin x is not allowed", ("security", "Origin x is not allowed",
                                                        "")),
    ("CONSOLE JS ERROR Fetch API cannot load u due to access control checks.",
     ("javascript", "Fetch API cannot load u due to access control checks.", "")),
    ("http://a.example/p:14:17: CONSOLE INFO WSGICORS-CASE acao-exact",
     ("console", "WSGICORS-CASE acao-exact", "http://a.example/p")),
    ("CONSOLE SECURITY WARN [blocked] The page at ...", ("security", "[blocked] The page at ...",
                                                         "")),
    ("(MiniBrowser:12): Gtk-WARNING **: cannot open display", None),
])
def test_console_lines_from_minibrowser_stderr(line: str,
                                               entry: tuple[str, str, str] | None) -> None:
    assert parse_console(line) == entry


@pytest.fixture
def proxy() -> Iterator[_PageProxy]:
    served = _PageProxy(5)
    served.serve_page("http://app.example/.well-known/wsgicors-doctor", None)
    yield served
    served.close()


def _ask(port: int, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), 5) as conn:
        conn.sendall(request)
        data = b""
        while chunk := conn.recv(65536):
            data += chunk
        return data


def test_the_proxy_passes_a_response_on_byte_for_byte(proxy: _PageProxy) -> None:
    odd = (b"HTTP/1.1 200 OK\r\nAccess-Control-Allow-Origin : *\r\nX-Junk: 1\rY\r\n"
           b"Content-Length: 2\r\nContent-Length: 3\r\n\r\nok")
    with rawserver.serve(lambda request: odd) as server:
        answer = _ask(proxy.port, f"GET http://127.0.0.1:{server.port}/x?q=1 HTTP/1.1\r\n"
                      f"Host: 127.0.0.1:{server.port}\r\nProxy-Connection: keep-alive\r\n"
                      "Origin: http://app.example\r\n\r\n".encode())
        [request] = server.requests
    assert answer == odd
    assert (request.method, request.target) == ("GET", "/x?q=1")
    assert request.headers["origin"] == "http://app.example"
    assert request.headers["connection"] == "close"
    assert "proxy-connection" not in request.headers


def test_the_proxy_answers_only_the_page_itself(proxy: _PageProxy) -> None:
    page = _ask(proxy.port, b"GET http://app.example/.well-known/wsgicors-doctor HTTP/1.1"
                            b"\r\nHost: app.example\r\n\r\n")
    assert page.startswith(b"HTTP/1.1 200 OK\r\n") and b"WSGICORS-BEGIN" in page
    icon = _ask(proxy.port, b"GET http://app.example/favicon.ico HTTP/1.1\r\n\r\n")
    assert icon.startswith(b"HTTP/1.1 404 ")
    # Anything else on the page's origin is the network's: here, nobody answers.
    assert _ask(proxy.port, b"GET http://app.example/other HTTP/1.1\r\n\r\n") == b""


def test_the_proxy_tunnels_connect(proxy: _PageProxy) -> None:
    answer = rawserver.response("204 No Content")
    with rawserver.serve(lambda request: answer) as server, \
            socket.create_connection(("127.0.0.1", proxy.port), 5) as conn:
        conn.sendall(f"CONNECT 127.0.0.1:{server.port} HTTP/1.1\r\n\r\n".encode())
        assert conn.recv(1024) == b"HTTP/1.1 200 Connection established\r\n\r\n"
        conn.sendall(b"GET /t HTTP/1.1\r\nHost: x\r\n\r\n")
        assert conn.recv(1024) == answer
