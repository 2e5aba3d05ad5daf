"""Which origins get Access-Control-Allow-Origin, observed on real responses."""

from __future__ import annotations

import pytest

from tests.core.support import ALLOWED, client
from wsgicors import CORSPolicy

POLICY = CORSPolicy(allow_origins=[ALLOWED, "https://*.example.com", "http://localhost:*"],
                    allow_credentials=True)

# ../shared/reference/security-cases.md: none of these may be reflected.
PROBES = [
    "https://evil.com",
    "https://app.example.com.evil.com",
    "https://evilapp.example.com.evil.net",
    "https://xexample.com",
    "https://evilexample.com",
    "https://appxexample.com",
    "https://example.com",  # the apex is not a subdomain
    "https://app.example.com_.evil.com",
    "https://app.example.com`.evil.com",
    "https://app.example.com%60.evil.com",
    *[f"https://app.example.com{c}.evil.com" for c in "_-\"{}+^!~;|&'()*,$="],
    "null",
    "http://app.example.com",
    "https://app.example.com:8443",
    "https://app.example.com/",
    "https://app.example.com/path",
    "https://APP.EXAMPLE.COM",
    "https://app.example.com\r\nSet-Cookie: x=1",
    "https://app.example.com, https://evil.com",
    "https://app.example.com https://evil.com",
    "https://whatever.github.io",
    "https://codepen.io",
    "https://jsfiddle.net",
    "https://" + "a" * 10_000 + ".example.com",
    "https://app.exämple.com",
    "",
    " https://app.example.com",
    "https://app.example.com:443",
    "http://localhost:80",
    "http://localhost:0",
    "http://localhost:99999",
    "http://localhost.evil.com:3000",
    "file://",
    "https://.example.com",
]


@pytest.mark.parametrize("origin", PROBES)
def test_attack_probes_get_no_cors_headers_but_vary(origin: str) -> None:
    app = client(POLICY)
    response = app.get("/", headers={"Origin": origin.encode("latin-1", "replace").decode("latin-1")}
                       if origin.isascii() else {"Origin": origin.encode("utf-8").decode("latin-1")})
    assert "Access-Control-Allow-Origin" not in response.headers
    assert "Access-Control-Allow-Credentials" not in response.headers
    assert response.headers["Vary"] == "Origin"
    assert response.status_int == 200


@pytest.mark.parametrize("origin", PROBES)
def test_attack_probes_fail_preflight(origin: str, calls) -> None:  # type: ignore[no-untyped-def]
    app = client(POLICY)
    value = origin if origin.isascii() else origin.encode("utf-8").decode("latin-1")
    response = app.options("/", headers={"Origin": value, "Access-Control-Request-Method": "PUT"},
                           status=403)
    assert not any(k.startswith("Access-Control-") for k in response.headers)
    assert calls() == 0


@pytest.mark.parametrize("origin", [
    ALLOWED, "https://eu.example.com", "https://a.b.example.com", "https://x-1.example.com",
    "http://localhost", "http://localhost:3000", "http://localhost:65535",
])
def test_allowed_origins_are_echoed_exactly(origin: str) -> None:
    response = client(POLICY).get("/", headers={"Origin": origin})
    assert response.headers["Access-Control-Allow-Origin"] == origin
    assert response.headers["Access-Control-Allow-Credentials"] == "true"
    assert response.headers["Vary"] == "Origin"


def test_regex_is_full_match_not_prefix() -> None:
    # flask-cors / django-cors-headers used re.match: this let *.example.com.evil.net in.
    app = client(allow_origin_regex=r"https://[a-z]+\.example\.com", allow_credentials=True)
    ok = app.get("/", headers={"Origin": "https://eu.example.com"})
    assert ok.headers["Access-Control-Allow-Origin"] == "https://eu.example.com"
    bad = app.get("/", headers={"Origin": "https://eu.example.com.evil.net"})
    assert "Access-Control-Allow-Origin" not in bad.headers


