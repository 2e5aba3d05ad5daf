"""Issue 18 items 11-13 in the core: which path a policy is chosen by.

The WSGI middleware does not know the router behind it, so it matches every way a
router may read the path (leading slashes stripped, slashes merged, dot-segments
removed, a final newline ignored, UTF-8) and fails closed when they disagree; regexes
take a newline as any other character; the most specific pattern wins by what the
patterns match, and ambiguous overlaps fail closed. Each test failed before the fix.
"""

from __future__ import annotations

import logging
import re

import pytest

from tests.core.support import client
from wsgicors import ConfigError, CORSPolicy, Routes, explain, paths

ADMIN = "https://admin.example.com"
PARTNER = "https://partner.example.org"
ADMIN_ONLY = CORSPolicy(allow_origins=[ADMIN], allow_credentials=True)
PARTNER_POLICY = CORSPolicy(allow_origins=[PARTNER], allow_credentials=True)
PUBLIC = CORSPolicy(allow_origins="*")


def acao(app, path: str, origin: str = PARTNER) -> str | None:  # type: ignore[no-untyped-def]
    response = app.get("/", headers={"Origin": origin}, extra_environ={"PATH_INFO": path},
                       expect_errors=True)
    return response.headers.get("Access-Control-Allow-Origin")  # type: ignore[no-any-return]


# -- item 11: the docs' own `paths={"/admin/*": None}` -------------------------------

@pytest.mark.parametrize("path", [
    "//admin/users", "///admin/users", "/admin//users", "/x/../admin/users",
    "/api/..//admin/users", "/./admin/users", "/admin/users/.",
])
def test_a_path_a_router_may_read_as_an_admin_path_gets_no_cors(path: str) -> None:
    app = client(PARTNER_POLICY, paths={"/admin/*": None})
    assert acao(app, "/admin/users") is None
    assert acao(app, "/users") == PARTNER
    assert acao(app, path) is None


def test_readings_agree_on_ordinary_odd_paths() -> None:
    # Extra slashes or dot-segments that do not change the policy change nothing.
    app = client(PARTNER_POLICY, paths={"/admin/*": None})
    for path in ("//users", "/x//y", "/a/../b", "/.well-known/x", "/files/a+b"):
        assert acao(app, path) == PARTNER, path


def test_the_preflight_of_an_ambiguous_path_reaches_the_app() -> None:
    app = client(PARTNER_POLICY, paths={"/admin/*": ADMIN_ONLY})
    response = app.options("/", headers={"Origin": PARTNER, "Access-Control-Request-Method":
                                         "DELETE"}, extra_environ={"PATH_INFO": "//admin/x"})
    assert response.body == b"OPTIONS //admin/x"  # no CORS answer: the app's own
    assert "Access-Control-Allow-Origin" not in response.headers


def test_explain_says_why_an_ambiguous_path_gets_nothing() -> None:
    app = client(PARTNER_POLICY, paths={"/admin/*": None})
    decision = explain(app.app, origin=PARTNER, path="//admin/users")
    assert decision.kind == "not-covered"
    assert "routers read it in ways that get different policies" in decision.reason


def test_utf8_paths_are_matched_as_text() -> None:
    # PEP 3333: PATH_INFO holds the bytes as latin-1 code points; patterns are text.
    app = client(PARTNER_POLICY, paths={"/café/*": ADMIN_ONLY})
    raw = "/café/x".encode().decode("latin-1")
    assert acao(app, raw, ADMIN) == ADMIN
    assert acao(app, raw, PARTNER) is None


def test_bytes_that_are_not_utf8_fail_closed_when_decoders_disagree() -> None:
    assert paths.wsgi_path_texts("/caf\xc3\xa9") == ("/café",)
    assert paths.wsgi_path_texts("/x\xff") == ("/x\ufffd", "/x%FF")
    app = client(PARTNER_POLICY, paths={"/x%FF": ADMIN_ONLY})
    assert acao(app, "/x\xff", PARTNER) is None
    assert acao(app, "/y\xff", PARTNER) == PARTNER


def test_readings() -> None:
    assert paths.readings("/a/b") == ("/a/b",)
    assert set(paths.readings("//a//b/../c\n")) >= {"//a//b/../c\n", "/a//b/../c", "/a/c", "//a//c"}
    assert "/" in paths.readings("/..")
    assert paths.readings("") == ("/",)


# -- item 12: a newline is a character like any other ------------------------------

