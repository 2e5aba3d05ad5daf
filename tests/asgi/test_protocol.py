"""The CORS protocol through wsgicors.asgi.CORSMiddleware, with Starlette's TestClient.

Every assertion is on what a browser receives: status codes, headers, bodies, and
whether a request reached the application.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.middleware import Middleware
from starlette.testclient import TestClient

from wsgicors.asgi import CORSMiddleware

from .support import CHUNKS, EVIL, ORIGIN, OTHER, Site, cors_names, preflight_headers

OPTIONS = {"allow_origins": [ORIGIN], "allow_methods": ["GET", "PUT"],
           "allow_headers": ["x-request-id"], "expose_headers": ["x-total"],
           "allow_credentials": True}


@pytest.fixture
def site() -> Site:
    return Site()


@pytest.fixture
def client(site: Site) -> Iterator[TestClient]:
    app = site.starlette([Middleware(CORSMiddleware, **OPTIONS)])
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


# -- preflights ---------------------------------------------------------------------

def test_preflight_allowed_is_204_and_never_reaches_the_app(
    client: TestClient, site: Site
) -> None:
    reply = client.options("/items", headers=preflight_headers(headers="X-Request-Id"))
    assert reply.status_code == 204
    assert reply.content == b""
    assert reply.headers["access-control-allow-origin"] == ORIGIN
    assert reply.headers["access-control-allow-credentials"] == "true"
    assert reply.headers["access-control-allow-methods"] == "GET, PUT"
    assert "x-request-id" in reply.headers["access-control-allow-headers"].split(", ")
    assert reply.headers["access-control-max-age"] == "600"  # Starlette's default
    assert site.hits == []


@pytest.mark.parametrize(("sent", "step"), [
    (preflight_headers(origin=EVIL), "origin"),
    (preflight_headers(method="PROPFIND"), "method"),
    (preflight_headers(method="put"), "method"),
    (preflight_headers(headers="x-unknown"), "headers"),
    (preflight_headers(origin="null"), "origin"),
])
def test_preflight_refused_is_403_without_cors_headers(
    client: TestClient, site: Site, sent: dict[str, str], step: str
) -> None:
    reply = client.options("/items", headers=sent)
    assert reply.status_code == 403
    assert cors_names(reply.headers) == set()
    assert reply.text == f"CORS preflight refused: {step} not allowed\n"
    assert "Origin" in reply.headers["vary"]
    assert site.hits == []


def test_plain_options_reaches_the_app(client: TestClient, site: Site) -> None:
    reply = client.options("/items", headers={"Origin": ORIGIN})
    assert reply.status_code == 200
    assert site.hits == [("OPTIONS", "/items")]
    assert reply.headers["access-control-allow-origin"] == ORIGIN


def test_starlette_always_allowed_headers_stay_allowed(client: TestClient) -> None:
    # A FastAPI client posting JSON asks for content-type: Starlette allows it always.
    reply = client.options("/items", headers=preflight_headers(
        method="POST", headers="content-type,accept-language"))
    assert reply.status_code == 204


def test_private_network_preflight(site: Site) -> None:
    app = site.starlette([Middleware(CORSMiddleware, allow_origins=[ORIGIN],
                                     allow_methods=["PUT"], allow_private_network=True)])
    reply = TestClient(app).options("/items", headers=preflight_headers(
        **{"Access-Control-Request-Private-Network": "true"}))
    assert reply.status_code == 204
    assert reply.headers["access-control-allow-private-network"] == "true"


# -- actual responses -----------------------------------------------------------------

def test_allowed_origin_gets_its_headers(client: TestClient, site: Site) -> None:
    reply = client.get("/items", headers={"Origin": ORIGIN})
    assert reply.status_code == 200
    assert reply.json() == {"method": "GET", "body": ""}
    assert reply.headers["access-control-allow-origin"] == ORIGIN
    assert reply.headers["access-control-allow-credentials"] == "true"
    assert reply.headers["access-control-expose-headers"] == "x-total"
    assert reply.headers["vary"] == "Origin"
    assert reply.headers["x-total"] == "3"


@pytest.mark.parametrize("origin", [EVIL, "null", ORIGIN + "/", ORIGIN.upper(), None])
def test_refused_origin_gets_no_cors_headers_but_vary(
    client: TestClient, origin: str | None
) -> None:
    reply = client.get("/items", headers={"Origin": origin} if origin else {})
    assert reply.status_code == 200
    assert cors_names(reply.headers) == set()
    assert reply.headers["vary"] == "Origin"


def test_simple_post_from_refused_origin_still_reaches_the_app(
    client: TestClient, site: Site
) -> None:
    reply = client.post("/items", headers={"Origin": EVIL}, content=b"x")
    assert reply.status_code == 200
    assert site.hits == [("POST", "/items")]
    assert cors_names(reply.headers) == set()


def test_vary_merged_with_the_apps_own(client: TestClient) -> None:
    reply = client.get("/vary", headers={"Origin": ORIGIN})
    assert reply.headers.get_list("vary") == ["Accept-Encoding, Origin"]


def test_apps_own_cors_headers_are_respected(client: TestClient) -> None:
    reply = client.get("/own-cors", headers={"Origin": ORIGIN})
    assert reply.headers.get_list("access-control-allow-origin") == ["https://own.example"]
    assert "access-control-allow-credentials" not in reply.headers
    assert reply.headers["vary"] == "Cookie, Origin"


def test_credentials_never_doubled(client: TestClient) -> None:
    reply = client.get("/own-credentials", headers={"Origin": ORIGIN})
    assert reply.headers.get_list("access-control-allow-credentials") == ["true"]
    refused = client.get("/own-credentials", headers={"Origin": EVIL})
    # The app's own header on a refused origin is the app's business: left as it is.
    assert refused.headers.get_list("access-control-allow-credentials") == ["true"]
    assert "access-control-allow-origin" not in refused.headers


@pytest.mark.parametrize(("path", "status"), [("/no/such/route", 404), ("/boom", 500)])
def test_headers_on_error_statuses_when_wrapping_the_whole_app(
    site: Site, path: str, status: int
) -> None:
    app = CORSMiddleware(site.starlette(), **OPTIONS)
    reply = TestClient(app, raise_server_exceptions=False).get(path, headers={"Origin": ORIGIN})
    assert reply.status_code == status
    assert reply.headers["access-control-allow-origin"] == ORIGIN
    assert reply.headers["vary"] == "Origin"


def test_404_inside_the_middleware_stack_has_headers(client: TestClient) -> None:
    reply = client.get("/no/such/route", headers={"Origin": ORIGIN})
    assert reply.status_code == 404
    assert reply.headers["access-control-allow-origin"] == ORIGIN


def test_unhandled_exception_500_comes_from_outside_user_middleware(
    client: TestClient,
) -> None:
    # Documented in docs/asgi.rst: Starlette's ServerErrorMiddleware wraps every user
    # middleware, so its 500 never passes through any CORS middleware; wrapping the
    # whole app (previous test) is the way to get CORS headers on it.
    reply = client.get("/boom", headers={"Origin": ORIGIN})
    assert reply.status_code == 500
    assert "access-control-allow-origin" not in reply.headers


def test_streamed_body_passes_untouched() -> None:
    """Each body message reaches the server as the app sent it, one at a time (driven
    by hand: Starlette's TestClient before 1.9 joins the chunks itself)."""

    async def streaming_app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"text/plain")]})
        for index, chunk in enumerate(CHUNKS):
            await send({"type": "http.response.body", "body": chunk,
                        "more_body": index < len(CHUNKS) - 1})

    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": "GET", "scheme": "https", "path": "/stream", "raw_path": b"/stream",
             "root_path": "", "query_string": b"", "server": ("api", 443),
             "headers": [(b"origin", ORIGIN.encode())]}
    asyncio.run(CORSMiddleware(streaming_app, **OPTIONS)(scope, receive, send))
    start, *bodies = sent
    assert (b"Access-Control-Allow-Origin", ORIGIN.encode()) in start["headers"]
    assert [message["body"] for message in bodies] == CHUNKS
    assert [message["more_body"] for message in bodies] == [True] * (len(CHUNKS) - 1) + [False]


