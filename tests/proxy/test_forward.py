"""The proxy on its real server (werkzeug) in front of a recording upstream.

What the upstream receives, what the client gets back, and what never leaves the
proxy: preflights and every request that would make it an open proxy.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from tests.support.servers import raw_request
from wsgicors import ConfigError, CORSPolicy
from wsgicors.proxy import make_app
from wsgicors.proxy.guard import own_origin

from .support import Upstream, header, request, serving

pytestmark = pytest.mark.server

PAGE = "http://localhost:5173"


@pytest.fixture
def lines() -> list[str]:
    return []


@pytest.fixture
def proxy(upstream: Upstream, lines: list[str]) -> Iterator[int]:
    """The proxy's port: CORS for PAGE, requests forwarded to the upstream."""
    with serving(make_app(upstream.url, allow_origins=[PAGE], log=lines.append)) as port:
        yield port


# -- forwarding ------------------------------------------------------------------


def test_method_raw_path_query_and_body_reach_the_upstream(upstream: Upstream, proxy: int) -> None:
    status, _headers, body = request(proxy, "PATCH", "/a%2Fb/c?x=1&y=%20z", b'{"n": 1}',
                                     {"Content-Type": "application/json"})
    assert status == 200
    seen = upstream.seen[-1]
    assert (seen.method, seen.target, seen.body) == ("PATCH", "/a%2Fb/c?x=1&y=%20z", b'{"n": 1}')
    assert seen.header("Content-Type") == "application/json"
    assert json.loads(body)["target"] == "/a%2Fb/c?x=1&y=%20z"


def test_host_is_the_upstream_authority_with_its_port(upstream: Upstream, proxy: int) -> None:
    request(proxy, "GET", "/data")
    assert upstream.seen[-1].header("Host") == upstream.url.removeprefix("http://")


def test_forwarded_headers_say_who_asked_and_how(upstream: Upstream, proxy: int) -> None:
    request(proxy, "GET", "/data", headers={"X-Forwarded-For": "10.0.0.7",
                                            "X-Forwarded-Host": "forged.example"})
    seen = upstream.seen[-1]
    assert seen.header("X-Forwarded-For") == "10.0.0.7, 127.0.0.1"
    assert seen.header("X-Forwarded-Proto") == "http"
    assert seen.header("X-Forwarded-Host") == f"127.0.0.1:{proxy}"


def test_hop_by_hop_request_headers_stay_at_the_proxy(upstream: Upstream, proxy: int) -> None:
    request(proxy, "GET", "/data", headers={
        "Connection": "X-Private", "X-Private": "1", "Keep-Alive": "timeout=5",
        "TE": "trailers", "Proxy-Authorization": "Basic eDp5", "Upgrade": "websocket",
        "X-Ordinary": "1"})
    seen = upstream.seen[-1]
    for name in ("X-Private", "Keep-Alive", "TE", "Proxy-Authorization", "Upgrade"):
        assert seen.header(name) is None, name
    assert seen.header("X-Ordinary") == "1"


def test_a_chunked_request_body_is_streamed_upstream_chunked(
        upstream: Upstream, proxy: int) -> None:
    parts = iter([b"first,", b"second,", b"third"])  # no length: http.client chunks it
    status, _headers, _body = request(proxy, "POST", "/upload", parts)
    assert status == 200
    seen = upstream.seen[-1]
    assert seen.body == b"first,second,third"
    assert seen.chunked and seen.header("Content-Length") is None


def test_a_large_body_with_a_length_arrives_whole(upstream: Upstream, proxy: int) -> None:
    body = b"0123456789abcdef" * 65536  # 1 MiB, many blocks each way
    status, _headers, answer = request(proxy, "PUT", "/upload", body)
    assert status == 200
    seen = upstream.seen[-1]
    assert seen.body == body and seen.header("Content-Length") == str(len(body))
    assert not seen.chunked
    assert json.loads(answer)["body"].encode() == body  # and back through the proxy


def test_head_gets_the_headers_and_no_body(upstream: Upstream, proxy: int) -> None:
    status, headers, body = request(proxy, "HEAD", "/data")
    assert (status, body) == (200, b"")
    assert header(headers, "Content-Type") == "application/json"
    assert upstream.seen[-1].method == "HEAD"


def test_a_streamed_response_is_passed_on_without_hop_by_hop_headers(proxy: int) -> None:
    status, headers, body = request(proxy, "GET", "/stream")
    assert (status, body) == (200, b"part1part2part3")
    assert header(headers, "Transfer-Encoding") == "chunked"  # chunked again, by the proxy
    assert header(headers, "X-Kept") == "1"
    assert header(headers, "X-Hop") is None and header(headers, "Keep-Alive") is None


