"""Multi-tenant origins through real Flask and FastAPI apps (and a real uvicorn server):
customer1.mysite.com accepts https://customer1.com, customer2.mysite.com does not, with
an OriginSource keyed on ``(request.host, origin)``.

Django, with its models and migrations: tests/production/test_django_tenants.py.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from tests.production.support import (
    APP,
    CUSTOMER1,
    CUSTOMER2,
    HOST1,
    HOST2,
    Recorder,
    in_event_loop,
    tenant_source,
)
from wsgicors import ConfigError, CORSPolicy
from wsgicors.asgi import CORSMiddleware
from wsgicors.sources import OriginSource
from wsgicors_flask import CORS


def preflight_headers(origin: str) -> dict[str, str]:
    return {"Origin": origin, "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": "content-type"}


# -- Flask ----------------------------------------------------------------------------

def flask_app(source: Any) -> Flask:
    app = Flask(__name__)

    @app.route("/api/items", methods=["GET", "PUT"])
    def items() -> dict[str, list[str]]:
        return {"items": []}

    CORS(app, policy=CORSPolicy(allow_origins=[APP], allow_origin_func=source,
                                allow_credentials=True, allow_methods=["GET", "PUT"]))
    return app


def test_flask_tenants() -> None:
    source, lookup = tenant_source()
    client = flask_app(source).test_client()

    def get(origin: str, host: str) -> Any:
        return client.get("/api/items", base_url=f"https://{host}", headers={"Origin": origin})

    allowed = get(CUSTOMER1, HOST1)
    assert allowed.headers["Access-Control-Allow-Origin"] == CUSTOMER1
    assert allowed.headers["Access-Control-Allow-Credentials"] == "true"
    assert "Access-Control-Allow-Origin" not in get(CUSTOMER1, HOST2).headers
    assert get(CUSTOMER2, HOST2).headers["Access-Control-Allow-Origin"] == CUSTOMER2
    ok = client.options("/api/items", base_url=f"https://{HOST1}",
                        headers=preflight_headers(CUSTOMER1))
    refused = client.options("/api/items", base_url=f"https://{HOST2}",
                             headers=preflight_headers(CUSTOMER1))
    assert (ok.status_code, refused.status_code) == (204, 403)
    assert sorted(set(lookup.keys)) == [(HOST1, CUSTOMER1), (HOST2, CUSTOMER1),
                                        (HOST2, CUSTOMER2)]  # the rest from the cache
    assert lookup.in_loop == [False, False, False]


def test_flask_behind_proxyfix_sees_the_forwarded_host() -> None:
    recorder = Recorder()
    app = flask_app(recorder)
    app.wsgi_app = ProxyFix(app.wsgi_app, x_host=1, x_proto=1)  # type: ignore[method-assign]
    reply = app.test_client().get("/api/items", base_url="http://10.0.0.7:8000", headers={
        "Origin": CUSTOMER1, "X-Forwarded-Host": HOST1, "X-Forwarded-Proto": "https"})
    assert reply.headers["Access-Control-Allow-Origin"] == CUSTOMER1
    [request] = recorder.requests
    assert (request.host, request.scheme, request.path) == (HOST1, "https", "/api/items")


def test_flask_refuses_an_async_function_with_the_fix() -> None:
    async def allowed(origin: str, request: Any) -> bool:
        return True

    app = Flask(__name__)
    with pytest.raises(ConfigError) as raised:
        CORS(app, policy=CORSPolicy(allow_origins=[APP], allow_origin_func=allowed))
    [problem] = raised.value.problems
    assert (problem.code, problem.option) == ("func-async", "policy")
    assert "OriginSource" in problem.hint


# -- FastAPI --------------------------------------------------------------------------

def fastapi_app(source: Any) -> FastAPI:
    app = FastAPI()

    @app.get("/api/items")
    def items() -> dict[str, list[str]]:
        return {"items": []}

    app.add_middleware(CORSMiddleware, allow_origins=[APP], allow_origin_func=source,
                       allow_credentials=True, allow_methods=["GET", "PUT"])
    return app


@pytest.mark.parametrize("is_async", [False, True], ids=["sync lookup", "async lookup"])
def test_fastapi_tenants(is_async: bool) -> None:
    source, lookup = tenant_source(is_async)
    app = fastapi_app(source)
    one = TestClient(app, base_url=f"https://{HOST1}")
    two = TestClient(app, base_url=f"https://{HOST2}")
    for _ in range(2):
        assert one.get("/api/items", headers={"Origin": CUSTOMER1}).headers[
            "Access-Control-Allow-Origin"] == CUSTOMER1
        assert "Access-Control-Allow-Origin" not in two.get(
            "/api/items", headers={"Origin": CUSTOMER1}).headers
    assert one.options("/api/items", headers=preflight_headers(CUSTOMER1)).status_code == 204
    assert two.options("/api/items", headers=preflight_headers(CUSTOMER1)).status_code == 403
    assert two.options("/api/items", headers=preflight_headers(CUSTOMER2)).status_code == 204
    assert lookup.keys == [(HOST1, CUSTOMER1), (HOST2, CUSTOMER1), (HOST2, CUSTOMER2)]
    # An async lookup is awaited in the event loop; a plain one runs in a worker thread.
    assert set(lookup.in_loop) == {is_async}


def test_fastapi_awaits_an_async_function_in_the_loop_with_the_request() -> None:
    seen: list[Any] = []

    async def allowed(origin: str, request: Any) -> bool:
        seen.append((request.host, request.scheme, request.path, request.method,
                     request.headers.get("x-tenant"), in_event_loop(),
                     threading.current_thread() is threading.main_thread()))
        return (request.host, origin) == (HOST1, CUSTOMER1)

    client = TestClient(fastapi_app(allowed), base_url=f"https://{HOST1}")
    reply = client.get("/api/items", headers={"Origin": CUSTOMER1, "X-Tenant": "one"})
    assert reply.headers["Access-Control-Allow-Origin"] == CUSTOMER1
    assert seen == [(HOST1, "https", "/api/items", "GET", "one", True, False)]


def test_a_plain_two_argument_function_runs_in_a_worker_thread() -> None:
    recorder = Recorder()
    loop_threads: list[bool] = []

    def allowed(origin: str, request: Any) -> bool:
        loop_threads.append(in_event_loop())
        return recorder(origin, request)

    client = TestClient(fastapi_app(allowed), base_url=f"https://{HOST2}")
    assert client.get("/api/items", headers={"Origin": CUSTOMER2}).headers[
        "Access-Control-Allow-Origin"] == CUSTOMER2
    assert loop_threads == [False]
    assert recorder.requests[0].host == HOST2


# -- a real uvicorn server --------------------------------------------------------------

@pytest.fixture(scope="module")
def uvicorn_port() -> Iterator[tuple[int, OriginSource]]:
    source, _lookup = tenant_source(is_async=True)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(fastapi_app(source), log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        thread.join(0.05)
    try:
        yield sock.getsockname()[1], source
    finally:
        server.should_exit = True
        thread.join(10)


@pytest.mark.server
def test_uvicorn_tenants(uvicorn_port: tuple[int, OriginSource]) -> None:
    port, _source = uvicorn_port

    def acao(origin: str, host: str) -> str | None:
        reply = httpx.get(f"http://127.0.0.1:{port}/api/items",
                          headers={"Origin": origin, "Host": host}, timeout=10)
        assert reply.status_code == 200
        return reply.headers.get("Access-Control-Allow-Origin")

    assert acao(CUSTOMER1, HOST1) == CUSTOMER1
    assert acao(CUSTOMER1, f"{HOST1}:80") == CUSTOMER1  # the default port is dropped
    assert acao(CUSTOMER1, HOST2) is None
    assert acao(CUSTOMER2, HOST2) == CUSTOMER2
