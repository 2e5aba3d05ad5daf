"""A Starlette application for the ASGI adapter's tests, and ways to wrap it.

The endpoints cover what the middleware must leave alone or merge into: a JSON
resource, a response with its own ``Vary``, one that sets CORS headers itself, a
streamed body, the router's 404, an unhandled exception, a WebSocket and lifespan
events. ``hits`` records every request that reached the application.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket

ORIGIN = "https://app.example.com"
OTHER = "https://other.example.com"
EVIL = "https://evil.example.net"
#: The chunks /stream sends, with a pause the test can observe between them.
CHUNKS = [b"first\n", b"second\n", b"third\n"]


class Site:
    """The endpoints plus what the tests observe about them."""

    def __init__(self) -> None:
        self.hits: list[tuple[str, str]] = []
        self.lifespan: list[str] = []

    def routes(self) -> list[Any]:
        return [
            Route("/items", self.items, methods=["GET", "POST", "PUT", "DELETE", "OPTIONS"]),
            Route("/api/items", self.items, methods=["GET", "PUT"]),
            Route("/admin/items", self.items, methods=["GET", "PUT"]),
            Route("/vary", self.vary),
            Route("/own-cors", self.own_cors),
            Route("/own-credentials", self.own_credentials),
            Route("/stream", self.stream),
            Route("/boom", self.boom),
            WebSocketRoute("/ws", self.websocket),
        ]

    async def items(self, request: Request) -> Response:
        self.hits.append((request.method, request.url.path))
        return JSONResponse({"method": request.method, "body": (await request.body()).decode()},
                            headers={"X-Total": "3"})

    async def vary(self, request: Request) -> Response:
        return Response("v", headers={"Vary": "Accept-Encoding"})

    async def own_cors(self, request: Request) -> Response:
        return Response("own", headers={"Access-Control-Allow-Origin": "https://own.example",
                                        "Vary": "Cookie"})

    async def own_credentials(self, request: Request) -> Response:
        return Response("cred", headers={"Access-Control-Allow-Credentials": "true"})

    async def stream(self, request: Request) -> Response:
        async def chunks() -> AsyncIterator[bytes]:
            for chunk in CHUNKS:
                yield chunk

        return StreamingResponse(chunks(), media_type="text/plain")

    async def boom(self, request: Request) -> Response:
        raise RuntimeError("an unhandled exception")

    async def websocket(self, socket: WebSocket) -> None:
        await socket.accept()
        await socket.send_text(socket.headers.get("origin", "no origin"))
        await socket.close()

    def starlette(self, middleware: list[Middleware] | None = None) -> Starlette:
        """The endpoints as a Starlette app with *middleware* (add_middleware style)."""

        @asynccontextmanager
        async def lifespan(app: Starlette) -> AsyncIterator[None]:
            self.lifespan.append("startup")
            yield
            self.lifespan.append("shutdown")

        return Starlette(routes=self.routes(), middleware=middleware, lifespan=lifespan)


def cors_names(headers: Any) -> set[str]:
    """The Access-Control-* header names of a response, lower-cased."""
    return {name.lower() for name in headers if name.lower().startswith("access-control-")}


def preflight_headers(origin: str = ORIGIN, method: str = "PUT", headers: str | None = None,
                      **extra: str) -> dict[str, str]:
    """The request headers of a browser's preflight."""
    sent = {"Origin": origin, "Access-Control-Request-Method": method, **extra}
    if headers is not None:
        sent["Access-Control-Request-Headers"] = headers
    return sent
