"""explain() and the DEBUG log say why a request got no CORS headers."""

from __future__ import annotations

import logging

import pytest

from tests.core.support import ALLOWED, client, preflight_headers
from wsgicors import CORSMiddleware, CORSPolicy, explain
from wsgicors.logsafe import logsafe

POLICY = CORSPolicy(allow_origins=[ALLOWED], allow_methods=["GET", "PUT"],
                    allow_headers=["content-type"], max_age=60)


def test_allowed_actual_request() -> None:
    decision = explain(POLICY, origin=ALLOWED)
    assert decision.allowed and decision.kind == "actual"
    assert ("Access-Control-Allow-Origin", ALLOWED) in decision.headers


@pytest.mark.parametrize(("origin", "code", "option"), [
    ("https://evil.example", "origin-not-allowed", "allow_origins"),
    ("null", "origin-null", "allow_origin_func"),
    ("https://app.example.com/", "origin-malformed", None),
])
def test_refused_origins_say_why(origin: str, code: str, option: str | None) -> None:
    decision = explain(POLICY, origin=origin)
    assert (decision.allowed, decision.code, decision.option) == (False, code, option)


def test_no_origin() -> None:
    assert explain(POLICY, origin=None).code == "no-origin"


@pytest.mark.parametrize(("kwargs", "code", "option"), [
    ({"request_method": "DELETE"}, "method-not-allowed", "allow_methods"),
    ({"request_method": "PUT", "request_headers": ["content-type", "x-secret"]},
     "header-not-allowed", "allow_headers"),
    ({"request_method": "PUT", "request_headers": "a b"}, "headers-malformed", None),
])
def test_preflight_refusals(kwargs: dict[str, object], code: str, option: str | None) -> None:
    decision = explain(POLICY, origin=ALLOWED, method="OPTIONS", **kwargs)  # type: ignore[arg-type]
    assert (decision.kind, decision.allowed, decision.status) == ("preflight", False, 403)
    assert (decision.code, decision.option) == (code, option)


def test_header_refusal_names_the_header() -> None:
    decision = explain(POLICY, origin=ALLOWED, method="OPTIONS", request_method="PUT",
                       request_headers=["x-secret"])
    assert "'x-secret'" in decision.reason


def test_successful_preflight_lists_the_headers_sent() -> None:
    decision = explain(POLICY, origin=ALLOWED, method="OPTIONS", request_method="PUT")
    assert decision.allowed and decision.status == 204
    assert dict(decision.headers)["Access-Control-Max-Age"] == "60"


def test_explain_a_middleware_with_paths() -> None:
    middleware = CORSMiddleware(lambda e, s: [], POLICY, paths={"/admin/*": None})
    assert explain(middleware, origin=ALLOWED, path="/admin/x").code == "path-not-covered"
    assert explain(middleware, origin=ALLOWED, path="/api").allowed


def test_explain_from_an_environ() -> None:
    environ = {"REQUEST_METHOD": "OPTIONS", "PATH_INFO": "/", "HTTP_ORIGIN": ALLOWED,
               "HTTP_ACCESS_CONTROL_REQUEST_METHOD": "PATCH"}
    assert explain(POLICY, origin=None, environ=environ).code == "method-not-allowed"


def test_explain_rejects_other_targets() -> None:
    with pytest.raises(TypeError):
        explain(object(), origin=ALLOWED)


def test_debug_log_explains_and_escapes(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="wsgicors")
    evil = "https://evil.example\r\nINFO forged line \x1b[31m" + "x" * 500
    client(POLICY).get("/", headers={"Origin": evil.encode("latin-1").decode("latin-1")})
    client(POLICY).options("/", headers=preflight_headers(method="DELETE"), status=403)
    text = caplog.text
    assert "origin-malformed" in text and "method-not-allowed" in text
    assert "\r" not in text and "\x1b" not in text
    assert "forged line" in text and "\\r\\n" in text
    assert "chars)" in text  # truncated
    assert all(len(record.getMessage()) < 400 for record in caplog.records)


def test_no_log_records_without_debug(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="wsgicors")
    client(POLICY).get("/", headers={"Origin": "https://evil.example"})
    assert caplog.records == []


def test_logsafe() -> None:
    assert logsafe("a\nb") == "'a\\nb'"
    assert logsafe("é") == "'\\xe9'"
    assert logsafe("x" * 200, limit=10) == "'xxxxxxxxxx'...(+190 chars)"
