"""Preflight handling: answered here, never by the app; 204 on success, 403 otherwise."""

from __future__ import annotations

import time

import pytest

from tests.core.support import ALLOWED, client, preflight_headers
from wsgicors import ConfigError, CORSPolicy

PREFLIGHT_VARY = "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"


def test_successful_preflight(calls) -> None:  # type: ignore[no-untyped-def]
    app = client(CORSPolicy(allow_origins=[ALLOWED], allow_credentials=True, max_age=600))
    r = app.options("/items", headers=preflight_headers(headers="content-type,authorization"))
    assert r.status_int == 204
    assert r.body == b""
    assert r.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert r.headers["Access-Control-Allow-Credentials"] == "true"
    assert "PUT" in r.headers["Access-Control-Allow-Methods"].split(", ")
    allowed = r.headers["Access-Control-Allow-Headers"].split(", ")
    assert "content-type" in allowed and "authorization" in allowed
    assert r.headers["Access-Control-Max-Age"] == "600"
    assert r.headers["Vary"] == PREFLIGHT_VARY
    assert calls() == 0


def test_no_max_age_header_unless_configured() -> None:
    r = client(allow_origins=[ALLOWED]).options("/", headers=preflight_headers())
    assert "Access-Control-Max-Age" not in r.headers


def test_max_age_zero_is_sent() -> None:
    r = client(allow_origins=[ALLOWED], max_age=0).options("/", headers=preflight_headers())
    assert r.headers["Access-Control-Max-Age"] == "0"


def test_plain_options_reaches_the_app(calls) -> None:  # type: ignore[no-untyped-def]
    app = client(allow_origins=[ALLOWED])
    r = app.options("/", headers={"Origin": ALLOWED})
    assert r.body == b"OPTIONS /"
    assert r.headers["Access-Control-Allow-Origin"] == ALLOWED
    app.options("/")
    assert calls() == 2


def test_method_compared_case_sensitively() -> None:
    app = client(allow_origins=[ALLOWED], allow_methods=["PATCH"])
    app.options("/", headers=preflight_headers(method="PATCH"), status=204)
    app.options("/", headers=preflight_headers(method="patch"), status=403)


def test_method_is_not_a_substring_test() -> None:
    # flask-cors: requested method 'ET' passed because 'GET' contains it.
    app = client(allow_origins=[ALLOWED], allow_methods=["GET", "PUT"])
    app.options("/", headers=preflight_headers(method="ET"), status=403)
    app.options("/", headers=preflight_headers(method="DELETE"), status=403)


def test_safelisted_methods_need_not_be_listed() -> None:
    app = client(allow_origins=[ALLOWED], allow_methods=["PUT"])
    r = app.options("/", headers=preflight_headers(method="POST", headers="x-custom"),
                    status=403)  # header refused, not the method
    assert b"headers" in r.body
    app.options("/", headers=preflight_headers(method="GET"), status=204)


def test_any_method_echoes_the_request_and_refuses_forbidden_ones() -> None:
    app = client(allow_origins=[ALLOWED], allow_methods="*", allow_credentials=True)
    r = app.options("/", headers=preflight_headers(method="PROPFIND"))
    assert r.headers["Access-Control-Allow-Methods"] == "PROPFIND"
    app.options("/", headers=preflight_headers(method="TRACE"), status=403)
    app.options("/", headers=preflight_headers(method="BAD METHOD"), status=403)


def test_headers_matched_case_insensitively_with_whitespace() -> None:
    app = client(allow_origins=[ALLOWED], allow_headers=["X-Token", "Content-Type"])
    r = app.options("/", headers=preflight_headers(headers=" Content-Type ,  X-TOKEN,,"))
    assert r.status_int == 204
    assert r.headers["Access-Control-Allow-Headers"] == "x-token, content-type"


def test_unlisted_header_fails_the_preflight() -> None:
    app = client(allow_origins=[ALLOWED], allow_headers=["content-type"])
    r = app.options("/", headers=preflight_headers(headers="content-type,x-secret"), status=403)
    assert r.headers["Content-Type"].startswith("text/plain")
    assert r.body == b"CORS preflight refused: headers not allowed\n"
    assert r.headers["Vary"] == PREFLIGHT_VARY


