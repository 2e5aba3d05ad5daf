"""The engine functions adapters build on, called directly."""

from __future__ import annotations

import pytest

from wsgicors import CORSMiddleware, CORSPolicy, is_preflight
from wsgicors.engine import actual, preflight, refusal
from wsgicors.headers import add_to_header_list, merge_vary, response_updates

ORIGIN = "https://app.example.com"
POLICY = CORSPolicy(allow_origins=[ORIGIN], allow_credentials=True)
PATTERN_POLICY = CORSPolicy(allow_origins=["https://*.example.com"], expose_headers=["X-Id"])


def _preflight_environ(origin: str = ORIGIN, method: str = "PUT") -> dict[str, str]:
    return {"REQUEST_METHOD": "OPTIONS", "HTTP_ORIGIN": origin,
            "HTTP_ACCESS_CONTROL_REQUEST_METHOD": method}


@pytest.mark.parametrize(("environ", "expected"), [
    ({"REQUEST_METHOD": "OPTIONS", "HTTP_ORIGIN": ORIGIN, "HTTP_ACCESS_CONTROL_REQUEST_METHOD": "PUT"}, True),
    ({"REQUEST_METHOD": "OPTIONS", "HTTP_ORIGIN": ORIGIN}, False),
    ({"REQUEST_METHOD": "OPTIONS", "HTTP_ACCESS_CONTROL_REQUEST_METHOD": "PUT"}, False),
    ({"REQUEST_METHOD": "POST", "HTTP_ORIGIN": ORIGIN, "HTTP_ACCESS_CONTROL_REQUEST_METHOD": "PUT"}, False),
])
def test_is_preflight(environ: dict[str, str], expected: bool) -> None:
    assert is_preflight(environ) is expected


def test_preflight_answer_fields() -> None:
    answer = preflight(POLICY, _preflight_environ())
    assert answer.status == 204 and answer.status_line == "204 No Content"
    assert answer.failed is None and answer.body == b""
    refused = preflight(POLICY, _preflight_environ("https://x.example"))
    assert refused.status == 403 and refused.status_line == "403 Forbidden"
    assert refused.failed == "origin"
    assert refused.body == b"CORS preflight refused: origin not allowed\n"
    assert refusal(POLICY, _preflight_environ("https://x.example"), "origin").code == (
        "origin-not-allowed")


@pytest.mark.parametrize(("environ", "step", "code"), [
    (_preflight_environ(method="patch"), "method", "method-not-allowed"),
    ({**_preflight_environ(), "HTTP_ACCESS_CONTROL_REQUEST_HEADERS": "x-secret"}, "headers",
     "header-not-allowed"),
    ({**_preflight_environ(), "HTTP_ACCESS_CONTROL_REQUEST_HEADERS": "a b"}, "headers",
     "headers-malformed"),
])
def test_preflight_names_the_failed_step(environ: dict[str, str], step: str, code: str) -> None:
    answer = preflight(POLICY, environ)
    assert answer.failed == step and (answer.status, answer.status_line) == (403, "403 Forbidden")
    assert f"{step} not allowed".encode() in answer.body
    assert refusal(POLICY, environ, step).code == code


def test_actual_headers() -> None:
    assert dict(actual(POLICY, ORIGIN).actual) == {
        "Access-Control-Allow-Origin": ORIGIN, "Access-Control-Allow-Credentials": "true"}
    assert actual(POLICY, "https://x.example").actual == ()
    assert actual(POLICY, "https://x.example").varies is True
    assert actual(POLICY, None).actual == ()
    star = actual(CORSPolicy(allow_origins="*"), None)
    assert star.actual == (("Access-Control-Allow-Origin", "*"),) and star.varies is False


@pytest.mark.parametrize(("value", "expected"), [
    (None, "Origin"), ("", "Origin"), ("Cookie", "Cookie, Origin"), ("cookie, origin", "cookie, origin"),
    ("*", "*"), (" * ", " * "), ("Origin-X", "Origin-X, Origin"),
])
def test_merge_vary(value: str | None, expected: str) -> None:
    assert merge_vary(value) == expected


def test_add_to_header_list_unusual_spelling() -> None:
    out = add_to_header_list([("VARY", "Cookie"), ("X-Other", "1")], actual(POLICY, ORIGIN))
    assert out[0] == ("VARY", "Cookie, Origin")
    assert ("Access-Control-Allow-Origin", ORIGIN) in out
    assert [name for name, _ in out].count("VARY") == 1


