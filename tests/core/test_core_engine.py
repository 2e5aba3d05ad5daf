"""The engine functions adapters build on, called directly."""

from __future__ import annotations

import pytest

from wsgicors import CORSPolicy, is_preflight
from wsgicors.engine import (
    actual_headers,
    add_to_header_list,
    for_actual,
    merge_vary,
    preflight,
    response_updates,
)

ORIGIN = "https://app.example.com"
POLICY = CORSPolicy(allow_origins=[ORIGIN], allow_credentials=True)


@pytest.mark.parametrize(("environ", "expected"), [
    ({"REQUEST_METHOD": "OPTIONS", "HTTP_ORIGIN": ORIGIN, "HTTP_ACCESS_CONTROL_REQUEST_METHOD": "PUT"}, True),
    ({"REQUEST_METHOD": "OPTIONS", "HTTP_ORIGIN": ORIGIN}, False),
    ({"REQUEST_METHOD": "OPTIONS", "HTTP_ACCESS_CONTROL_REQUEST_METHOD": "PUT"}, False),
    ({"REQUEST_METHOD": "POST", "HTTP_ORIGIN": ORIGIN, "HTTP_ACCESS_CONTROL_REQUEST_METHOD": "PUT"}, False),
])
def test_is_preflight(environ: dict[str, str], expected: bool) -> None:
    assert is_preflight(environ) is expected


def test_preflight_answer_fields() -> None:
    answer = preflight(POLICY, {"REQUEST_METHOD": "OPTIONS", "HTTP_ORIGIN": ORIGIN,
                                "HTTP_ACCESS_CONTROL_REQUEST_METHOD": "PUT"})
    assert answer.status == "204 No Content" and answer.refusal is None and answer.body == b""
    refused = preflight(POLICY, {"REQUEST_METHOD": "OPTIONS", "HTTP_ORIGIN": "https://x.example",
                                 "HTTP_ACCESS_CONTROL_REQUEST_METHOD": "PUT"})
    assert refused.status == "403 Forbidden"
    assert refused.refusal is not None and refused.refusal.code == "origin-not-allowed"


def test_actual_headers() -> None:
    assert dict(actual_headers(POLICY, ORIGIN)) == {
        "Access-Control-Allow-Origin": ORIGIN, "Access-Control-Allow-Credentials": "true"}
    assert actual_headers(POLICY, "https://x.example") == ()
    assert actual_headers(POLICY, None) == ()
    assert actual_headers(CORSPolicy(allow_origins="*"), None) == (
        ("Access-Control-Allow-Origin", "*"),)


@pytest.mark.parametrize(("value", "expected"), [
    (None, "Origin"), ("", "Origin"), ("Cookie", "Cookie, Origin"), ("cookie, origin", "cookie, origin"),
    ("*", "*"), (" * ", " * "), ("Origin-X", "Origin-X, Origin"),
])
def test_merge_vary(value: str | None, expected: str) -> None:
    assert merge_vary(value) == expected


def test_add_to_header_list_unusual_spelling() -> None:
    out = add_to_header_list([("VARY", "Cookie"), ("X-Other", "1")], for_actual(POLICY, ORIGIN))
    assert out[0] == ("VARY", "Cookie, Origin")
    assert ("Access-Control-Allow-Origin", ORIGIN) in out
    assert [name for name, _ in out].count("VARY") == 1


def test_response_updates_for_framework_response_objects() -> None:
    current: dict[str, str] = {"vary": "Cookie"}

    def get(name: str) -> str | None:
        return current.get(name.lower())

    updates = dict(response_updates(get, for_actual(POLICY, ORIGIN)))
    assert updates == {"Vary": "Cookie, Origin", "Access-Control-Allow-Origin": ORIGIN,
                       "Access-Control-Allow-Credentials": "true"}
    current.update({"vary": "Origin", "access-control-allow-origin": "https://own.example"})
    assert response_updates(get, for_actual(POLICY, ORIGIN)) == []
    assert response_updates(lambda name: None, for_actual(POLICY, None)) == [("Vary", "Origin")]