def test_redirects_to_the_upstream_come_back_through_the_proxy(
        upstream: Upstream, proxy: int) -> None:
    _status, headers, _body = request(proxy, "GET", "/redirect?to=/data%3Fx%3D1")
    assert header(headers, "Location") == f"http://127.0.0.1:{proxy}/data?x=1"


@pytest.mark.parametrize(("location", "local"), [
    ("{up}/data", "{proxy}/data"),
    ("HTTP://127.0.0.1:{port}/data#top", "{proxy}/data#top"),
    ("//127.0.0.1:{port}/a/b?c=d", "{proxy}/a/b?c=d"),
    ("http://127.0.0.1:{port}", "{proxy}/"),
    ("https://127.0.0.1:{port}/data", None),    # another scheme is another origin
    ("http://127.0.0.1:1/data", None),          # another port too
    ("http://other.example/x", None),
    ("/data?x=1", None),                        # relative: already the proxy's
])
def test_only_locations_on_the_upstream_are_rewritten(
        upstream: Upstream, proxy: int, location: str, local: str | None) -> None:
    port = upstream.server.server_port
    values = {"up": upstream.url, "port": port, "proxy": f"http://127.0.0.1:{proxy}"}
    location = location.format(**values)
    _status, headers, _body = request(proxy, "GET", "/location?is=" + quote(location))
    assert header(headers, "Location") == (location if local is None
                                           else local.format(**values))


@pytest.mark.parametrize(("suffix", "asked", "forwarded"), [
    ("/", "/items?a=1", "/items?a=1"),  # a "/" prefix never makes "//items"
    ("", "/", "/"),
    ("/v1", "/items", "/v1/items"),
    ("/v1/", "/", "/v1/"),
])
def test_the_upstream_path_goes_before_the_request_path(
        upstream: Upstream, suffix: str, asked: str, forwarded: str) -> None:
    with serving(make_app(upstream.url + suffix, allow_origins=[PAGE])) as port:
        request(port, "GET", asked)
    assert upstream.seen[-1].target == forwarded


def test_redirects_below_the_upstream_path_lose_it(upstream: Upstream) -> None:
    with serving(make_app(upstream.url + "/v1", allow_origins=[PAGE])) as port:
        _status, headers, _body = request(port, "GET", "/redirect?to=/v1/data")
        assert header(headers, "Location") == f"http://127.0.0.1:{port}/data"
        _status, headers, _body = request(port, "GET", "/redirect?to=/v2/data")
        assert header(headers, "Location") == f"{upstream.url}/v2/data"


# -- CORS: the engine's, never the upstream's --------------------------------------


def test_allowed_origin_gets_the_proxys_cors_headers_not_the_upstreams(
        proxy: int, lines: list[str]) -> None:
    _status, headers, body = request(proxy, "GET", "/cors", headers={"Origin": PAGE})
    assert body == b"cors"
    assert header(headers, "Access-Control-Allow-Origin") == PAGE
    assert header(headers, "Access-Control-Allow-Credentials") is None
    assert header(headers, "Vary") == "Accept-Encoding, Origin"
    assert "the upstream's own CORS headers were replaced by the proxy's" in lines[-1]


def test_other_origins_get_no_cors_headers_even_when_the_upstream_sends_them(
        proxy: int, lines: list[str]) -> None:
    _status, headers, _body = request(proxy, "GET", "/cors",
                                      headers={"Origin": "http://evil.example"})
    assert not [name for name, _v in headers if name.lower().startswith("access-control-")]
    assert "origin-not-allowed" in lines[-1]


def test_preflights_are_answered_by_the_proxy_and_never_forwarded(
        upstream: Upstream, proxy: int, lines: list[str]) -> None:
    asking = {"Origin": PAGE, "Access-Control-Request-Method": "PUT",
              "Access-Control-Request-Headers": "content-type"}
    status, headers, _body = request(proxy, "OPTIONS", "/items", headers=asking)
    assert status == 204
    assert header(headers, "Access-Control-Allow-Origin") == PAGE
    assert "PUT" in (header(headers, "Access-Control-Allow-Methods") or "")
    refused, _headers, _body = request(proxy, "OPTIONS", "/items",
                                       headers={**asking, "Origin": "http://evil.example"})
    assert refused == 403
    assert upstream.seen == []
    assert "preflight allowed" in lines[0] and "preflight refused" in lines[1]


