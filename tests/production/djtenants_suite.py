"""Per-tenant origins in the Django project of tests/sources (its models and migrations),
through the middleware in sync mode (Django's test Client) and in async mode (Django's
ASGIHandler, driven by httpx). Run by tests/production/test_django_tenants.py in a process of its own,
configured with tests.sources.djproject.settings.

The origin function is ``tenants.cors.tenant_source``: an OriginSource keyed on
``(request.host, origin)`` whose lookup queries the tenant's origins.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from asgiref.sync import async_to_sync
from django.core.asgi import get_asgi_application
from django.core.cache import cache
from django.http import HttpResponse
from django.test import Client, override_settings

from tests.production.support import CUSTOMER1, CUSTOMER2, HOST1, HOST2, in_event_loop
from tests.sources.tenants.cors import source
from tests.sources.tenants.models import Tenant, TenantOrigin
from wsgicors import ConfigError
from wsgicors.sources import OriginSource
from wsgicors_django.middleware import CorsMiddleware

pytestmark = pytest.mark.django_db(transaction=True)

TENANT_FUNC = "tests.sources.tenants.cors.tenant_source"
PREFLIGHT = {"Access-Control-Request-Method": "PUT"}


@pytest.fixture(autouse=True)
def tenants() -> Iterator[None]:
    cache.clear()
    source.invalidate()  # the version tenant_source shares too
    one = Tenant.objects.create(host=HOST1)
    two = Tenant.objects.create(host=HOST2)
    TenantOrigin.objects.create(tenant=one, origin=CUSTOMER1)
    TenantOrigin.objects.create(tenant=two, origin=CUSTOMER2)
    with override_settings(CORS_ALLOW_ORIGIN_FUNC=TENANT_FUNC):
        yield


def sync_get(origin: str, host: str, **headers: str) -> HttpResponse:
    response: HttpResponse = Client(HTTP_HOST=host).get(
        "/api/whoami/", headers={"Origin": origin, **headers})
    return response


def asgi(method: str, origin: str, host: str, **headers: str) -> httpx.Response:
    """A request to Django's real ASGIHandler (the middleware in async mode)."""
    async def fetch() -> httpx.Response:
        transport = httpx.ASGITransport(app=get_asgi_application())
        async with httpx.AsyncClient(transport=transport, base_url=f"https://{host}") as client:
            return await client.request(method, "/api/whoami/",
                                        headers={"Origin": origin, **headers})

    return async_to_sync(fetch)()


def async_get(origin: str, host: str) -> httpx.Response:
    return asgi("GET", origin, host)


def async_preflight(origin: str, host: str) -> httpx.Response:
    return asgi("OPTIONS", origin, host, **PREFLIGHT)


def acao(response: HttpResponse | httpx.Response) -> str | None:
    return response.headers.get("Access-Control-Allow-Origin")


def test_sync_mode_each_tenant_allows_its_own_origin() -> None:
    assert acao(sync_get(CUSTOMER1, HOST1)) == CUSTOMER1
    assert acao(sync_get(CUSTOMER1, HOST2)) is None
    assert acao(sync_get(CUSTOMER2, HOST2)) == CUSTOMER2
    assert sync_get(CUSTOMER1, HOST1).headers["Access-Control-Allow-Credentials"] == "true"
    refused = Client(HTTP_HOST=HOST2).options("/api/whoami/",
                                              headers={"Origin": CUSTOMER1, **PREFLIGHT})
    assert refused.status_code == 403
    ok = Client(HTTP_HOST=HOST1).options("/api/whoami/",
                                         headers={"Origin": CUSTOMER1, **PREFLIGHT})
    assert ok.status_code == 204


def test_async_mode_each_tenant_allows_its_own_origin() -> None:
    assert acao(async_get(CUSTOMER1, HOST1)) == CUSTOMER1
    assert acao(async_get(CUSTOMER1, HOST2)) is None
    assert acao(async_get(CUSTOMER2, HOST2)) == CUSTOMER2
    assert async_preflight(CUSTOMER1, HOST1).status_code == 204
    assert async_preflight(CUSTOMER1, HOST2).status_code == 403


def test_revoking_a_tenant_origin_reaches_the_tenant_source() -> None:
    assert acao(sync_get(CUSTOMER1, HOST1)) == CUSTOMER1
    TenantOrigin.objects.filter(origin=CUSTOMER1).delete()  # the signal invalidates
    assert acao(sync_get(CUSTOMER1, HOST1)) is None
    assert acao(async_get(CUSTOMER1, HOST1)) is None


def test_use_x_forwarded_host_applies() -> None:
    with override_settings(USE_X_FORWARDED_HOST=True):
        reply = sync_get(CUSTOMER1, "10.0.0.7:8000", **{"X-Forwarded-Host": HOST1})
    assert acao(reply) == CUSTOMER1


def test_a_host_django_refuses_is_no_tenant() -> None:
    with override_settings(ALLOWED_HOSTS=["other.example"]):
        refused = Client(HTTP_HOST=HOST1).options("/api/whoami/",
                                                  headers={"Origin": CUSTOMER1, **PREFLIGHT})
    assert refused.status_code == 403


# An async lookup with Django's async ORM, awaited by the middleware in the event loop.
LOOPS: list[bool] = []


async def registered_for_host(key: tuple[str, str]) -> bool:
    LOOPS.append(in_event_loop())
    host, origin = key
    return await TenantOrigin.objects.filter(tenant__host=host, origin=origin).aexists()


async_tenant_source = OriginSource(registered_for_host,
                                   key=lambda origin, request: (request.host, origin))


def test_async_mode_awaits_an_async_source_in_the_event_loop() -> None:
    LOOPS.clear()
    with override_settings(CORS_ALLOW_ORIGIN_FUNC=f"{__name__}.async_tenant_source"):
        assert acao(async_get(CUSTOMER1, HOST1)) == CUSTOMER1
        assert acao(async_get(CUSTOMER1, HOST2)) is None
    assert LOOPS == [True, True]


async def bare_async(origin: str, request: Any) -> bool:
    return request.host == HOST1


def test_sync_mode_refuses_a_bare_async_function_async_mode_awaits_it() -> None:
    with override_settings(CORS_ALLOW_ORIGIN_FUNC=f"{__name__}.bare_async"):
        with pytest.raises(ConfigError) as raised:
            CorsMiddleware(lambda request: HttpResponse())
        [problem] = raised.value.problems
        assert (problem.code, problem.option) == ("func-async", "CORS_ALLOW_ORIGIN_FUNC")
        assert "Django in sync mode" in problem.message
        assert acao(async_get(CUSTOMER1, HOST1)) == CUSTOMER1
        assert acao(async_get(CUSTOMER1, HOST2)) is None
