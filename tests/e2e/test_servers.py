"""Smoke set on every real server kind and adapter, over plain HTTP (httpx).

The browser suite runs each adapter on one server; this checks the decisions that
could differ with the server (header handling, error pages, streaming of the
preflight answer) on all of them: gunicorn sync and gthread, waitress, and uvicorn
for Django's ASGI mode and for Starlette behind wsgicors.asgi.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from . import apps, servers
from .apps import require_adapter

pytestmark = pytest.mark.server

PAGE_PORT = 8000
PAGE = f"http://localhost:{PAGE_PORT}"
SUB = f"http://app.localhost:{PAGE_PORT}"
EVIL = "http://evil.example"
COMBOS = [(kind, adapter) for kind in servers.SERVER_KINDS[:3] for adapter in apps.ADAPTERS]
COMBOS += [("uvicorn-asgi", "django"), ("uvicorn-asgi", "asgi")]


@pytest.fixture(scope="module", params=COMBOS, ids=[f"{a}@{k}" for k, a in COMBOS])
def server(request: pytest.FixtureRequest) -> Iterator[servers.Server]:
    kind, adapter = request.param
    require_adapter(adapter)
    with servers.start(kind, adapter, apps.profiles(PAGE_PORT)["main"]) as running:
        yield running


@pytest.fixture(scope="module")
def client(server: servers.Server) -> Iterator[httpx.Client]:
    # Starlette re-raises an unhandled exception after sending its 500, and uvicorn then
    # closes the connection: a kept-alive connection would race that close.
    limits = httpx.Limits(max_keepalive_connections=0 if server.adapter == "asgi" else 20)
    with httpx.Client(base_url=server.url, timeout=10, limits=limits) as session:
        yield session


def _preflight(client: httpx.Client, origin: str, method: str = "PUT",
               headers: str | None = None, **extra: str) -> httpx.Response:
    sent = {"Origin": origin, "Access-Control-Request-Method": method, **extra}
    if headers:
        sent["Access-Control-Request-Headers"] = headers
    return client.options("/data", headers=sent)


def test_preflight_allowed(client: httpx.Client) -> None:
    reply = _preflight(client, PAGE, "PUT", "content-type,x-allowed")
    assert reply.status_code == 204
    assert reply.headers["access-control-allow-origin"] == PAGE
    assert reply.headers["access-control-allow-credentials"] == "true"
    assert "PUT" in reply.headers["access-control-allow-methods"].split(", ")
    assert {"content-type", "x-allowed"} <= set(
        reply.headers["access-control-allow-headers"].replace(" ", "").split(","))
    assert reply.headers["access-control-max-age"] == "600"


def test_preflight_from_subdomain(client: httpx.Client) -> None:
    assert _preflight(client, SUB).headers["access-control-allow-origin"] == SUB


@pytest.mark.parametrize(("origin", "method", "headers"), [
    (EVIL, "PUT", None), (PAGE, "PROPFIND", None), (PAGE, "PUT", "x-not-allowed"),
    ("null", "PUT", None), (PAGE, "patch", None),
])
def test_preflight_refused_without_cors_headers(
    client: httpx.Client, origin: str, method: str, headers: str | None
) -> None:
    reply = _preflight(client, origin, method, headers)
    assert reply.status_code == 403
    assert not [name for name in reply.headers if name.startswith("access-control-")]


def test_private_network_preflight(client: httpx.Client) -> None:
    reply = _preflight(client, PAGE, **{"Access-Control-Request-Private-Network": "true"})
    assert reply.headers["access-control-allow-private-network"] == "true"


@pytest.mark.parametrize("path", ["/data", "/status/404", "/status/500", "/redirect?to=/data"])
def test_actual_allowed_on_every_status(client: httpx.Client, path: str) -> None:
    reply = client.get(path, headers={"Origin": PAGE})
    assert reply.headers["access-control-allow-origin"] == PAGE
    assert reply.headers["access-control-allow-credentials"] == "true"
    assert "origin" in reply.headers["vary"].lower()


def test_actual_exposes_listed_headers(client: httpx.Client) -> None:
    reply = client.get("/data", headers={"Origin": PAGE})
    assert reply.headers["access-control-expose-headers"].lower() == "x-exposed"


@pytest.mark.parametrize("origin", [EVIL, "null", PAGE + "/", PAGE.upper(), None])
def test_actual_refused_still_varies(client: httpx.Client, origin: str | None) -> None:
    reply = client.get("/data", headers={"Origin": origin} if origin else {})
    assert reply.status_code == 200
    assert "access-control-allow-origin" not in reply.headers
    assert "access-control-allow-credentials" not in reply.headers
    assert "origin" in reply.headers["vary"].lower()