def test_a_plain_options_request_is_forwarded(upstream: Upstream, proxy: int) -> None:
    request(proxy, "OPTIONS", "/items", headers={"Origin": PAGE})
    assert [seen.method for seen in upstream.seen] == ["OPTIONS"]


def test_an_unreachable_upstream_is_a_502_the_page_can_read(upstream: Upstream) -> None:
    gone = upstream.url
    upstream.server.server_close()  # nothing listens on that port any more
    with serving(make_app(gone, allow_origins=[PAGE], timeout=5)) as port:
        status, headers, body = request(port, "GET", "/data", headers={"Origin": PAGE})
    assert status == 502
    assert header(headers, "Access-Control-Allow-Origin") == PAGE
    assert body.startswith(b"wsgicors proxy: no answer from " + gone.encode())


def test_log_lines_escape_request_data(proxy: int, lines: list[str]) -> None:
    request(proxy, "GET", "/data", headers={"Origin": "http://x\x1b[31m.example"})
    assert "\x1b" not in lines[-1]
    assert "\\x1b[31m" in lines[-1]


# -- never an open proxy -----------------------------------------------------------


@pytest.mark.parametrize("line", [
    b"GET http://example.com/ HTTP/1.1",
    b"GET http://127.0.0.1:1/data HTTP/1.1",
    b"CONNECT example.com:443 HTTP/1.1",
    b"OPTIONS * HTTP/1.1",
])
def test_forward_proxy_requests_are_refused_and_never_forwarded(
        upstream: Upstream, proxy: int, lines: list[str], line: bytes) -> None:
    answer = raw_request(proxy, line + b"\r\nHost: example.com:443\r\nConnection: close\r\n\r\n")
    status = int(answer.split(b" ", 2)[1])
    assert 400 <= status < 500
    assert b"this is not a forward proxy" in answer or b"Host is not" in answer
    assert upstream.seen == []
    assert "refused" in lines[-1]


def test_the_upstream_itself_in_absolute_form_is_refused(upstream: Upstream, proxy: int) -> None:
    target = f"{upstream.url}/data".encode()
    answer = raw_request(proxy, b"GET " + target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                         b"Connection: close\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 400")
    assert upstream.seen == []


@pytest.mark.parametrize(("host", "allowed"), [
    ("evil.example", False),            # a DNS-rebinding page reaching the proxy
    ("localhost:1234", True),
    ("app.localhost", True),
    ("127.0.0.1", True),
    ("[::1]:8080", True),
    ("dev.test:8080", True),            # named in allowed_hosts
])
def test_only_this_machines_names_may_be_in_host(
        upstream: Upstream, host: str, allowed: bool) -> None:
    app = make_app(upstream.url, allow_origins=[PAGE], allowed_hosts=["dev.test"])
    with serving(app) as port:
        status, _headers, _body = request(port, "GET", "/data", headers={"Host": host})
    assert (status == 200) is allowed
    assert bool(upstream.seen) is allowed


# -- another WSGI server ------------------------------------------------------------


@pytest.fixture
def on_waitress(upstream: Upstream) -> Iterator[int]:
    """make_app served by waitress instead of werkzeug: the Python API's other use."""
    waitress_server = pytest.importorskip("waitress.server")
    server = waitress_server.create_server(make_app(upstream.url, allow_origins=[PAGE]),
                                           host="127.0.0.1", port=0)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield server.effective_port
    finally:
        server.close()
        thread.join(10)


def test_make_app_works_on_waitress_too(upstream: Upstream, on_waitress: int) -> None:
    status, headers, _body = request(on_waitress, "GET", "/caf%C3%A9?x=1",
                                     headers={"Origin": PAGE})
    assert (status, header(headers, "Access-Control-Allow-Origin")) == (200, PAGE)
    request(on_waitress, "POST", "/upload", iter([b"a", b"b"]))
    assert [(seen.method, seen.target, seen.body) for seen in upstream.seen] == [
        ("GET", "/caf%C3%A9?x=1", b""), ("POST", "/upload", b"ab")]
    assert upstream.seen[0].header("Transfer-Encoding") is None  # no body, none invented
    answer = raw_request(on_waitress, b"GET http://example.com/ HTTP/1.1\r\n"
                         b"Host: example.com\r\nConnection: close\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 400")
    assert len(upstream.seen) == 2


# -- same-origin mode (--static) -------------------------------------------------