# -- scopes that are not HTTP ---------------------------------------------------------

def test_websocket_passes_through_untouched(client: TestClient) -> None:
    # CORS does not apply to WebSockets: even a refused origin is connected, and the
    # handshake's Origin reaches the application, which must check it itself.
    with client.websocket_connect("/ws", headers={"Origin": EVIL}) as socket:
        assert socket.receive_text() == EVIL


def test_lifespan_passes_through(site: Site) -> None:
    app = site.starlette([Middleware(CORSMiddleware, **OPTIONS)])
    with TestClient(app):
        assert site.lifespan == ["startup"]
    assert site.lifespan == ["startup", "shutdown"]


# -- allow_origin_func -----------------------------------------------------------------

def test_allow_origin_func_runs_off_the_event_loop(site: Site) -> None:
    asked: list[tuple[str, bool]] = []

    def partner(origin: str) -> bool:
        try:
            asyncio.get_running_loop()
            on_loop = True
        except RuntimeError:
            on_loop = False
        asked.append((origin, on_loop))
        return origin == OTHER

    app = CORSMiddleware(site.starlette(), allow_origins=[ORIGIN], allow_origin_func=partner,
                         allow_methods=["PUT"])
    client = TestClient(app)
    assert client.get("/items", headers={"Origin": OTHER}).headers[
        "access-control-allow-origin"] == OTHER
    assert client.options("/items", headers=preflight_headers(origin=OTHER)).status_code == 204
    assert cors_names(client.get("/items", headers={"Origin": EVIL}).headers) == set()
    assert client.get("/items", headers={"Origin": ORIGIN}).status_code == 200
    # Listed origins never call it; the others were decided in a worker thread.
    assert asked == [(OTHER, False), (OTHER, False), (EVIL, False)]


