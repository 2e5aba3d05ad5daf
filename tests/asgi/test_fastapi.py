"""FastAPI with ``app.add_middleware(CORSMiddleware, ...)``, and a real uvicorn server
on loopback serving a FastAPI app wrapped by the middleware."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.responses import StreamingResponse
from fastapi.testclient import TestClient
from pydantic import BaseModel

from wsgicors.asgi import CORSMiddleware

from .support import EVIL, ORIGIN, cors_names, preflight_headers


class Item(BaseModel):
    name: str


def fastapi_app() -> tuple[FastAPI, threading.Event]:
    """A FastAPI app with a JSON API and a stream that waits for the client."""
    app = FastAPI()
    released = threading.Event()

    @app.get("/items")
    def list_items() -> list[Item]:
        return [Item(name="a")]

    @app.post("/items")
    def create_item(item: Item) -> Item:
        return item

    @app.get("/crash")
    def crash() -> None:
        raise RuntimeError("unhandled")

    @app.get("/stream")
    def stream() -> StreamingResponse:
        async def chunks() -> AsyncIterator[bytes]:
            yield b"first\n"
            # Wait (bounded) for the client to confirm it has read the first chunk:
            # only a body that is not buffered on the way lets it.
            for _ in range(500):
                if released.is_set():
                    yield b"released\n"
                    return
                await asyncio.sleep(0.01)
            yield b"never released\n"

        return StreamingResponse(chunks(), media_type="text/plain")

    return app, released


# -- FastAPI's add_middleware ------------------------------------------------------------

@pytest.fixture
def client() -> TestClient:
    app, _released = fastapi_app()
    app.add_middleware(CORSMiddleware, allow_origins=[ORIGIN], allow_credentials=True)
    return TestClient(app, raise_server_exceptions=False)


def test_json_post_preflight_then_request(client: TestClient) -> None:
    preflight = client.options("/items", headers=preflight_headers(
        method="POST", headers="content-type"))
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == ORIGIN
    reply = client.post("/items", json={"name": "b"}, headers={"Origin": ORIGIN})
    assert reply.json() == {"name": "b"}
    assert reply.headers["access-control-allow-origin"] == ORIGIN
    assert reply.headers["access-control-allow-credentials"] == "true"


def test_validation_error_422_carries_headers(client: TestClient) -> None:
    reply = client.post("/items", json={"wrong": 1}, headers={"Origin": ORIGIN})
    assert reply.status_code == 422
    assert reply.headers["access-control-allow-origin"] == ORIGIN


def test_refused_origin(client: TestClient) -> None:
    reply = client.get("/items", headers={"Origin": EVIL})
    assert reply.status_code == 200
    assert cors_names(reply.headers) == set()
    assert reply.headers["vary"] == "Origin"
    assert client.options("/items", headers=preflight_headers(origin=EVIL)).status_code == 403


# -- a real uvicorn server ----------------------------------------------------------------

@pytest.fixture(scope="module")
def served() -> Iterator[tuple[str, threading.Event]]:
    app, released = fastapi_app()
    wrapped = CORSMiddleware(app, allow_origins=[ORIGIN], allow_methods=["GET", "PUT"])
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(wrapped, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        for _ in range(500):
            if server.started:
                break
            threading.Event().wait(0.01)
        assert server.started, "uvicorn did not start"
        yield f"http://127.0.0.1:{sock.getsockname()[1]}", released
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()



@pytest.mark.server
def test_uvicorn_preflight_and_actual(served: tuple[str, Any]) -> None:
    url, _released = served
    with httpx.Client(base_url=url, timeout=10) as http:
        preflight = http.options("/items", headers=preflight_headers(headers="content-type"))
        assert preflight.status_code == 204
        assert preflight.headers["access-control-allow-methods"] == "GET, PUT"
        refused = http.options("/items", headers=preflight_headers(method="DELETE"))
        assert refused.status_code == 403
        assert cors_names(refused.headers) == set()
        reply = http.get("/items", headers={"Origin": ORIGIN})
        assert reply.json() == [{"name": "a"}]
        assert reply.headers["access-control-allow-origin"] == ORIGIN


@pytest.mark.server
def test_uvicorn_500_carries_headers_when_wrapping_the_app(served: tuple[str, Any]) -> None:
    url, _released = served
    with httpx.Client(base_url=url, timeout=10) as http:
        reply = http.get("/crash", headers={"Origin": ORIGIN})
    assert reply.status_code == 500
    assert reply.headers["access-control-allow-origin"] == ORIGIN


@pytest.mark.server
def test_uvicorn_streams_without_buffering(served: tuple[str, threading.Event]) -> None:
    url, released = served
    with httpx.Client(base_url=url, timeout=10) as http, http.stream(
            "GET", "/stream", headers={"Origin": ORIGIN}) as reply:
        assert reply.headers["access-control-allow-origin"] == ORIGIN
        lines = reply.iter_lines()
        assert next(lines) == "first"
        released.set()
        assert list(lines) == ["released"]
