"""CORSMiddleware, and the WSGI glue it is made of (which the Flask layer reuses).

WSGI glue only: which policy serves the path comes from :mod:`wsgicors.paths`, every
decision from :mod:`wsgicors.engine`, every header from :mod:`wsgicors.headers`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import TYPE_CHECKING, Any

from .engine import actual, is_preflight, preflight
from .errors import ConfigError, ConfigWarning, Problem, log_warnings
from .headers import CORSHeaders, add_to_header_list
from .metrics import DecisionHook
from .observe import Observer, ReportOnlyOption, observer_for
from .originfunc import sync_only_problems
from .paths import PathMap, Routes, wsgi_path_texts
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
    :param on_decision: a metrics callback, called with a
        :class:`~wsgicors.metrics.Outcome` for each request with an ``Origin``.
    :param report_only: a candidate policy to compare with the enforced one without
        enforcing it (:mod:`wsgicors.reportonly`): a :class:`CORSPolicy`, a
        :class:`~wsgicors.reportonly.ReportOnly`, or a dict of the options that change.
    :raises ConfigError: listing every problem; also for an ``async def``
        ``allow_origin_func``, which a WSGI server can only call synchronously.
    """

    def __init__(
        self,
        app: WSGIApplication,
        policy: CORSPolicy | None = None,
        *,
        paths: PathMap | None = None,
        on_decision: DecisionHook | None = None,
        report_only: ReportOnlyOption = None,
        **options: Any,
    ) -> None:
        self.app = app
        #: The paths and policies in force (what :func:`wsgicors.explain` reads).
        self.routes = build_routes(policy, paths, options)
        #: The metrics callback and report-only candidate, None without them.
        self.observer: Observer | None = observer_for(
            on_decision, report_only, _enforced_options(self.routes, options))
        _refuse_async(self.routes, paths, self.observer)

    def reconfigure(
        self, policy: CORSPolicy | None = None, *, paths: PathMap | None = None, **options: Any
    ) -> None:
        """Swap the whole configuration; requests in flight keep the old one.

        The new configuration is validated first (a ConfigError leaves the running
        one in place) and then installed with one atomic assignment. The metrics
        callback and the report-only candidate stay as they are.
        """
        routes = build_routes(policy, paths, options)
        _refuse_async(routes, paths, None)
        self.routes = routes

    def __call__(
        self, environ: WSGIEnvironment, start_response: StartResponse
    ) -> Iterable[bytes]:
        """The WSGI request path: path -> policy -> preflight answer or app + headers.

        Preflights are answered here and never reach the application; every other
        response gets the engine's headers merged in when it starts, whatever its
        status. No policy for the path means CORS is off there: the request passes
        through untouched.
        """
        # Written flat on purpose: every line here is paid by every request. The ACRM
        # test in front of is_preflight() only spares most requests the call, and
        # origin-less requests get the policy's refused headers without actual().
        routes = self.routes
        if routes.routed:
            # Any router may be behind: every reading of the path must agree (paths.py).
            path = environ.get("PATH_INFO", "")
            policy = routes.resolve(path) if path.isascii() else _resolve_text(routes, path)
        else:
            policy = routes.default
        if policy is None:
            return self.app(environ, start_response)
        origin = environ.get("HTTP_ORIGIN")
        if origin is None:
            return self.app(environ, with_cors_headers(start_response, policy.refused))
        if self.observer is not None:
            return self._observed(environ, start_response, policy, origin)
        if "HTTP_ACCESS_CONTROL_REQUEST_METHOD" in environ and is_preflight(environ):
            return answer_preflight(policy, environ, start_response)
        return self.app(environ, with_cors_headers(start_response,
                                                   actual(policy, origin, environ)))

    def _observed(self, environ: WSGIEnvironment, start_response: StartResponse,
                  policy: CORSPolicy, origin: str) -> Iterable[bytes]:
        # The request path above, with the observer told each decision.
        observer: Any = self.observer
        routes = self.routes
        pattern = (routes.match(*wsgi_path_texts(environ.get("PATH_INFO", "")))[1]
                   if routes.routed else None)
        if is_preflight(environ):
            answer = preflight(policy, environ)
            observer.preflight(policy, answer, environ, pattern)
            start_response(answer.status_line, list(answer.headers))
            return [answer.body] if answer.body else []
        cors = actual(policy, origin, environ)
        observer.actual(policy, cors, origin, environ, pattern)
        return self.app(environ, with_cors_headers(start_response, cors))


def _resolve_text(routes: Routes, path_info: str) -> CORSPolicy | None:
    # Non-ASCII: matched as the UTF-8 text frameworks decode (both decoders' texts when
    # the bytes are not UTF-8).
    texts = wsgi_path_texts(path_info)
    return routes.resolve(texts[0]) if len(texts) == 1 else routes.match(*texts)[0]


def answer_preflight(
    policy: CORSPolicy, environ: WSGIEnvironment, start_response: StartResponse
) -> list[bytes]:
    """Answer the preflight in *environ* with *policy*: start the response, return its body.

    The application is not called: ``204`` with CORS headers, or ``403`` with none.
    """
    answer = preflight(policy, environ)
    start_response(answer.status_line, list(answer.headers))
    return [answer.body] if answer.body else []


def with_cors_headers(start_response: StartResponse, cors: CORSHeaders) -> StartResponse:
    """*start_response* merging *cors* into the application's headers, whatever its status.

    The merge rules are :func:`wsgicors.headers.add_to_header_list`'s; the
    application's header list is never modified.
    """

    def cors_start_response(
        status: str, headers: list[tuple[str, str]], exc_info: ExcInfo | None = None
    ) -> Callable[[bytes], object]:
        return start_response(status, add_to_header_list(headers, cors), exc_info)

    return cors_start_response


def _enforced_options(routes: Routes, options: dict[str, Any]) -> dict[str, Any] | None:
    # What a report_only dict changes: the options given, else the default policy's.
    if options:
        return options
    return None if routes.default is None else routes.default.options


def _refuse_async(routes: Routes, paths: PathMap | None, observer: Observer | None) -> None:
    policies: list[CORSPolicy | None] = [routes.default, *(paths or {}).values()]
    if observer is not None and observer.report_only is not None:
        policies.append(observer.report_only.candidate)
    problems = sync_only_problems(policies, "a WSGI application", "allow_origin_func")
    if problems:
        raise ConfigError(problems)


def build_routes(
    policy: CORSPolicy | None, paths: PathMap | None, options: dict[str, Any]
) -> Routes:
    """The :class:`Routes` for a middleware's arguments (a policy, or its options).

    Built at start-up, so the policies' warnings are logged here, once each.
    """
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
    routes = Routes(policy, paths)
    log_warnings(_warnings(policy, paths))
    return routes


def _warnings(policy: CORSPolicy | None, paths: PathMap | None) -> list[ConfigWarning]:
    """The warnings of every policy in a configuration, each policy once."""
    found = list(policy.warnings) if policy is not None else []
    seen = {id(policy)}
    for key, path_policy in (paths or {}).items():
        if path_policy is None or id(path_policy) in seen:
            continue
        seen.add(id(path_policy))
        shown = key.pattern if isinstance(key, re.Pattern) else key
        found += [warning.renamed({}, f"paths[{shown!r}].") for warning in path_policy.warnings]
    return found