@pytest.fixture
def site(tmp_path: Path) -> Path:
    (tmp_path / "dist").mkdir()
    (tmp_path / "dist" / "index.html").write_text("<h1>front end</h1>")
    (tmp_path / "dist" / "app.js").write_text("console.log(1)")
    (tmp_path / "secret.txt").write_text("not for the browser")
    return tmp_path / "dist"


def test_static_mode_serves_files_and_forwards_the_api_prefix(
        upstream: Upstream, site: Path) -> None:
    with serving(make_app(upstream.url, static=site, api_prefix="/api/")) as port:
        assert request(port, "GET", "/")[2] == b"<h1>front end</h1>"
        assert request(port, "GET", "/app.js")[2] == b"console.log(1)"
        assert request(port, "GET", "/../secret.txt")[0] == 404  # climbs out: names no file
        assert request(port, "GET", "/apiary")[0] == 404
        assert upstream.seen == []
        status, _headers, body = request(port, "GET", "/api/items?x=1")
    assert status == 200
    assert json.loads(body)["target"] == "/api/items?x=1"


def test_static_mode_without_origins_refuses_cross_origin_preflights(
        upstream: Upstream, site: Path) -> None:
    with serving(make_app(upstream.url, static=site)) as port:
        status, _headers, _body = request(port, "OPTIONS", "/api/items", headers={
            "Origin": PAGE, "Access-Control-Request-Method": "PUT"})
        _s, cors_headers, _b = request(port, "GET", "/api/cors", headers={"Origin": PAGE})
    assert status == 403
    assert [seen.method for seen in upstream.seen] == ["GET"]
    assert header(cors_headers, "Access-Control-Allow-Origin") is None


def test_the_pages_own_requests_are_logged_as_same_origin(
        upstream: Upstream, site: Path) -> None:
    """Issue 20, item 11: a browser sends Origin with the page's own POST; it is no CORS
    request, so the log must not call it refused."""
    lines: list[str] = []
    with serving(make_app(upstream.url, static=site, log=lines.append)) as port:
        own = f"http://127.0.0.1:{port}"
        status, _headers, _body = request(port, "POST", "/api/items", body=b"{}", headers={
            "Origin": own, "Content-Type": "application/json"})
        request(port, "POST", "/api/items", body=b"{}", headers={"Origin": PAGE})
    assert status == 200
    assert lines[0] == (f"'POST' '/api/items' from '{own}' -> 200 | same-origin: the page "
                        "is on the proxy's own origin, no CORS needed")
    assert "CORS actual refused (origin-not-allowed)" in lines[1]


@pytest.mark.parametrize(("environ", "origin"), [
    ({"wsgi.url_scheme": "http", "HTTP_HOST": "127.0.0.1:8080"}, "http://127.0.0.1:8080"),
    ({"wsgi.url_scheme": "http", "HTTP_HOST": "LocalHost:80"}, "http://localhost"),
    ({"wsgi.url_scheme": "https", "HTTP_HOST": "dev.localhost:443"}, "https://dev.localhost"),
    ({"wsgi.url_scheme": "https", "HTTP_HOST": "[::1]:8443"}, "https://[::1]:8443"),
])
def test_own_origin_is_serialized_as_browsers_send_origin(
        environ: dict[str, str], origin: str) -> None:
    assert own_origin(environ) == origin


# -- the Python API refuses what the command refuses --------------------------------


@pytest.mark.parametrize(("kwargs", "code"), [
    ({}, "proxy-no-origin"),
    ({"allow_origins": "*"}, "proxy-any-origin"),
    ({"policy": CORSPolicy(allow_origins="*")}, "proxy-any-origin"),
    ({"allow_origins": [PAGE], "policy": CORSPolicy(allow_origins=[PAGE])},
     "policy-and-options"),
    ({"allow_origins": [PAGE], "api_prefix": "/", "static": "."}, "proxy-api-prefix"),
    ({"allow_origins": [PAGE], "static": "/no/such/dir"}, "proxy-static"),
])
def test_make_app_refuses_unsafe_or_unusable_configurations(
        kwargs: dict[str, Any], code: str) -> None:
    with pytest.raises(ConfigError) as caught:
        make_app("http://127.0.0.1:8000", **kwargs)
    assert [problem.code for problem in caught.value.problems] == [code]


@pytest.mark.parametrize("url", ["ftp://example.com", "example.com", "http://u:p@example.com",
                                 "http://example.com/?q=1", "http://example.com:99999"])
def test_make_app_refuses_upstreams_that_are_not_a_base_url(url: str) -> None:
    with pytest.raises(ConfigError) as caught:
        make_app(url, allow_origins=[PAGE])
    assert caught.value.problems[0].code == "proxy-upstream"