@pytest.mark.parametrize("path", ["/api/me\n", "/api/me\nx", "/api/\n", "/api/a\n\n"])
def test_dot_in_a_path_regex_matches_a_newline(path: str) -> None:
    app = client(PUBLIC, paths={re.compile(r"/api/.*"): ADMIN_ONLY})
    assert acao(app, "/api/me", PARTNER) is None
    assert acao(app, "/api/me", ADMIN) == ADMIN
    # The WSGI middleware cannot know whether a router drops the final newline
    # (Starlette's '$' does): every reading is under /api/, so both agree.
    assert acao(app, path, PARTNER) is None
    assert acao(app, path, ADMIN) == ADMIN


def test_routes_match_routed_takes_the_path_as_given() -> None:
    routes = Routes(PUBLIC, {re.compile(r"^/api/.*$"): ADMIN_ONLY, "/admin/users": None})
    assert routes.match_routed("/api/me\n") == (ADMIN_ONLY, r"^/api/.*$")
    assert routes.match_routed("//admin/users") == (PUBLIC, None)
    assert routes.match("//admin/users")[0] is None  # some router reads /admin/users


# -- item 13: the most specific pattern, whatever the order ---------------------------

def test_a_narrower_regex_wins_whatever_the_order() -> None:
    for order in (1, -1):
        ordered = dict(list({
            re.compile(r"/(?:api|v2)/.*"): PUBLIC,
            re.compile(r"/api/admin/[a-z]+"): ADMIN_ONLY,
        }.items())[::order])
        app = client(paths=ordered)
        assert acao(app, "/api/admin/users", PARTNER) is None
        assert acao(app, "/api/admin/users", ADMIN) == ADMIN
        assert acao(app, "/api/items", PARTNER) == "*"
        assert acao(app, "/v2/admin/users", PARTNER) == "*"


def test_a_regex_inside_a_prefix_is_more_specific_than_the_prefix() -> None:
    app = client(paths={"/api/*": PUBLIC, re.compile(r"/api/admin/.*"): ADMIN_ONLY})
    assert acao(app, "/api/admin/users", PARTNER) is None
    assert acao(app, "/api/admin/users", ADMIN) == ADMIN
    assert acao(app, "/api/items", PARTNER) == "*"


def test_overlapping_patterns_without_an_order_fail_closed(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, "wsgicors"):
        routes = Routes(None, {"/api/*": PUBLIC, re.compile(r"/.*/admin/.*"): ADMIN_ONLY})
    assert "'/api/*' and '/.*/admin/.*' may both match a path" in caplog.text
    policy, pattern = routes.match("/api/admin/users")
    assert policy is None and isinstance(pattern, paths.FailedClosed)
    assert "neither is more specific" in pattern
    assert routes.resolve("/api/items") is PUBLIC
    assert routes.resolve("/x/admin/users") is ADMIN_ONLY


def test_overlapping_patterns_with_one_policy_are_no_conflict(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, "wsgicors"):
        same = CORSPolicy(allow_origins="*")
        routes = Routes(None, {"/api/*": PUBLIC, re.compile(r"/.*/admin/.*"): same})
    assert caplog.text == ""
    assert routes.resolve("/api/admin/users") is PUBLIC


def test_disjoint_regexes_are_no_conflict(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, "wsgicors"):
        routes = Routes(None, {re.compile(r"/v[0-9]+/items"): PUBLIC,
                               re.compile(r"/files/.*"): ADMIN_ONLY, "/api/*": PARTNER_POLICY})
    assert caplog.text == ""
    assert routes.resolve("/v2/items") is PUBLIC
    assert routes.resolve("/files/v2/items") is ADMIN_ONLY


# -- linear-time path regexes -----------------------------------------------------------

def test_a_path_regex_no_linear_matcher_runs_is_a_config_error() -> None:
    with pytest.raises(ConfigError) as raised:
        Routes(None, {re.compile(r"/(a+)\1"): PUBLIC})
    problem = raised.value.problems[0]
    assert problem.code == "regex-not-linear" and problem.option == "paths"
    assert "backreference" in problem.message


def test_a_header_regex_no_linear_matcher_runs_is_a_config_error() -> None:
    with pytest.raises(ConfigError) as raised:
        CORSPolicy(allow_origins="*", allow_headers=[re.compile(r"x-(a+)\1")])
    problem = raised.value.problems[0]
    assert problem.code == "regex-not-linear" and problem.option == "allow_headers"
