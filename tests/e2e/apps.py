"""The application under test, once per adapter, plus the test-only counting wrapper.

Every adapter serves the same endpoints with the framework's own machinery (routing,
404 and 500 handling), so the browser sees the same application whichever adapter
adds the CORS headers:

* ``/data`` and anything under ``/u/``: echo what the request carried, as JSON, with
  ``X-Exposed`` and ``X-Hidden`` response headers.
* ``/status/404``, ``/status/500``: the framework's own "not found" and "server error"
  (the 500 is a real unhandled exception in Flask and Django).
* ``/redirect?to=URL``: a 302.
* ``/setcookie?v=V``: sets the cookie ``sid=V``.

A *profile* is a CORS configuration written with wsgicors option names; each adapter
translates it into its own configuration language (flask-cors keywords, Django
settings) so the three are configured the way their users would configure them.
"""

from __future__ import annotations

import importlib.util
import json
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

ADAPTERS = ("raw", "flask", "django")
ADAPTER_PACKAGE = {"raw": "wsgicors", "flask": "wsgicors_flask", "django": "wsgicors_django"}

Reply = tuple[int, list[tuple[str, str]], bytes]
WSGIApp = Callable[..., Iterable[bytes]]


def adapter_missing(adapter: str) -> str | None:
    """Why *adapter* cannot be tested yet (its package or entry point is missing), or None."""
    if adapter == "flask":
        try:
            import wsgicors_flask
        except ImportError as exc:  # pragma: no cover - depends on the tree
            return f"wsgicors_flask is not importable: {exc}"
        if not hasattr(wsgicors_flask, "CORS"):
            return "wsgicors_flask.CORS does not exist yet (Flask extension not landed)"
    if adapter == "django" and importlib.util.find_spec("wsgicors_django.middleware") is None:
        return "wsgicors_django.middleware does not exist yet (Django middleware not landed)"
    if adapter == "asgi" and importlib.util.find_spec("starlette") is None:
        return "Starlette is not installed (pip install -e '.[test]')"
    return None


def require_adapter(adapter: str) -> None:
    """Skip with the name of the missing package when an adapter has not landed."""
    import pytest  # here: the server subprocesses import this module without pytest

    missing = adapter_missing(adapter)
    if missing:
        pytest.skip(missing)


def profiles(page_port: int) -> dict[str, dict[str, Any]]:
    """The CORS configurations the end-to-end suite runs, in wsgicors option names.

    ``null_func`` is not an option: it asks for ``allow_origin_func`` accepting only
    ``"null"`` (a function cannot travel through JSON to the server process).
    """
    page = f"http://localhost:{page_port}"
    base: dict[str, Any] = {
        "allow_origins": [page, f"http://*.localhost:{page_port}"],
        "allow_credentials": True,
        "allow_headers": ["content-type", "authorization", "x-allowed"],
        "expose_headers": ["x-exposed"],
        "allow_methods": ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"],
        "max_age": 600,
        "allow_private_network": True,
    }
    return {
        "main": base,
        "nocache": {**base, "max_age": 0},
        "star": {"allow_origins": "*", "expose_headers": ["x-exposed"],
                 "allow_headers": ["content-type", "authorization"]},
        "nullfunc": {"null_func": True, "allow_origins": []},
    }


# -- the endpoints, framework-free ---------------------------------------------------

def echo(method: str, path: str, headers: dict[str, str], body: bytes) -> Reply:
    """The ``/data`` answer: what the request carried, as JSON."""
    payload = {
        "method": method,
        "path": path,
        "body": body.decode("utf-8", "replace"),
        "x_allowed": headers.get("x-allowed"),
        "authorization": headers.get("authorization"),
        "cookie": headers.get("cookie"),
        "origin": headers.get("origin"),
    }
    return 200, [
        ("Content-Type", "application/json"),
        ("X-Exposed", "yes"),
        ("X-Hidden", "no"),
        ("Cache-Control", "no-store"),
    ], json.dumps(payload).encode()


def set_cookie(value: str) -> Reply:
    """The ``/setcookie`` answer."""
    safe = "".join(ch for ch in value if ch.isalnum())[:32] or "empty"
    return 200, [
        ("Content-Type", "application/json"),
        ("Set-Cookie", f"sid={safe}; Path=/; SameSite=Lax"),
        ("Cache-Control", "no-store"),
    ], json.dumps({"set": safe}).encode()


def redirect(target: str) -> Reply:
    """The ``/redirect`` answer."""
    return 302, [("Location", target), ("Content-Length", "0")], b""


