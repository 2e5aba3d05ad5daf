"""Fixtures for the core (framework-free) tests: small real WSGI apps under WebTest."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from webtest import TestApp

from wsgicors import CORSMiddleware, CORSPolicy

ALLOWED = "https://app.example.com"
OTHER = "https://evil.example.net"


def hello_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """A plain app that records how often it ran (preflights must never reach it)."""
    hello_app.calls += 1  # type: ignore[attr-defined]
    body = f"{environ['REQUEST_METHOD']} {environ.get('PATH_INFO', '')}".encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


hello_app.calls = 0  # type: ignore[attr-defined]


def client(policy: CORSPolicy | None = None, app: Any = hello_app, **kwargs: Any) -> TestApp:
    """A WebTest client (with its WSGI lint checks on) around CORSMiddleware."""
    return TestApp(CORSMiddleware(app, policy, **kwargs), lint=True)


def preflight_headers(origin: str = ALLOWED, method: str = "PUT", headers: str | None = None,
                      **extra: str) -> dict[str, str]:
    result = {"Origin": origin, "Access-Control-Request-Method": method}
    if headers is not None:
        result["Access-Control-Request-Headers"] = headers
    result.update(extra)
    return result


def make_hello(global_conf: dict[str, str] | None = None, **local: str) -> Any:
    """Paste Deploy app factory (``use = call:tests.core.support:make_hello``)."""
    return hello_app
