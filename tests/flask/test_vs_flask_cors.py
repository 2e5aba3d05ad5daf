"""Drop-in check against flask-cors itself: the same options on the same app give the
same answer where flask-cors is right, and a refusal where it is not."""

from __future__ import annotations

from typing import Any

import flask_cors
import pytest
from flask import Flask

import wsgicors_flask
from tests.flask.support import ALLOWED, OTHER, acao, make_app, preflight

CORS_HEADERS = ("Access-Control-Allow-Origin", "Access-Control-Allow-Credentials",
                "Access-Control-Expose-Headers", "Access-Control-Max-Age")


def pair(**options: Any) -> tuple[Flask, Flask]:
    """The same app twice: with flask-cors and with wsgicors_flask."""
    theirs, ours = make_app(), make_app()
    flask_cors.CORS(theirs, **options)
    wsgicors_flask.CORS(ours, **options)
    return theirs, ours


def cors_headers(response: Any) -> dict[str, str]:
    return {name: response.headers[name] for name in CORS_HEADERS if name in response.headers}


SAFE = [
    {"origins": [ALLOWED]},
    {"origins": [ALLOWED, "https://b.example.com"], "supports_credentials": True},
    {"origins": ALLOWED, "expose_headers": "X-Total"},
    {"origins": [ALLOWED], "max_age": 600, "resources": {r"/api/*": {}}},
    {"origins": [r"https://[a-z]+\.example\.com"], "supports_credentials": True},
]


@pytest.mark.parametrize("options", SAFE)
@pytest.mark.parametrize("origin", [ALLOWED, OTHER])
def test_actual_requests_answer_like_flask_cors(options: dict[str, Any], origin: str) -> None:
    theirs, ours = pair(**options)
    expected = cors_headers(theirs.test_client().get("/api/items", headers={"Origin": origin}))
    got = cors_headers(ours.test_client().get("/api/items", headers={"Origin": origin}))
    assert {k: v.lower() for k, v in got.items()} == {k: v.lower() for k, v in expected.items()}


@pytest.mark.parametrize("options", SAFE)
def test_allowed_preflights_allow_what_flask_cors_allows(options: dict[str, Any]) -> None:
    theirs, ours = pair(**options)
    expected = preflight(theirs.test_client(), "/api/items", headers="content-type")
    got = preflight(ours.test_client(), "/api/items", headers="content-type")
    assert got.status_code == 204  # flask-cors answers 200; both are "ok" for browsers
    assert acao(got) == acao(expected) == ALLOWED
    for name in ("Access-Control-Allow-Credentials", "Access-Control-Max-Age"):
        assert got.headers.get(name) == expected.headers.get(name)


# Each case: options, the request, and what flask-cors wrongly grants.
UNSAFE = [
    pytest.param({"origins": [r"https://[a-z0-9.-]+\.example\.com"], "supports_credentials": True},
                 {"Origin": "https://a.example.com.evil.net"}, id="regex-prefix-match"),
    pytest.param({"origins": ["https://*.example.com"]}, {"Origin": "https://xexample.com"},
                 id="glob-read-as-regex"),
    pytest.param({"origins": [ALLOWED], "resources": r"/api/*"}, {"Origin": ALLOWED},
                 id="resource-prefix-apix"),
]


@pytest.mark.parametrize("options, headers", UNSAFE)
def test_what_flask_cors_wrongly_allows_is_refused(options: dict[str, Any],
                                                   headers: dict[str, str]) -> None:
    theirs, ours = pair(**options)
    path = "/apix" if options.get("resources") else "/api/items"
    assert acao(theirs.test_client().get(path, headers=headers)) is not None  # the fault
    assert acao(ours.test_client().get(path, headers=headers)) is None


def test_substring_method_check_is_gone() -> None:
    theirs, ours = pair(origins=[ALLOWED], methods=["GET", "PUT"])
    fake = {"method": "ET"}
    assert "Access-Control-Allow-Methods" in preflight(theirs.test_client(), "/api/items", **fake).headers
    assert preflight(ours.test_client(), "/api/items", **fake).status_code == 403

