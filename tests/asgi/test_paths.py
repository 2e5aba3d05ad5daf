"""Issue 18 in the ASGI middleware: Starlette's reading of a path, and odd scopes.

Starlette's routes are regexes ending in ``$``, which also matches before a final
newline: ``/api/items%0A`` reaches the ``/api/items`` route. The middleware does not
know the router, so a path whose readings get different policies gets none. Header
names the ASGI spec says are ``bytes`` may arrive as ``bytearray``. Each test failed
before the fix.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from wsgicors import CORSPolicy
from wsgicors.asgi import CORSMiddleware

ADMIN = "https://admin.example.com"
PARTNER = "https://partner.example.org"


def answer(request: Any) -> PlainTextResponse:
    return PlainTextResponse(f"route {request.url.path!r}")


def make_client() -> TestClient:
    app = Starlette(routes=[Route("/api/items", answer), Route("/admin/{name}", answer)],
                    middleware=[Middleware(
                        CORSMiddleware, policy=CORSPolicy(allow_origins=[PARTNER]),
                        paths={"/api/items": CORSPolicy(allow_origins=[ADMIN])})])
    return TestClient(app)


def test_a_final_newline_reaches_the_route_and_fails_closed() -> None:
    client = make_client()
    plain = client.get("/api/items", headers={"Origin": PARTNER})
    assert "access-control-allow-origin" not in plain.headers
    odd = client.get("/api/items%0A", headers={"Origin": PARTNER})
    assert odd.status_code == 200 and odd.text.startswith("route")  # '$' routed it
    assert "access-control-allow-origin" not in odd.headers  # not the default's partner
    assert client.get("/admin/x%0A", headers={"Origin": PARTNER}).headers[
        "access-control-allow-origin"] == PARTNER  # both readings get the default


def run(scope_headers: list[Any]) -> tuple[list[dict[str, Any]], bool]:
    """The messages the middleware sends for a GET with *scope_headers*, and whether
    the application ran."""
    called = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        called.append(True)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": "GET", "path": "/x", "raw_path": b"/x", "query_string": b"",
             "root_path": "", "headers": scope_headers}
    asyncio.run(CORSMiddleware(app, allow_origins=[PARTNER])(scope, receive, send))
    return sent, bool(called)


def test_bytearray_header_names_are_read() -> None:
    sent, called = run([(bytearray(b"origin"), bytearray(PARTNER.encode())),
                        (bytearray(b"accept"), b"*/*")])
    assert called
    assert (b"access-control-allow-origin", PARTNER.encode()) in [
        (name.lower(), value) for name, value in sent[0]["headers"]]


@pytest.mark.parametrize("headers", [
    [("origin", PARTNER)], [(b"origin", PARTNER)], [(1, 2)], [(b"origin",)],
])
def test_header_entries_against_the_spec_pass_through_without_cors(headers: Any) -> None:
    sent, called = run(headers)
    assert called
    assert not any(name.lower().startswith(b"access-control-")
                   for name, _value in sent[0]["headers"])
