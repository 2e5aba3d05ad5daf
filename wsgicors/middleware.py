"""CORSMiddleware: the one WSGI request path, which the Flask extension's layer runs too."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from types import TracebackType
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from .engine import actual, is_preflight, preflight
from .errors import ConfigError, Problem
from .headers import add_to_header_list
from .paths import PathMap, Routes
from .policy import CORSPolicy

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

ExcInfo = tuple[type[BaseException], BaseException, TracebackType] | tuple[None, None, None]


class Scope(Protocol):
    """Where the policy depends on more than the path (Flask's decorated views).

    Both methods get the path's policy as *default* and return the one to use.
    """

    def preflight_policy(
        self, environ: WSGIEnvironment, default: CORSPolicy | None
    ) -> CORSPolicy | None:
        """The policy for a preflight, before the application runs."""

    def response_policy(
        self, environ: WSGIEnvironment, default: CORSPolicy | None
    ) -> CORSPolicy | None:
        """The policy for a response, when the application starts it."""


def _scoped(
    environ: WSGIEnvironment,
    start_response: StartResponse,
    scope: Scope,
    default: CORSPolicy | None,
    origin: str | None,
) -> StartResponse:
    def cors_start_response(
        status: str, headers: list[tuple[str, str]], exc_info: ExcInfo | None = None
    ) -> Callable[[bytes], object]:
        policy = scope.response_policy(environ, default)
        if policy is not None:
            headers = add_to_header_list(headers, actual(policy, origin))
        return start_response(status, headers, exc_info)

    return cors_start_response


class Config(NamedTuple):
    """What a middleware runs with, swapped in one assignment."""

    routes: Routes
    #: Policies that depend on more than the path (the Flask layer's), or None.
    scope: Scope | None


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
        self._config = Config(build_routes(policy, paths, options), None)

    @property
    def routes(self) -> Routes:
        """The paths and policies in force (what :func:`wsgicors.explain` reads)."""
        return self._config.routes

    def reconfigure(
        self, policy: CORSPolicy | None = None, *, paths: PathMap | None = None, **options: Any
    ) -> None:
        """Swap the whole configuration; requests in flight keep the old one.

        The new configuration is validated first (a ConfigError leaves the running
        one in place) and then installed with one atomic assignment.
        """
        self._config = Config(build_routes(policy, paths, options), None)

    def __call__(
        self, environ: WSGIEnvironment, start_response: StartResponse
    ) -> Iterable[bytes]:
        """The WSGI request path: the one the Flask extension's layer runs too.

        Preflights are answered here and never reach the application; every other
        response gets the engine's headers merged in when it starts, whatever its
        status. No policy for the path means CORS is off there: the request passes
        through untouched.
        """
        # Written flat on purpose: every call here is paid by every request. The tests
        # in front of is_preflight() only spare most requests the call (a preflight
        # has an Origin and ACRM), and origin-less requests get the policy's refused
        # headers without calling actual().
        routes, scope = self._config
        policy = routes.resolve(environ.get("PATH_INFO", "")) if routes.routed else routes.default
        if policy is None and scope is None:
            return self.app(environ, start_response)
        origin = environ.get("HTTP_ORIGIN")
        if (
            origin is not None
            and "HTTP_ACCESS_CONTROL_REQUEST_METHOD" in environ
            and is_preflight(environ)
        ):
            if scope is not None:
                policy = scope.preflight_policy(environ, policy)
            if policy is None:
                return self.app(environ, start_response)
            status, headers, body, _failed = preflight(policy, environ)
            start_response(status, list(headers))
            return [body] if body else []
        if scope is not None:
            return self.app(environ, _scoped(environ, start_response, scope, policy, origin))
        cors = policy.refused if origin is None else actual(policy, origin)  # type: ignore[union-attr,arg-type]

        def cors_start_response(
            status: str, headers: list[tuple[str, str]], exc_info: ExcInfo | None = None
        ) -> Callable[[bytes], object]:
            return start_response(status, add_to_header_list(headers, cors), exc_info)

        return self.app(environ, cors_start_response)


def build_routes(
    policy: CORSPolicy | None, paths: PathMap | None, options: dict[str, Any]
) -> Routes:
    """The :class:`Routes` for a middleware's arguments (a policy, or its options)."""
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