def test_second_vary_line_is_kept_and_origin_not_repeated() -> None:
    out = add_to_header_list([("Vary", "Accept-Encoding"), ("Vary", "Cookie")],
                             actual(POLICY, ORIGIN))
    assert [v for n, v in out if n == "Vary"] == ["Accept-Encoding, Origin", "Cookie"]
    out = add_to_header_list([("Vary", "Accept-Encoding"), ("Vary", "origin")],
                             actual(POLICY, ORIGIN))
    assert [v for n, v in out if n == "Vary"] == ["Accept-Encoding", "origin"]


def test_app_credentials_header_is_never_doubled() -> None:
    """Issue 9 item 12: an app that sets only ACAC used to end with 'true, true'."""
    out = add_to_header_list([("Access-Control-Allow-Credentials", "true")], actual(POLICY, ORIGIN))
    assert [n.lower() for n, _ in out].count("access-control-allow-credentials") == 1
    no_credentials = CORSPolicy(allow_origins=[ORIGIN])
    out = add_to_header_list([("access-control-allow-credentials", "true")],
                             actual(no_credentials, ORIGIN))
    # Credentials are granted by the validated policy only.
    assert all(n.lower() != "access-control-allow-credentials" for n, _ in out)
    assert ("Access-Control-Allow-Origin", ORIGIN) in out


def test_app_with_its_own_allow_origin_keeps_all_its_cors_headers() -> None:
    own = [("Access-Control-Allow-Origin", "https://own.example"),
           ("Access-Control-Allow-Credentials", "true")]
    out = add_to_header_list(own, actual(POLICY, ORIGIN))
    assert out == [*own, ("Vary", "Origin")]


def test_responses_never_share_a_mutable_header_list() -> None:
    """Issue 9 item 15 (the rs/cors#198 class): appending to one answer leaks nowhere."""
    first = add_to_header_list([], actual(PATTERN_POLICY, "https://a.example.com"))
    first.append(("X-Leak", "1"))
    second = add_to_header_list([], actual(PATTERN_POLICY, "https://a.example.com"))
    assert ("X-Leak", "1") not in second
    # Ready-made answers are shared, so they are immutable all the way down.
    for answer in (preflight(POLICY, _preflight_environ()),
                   preflight(POLICY, _preflight_environ("https://x.example")),
                   preflight(CORSPolicy(allow_origins="*", allow_headers="*"),
                             {**_preflight_environ(), "HTTP_ACCESS_CONTROL_REQUEST_HEADERS": "x"})):
        assert isinstance(answer.headers, tuple)
        assert all(isinstance(header, tuple) for header in answer.headers)
    cors = actual(POLICY, ORIGIN)
    assert isinstance(cors.actual, tuple) and isinstance(cors.appended, tuple)
    # ...and what the middleware hands to start_response is a fresh list each time.
    seen: list[list[tuple[str, str]]] = []
    app = CORSMiddleware(lambda e, s: [], POLICY)
    for _ in range(2):
        app(_preflight_environ(), lambda status, headers, exc=None: seen.append(headers))
    seen[0].append(("X-Leak", "1"))
    assert ("X-Leak", "1") not in seen[1]


def test_response_updates_for_framework_response_objects() -> None:
    current: dict[str, str] = {"vary": "Cookie"}

    def get(name: str) -> str | None:
        return current.get(name.lower())

    updates = dict(response_updates(current, get, actual(POLICY, ORIGIN)))
    assert updates == {"Vary": "Cookie, Origin", "Access-Control-Allow-Origin": ORIGIN,
                       "Access-Control-Allow-Credentials": "true"}
    current.update({"vary": "Origin", "access-control-allow-origin": "https://own.example"})
    assert response_updates(current, get, actual(POLICY, ORIGIN)) == []
    assert list(response_updates([], get, actual(POLICY, None))) == [("Vary", "Origin")]


def test_response_updates_deletes_an_app_credentials_header_the_policy_does_not_grant() -> None:
    current = {"access-control-allow-credentials": "true"}
    updates = response_updates(current, current.get, actual(CORSPolicy(allow_origins=[ORIGIN]), ORIGIN))
    assert ("access-control-allow-credentials", None) in updates
    assert ("Access-Control-Allow-Origin", ORIGIN) in updates
