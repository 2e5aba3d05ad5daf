"""Per-path policies: exact, '/x/*' prefixes, regexes; most specific wins."""

from __future__ import annotations

import re

import pytest

from tests.core.support import ALLOWED, client
from wsgicors import ConfigError, CORSPolicy

PUBLIC = CORSPolicy(allow_origins="*")
PARTNER = CORSPolicy(allow_origins=["https://partner.example.org"])
DEFAULT = CORSPolicy(allow_origins=[ALLOWED])


def acao(app, path: str, origin: str = ALLOWED) -> str | None:  # type: ignore[no-untyped-def]
    r = app.get(path, headers={"Origin": origin}, expect_errors=True)
    return r.headers.get("Access-Control-Allow-Origin")  # type: ignore[no-any-return]


def test_prefix_pattern_covers_the_prefix_itself_and_below_but_not_siblings() -> None:
    app = client(DEFAULT, paths={"/api/public/*": PUBLIC})
    assert acao(app, "/api/public") == "*"
    assert acao(app, "/api/public/items/1") == "*"
    assert acao(app, "/api/publicity") == ALLOWED  # default, never the '/api/public/*' policy


def test_uncovered_paths_pass_through_without_a_default(calls) -> None:  # type: ignore[no-untyped-def]
    app = client(paths={"/api/*": DEFAULT})
    r = app.get("/other", headers={"Origin": ALLOWED})
    assert "Access-Control-Allow-Origin" not in r.headers and "Vary" not in r.headers
    r = app.options("/other", headers={"Origin": ALLOWED, "Access-Control-Request-Method": "PUT"})
    assert r.body == b"OPTIONS /other"  # the app answered, not wsgicors
    assert calls() == 2


def test_none_switches_cors_off() -> None:
    app = client(DEFAULT, paths={"/admin/*": None})
    assert acao(app, "/admin/users") is None
    assert acao(app, "/public") == ALLOWED


def test_most_specific_wins_whatever_the_order() -> None:
    # CVE-2024-6839: flask-cors ordered patterns by string length.
    paths = {
        "/*": PUBLIC,
        re.compile(r"/api/v[0-9]+/very/long/regex/.*"): None,
        "/api/*": DEFAULT,
        "/api/partner/*": PARTNER,
        "/api/partner/status": PUBLIC,
    }
    app = client(paths=paths)
    assert acao(app, "/api/partner/status") == "*"
    assert acao(app, "/api/partner/x", "https://partner.example.org") == "https://partner.example.org"
    assert acao(app, "/api/items") == ALLOWED
    # Every path the regex matches is under '/api/*': the regex is the more specific.
    assert acao(app, "/api/v2/very/long/regex/x") is None
    assert acao(app, "/elsewhere") == "*"
    reordered = client(paths=dict(reversed(list(paths.items()))))
    for path in ("/api/partner/status", "/api/items", "/elsewhere"):
        assert acao(reordered, path) == acao(app, path)


def test_regex_is_full_match_and_beats_the_catch_all() -> None:
    app = client(paths={"/*": PUBLIC, re.compile(r"/v[0-9]+/items"): PARTNER})
    assert acao(app, "/v2/items", "https://partner.example.org") == "https://partner.example.org"
    assert acao(app, "/v2/items/extra") == "*"


def test_matching_is_case_sensitive() -> None:
    # CVE-2024-6866: path patterns matched case-insensitively.
    app = client(paths={"/api/*": DEFAULT})
    assert acao(app, "/api/x") == ALLOWED
    assert acao(app, "/API/x") is None


def test_plus_is_not_a_space() -> None:
    # CVE-2024-6844: unquote_plus turned '+' into ' '.
    app = client(paths={"/files/a+b": DEFAULT, "/files/a b": PUBLIC})
    assert acao(app, "/files/a+b") == ALLOWED
    assert acao(app, "/files/a%20b") == "*"


def test_percent_encoding_is_not_decoded_twice() -> None:
    app = client(paths={"/api/*": DEFAULT})
    assert acao(app, "/%2561pi/x") is None  # PATH_INFO is '/%61pi/x', never '/api/x'


@pytest.mark.parametrize("bad", ["api/*", "/api*", "/a/*/b", "*", 42])
def test_invalid_patterns_are_config_errors(bad: object) -> None:
    with pytest.raises(ConfigError) as caught:
        client(paths={bad: DEFAULT})  # type: ignore[dict-item]
    assert caught.value.problems[0].option == "paths"


def test_values_must_be_policies_or_none() -> None:
    with pytest.raises(ConfigError, match="map each pattern to a CORSPolicy"):
        client(paths={"/api/*": {"allow_origins": "*"}})  # type: ignore[dict-item]


def test_preflight_uses_the_path_policy() -> None:
    app = client(DEFAULT, paths={"/partner/*": PARTNER})
    headers = {"Origin": ALLOWED, "Access-Control-Request-Method": "PUT"}
    app.options("/partner/x", headers=headers, status=403)
    assert app.options("/mine", headers=headers).status_int == 204


def test_a_scope_gates_every_pattern_and_the_default() -> None:
    """Routes(scope=...) (Django's CORS_URLS_REGEX): outside the scope nothing applies,
    not even a pattern that matches there; inside it, patterns and the default do."""
    from wsgicors import Routes

    routes = Routes(DEFAULT, {"/api/public/*": PUBLIC, "/v2/*": PARTNER, "/health": PUBLIC},
                    scope=re.compile(r"/api/.*"))
    assert routes.resolve("/api/items") is DEFAULT
    assert routes.resolve("/api/public/x") is PUBLIC
    assert routes.resolve("/api/me\n") is DEFAULT  # '.' matches a newline, as routers read it
    assert routes.resolve("/v2/items") is None
    assert routes.resolve("/health") is None
    assert routes.resolve("/api") is None
    with pytest.raises(ConfigError) as error:
        Routes(None, scope=re.compile(r"/api/(a+)\1"))
    assert [problem.code for problem in error.value.problems] == ["regex-not-linear"]