def environ_headers(environ: dict[str, Any]) -> dict[str, str]:
    """Request headers of a WSGI environ (or Django META), lower-cased names."""
    found = {
        key[5:].replace("_", "-").lower(): str(value)
        for key, value in environ.items() if key.startswith("HTTP_")
    }
    if environ.get("CONTENT_TYPE"):
        found["content-type"] = str(environ["CONTENT_TYPE"])
    return found


def query_value(query: str, name: str) -> str:
    """One query-string value ('' when missing)."""
    return parse_qs(query).get(name, [""])[0]


# -- raw WSGI --------------------------------------------------------------------------

_REASONS = {200: "OK", 302: "Found", 404: "Not Found", 500: "Internal Server Error"}


def raw_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """The endpoints as a bare WSGI application."""
    reply = _raw_reply(environ)
    status, headers, body = reply
    start_response(f"{status} {_REASONS.get(status, 'Status')}", headers)
    return [body]


def _raw_reply(environ: dict[str, Any]) -> Reply:
    path = environ.get("PATH_INFO", "")
    query = environ.get("QUERY_STRING", "")
    method = environ["REQUEST_METHOD"]
    if path == "/data" or path.startswith("/u/"):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        return echo(method, path, environ_headers(environ), body)
    if path == "/status/500":
        return 500, [("Content-Type", "text/plain")], b"server error"
    if path == "/redirect":
        return redirect(query_value(query, "to"))
    if path == "/setcookie":
        return set_cookie(query_value(query, "v"))
    return 404, [("Content-Type", "text/plain")], b"not found"


# -- Flask -----------------------------------------------------------------------------

