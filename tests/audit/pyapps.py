"""The Python servers of the audit tests, chosen by ``WSGICORS_AUDIT_APP``.

Misconfigured as people do (prefix-matching regexes, ``*`` with credentials) and
configured right, for flask-cors, django-cors-headers, Starlette and wsgicors. Served
by servers.py under waitress (``wsgi_app``) or uvicorn (``asgi_app``: Starlette, and
wsgicors.asgi in a Starlette app).
"""

from __future__ import annotations

import os
from typing import Any

TRUSTED = "https://app.example.com"
NAME = os.environ.get("WSGICORS_AUDIT_APP", "")


def _flask(**options: Any) -> Any:
    from flask import Flask
    from flask_cors import CORS

    app = Flask(__name__)
    app.add_url_rule("/data", "data", lambda: "data\n")
    CORS(app, **options)
    return app


def _django(**settings: Any) -> Any:
    import django
    from django.conf import settings as conf
    from django.http import HttpResponse
    from django.urls import path

    conf.configure(
        DEBUG=False, SECRET_KEY="audit-tests", ALLOWED_HOSTS=["*"], ROOT_URLCONF=__name__,
        INSTALLED_APPS=["corsheaders"],
        MIDDLEWARE=["corsheaders.middleware.CorsMiddleware"], **settings)
    django.setup()
    globals()["urlpatterns"] = [path("data", lambda request: HttpResponse("data\n"))]
    from django.core.wsgi import get_wsgi_application

    return get_wsgi_application()


def _starlette(**options: Any) -> Any:
    from starlette.middleware.cors import CORSMiddleware

    return _starlette_with(CORSMiddleware, **options)


def _starlette_with(middleware: Any, **options: Any) -> Any:
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    async def data(request: Any) -> PlainTextResponse:
        return PlainTextResponse("data\n")

    return Starlette(routes=[Route("/data", data)],
                     middleware=[Middleware(middleware, **options)])


def _wsgicors() -> Any:
    from wsgicors import CORSMiddleware

    def data(environ: Any, start_response: Any) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"data\n"]

    return CORSMiddleware(data, allow_origins=[TRUSTED], allow_credentials=True,
                          allow_methods=["GET", "POST"], allow_headers=["content-type"])


def _wsgicors_asgi() -> Any:
    from wsgicors.asgi import CORSMiddleware

    return _starlette_with(CORSMiddleware, allow_origins=[TRUSTED], allow_credentials=True)


def build(name: str) -> Any:
    """The application called *name*."""
    if name == "flask-cors-prefix-regex":
        # flask-cors matches regexes with re.match: anchored at the start only.
        return _flask(origins=[r"https://app\.example\.com"], supports_credentials=True)
    if name == "flask-cors-allowlist":
        return _flask(origins=[TRUSTED], supports_credentials=True,
                      allow_headers=["Content-Type"])
    if name == "django-cors-headers-prefix-regex":
        return _django(CORS_ALLOWED_ORIGIN_REGEXES=[r"^https://app\.example\.com"],
                       CORS_ALLOW_CREDENTIALS=True)
    if name == "django-cors-headers-allowlist":
        return _django(CORS_ALLOWED_ORIGINS=[TRUSTED], CORS_ALLOW_CREDENTIALS=True)
    if name == "starlette-wildcard-credentials":
        return _starlette(allow_origins=["*"], allow_credentials=True, allow_methods=["*"],
                          allow_headers=["*"])
    if name == "starlette-allowlist":
        return _starlette(allow_origins=[TRUSTED], allow_credentials=True,
                          allow_methods=["GET", "POST"], allow_headers=["content-type"])
    if name == "wsgicors":
        return _wsgicors()
    if name == "wsgicors-asgi":
        return _wsgicors_asgi()
    raise ValueError(f"unknown app {name!r}")


if NAME.startswith("starlette") or NAME.endswith("-asgi"):
    asgi_app = build(NAME)
elif NAME:
    wsgi_app = build(NAME)
