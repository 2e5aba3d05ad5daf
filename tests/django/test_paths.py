"""Issue 18 items 12-14 in Django: the view's policy, and what a receiver grants.

The URLconf is :mod:`tests.attack.routerapps` (each view answers with its endpoint's
name); Django resolves ``request.path_info``, which is what the settings' patterns are
matched against. Each test failed before the fix.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.checks import run_checks
from django.test import Client

APP = "https://app.example.com"
ADMIN = "https://admin.example.com"
EVIL = "https://evil.example.net"


@pytest.fixture(autouse=True)
def urls(settings: Any) -> None:
    settings.ROOT_URLCONF = "tests.attack.routerapps"


def get(client: Client, path: str, origin: str, **headers: str) -> Any:
    return client.get(path, headers={"Origin": origin, **headers})


def preflight(client: Client, path: str, origin: str, **headers: str) -> Any:
    return client.options(path, headers={"Origin": origin,
                                         "Access-Control-Request-Method": "PUT", **headers})


def acao(response: Any) -> str | None:
    return response.headers.get("Access-Control-Allow-Origin")  # type: ignore[no-any-return]


# -- item 12: CORS_URLS_REGEX as docs/django.rst recommends it ------------------------

@pytest.mark.parametrize("path", ["/api/admin/me%0A", "/api/admin/m%0Ae", "/api/admin/%0A"])
def test_a_newline_does_not_escape_the_urls_regex(client: Client, settings: Any,
                                                  path: str) -> None:
    settings.CORS_ALLOWED_ORIGINS = [APP]
    settings.CORS_ALLOW_CREDENTIALS = True
    settings.CORS_URLS_REGEX = r"^/api/.*$"
    settings.CORS_PATHS = {re.compile(r"/api/admin/.*"): {"allow_origins": [APP]},
                           "/api/*": {"allow_origins": "*", "allow_credentials": False}}
    response = get(client, path, EVIL)
    assert response.content.startswith(b"endpoint=api")  # the resolver took the newline
    assert acao(response) is None  # not the public '/api/*' policy
    assert acao(get(client, path, APP)) == APP


def test_the_urls_regex_gates_cors_paths(client: Client, settings: Any) -> None:
    """CORS_URLS_REGEX decides where CORS applies at all, as in django-cors-headers;
    CORS_PATHS refine inside it, even a pattern that also matches outside it."""
    settings.CORS_ALLOWED_ORIGINS = [APP]
    settings.CORS_URLS_REGEX = r"^/api/.*$"
    settings.CORS_PATHS = {"/api/admin/*": None, "/v2/*": {"allow_origins": "*"}}
    assert acao(get(client, "/api/items", APP)) == APP
    response = get(client, "/api/admin/users", APP)
    assert response.content == b"endpoint=api_admin" and acao(response) is None
    response = get(client, "/v2/items", APP)
    assert response.content.startswith(b"endpoint=v2") and acao(response) is None
    assert acao(get(client, "/me", APP)) is None


# -- item 13: CORS_PATHS regexes, the narrower first whatever the order ---------------

@pytest.mark.parametrize("reverse", [False, True])
def test_the_narrower_cors_paths_regex_wins(client: Client, settings: Any,
                                            reverse: bool) -> None:
    entries = [(re.compile(r"/(?:api|v2)/.*"), {"allow_origins": "*"}),
               (re.compile(r"/api/admin/[a-z]+"), {"allow_origins": [ADMIN]})]
    settings.CORS_PATHS = dict(entries[::-1] if reverse else entries)
    response = get(client, "/api/admin/users", EVIL)
    assert response.content == b"endpoint=api_admin"
    assert acao(response) is None
    assert acao(get(client, "/api/admin/users", ADMIN)) == ADMIN
    assert acao(get(client, "/api/items", EVIL)) == "*"


def test_a_regex_no_linear_matcher_runs_is_a_check_error(settings: Any) -> None:
    settings.CORS_URLS_REGEX = r"^/api/(a+)\1$"
    errors = [message for message in run_checks() if message.id == "wsgicors.E046"]
    assert [error.obj for error in errors] == ["CORS_URLS_REGEX"]
    settings.CORS_URLS_REGEX = r"^.*$"
    settings.CORS_PATHS = {re.compile(r"/x/(?=a*b)(a+)\1"): None}
    assert [m.obj for m in run_checks() if m.id == "wsgicors.E046"] == ["CORS_PATHS"]


# -- item 14: a receiver never grants Private Network Access --------------------------

@pytest.fixture
def yes_to_everyone() -> Iterator[None]:
    from wsgicors_django.signals import check_request_enabled

    def receiver(sender: object, request: Any, **kwargs: object) -> bool:
        return True

    check_request_enabled.connect(receiver)
    yield
    check_request_enabled.disconnect(receiver)


def test_receiver_enabled_origins_get_no_private_network_access(
    client: Client, settings: Any, yes_to_everyone: None
) -> None:
    settings.CORS_ALLOWED_ORIGINS = [APP]
    settings.CORS_ALLOW_PRIVATE_NETWORK = True
    asks = {"Access-Control-Request-Private-Network": "true"}
    listed = preflight(client, "/api/items", APP, **asks)
    assert listed.status_code == 204
    assert listed.headers["Access-Control-Allow-Private-Network"] == "true"
    enabled = preflight(client, "/api/items", EVIL, **asks)
    assert enabled.status_code == 204 and acao(enabled) == EVIL  # the receiver said yes...
    assert "Access-Control-Allow-Private-Network" not in enabled.headers  # ...not to PNA
    assert "Access-Control-Allow-Credentials" not in enabled.headers
