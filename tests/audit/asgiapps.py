"""ASGI applications for ``wsgicors audit --app``: Starlette's CORS and wsgicors.asgi."""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware as StarletteCORS
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from wsgicors.asgi import CORSMiddleware

TRUSTED = "https://app.example.com"


async def _data(request: Any) -> PlainTextResponse:
    return PlainTextResponse("data\n")


def _app(middleware: Any, **options: Any) -> Starlette:
    return Starlette(routes=[Route("/data", _data)],
                     middleware=[Middleware(middleware, **options)])


starlette_wildcard = _app(StarletteCORS, allow_origins=["*"], allow_credentials=True)
wsgicors_asgi = _app(CORSMiddleware, allow_origins=[TRUSTED], allow_credentials=True)
