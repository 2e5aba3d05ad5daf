"""CORSMiddleware: WSGI glue around the engine."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from types import TracebackType
from typing import TYPE_CHECKING, Any

from .engine import PLAIN_NAMES, answer_preflight, for_actual, merge_headers
from .errors import ConfigError, Problem
from .paths import ROUTED, PathMap, Routes
from .policy import CORSPolicy

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

ExcInfo = tuple[type[BaseException], BaseException, TracebackType] | tuple[None, None, None]


class CORSMiddleware:
    """Answer the CORS protocol for a WSGI application.

    ::

        app = CORSMiddleware(app, allow_origins=["https://app.example.com"])
        app = CORSMiddleware(app, policy, paths={"/api/public/*": public, "/admin/*": None})

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
        # The request path is written flat on purpose: every call and attribute
        # lookup here is paid by every request the application serves.
        routes = self.routes
        policy = routes.fixed
        if policy is ROUTED:
            policy = routes.resolve(environ.get("PATH_INFO", ""))
        if policy is None:
            return self.app(environ, start_response)
        origin = environ.get("HTTP_ORIGIN")
        if origin is None:
            allowed = policy.refused
        elif (
            environ.get("REQUEST_METHOD") == "OPTIONS"
            and "HTTP_ACCESS_CONTROL_REQUEST_METHOD" in environ
        ):
            status, headers, body, _refusal = answer_preflight(policy, environ)
            start_response(status, headers)
            return [body] if body else []
        else:
            allowed = for_actual(policy, origin)

        def cors_start_response(
            status: str, headers: list[tuple[str, str]], exc_info: ExcInfo | None = None
        ) -> Callable[[bytes], object]:
            # engine.add_to_header_list, inlined: append unless the app set Vary or ACAO.
            for name, _value in headers:
                if name not in PLAIN_NAMES:
                    return start_response(status, merge_headers(headers, allowed), exc_info)
            return start_response(status, [*headers, *allowed.appended], exc_info)

        return self.app(environ, cors_start_response)


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