def test_allow_origin_func_does_not_block_the_event_loop(site: Site) -> None:
    started, release = threading.Event(), threading.Event()

    def slow(origin: str) -> bool:
        started.set()
        return release.wait(5)  # a blocking query: says yes only once released

    app = CORSMiddleware(site.starlette(), allow_origin_func=slow)
    with TestClient(app) as client:
        got: list[str | None] = []
        waiting = threading.Thread(target=lambda: got.append(client.get(
            "/items", headers={"Origin": OTHER}).headers.get("access-control-allow-origin")))
        waiting.start()
        assert started.wait(5)
        # While the function blocks, the event loop still serves another request; had
        # it blocked the loop, this would wait the 5 s out and the origin be refused.
        assert client.get("/items").status_code == 200
        release.set()
        waiting.join(10)
    assert got == [OTHER]


def test_a_constant_response_message_is_never_modified() -> None:
    # An app may send the same message dict every time: merging into it would leak
    # one origin's headers into the next response (the rs/cors#198 class of bug).
    start = {"type": "http.response.start", "status": 200,
             "headers": [(b"content-type", b"text/plain"), (b"vary", b"Accept")]}
    body = {"type": "http.response.body", "body": b"ok"}

    async def constant_app(scope: Any, receive: Any, send: Any) -> None:
        await send(start)
        await send(body)

    client = TestClient(CORSMiddleware(constant_app, allow_origins=[ORIGIN, OTHER]))
    for origin in (ORIGIN, OTHER, EVIL):
        reply = client.get("/", headers={"Origin": origin})
        assert reply.headers.get("access-control-allow-origin") == (
            None if origin == EVIL else origin)
        assert reply.headers["vary"] == "Accept, Origin"
    assert start["headers"] == [(b"content-type", b"text/plain"), (b"vary", b"Accept")]
