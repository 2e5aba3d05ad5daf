"""CORSMiddleware: WSGI glue around the engine."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from types import TracebackType
from typing import TYPE_CHECKING, Any, Optional

from .engine import actual_headers, add_to_header_list, preflight
from .errors import ConfigError, Problem
from .paths import PathMap, Routes
from .policy import CORSPolicy

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

ExcInfo = tuple[type[BaseException], BaseException, Optional[TracebackType]]


class CORSMiddleware:
    """Answer the CORS protocol for a WSGI application.

    ::

        app = CORSMiddleware(app, allow_origins=["https://app.example.com"])
        app = CORSMiddleware(app, CORSPolicy(...), paths={"/api/public/*": public, "/admin/*": None})

    Preflights (``OPTIONS`` + ``Origin`` + ``Access-Control-Request-Method``) are
    answered here and never reach *app*: ``204`` with CORS headers, or ``403`` with a
    short reason and none. Every other request reaches *app*; its response gets the
    CORS headers when the origin is allowed, and ``Vary: Origin`` whenever the answer
    depends on the origin, whatever the status.

    :param app: the WSGI application to wrap.
    :param policy: the default :class:`CORSPolicy` (or give its options as keywords).
    :param paths: per-path policies, see :mod:`wsgicors.paths`.
    """

    def __init__(
        self,
        app: WSGIApplication,
        policy: CORSPolicy | None = None,
        *,
        paths: PathMap | None = None,
        **options: Any,
    ) -> None:
        self.app = app
        self.routes = _routes(policy, paths, options)

    def reconfigure(
        self, policy: CORSPolicy | None = None, *, paths: PathMap | None = None, **options: Any
    ) -> None:
        """Swap the whole configuration; requests in flight keep the old one.

        The new configuration is validated first (a ConfigError leaves the running
        one in place) and then installed with one atomic assignment.
        """
        self.routes = _routes(policy, paths, options)

    def __call__(
        self, environ: WSGIEnvironment, start_response: StartResponse
    ) -> Iterable[bytes]:
        routes = self.routes
        policy = routes.resolve(environ.get("PATH_INFO", "")) if routes.routed else routes.default
        if policy is None:
            return self.app(environ, start_response)
        origin = environ.get("HTTP_ORIGIN")
        if (
            origin is not None
            and environ.get("REQUEST_METHOD") == "OPTIONS"
            and "HTTP_ACCESS_CONTROL_REQUEST_METHOD" in environ
        ):
            answer = preflight(policy, environ)
            start_response(answer.status, answer.headers)
            return [answer.body] if answer.body else []
        cors = actual_headers(policy, origin)
        vary = policy.varies_by_origin

        def cors_start_response(
            status: str, headers: list[tuple[str, str]], exc_info: ExcInfo | None = None
        ) -> Callable[[bytes], object]:
            return start_response(status, add_to_header_list(headers, cors, vary), exc_info)

        return self.app(environ, cors_start_response)  # type: ignore[arg-type]


def _routes(policy: CORSPolicy | None, paths: PathMap | None, options: dict[str, Any]) -> Routes:
    if options:
        if policy is not None:
            raise ConfigError([Problem(
                "policy-and-options", "policy",
                "both a CORSPolicy and keyword options were given.",
                "pass either policy=CORSPolicy(...) or the options, not both.",
            )])
        policy = CORSPolicy.from_options(options)
    elif policy is None and not paths:
        raise ConfigError([Problem(
            "no-policy", "policy", "no CORS configuration was given.",
            "pass allow_origins=[...] (or a CORSPolicy, or paths={...}).",
        )])
    elif policy is not None and not isinstance(policy, CORSPolicy):
        raise ConfigError([Problem(
            "type", "policy", f"expected a CORSPolicy, got {policy!r}.",
            "pass CORSPolicy(...) or the options as keywords.",
        )])
    return Routes(policy, paths)
