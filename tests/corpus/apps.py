"""Tiny real apps for one configuration, and a Sender to probe each, all in process.

The same builders serve the peers and wsgicors's adapters: only the CORS extension
(flask-cors or wsgicors_flask), middleware class or settings differ.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory, override_settings
from flask import Flask

from .oracle import Sender

COOKIE = "sessionid=corpus"

#: Every CORS setting django-cors-headers or wsgicors_django reads, old names too:
#: a record's settings are the only ones in force while it runs.
DJANGO_CORS_SETTINGS = (
    "CORS_ALLOWED_ORIGINS", "CORS_ORIGIN_WHITELIST", "CORS_ALLOWED_ORIGIN_REGEXES",
    "CORS_ORIGIN_REGEX_WHITELIST", "CORS_ALLOW_ALL_ORIGINS", "CORS_ORIGIN_ALLOW_ALL",
    "CORS_ALLOW_ORIGIN_FUNC", "CORS_ALLOW_METHODS", "CORS_ALLOW_HEADERS",
    "CORS_EXPOSE_HEADERS", "CORS_ALLOW_CREDENTIALS", "CORS_PREFLIGHT_MAX_AGE",
    "CORS_ALLOW_PRIVATE_NETWORK", "CORS_URLS_REGEX", "CORS_PATHS",
    "CORS_DANGEROUSLY_ALLOW_INSECURE_ORIGINS", "CORS_MODEL", "CORS_REPLACE_HTTPS_REFERER",
)


@contextmanager
def django_settings(values: Mapping[str, Any]) -> Iterator[None]:
    """Exactly *values* as the CORS settings: any other CORS setting is deleted."""
    with override_settings(**values):
        for name in DJANGO_CORS_SETTINGS:
            if name not in values and hasattr(settings, name):
                delattr(settings, name)
        yield


def _ok(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


def django_sender(middleware: Callable[[Callable[..., Any]], Any], path: str) -> Sender:
    """Probe a Django middleware class (built now, around a view that says "ok")."""
    handler = middleware(_ok)
    factory = RequestFactory()

    def send(origins: Sequence[str]) -> list[Mapping[str, str]]:
        answers: list[Mapping[str, str]] = []
        for origin in origins:
            response = handler(factory.get(path, HTTP_ORIGIN=origin, HTTP_COOKIE=COOKIE))
            answers.append({name.lower(): value for name, value in response.headers.items()})
        return answers

    return send


def flask_app(form: str, options: Mapping[str, Any], cors: Any, cross_origin: Any) -> Flask:
    """A Flask app with a catch-all view, configured as *form* says.

    *cors* and *cross_origin* are the extension's ``CORS`` and ``cross_origin``
    (flask-cors's or wsgicors_flask's). The decorator runs here, as at import.
    """
    app = Flask("corpus")
    app.config["TESTING"] = True  # a ConfigError at the first request propagates

    def view(rest: str = "") -> str:
        return "ok"

    if form == "@cross_origin":
        view = cross_origin(**options)(view)
    app.add_url_rule("/<path:rest>", "any", view, methods=["GET", "POST"])
    if form == "app.config":
        app.config.update(options)
        cors(app)
    elif form == "CORS":
        cors(app, **options)
    return app


def flask_sender(app: Flask, path: str) -> Sender:
    """Probe a Flask app through its test client."""
    client = app.test_client()

    def send(origins: Sequence[str]) -> list[Mapping[str, str]]:
        answers: list[Mapping[str, str]] = []
        for origin in origins:
            response = client.get(path, headers={"Origin": origin, "Cookie": COOKIE})
            answers.append({name.lower(): value for name, value in response.headers.items()})
        return answers

    return send


async def _ok_asgi(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"ok"})


def asgi_app(middleware: Callable[..., Any], options: Mapping[str, Any]) -> Any:
    """``app.add_middleware(middleware, **options)`` around an app that says "ok"."""
    return middleware(_ok_asgi, **options)


def asgi_sender(app: Any, path: str) -> Sender:
    """Probe an ASGI app by calling it directly: one event loop per batch of origins."""

    async def one(origin: str) -> Mapping[str, str]:
        scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
            "method": "GET", "scheme": "http", "path": path, "raw_path": path.encode(),
            "root_path": "", "query_string": b"", "server": ("testserver", 80),
            "client": ("127.0.0.1", 50000),
            "headers": [(b"host", b"testserver"), (b"origin", origin.encode("latin-1")),
                        (b"cookie", COOKIE.encode())],
        }
        sent: list[Mapping[str, Any]] = []

        async def receive() -> Mapping[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: Mapping[str, Any]) -> None:
            sent.append(message)

        await app(scope, receive, send)
        start = next(message for message in sent if message["type"] == "http.response.start")
        headers: dict[str, str] = {}
        for name, value in start.get("headers", ()):
            key = name.decode("latin-1").lower()
            text = value.decode("latin-1")
            headers[key] = f"{headers[key]}, {text}" if key in headers else text
        return headers

    async def batch(origins: Sequence[str]) -> list[Mapping[str, str]]:
        return [await one(origin) for origin in origins]

    def send(origins: Sequence[str]) -> list[Mapping[str, str]]:
        return asyncio.run(batch(origins))

    return send
