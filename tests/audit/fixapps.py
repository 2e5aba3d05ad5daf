"""Credentialed applications with a CORS hole, one per Python stack, for the fix tests.

Each serves ``/api/items`` (``X-Total`` in its answer) and lets
:data:`TRUSTED` and :data:`OTHER` read it with credentials, ``PUT`` it with an
``X-Api-Key`` header and read ``X-Total``: what its pages need, which the audit's fix
must keep. Each also lets an attacker's origin in, the way its library is misused:

* ``wsgicors_app``: an ``allow_origin_func`` that checks the end of the origin;
* ``flask_app`` (wsgicors_flask) and ``starlette_app`` (wsgicors.asgi): every
  subdomain trusted with credentials;
* ``flask_cors_app``: a flask-cors regex matched at the start only, next to an exact
  origin; ``flask_cors_one_app``: the regex alone (flask-cors then sends no Vary);
* ``starlette_cors_app``: Starlette's ``allow_origins=["*"]`` with credentials.

:func:`bare` builds the same application without CORS, for the fix to be applied to;
the tests put the fixed application in :data:`FIXED` to audit it by name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

TRUSTED = "https://app.example.com"
#: An origin the configuration lists that the audit is not told about.
OTHER = "https://admin.example.org"
NEEDS = {"methods": ["GET", "PUT"], "headers": ["x-api-key"], "expose": ["X-Total"]}
#: The fixed application under audit (set by the tests).
FIXED: Any = None


def ends_with_example_com(origin: str) -> bool:
    """A hand-written check: anything ending in example.com (attackerexample.com too)."""
    return origin.endswith("example.com")


def _wsgi(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    start_response("200 OK", [("Content-Type", "application/json"), ("X-Total", "3")])
    return [b"[]"]


def _flask() -> Any:
    from flask import Flask, Response

    app = Flask("fixapps")

    @app.route("/api/items", methods=["GET", "PUT"])
    def items() -> Response:
        return Response("[]", headers={"X-Total": "3"})

    return app


def _starlette() -> Any:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    async def items(request: Request) -> PlainTextResponse:
        return PlainTextResponse("[]", headers={"X-Total": "3"})

    return Starlette(routes=[Route("/api/items", items, methods=["GET", "PUT"])])


#: Each stack's application without CORS.
BARE: dict[str, Callable[[], Any]] = {
    "wsgicors": lambda: _wsgi, "flask": _flask, "starlette": _starlette,
    "flask-cors": _flask, "starlette-cors": _starlette,
}


def bare(stack: str) -> Any:
    """*stack*'s application, without CORS."""
    return BARE[stack]()


def _wsgicors_app() -> Any:
    from wsgicors import CORSMiddleware

    return CORSMiddleware(_wsgi, allow_origins=[OTHER], allow_origin_func=ends_with_example_com,
                          allow_credentials=True, allow_methods=NEEDS["methods"],
                          allow_headers=NEEDS["headers"], expose_headers=NEEDS["expose"])


def _flask_app() -> Any:
    from wsgicors_flask import CORS

    app = _flask()
    CORS(app, origins=[OTHER, "https://*.example.com"], supports_credentials=True,
         methods=NEEDS["methods"], allow_headers=NEEDS["headers"],
         expose_headers=NEEDS["expose"])
    return app


def _starlette_app() -> Any:
    from wsgicors.asgi import CORSMiddleware

    app = _starlette()
    app.add_middleware(CORSMiddleware, allow_origins=[OTHER, "https://*.example.com"],
                       allow_credentials=True, allow_methods=NEEDS["methods"],
                       allow_headers=NEEDS["headers"], expose_headers=NEEDS["expose"])
    return app


def _flask_cors_app(origins: list[str]) -> Any:
    from flask_cors import CORS

    app = _flask()
    CORS(app, origins=origins, supports_credentials=True, methods=NEEDS["methods"],
         allow_headers=NEEDS["headers"], expose_headers=NEEDS["expose"])
    return app


def _starlette_cors_app() -> Any:
    from starlette.middleware.cors import CORSMiddleware

    app = _starlette()
    app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_credentials=True,
                       allow_methods=NEEDS["methods"], allow_headers=NEEDS["headers"],
                       expose_headers=NEEDS["expose"])
    return app


wsgicors_app = _wsgicors_app()
flask_app = _flask_app()
starlette_app = _starlette_app()
flask_cors_app = _flask_cors_app([OTHER, r"https://app\.example\.com"])
flask_cors_one_app = _flask_cors_app([r"https://app\.example\.com"])
starlette_cors_app = _starlette_cors_app()
