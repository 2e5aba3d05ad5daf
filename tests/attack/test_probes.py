"""Every probe of shared/reference/security-cases.md against each adapter on a live server.

The allowlist is the one the reference names (``https://app.example.com`` and
``https://*.example.com``), with credentials on: every probe must get no
``Access-Control-Allow-Origin``, on actual requests and on preflights, and every
answer must still carry ``Vary: Origin``.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.e2e import apps, servers
from tests.e2e.apps import require_adapter
from tests.support.servers import raw_request

pytestmark = pytest.mark.server

ALLOWLIST = {
    "allow_origins": ["https://app.example.com", "https://*.example.com"],
    "allow_credentials": True,
    "allow_headers": ["content-type"],
}
_AFTER_HOST = [*list("_-\"{}+^!~;|&'()*,$="), "`", "%60"]
PROBES = [
    "https://evil.com",
    "https://app.example.com.evil.com",
    "https://app.example.com.", "https://xexample.com", "https://evilexample.com",
    "https://appxexample.com",
    *[f"https://app.example.com{char}.evil.com" for char in _AFTER_HOST],
    "null",
    "http://app.example.com",
    "https://app.example.com:8443",
    "https://app.example.com/", "https://app.example.com/path",
    "https://APP.EXAMPLE.COM",
    "https://app.example.com, https://evil.com",
    "https://whatever.github.io", "https://codepen.io", "https://jsfiddle.net",
    "https://" + "a" * 4_000 + ".example.com",
    "https://" + "a" * 10_000 + ".example.com",
    "",
]
# Values no HTTP client library will send: written on a raw socket.
RAW_PROBES = [
    b"https://app.example.com\xc3\xa9",
    b"https://\xff\xfe.example.com",
    b"https://app.example.com\x00",
]


@pytest.fixture(scope="module", params=apps.ADAPTERS)
def server(request: pytest.FixtureRequest) -> Iterator[servers.Server]:
    require_adapter(request.param)
    with servers.start("gunicorn-gthread", request.param, ALLOWLIST) as running:
        yield running


@pytest.fixture(scope="module")
def client(server: servers.Server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=10) as session:
        yield session


def test_suffix_probe_with_exact_allowlist() -> None:
    """``https://evilapp.example.com`` is a real subdomain, so ``*.example.com`` allows
    it by design; with only the exact origin listed it must be refused."""
    for adapter in apps.ADAPTERS:
        if apps.adapter_missing(adapter):
            continue
        exact_only = {**ALLOWLIST, "allow_origins": ["https://app.example.com"]}
        with servers.start("gunicorn-gthread", adapter, exact_only) as exact:
            reply = httpx.get(exact.url + "/data", timeout=10,
                              headers={"Origin": "https://evilapp.example.com"})
            assert "access-control-allow-origin" not in reply.headers, adapter


def test_allowlist_really_allows(client: httpx.Client) -> None:
    """Control: the probes are refused by the matcher, not by a broken setup."""
    for origin in ("https://app.example.com", "https://a.b.example.com"):
        reply = client.get("/data", headers={"Origin": origin})
        assert reply.headers["access-control-allow-origin"] == origin


@pytest.mark.parametrize("origin", PROBES, ids=[p[:60] for p in PROBES])
def test_probe_gets_no_cors_headers(client: httpx.Client, origin: str) -> None:
    actual = client.get("/data", headers={"Origin": origin})
    assert "access-control-allow-origin" not in actual.headers
    assert "access-control-allow-credentials" not in actual.headers
    # gunicorn answers 431 itself for a header over 8 KB; the app is never reached.
    server_refused = actual.status_code == 431
    if not server_refused:
        assert "origin" in actual.headers["vary"].lower()
    preflight = client.options("/data", headers={
        "Origin": origin, "Access-Control-Request-Method": "PUT"})
    assert preflight.status_code == (431 if server_refused else 403)
    assert not [name for name in preflight.headers if name.startswith("access-control-")]


def _raw_get(server: servers.Server, origin: bytes) -> bytes:
    return raw_request(server.port, b"GET /data HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: "
                       + origin + b"\r\nConnection: close\r\n\r\n")


@pytest.mark.parametrize("origin", RAW_PROBES)
def test_non_ascii_origin_gets_no_cors_headers(server: servers.Server, origin: bytes) -> None:
    head = _raw_get(server, origin).split(b"\r\n\r\n", 1)[0].lower()
    assert head.startswith(b"http/1.1 ")
    assert b"access-control-allow-origin" not in head


def test_header_injection_stays_in_the_request(server: servers.Server) -> None:
    """CR LF in Origin ends the header on the wire; nothing reaches the response."""
    head = _raw_get(server, b"https://evil.com\r\nSet-Cookie: x=1").split(b"\r\n\r\n", 1)[0]
    assert b"set-cookie: x=1" not in head.lower()
    assert b"access-control-allow-origin" not in head.lower()


@pytest.mark.parametrize("acrh", ["," * 8_000, ",".join(["x-a"] * 1_900)])
def test_huge_request_headers_refused(client: httpx.Client, acrh: str) -> None:
    """rs/cors GO-2024-2883 class: oversized ACRH values are refused outright.

    Kept under the servers' 8 KB header limit so the middleware sees them; the
    100,000-comma case runs in-process in test_peers.py.
    """
    reply = client.options("/data", headers={
        "Origin": "https://app.example.com", "Access-Control-Request-Method": "PUT",
        "Access-Control-Request-Headers": acrh})
    assert reply.status_code == 403
    assert "access-control-allow-origin" not in reply.headers


def test_cors_is_not_access_control(client: httpx.Client) -> None:
    """A denied origin's simple POST still reaches the application (needs CSRF checks)."""
    reply = client.post("/data", content=b"x", headers={
        "Origin": "https://evil.com", "Content-Type": "text/plain"})
    assert reply.status_code == 200
    assert reply.json()["method"] == "POST"
    assert "access-control-allow-origin" not in reply.headers