def flask_app(profile: dict[str, Any]) -> WSGIApp:
    """The endpoints as a Flask application with the wsgicors Flask extension."""
    from flask import Flask, Response, abort, request

    app = Flask("wsgicors_e2e")

    def reply(result: Reply) -> Response:
        status, headers, body = result
        return Response(body, status=status, headers=headers)

    @app.route("/data", methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
    @app.route("/u/<path:rest>", methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"])
    def data(rest: str = "") -> Response:
        return reply(echo(request.method, request.path, environ_headers(request.environ),
                          request.get_data()))

    @app.route("/status/404")
    def not_found() -> Response:
        abort(404)

    @app.route("/status/500")
    def server_error() -> Response:
        raise RuntimeError("a real unhandled exception")

    @app.route("/redirect")
    def redirect_view() -> Response:
        return reply(redirect(request.args.get("to", "")))

    @app.route("/setcookie")
    def setcookie() -> Response:
        return reply(set_cookie(request.args.get("v", "")))

    from wsgicors_flask import CORS

    CORS(app, **flask_options(profile))
    return app


def flask_options(profile: dict[str, Any]) -> dict[str, Any]:
    """A profile in flask-cors keyword names, as a migrating Flask user writes it.

    flask-cors has no origin callback: a Flask user who needs one passes a whole
    ``policy=CORSPolicy(...)``, so the ``nullfunc`` profile goes that way.
    """
    if profile.get("null_func"):
        from wsgicors import CORSPolicy

        return {"policy": CORSPolicy(**_with_func(profile))}
    names = {
        "allow_origins": "origins", "allow_credentials": "supports_credentials",
        "allow_headers": "allow_headers", "expose_headers": "expose_headers",
        "allow_methods": "methods", "max_age": "max_age",
        "allow_private_network": "allow_private_network",
    }
    return {names[key]: value for key, value in profile.items()}


def _with_func(profile: dict[str, Any]) -> dict[str, Any]:
    options = dict(profile)
    if options.pop("null_func", False):
        options["allow_origin_func"] = accept_null_only
    return options


def accept_null_only(origin: str) -> bool:
    """The ``allow_origin_func`` of the ``nullfunc`` profile."""
    return origin == "null"


# -- raw and counting ------------------------------------------------------------------

def raw_cors_app(profile: dict[str, Any]) -> WSGIApp:
    """The bare WSGI endpoints behind wsgicors.CORSMiddleware."""
    from wsgicors import CORSMiddleware

    return CORSMiddleware(raw_app, **_with_func(profile))


def reflect_any_origin(app: WSGIApp) -> WSGIApp:
    """A deliberately broken CORS layer (reflects every Origin, with credentials).

    Only for proving that the scanner and the probes can fail.
    """
    def broken(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        origin = environ.get("HTTP_ORIGIN")

        def reflecting(status: str, headers: list[tuple[str, str]], exc: Any = None) -> Any:
            if origin:
                headers = [*headers, ("Access-Control-Allow-Origin", origin),
                           ("Access-Control-Allow-Credentials", "true")]
            return start_response(status, headers, exc)

        return app(environ, reflecting)

    return broken


class Counting:
    """Test-only outermost WSGI layer: counts requests per (method, path).

    Preflights never reach the application (the CORS layer answers them), so the
    preflight count has to be taken outside it. ``/__count?path=P`` reports the
    counts for P with ``Access-Control-Allow-Origin: *`` so any page can read them.
    """

    def __init__(self, app: WSGIApp) -> None:
        self.app = app
        self.counts: Counter[tuple[str, str]] = Counter()
        self.lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        path = environ.get("PATH_INFO", "")
        if path == "/__ready":
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"ready"]
        if path == "/__count":
            return self._report(query_value(environ.get("QUERY_STRING", ""), "path"),
                                start_response)
        with self.lock:
            self.counts[(environ["REQUEST_METHOD"], path)] += 1
            if environ.get("HTTP_ACCESS_CONTROL_REQUEST_PRIVATE_NETWORK"):
                self.counts[("PNA", path)] += 1
        return self.app(environ, start_response)

    def _report(self, path: str, start_response: Callable[..., Any]) -> list[bytes]:
        with self.lock:
            found = {method: n for (method, where), n in self.counts.items() if where == path}
        start_response("200 OK", [
            ("Content-Type", "application/json"), ("Access-Control-Allow-Origin", "*"),
            ("Cache-Control", "no-store"),
        ])
        return [json.dumps(found).encode()]


def build(adapter: str, profile: dict[str, Any]) -> WSGIApp:
    """The WSGI application under test for *adapter* and *profile*, counted."""
    if adapter == "raw":
        return Counting(raw_cors_app(profile))
    if adapter == "flask":
        return Counting(flask_app(profile))
    if adapter == "django":
        from . import djsite

        return Counting(djsite.wsgi_application(profile))
    if adapter == "broken-reflect":
        return Counting(reflect_any_origin(raw_app))
    raise ValueError(f"unknown adapter {adapter!r}")


# -- ASGI: Starlette behind wsgicors.asgi.CORSMiddleware ----------------------------

def starlette_cors_app(profile: dict[str, Any]) -> Any:
    """The endpoints as a Starlette application, wrapped whole by wsgicors.asgi.

    Wrapped rather than added with ``middleware=[...]``: Starlette's own 500 page
    comes from a layer outside every user middleware (see docs/asgi.rst).
    """
    from starlette.applications import Starlette
    from starlette.exceptions import HTTPException
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    from wsgicors.asgi import CORSMiddleware

    def reply(result: Reply) -> Response:
        status, headers, body = result
        return Response(body, status_code=status, headers=dict(headers))

    async def data(request: Request) -> Response:
        headers = dict(request.headers)
        return reply(echo(request.method, request.url.path, headers, await request.body()))

    async def not_found(request: Request) -> Response:
        raise HTTPException(404)

    async def server_error(request: Request) -> Response:
        raise RuntimeError("a real unhandled exception")

    async def redirect_view(request: Request) -> Response:
        return reply(redirect(request.query_params.get("to", "")))

    async def setcookie(request: Request) -> Response:
        return reply(set_cookie(request.query_params.get("v", "")))

    methods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]
    app = Starlette(routes=[
        Route("/data", data, methods=[*methods, "OPTIONS"]),
        Route("/u/{rest:path}", data, methods=methods),
        Route("/status/404", not_found),
        Route("/status/500", server_error),
        Route("/redirect", redirect_view),
        Route("/setcookie", setcookie),
    ])
    return CORSMiddleware(app, **_with_func(profile))


class AsgiCounting:
    """:class:`Counting` for an ASGI application (Django or Starlette under uvicorn)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.counter = Counting(raw_app)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        if path in ("/__ready", "/__count"):
            await self._answer_wsgi(scope, send)
            return
        headers = {name.decode("latin-1").lower() for name, _ in scope["headers"]}
        with self.counter.lock:
            self.counter.counts[(scope["method"], path)] += 1
            if "access-control-request-private-network" in headers:
                self.counter.counts[("PNA", path)] += 1
        await self.app(scope, receive, send)

    async def _answer_wsgi(self, scope: dict[str, Any], send: Any) -> None:
        environ = {"PATH_INFO": scope["path"],
                   "QUERY_STRING": scope["query_string"].decode("latin-1")}
        answer: dict[str, Any] = {}

        def start_response(status: str, headers: list[tuple[str, str]]) -> None:
            answer.update(status=int(status[:3]), headers=headers)

        body = b"".join(self.counter(environ, start_response))
        await send({"type": "http.response.start", "status": answer["status"],
                    "headers": [(k.encode(), v.encode()) for k, v in answer["headers"]]})
        await send({"type": "http.response.body", "body": body})
