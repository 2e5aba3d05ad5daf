"""The middleware under ASGI: Django's AsyncClient drives the real ASGIHandler.

Each test runs its coroutine with ``async_to_sync``, so code that Django hands to
``sync_to_async`` comes back to the test's thread and its database connection,
as it would in a server's thread.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from asgiref.sync import async_to_sync, iscoroutinefunction
from django.http import HttpResponse
from django.test import AsyncClient, Client

from tests.django import views
from wsgicors_django.middleware import CorsMiddleware
from wsgicors_django.signals import check_request_enabled

APP = "https://app.example.com"
TENANT = "https://tenant.example.org"
EVIL = "https://evil.example.net"


def run(coroutine: Callable[[], Awaitable[Any]]) -> Any:
    return async_to_sync(coroutine)()


def fetch(path: str, origin: str | None = None, method: str = "get",
          **headers: str) -> HttpResponse:
    sent = dict(headers)
    if origin is not None:
        sent["Origin"] = origin

    async def request() -> HttpResponse:
        client = AsyncClient(raise_request_exception=False)
        return await getattr(client, method)(path, headers=sent)  # type: ignore[no-any-return]

    return run(request)  # type: ignore[no-any-return]


def preflight(path: str, origin: str, method: str = "PUT") -> HttpResponse:
    return fetch(path, origin, "options", **{"Access-Control-Request-Method": method})


def acao(response: HttpResponse) -> str | None:
    return response.headers.get("Access-Control-Allow-Origin")


def test_middleware_is_a_coroutine_function_under_asgi():
    async def get_response(request: Any) -> HttpResponse:
        return HttpResponse()

    assert iscoroutinefunction(CorsMiddleware(get_response))
    assert not iscoroutinefunction(CorsMiddleware(lambda request: HttpResponse()))


@pytest.mark.parametrize("path", ["/api/items/", "/api/async/"])
def test_allowed_denied_and_no_origin(path):
    allowed = fetch(path, APP)
    assert allowed.status_code == 200
    assert acao(allowed) == APP
    assert allowed["Vary"] == "Origin"
    assert acao(fetch(path, EVIL)) is None
    assert fetch(path)["Vary"] == "Origin"


def test_async_view_ran_as_a_coroutine():
    assert fetch("/api/async/", APP).json() == {"method": "GET", "async": True}


def test_preflight_is_answered_before_the_async_view():
    before = views.CALLS.get("async_items", 0)
    response = preflight("/api/async/", APP)
    assert response.status_code == 204
    assert acao(response) == APP
    assert preflight("/api/async/", EVIL).status_code == 403
    assert views.CALLS.get("async_items", 0) == before


def test_errors_get_headers_under_asgi():
    assert acao(fetch("/api/boom/", APP)) == APP
    assert acao(fetch("/nowhere/", APP)) == APP
    redirect = fetch("/api/items", APP)
    assert redirect.status_code == 301
    assert acao(redirect) == APP


def test_decorated_async_view():
    partner = "https://partner.example"
    assert acao(fetch("/partner/async/", partner)) == partner
    assert acao(fetch("/partner/async/", APP)) is None
    assert preflight("/partner/async/", partner, "GET").status_code == 204


def test_sync_receiver_may_use_the_orm_under_asgi(db):
    """django-cors-headers issue #915: its signal is sent from the event loop."""
    check_request_enabled.connect(views.signal_receiver)
    try:
        response = fetch("/api/async/", TENANT)
        answered = preflight("/api/async/", TENANT)
    finally:
        check_request_enabled.disconnect(views.signal_receiver)
    assert acao(response) == TENANT
    assert answered.status_code == 204


def test_async_receiver_is_awaited(db):
    seen: list[str] = []

    async def receiver(sender: object, request: Any, **kwargs: Any) -> bool:
        seen.append(request.path)
        return request.headers.get("origin") == TENANT

    check_request_enabled.connect(receiver)
    try:
        assert acao(fetch("/api/items/", TENANT)) == TENANT
        assert acao(fetch("/api/items/", EVIL)) is None
    finally:
        check_request_enabled.disconnect(receiver)
    assert seen == ["/api/items/", "/api/items/"]


def test_async_receiver_under_wsgi(client):
    async def receiver(sender: object, request: Any, **kwargs: Any) -> bool:
        return True

    check_request_enabled.connect(receiver)
    try:
        response = client.get("/api/items/", headers={"Origin": TENANT})
    finally:
        check_request_enabled.disconnect(receiver)
    assert acao(response) == TENANT


def test_allow_origin_func_may_use_the_orm_under_asgi(settings, db):
    settings.CORS_ALLOW_ORIGIN_FUNC = "tests.django.views.origin_in_db"
    assert acao(fetch("/api/async/", TENANT)) == TENANT
    assert preflight("/api/async/", TENANT).status_code == 204
    assert acao(fetch("/api/async/", APP)) == APP  # static origins: no thread needed
    assert acao(fetch("/api/async/", EVIL)) is None


# -- one decision for both modes ---------------------------------------------------------

CASES = [(path, origin, kind) for path in ("/api/items/", "/api/async/", "/partner/report/",
                                           "/public/", "/api/exempt/", "/nowhere/")
         for origin in (APP, EVIL, "https://partner.example", "null", None)
         for kind in ("get", "preflight")]


def _cors_of(response: HttpResponse) -> tuple[int, dict[str, str]]:
    return response.status_code, {name: value for name, value in response.headers.items()
                                  if name.lower().startswith("access-control-")
                                  or name.lower() == "vary"}


@pytest.mark.parametrize("settings_case", ["plain", "paths", "signal"])
def test_sync_and_async_give_the_same_answers(settings, settings_case, db):
    """The two modes run the same decisions: same status, same CORS headers, same Vary."""
    if settings_case == "paths":
        settings.CORS_PATHS = {"/api/*": {"allow_origins": [APP], "max_age": 60},
                               "/public/*": None}
    receiver = views.signal_receiver
    if settings_case == "signal":
        check_request_enabled.connect(receiver)
    try:
        for path, origin, kind in CASES:
            if kind == "preflight" and origin is None:
                continue
            sent = {} if origin is None else {"Origin": origin}
            if kind == "preflight":
                sent["Access-Control-Request-Method"] = "PUT"
            method = "options" if kind == "preflight" else "get"
            sync = getattr(Client(raise_request_exception=False), method)(path, headers=sent)
            asynchronous = fetch(path, origin, method, **{
                k: v for k, v in sent.items() if k != "Origin"})
            assert _cors_of(sync) == _cors_of(asynchronous), (settings_case, path, origin, kind)
    finally:
        check_request_enabled.disconnect(receiver)