def test_any_header_echoes_names_including_authorization() -> None:
    app = client(allow_origins=[ALLOWED], allow_headers="*", allow_credentials=True)
    r = app.options("/", headers=preflight_headers(headers="authorization,x-b,x-b"))
    assert r.headers["Access-Control-Allow-Headers"] == "authorization,x-b"


def test_empty_request_headers_value_is_fine() -> None:
    r = client(allow_origins=[ALLOWED]).options("/", headers=preflight_headers(headers=""))
    assert r.status_int == 204 and "Access-Control-Allow-Headers" not in r.headers


@pytest.mark.parametrize("value", [
    "," * 100_000,
    ",".join(f"x-h{i}" for i in range(10_000)),
    "x-a;x-b", "x a", "x-a\r\nx-b", "\x00",
])
def test_adversarial_request_headers_are_refused_cheaply(value: str) -> None:
    app = client(allow_origins=[ALLOWED], allow_headers="*")
    started = time.perf_counter()
    r = app.options("/", headers=preflight_headers(headers=value), expect_errors=True)
    assert r.status_int == 403
    assert not any(k.startswith("Access-Control-") for k in r.headers)
    # Not a timing assertion on speed, only a guard against pathological blow-up.
    assert time.perf_counter() - started < 5


def test_denied_origin_gets_403_without_cors_headers(calls) -> None:  # type: ignore[no-untyped-def]
    r = client(allow_origins=[ALLOWED]).options(
        "/", headers=preflight_headers(origin="https://evil.example"), status=403)
    assert not any(k.startswith("Access-Control-") for k in r.headers)
    assert r.body == b"CORS preflight refused: origin not allowed\n"
    assert calls() == 0


def test_private_network_only_when_enabled_and_requested() -> None:
    on = client(allow_origins=[ALLOWED], allow_private_network=True)
    r = on.options("/", headers=preflight_headers(**{"Access-Control-Request-Private-Network": "true"}))
    assert r.headers["Access-Control-Allow-Private-Network"] == "true"
    r = on.options("/", headers=preflight_headers())
    assert "Access-Control-Allow-Private-Network" not in r.headers
    off = client(allow_origins=[ALLOWED])
    r = off.options("/", headers=preflight_headers(**{"Access-Control-Request-Private-Network": "true"}))
    assert r.status_int == 204  # CVE-2024-6221: never granted by default
    assert "Access-Control-Allow-Private-Network" not in r.headers


@pytest.mark.parametrize("asks", [True, False])
def test_private_network_preflights_vary_on_the_private_network_request(asks: bool) -> None:
    """Issue 18 item 15: the answer depends on Access-Control-Request-Private-Network,
    so a cache keyed on Vary (a CDN caching OPTIONS) must know it, as rs/cors and
    Starlette say."""
    extra = {"Access-Control-Request-Private-Network": "true"} if asks else {}
    on = client(allow_origins=[ALLOWED], allow_private_network=True)
    r = on.options("/", headers=preflight_headers(headers="content-type", **extra))
    assert r.headers["Vary"] == PREFLIGHT_VARY + ", Access-Control-Request-Private-Network"
    off = client(allow_origins=[ALLOWED])
    assert off.options("/", headers=preflight_headers(**extra)).headers["Vary"] == PREFLIGHT_VARY


def test_star_origin_preflight_sends_star_and_no_credentials() -> None:
    r = client(allow_origins="*").options("/", headers=preflight_headers())
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in r.headers


def test_header_patterns_echo_the_names_they_allow() -> None:
    import re

    policy = CORSPolicy(allow_origins=[ALLOWED],
                        allow_headers=["content-type", re.compile(r"x-acme-[a-z]+", re.I)])
    app = client(policy)
    r = app.options("/", headers=preflight_headers(headers="X-Acme-Trace,Content-Type"))
    assert r.status_int == 204
    assert r.headers["Access-Control-Allow-Headers"] == "x-acme-trace,content-type"
    app.options("/", headers=preflight_headers(headers="x-acme-1"), status=403)
    assert policy.options["allow_headers"][1].pattern == r"x-acme-[a-z]+"
    with pytest.raises(ConfigError):
        CORSPolicy(allow_origins=[ALLOWED], allow_headers=[re.compile(rb"x-.*")])