def test_regex_never_sees_malformed_origins() -> None:
    # A permissive regex must still not reflect a value browsers never send.
    # (?i) and the tab would match these; the regex is only tried on serialized
    # origins. (A host wildcard that can match ':' '/' '@' '[' ']' is refused.)
    app = client(allow_origin_regex=r"(?i)https://[a-z0-9\t.-]*\.example")
    assert app.get("/", headers={"Origin": "https://a.example"}).headers[
        "Access-Control-Allow-Origin"] == "https://a.example"
    for value in ("https://x/y.example", "https://a\tb.example", "HTTPS://A.EXAMPLE"):
        assert "Access-Control-Allow-Origin" not in app.get("/", headers={"Origin": value}).headers


def test_func_decides_unknown_origins_and_is_not_cached() -> None:
    seen: list[str] = []

    def from_database(origin: str) -> bool:
        seen.append(origin)
        return origin == "https://tenant.example.org"

    app = client(allow_origins=[ALLOWED], allow_origin_func=from_database)
    for _ in range(3):
        r = app.get("/", headers={"Origin": "https://tenant.example.org"})
        assert r.headers["Access-Control-Allow-Origin"] == "https://tenant.example.org"
    assert "Access-Control-Allow-Origin" not in app.get("/", headers={"Origin": "https://x.example"}).headers
    app.get("/", headers={"Origin": ALLOWED})
    assert seen == ["https://tenant.example.org"] * 3 + ["https://x.example"]


def test_func_receives_null_but_never_malformed_values() -> None:
    seen: list[str] = []
    app = client(allow_origin_func=lambda origin: seen.append(origin) or origin == "null")
    assert app.get("/", headers={"Origin": "null"}).headers["Access-Control-Allow-Origin"] == "null"
    app.get("/", headers={"Origin": "https://a.example/evil"})
    assert seen == ["null"]


def test_func_that_raises_refuses_and_logs(caplog: pytest.LogCaptureFixture) -> None:
    def broken(origin: str) -> bool:
        raise RuntimeError("database down")

    response = client(allow_origin_func=broken).get("/", headers={"Origin": ALLOWED})
    assert "Access-Control-Allow-Origin" not in response.headers
    assert "database down" in caplog.text


def test_func_must_return_true_not_truthy() -> None:
    app = client(allow_origin_func=lambda origin: "yes")  # type: ignore[arg-type,return-value]
    assert "Access-Control-Allow-Origin" not in app.get("/", headers={"Origin": ALLOWED}).headers


def test_star_sends_constant_star_without_vary() -> None:
    app = client(allow_origins="*")
    for headers in ({}, {"Origin": ALLOWED}, {"Origin": "null"}):
        response = app.get("/", headers=headers)
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        assert "Vary" not in response.headers
        assert "Access-Control-Allow-Credentials" not in response.headers


def test_star_preflight_allows_null_but_not_garbage() -> None:
    app = client(allow_origins="*")
    ok = app.options("/", headers={"Origin": "null", "Access-Control-Request-Method": "PUT"})
    assert ok.headers["Access-Control-Allow-Origin"] == "*"
    app.options("/", headers={"Origin": "garbage", "Access-Control-Request-Method": "PUT"}, status=403)


def test_decision_cache_stays_bounded_under_an_origin_flood() -> None:
    from wsgicors.policy import CACHE_SIZE

    policy = CORSPolicy(allow_origins=["https://*.example.com"])
    for i in range(3 * CACHE_SIZE):
        policy.lookup(f"https://n{i}.example.com" if i % 2 else f"https://n{i}.evil.net")
    assert len(policy.origins.cache) <= CACHE_SIZE
    assert policy.lookup("https://n1.example.com") is not None
    assert policy.lookup("https://n2.evil.net") is None


def test_thousand_exact_origins() -> None:
    origins = [f"https://site{i}.example.org" for i in range(1000)]
    app = client(allow_origins=origins)
    for origin in (origins[0], origins[499], origins[-1]):
        assert app.get("/", headers={"Origin": origin}).headers["Access-Control-Allow-Origin"] == origin
