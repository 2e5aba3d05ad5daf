"""Small WSGI applications with one CORS mistake each, for ``wsgicors audit --app``.

Each answers every request itself, the way hand-written CORS code does: a check of
the Origin (a regex, a list) and headers set from it. :data:`SEEN` records the
request headers of every call, to prove what the audit sent.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from wsgicors import CORSMiddleware

TRUSTED = "https://app.example.com"
SEEN: list[dict[str, str]] = []
App = Callable[[dict[str, Any], Any], Iterable[bytes]]


def _record(environ: dict[str, Any]) -> None:
    SEEN.append({k: v for k, v in environ.items() if k.startswith("HTTP_")})


def cors_app(allowed: Callable[[str], bool], *, credentials: bool = True,
             vary: bool | str = True,
             extra: Callable[[dict[str, Any], bool], list[tuple[str, str]]] | None = None
             ) -> App:
    """An app that echoes the Origin when *allowed* says so (*vary*: send Vary: Origin
    always, never, or ``"allowed"``: only with Access-Control-Allow-Origin)."""

    def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        _record(environ)
        origin = environ.get("HTTP_ORIGIN")
        ok = origin is not None and allowed(origin)
        headers = [("Content-Type", "text/plain")]
        if vary is True or (vary == "allowed" and ok):
            headers.append(("Vary", "Origin"))
        if ok:
            headers.append(("Access-Control-Allow-Origin", str(origin)))
            if credentials:
                headers.append(("Access-Control-Allow-Credentials", "true"))
        if extra is not None:
            headers += extra(environ, ok)
        preflight = environ["REQUEST_METHOD"] == "OPTIONS"
        start_response("204 No Content" if preflight else "200 OK", headers)
        return [] if preflight else [b"data\n"]

    return app


def _full(pattern: str) -> Callable[[str], bool]:
    return lambda origin: re.fullmatch(pattern, origin) is not None


def _echo_method(environ: dict[str, Any], ok: bool) -> list[tuple[str, str]]:
    method = environ.get("HTTP_ACCESS_CONTROL_REQUEST_METHOD")
    return [("Access-Control-Allow-Methods", method)] if ok and method else []


def _private_network(environ: dict[str, Any], ok: bool) -> list[tuple[str, str]]:
    asked = environ.get("HTTP_ACCESS_CONTROL_REQUEST_PRIVATE_NETWORK")
    return [("Access-Control-Allow-Private-Network", "true")] if asked else []


def _echo_request_headers(environ: dict[str, Any], ok: bool) -> list[tuple[str, str]]:
    asked = environ.get("HTTP_ACCESS_CONTROL_REQUEST_HEADERS")
    return [("Access-Control-Allow-Headers", asked)] if ok and asked else []


def _star(environ: dict[str, Any], ok: bool) -> list[tuple[str, str]]:
    return [("Access-Control-Allow-Methods", "*"), ("Access-Control-Allow-Headers", "*")]


def _leak(environ: dict[str, Any], ok: bool) -> list[tuple[str, str]]:
    """Echo the Authorization header back, and control characters, in a CORS header."""
    secret = environ.get("HTTP_AUTHORIZATION", "")
    return [("Access-Control-Expose-Headers", f"x-token, {secret}\x1b[2J\r\nInjected: 1")]


def wildcard_credentials(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    """``*`` with credentials: browsers refuse it."""
    _record(environ)
    start_response("200 OK", [("Access-Control-Allow-Origin", "*"),
                              ("Access-Control-Allow-Credentials", "true")])
    return [b"data\n"]


def failing(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    """An application that raises on every request."""
    raise RuntimeError("database down")


def _recording(app: App) -> App:
    """*app* behind a layer that records every request, preflights included."""

    def recorded(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        _record(environ)
        return app(environ, start_response)

    return recorded


def _data(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"data\n"]


reflect = cors_app(lambda origin: True)
reflect_no_credentials = cors_app(lambda origin: True, credentials=False)
suffix = cors_app(lambda origin: re.search(r"example\.com$", origin) is not None)
unescaped_dot = cors_app(_full(r"https://app.example.com"))
unescaped_last_dot = cors_app(_full(r"https://app\.example.com"))
special_characters = cors_app(_full(r"https://app\.example\.com([^.a-z0-9].*)?"))
insecure_scheme = cors_app(_full(r"https?://app\.example\.com"))
null_allowed = cors_app(lambda origin: origin in (TRUSTED, "null"))
private_network = cors_app(lambda origin: origin == TRUSTED, extra=_private_network)
echo_method = cors_app(lambda origin: origin == TRUSTED, extra=_echo_method)
star_no_credentials = cors_app(lambda origin: origin == TRUSTED, credentials=False,
                               extra=_star)
two_origins_no_vary = cors_app(lambda o: o in (TRUSTED, "https://admin.example.com"),
                               vary=False)
# flask-cors with a single origin: no Vary, with or without credentials.
one_origin_no_vary = cors_app(lambda o: o == TRUSTED, vary=False, credentials=False)
vary_when_allowed = cors_app(lambda o: o == TRUSTED, vary="allowed")
reflect_any_header = cors_app(lambda origin: True, extra=_echo_request_headers)
leaky = cors_app(lambda origin: True, extra=_leak)
right = _recording(CORSMiddleware(_data, allow_origins=[TRUSTED], allow_credentials=True))
subdomains = _recording(CORSMiddleware(_data, allow_origins=["https://*.example.com"],
                                       allow_credentials=True))


def redirect(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    """Every URL moved to https, as a front server does."""
    start_response("301 Moved Permanently", [("Location", "https://api.example.com/data")])
    return []
