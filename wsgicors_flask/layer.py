"""The WSGI layer between the server and ``Flask.wsgi_app``, made of adapter-API parts.

It runs before Flask does anything: preflights are answered here, so no
``before_request`` function of the app or of a blueprint (an authentication hook,
say) ever sees one, and every response Flask produces (views, ``abort()``, 404, 405,
500, error handlers, redirects) passes through its ``start_response``, where the
engine's headers are added.

Which policy applies:

1. a ``@cross_origin`` view's own policy, for its endpoint;
2. a blueprint's ``CORS(blueprint)`` configuration, for that blueprint's endpoints;
3. the app's ``CORS(app)`` resources, by path.

Endpoints are known for free when the response starts (Flask has matched the URL by
then); only a preflight to an app that has (1) or (2) costs a URL-map match.

Paths are matched as Werkzeug routes them (:func:`routing_path`), so the policy is the
one of the endpoint the request reaches: ``//admin/users`` is the ``/admin/users``
rule to Werkzeug, and gets the ``/admin/*`` resource's policy (issue 18 item 11).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from werkzeug.exceptions import HTTPException
from werkzeug.routing import RoutingException, Rule

from wsgicors import CORSPolicy, Routes
from wsgicors.adapter import (
    CORSHeaders,
    Match,
    Observer,
    actual,
    add_to_header_list,
    answer_preflight,
    build_routes,
    is_preflight,
    preflight,
    with_cors_headers,
)

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment
    from flask import Flask

#: Attribute under which ``@cross_origin`` stores its options on the view.
VIEW_ATTR = "_wsgicors_view"
#: Key of the layer in ``app.extensions``.
EXTENSION_KEY = "wsgicors_flask"

ScopeEntry = CORSPolicy | Routes


class ViewCORS(Protocol):
    """What ``@cross_origin`` attaches to a view."""

    automatic_options: bool
    #: The undecorated view and the wrapper ``@cross_origin`` made of it.
    view: Any
    wrapper: Any

    def policy_for(self, app: Flask) -> CORSPolicy:
        """The view's policy in *app* (its options over ``app.config``)."""


class _Config(NamedTuple):
    """What the layer runs with, swapped in one assignment."""

    routes: Routes
    #: The policies of decorated views and blueprints, None when there are none.
    endpoints: _EndpointPolicies | None
    #: True if a rule has ``strict_slashes=False``: it serves its path with and
    #: without a trailing slash, so both may need its policy.
    lenient: bool = False


class CORSLayer:
    """The per-app WSGI layer installed by :meth:`wsgicors_flask.CORS.init_app`.

    The request path of :class:`wsgicors.CORSMiddleware` (the same adapter-API
    helpers), around Flask's own ``wsgi_app``. Its configuration is compiled at the
    first request, when every view and blueprint is known: the app's resources by
    path, and the policies of decorated views and blueprints by endpoint.
    """

    def __init__(self, app: Flask, wsgi_app: WSGIApplication) -> None:
        self.flask = app
        #: Flask's own wsgi_app, which the layer calls.
        self.app = wsgi_app
        self._app_routes = Routes(None)
        self._blueprints: dict[str, Routes] = {}
        #: Decorated views found so far (their wrappers are gone once found).
        self._views: dict[str, ViewCORS] = {}
        self._config = _Config(self._app_routes, None)
        self._stale = True
        self._lock = threading.Lock()
        #: The metrics callback and report-only candidate (``CORS(app, on_decision=...,
        #: report_only=...)``), None without them.
        self.observer: Observer | None = None

    @property
    def routes(self) -> Routes:
        """The app-level paths and policies, so ``wsgicors.explain(layer, ...)`` works."""
        return self._app_routes

    @property
    def wsgi_app(self) -> WSGIApplication:
        """Flask's own wsgi_app, under the layer (the name Flask middlewares use)."""
        return self.app

    @wsgi_app.setter
    def wsgi_app(self, app: WSGIApplication) -> None:
        self.app = app

    def configure_app(self, routes: Routes, observer: Observer | None = None) -> None:
        """Replace the app-level configuration (``CORS(app)`` twice replaces)."""
        # Under the lock: a first request compiling at this moment must not install
        # the old configuration after this one (it would stay for good).
        with self._lock:
            self._app_routes = routes
            self.observer = observer
            self._stale = True

    def configure_blueprint(self, prefix: str, routes: Routes) -> None:
        """Replace the configuration of the blueprint whose endpoints start with *prefix*."""
        with self._lock:
            self._blueprints = {**self._blueprints, prefix: routes}
            self._stale = True

    def reconfigure(self, policy: CORSPolicy | None = None, **options: Any) -> None:
        """Replace the app-level configuration, like :meth:`configure_app`."""
        self.configure_app(build_routes(policy, options.pop("paths", None), options),
                           self.observer)

    def __call__(
        self, environ: WSGIEnvironment, start_response: StartResponse
    ) -> Iterable[bytes]:
        """Answer preflights before Flask runs; add CORS headers to every response."""
        if self._stale:
            self._compile()
        config = self._config
        routes, endpoints = config.routes, config.endpoints
        policy = self._path_policy(environ, config) if routes.routed else routes.default
        if "HTTP_ACCESS_CONTROL_REQUEST_METHOD" in environ and is_preflight(environ):
            if endpoints is not None:
                policy = endpoints.preflight_policy(environ, policy)
            if policy is None:
                return self.app(environ, start_response)
            if self.observer is not None:
                return self._observed_preflight(policy, environ, start_response)
            return answer_preflight(policy, environ, start_response)
        origin = environ.get("HTTP_ORIGIN")
        if endpoints is not None:
            return self.app(environ, endpoints.start_response(
                environ, start_response, policy, origin, self.observe))
        if policy is None:
            return self.app(environ, start_response)
        cors = policy.refused if origin is None else actual(policy, origin, environ)
        if self.observer is not None and origin is not None:
            self.observe(policy, cors, origin, environ)
        return self.app(environ, with_cors_headers(start_response, cors))

    def match(self, path: str) -> Match:
        """The app-level policy for a request to *path* (a ``PATH_INFO``), as Werkzeug
        routes it, and the pattern that chose it; what :func:`wsgicors.explain` asks."""
        return self._app_routes.match_routed(routing_path({"PATH_INFO": path}))

    def _path_policy(self, environ: WSGIEnvironment, config: _Config) -> CORSPolicy | None:
        path = environ.get("PATH_INFO", "")
        if path[1:2] == "/" or path[:1] != "/" or not path.isascii():
            path = routing_path(environ)  # the odd shapes: Werkzeug's reading
        policy = config.routes.match_routed(path)[0]
        if config.lenient and len(path) > 1:
            toggled = path[:-1] if path.endswith("/") else path + "/"
            if config.routes.resolve_routed(toggled) is not policy:
                # A rule without strict slashes may serve both: ask the URL map which.
                path = rule_path(path, self._matched_rule(environ))
                policy = config.routes.resolve_routed(path)
        return policy

    def _matched_rule(self, environ: WSGIEnvironment) -> Rule | None:
        return matched_rule(self.flask, environ)

    def observe(self, policy: CORSPolicy, cors: CORSHeaders, origin: str,
                environ: WSGIEnvironment) -> None:
        """Tell the observer (if any) the headers *policy* gave an actual request."""
        if self.observer is not None:
            self.observer.actual(policy, cors, origin, environ, self._pattern(environ))

    def _observed_preflight(self, policy: CORSPolicy, environ: WSGIEnvironment,
                            start_response: StartResponse) -> list[bytes]:
        answer = preflight(policy, environ)
        if self.observer is not None:
            self.observer.preflight(policy, answer, environ, self._pattern(environ))
        start_response(answer.status_line, list(answer.headers))
        return [answer.body] if answer.body else []

    def _pattern(self, environ: WSGIEnvironment) -> str | None:
        # The resources pattern of the path (a view's or blueprint's policy included).
        routes = self._app_routes
        return self.match(environ.get("PATH_INFO", ""))[1] if routes.routed else None

    def _compile(self) -> None:
        # Done at the first request: by then every view and blueprint is
        # registered (Flask refuses new routes afterwards) and app.config is final.
        with self._lock:
            if self._stale:
                scoped = self._scopes()
                endpoints = _EndpointPolicies(self.flask, scoped) if scoped else None
                lenient = any(rule.strict_slashes is False
                              for rule in self.flask.url_map.iter_rules())
                self._config = _Config(self._app_routes, endpoints, lenient)
                self._stale = False

    def _scopes(self) -> dict[str, ScopeEntry]:
        # Longest prefix first: a nested blueprint's configuration beats its parent's.
        blueprints = sorted(self._blueprints.items(), key=lambda item: -len(item[0]))
        scoped: dict[str, ScopeEntry] = {}
        for endpoint, view in list(self.flask.view_functions.items()):
            view_cors = self._views.get(endpoint) or getattr(view, VIEW_ATTR, None)
            if view_cors is not None:
                scoped[endpoint] = view_cors.policy_for(self.flask)
                self._unwrap(endpoint, view, view_cors)
                continue
            for prefix, routes in blueprints:
                if endpoint.startswith(prefix):
                    scoped[endpoint] = routes
                    break
        return scoped

    def _unwrap(self, endpoint: str, view: Any, view_cors: ViewCORS) -> None:
        """Serve a decorated view without its wrapper: this layer does its CORS work.

        The wrapper's remaining job, automatic OPTIONS, is Flask's own when the rule
        says so; the wrapper stays for apps without this layer. Only our own wrapper
        is replaced: a decorator put above it (``@login_required``...) must keep running,
        and our wrapper under it then does its CORS work itself, with the same policy.
        """
        if endpoint in self._views:
            return
        self._views[endpoint] = view_cors
        if view is not view_cors.wrapper:
            return
        if view_cors.automatic_options:
            for rule in self.flask.url_map.iter_rules(endpoint):
                rule.provide_automatic_options = True  # type: ignore[attr-defined]
        self.flask.view_functions[endpoint] = view_cors.view


class _EndpointPolicies:
    """The policies of decorated views and blueprints, by the endpoint a request reaches.

    Endpoints are known for free when the response starts (Flask has matched the URL
    by then); a preflight, answered before Flask runs, costs a URL-map match. Both
    methods get the path's policy as *default* and fall back on it.
    """

    def __init__(self, app: Flask, scoped: dict[str, ScopeEntry]) -> None:
        self.app = app
        self.scoped = scoped

    def preflight_policy(
        self, environ: WSGIEnvironment, default: CORSPolicy | None
    ) -> CORSPolicy | None:
        """The policy of the endpoint the preflighted request will reach."""
        rule = matched_rule(self.app, environ)
        if rule is None:
            return default  # no such route: the path-level policy answers
        return self._entry_policy(self.scoped.get(str(rule.endpoint)), environ, rule, default)

    def start_response(
        self, environ: WSGIEnvironment, start_response: StartResponse,
        default: CORSPolicy | None, origin: str | None,
        observe: Callable[[CORSPolicy, CORSHeaders, str, WSGIEnvironment], None],
    ) -> StartResponse:
        """*start_response* adding the headers of the endpoint's policy, once Flask
        has matched it (the path's policy for 404/405/redirects); *observe* is told
        each decision."""

        def cors_start_response(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Callable[[bytes], object]:
            policy = self._response_policy(environ, default)
            if policy is not None:
                cors = actual(policy, origin, environ)
                if origin is not None:
                    observe(policy, cors, origin, environ)
                headers = add_to_header_list(headers, cors)
            return start_response(status, headers, exc_info)

        return cors_start_response

    def _response_policy(
        self, environ: WSGIEnvironment, default: CORSPolicy | None
    ) -> CORSPolicy | None:
        # Flask's request context is still active while the response starts: its
        # request knows the endpoint it matched (None for 404/405/redirects).
        rule = getattr(environ.get("werkzeug.request"), "url_rule", None)
        if rule is None:
            return default
        return self._entry_policy(self.scoped.get(rule.endpoint), environ, rule, default)

    @staticmethod
    def _entry_policy(
        entry: ScopeEntry | None, environ: WSGIEnvironment, rule: Rule,
        default: CORSPolicy | None,
    ) -> CORSPolicy | None:
        if entry is None:
            return default
        if isinstance(entry, CORSPolicy):
            return entry
        policy = entry.resolve_routed(rule_path(routing_path(environ), rule))
        return default if policy is None else policy


def routing_path(environ: WSGIEnvironment) -> str:
    """The path Werkzeug routes *environ* by.

    ``PATH_INFO`` decoded as UTF-8 (bytes that are not UTF-8 become U+FFFD, as
    Werkzeug's ``_wsgi_decoding_dance``), with its leading slashes stripped to one, as
    ``MapAdapter.match`` does: ``//admin/users`` reaches the ``/admin/users`` rule, so it
    gets that path's policy. Runs of slashes inside the path are left: Werkzeug only
    routes them as written (a ``<path:...>`` converter) or redirects to the merged path.
    """
    path: str = environ.get("PATH_INFO", "")
    if not path.isascii():
        # Not a PEP 3333 string (code points above U+00FF): Werkzeug fails on it too.
        with contextlib.suppress(UnicodeEncodeError):
            path = path.encode("latin-1").decode("utf-8", "replace")
    if path[:1] == "/" and path[1:2] != "/":
        return path
    return "/" + path.lstrip("/")


def rule_path(path: str, rule: Rule | None) -> str:
    """*path* as *rule* reads it: a rule with ``strict_slashes=False`` serves its path
    with or without the trailing slash, and is matched in its own spelling."""
    if rule is None or rule.strict_slashes is not False or len(path) < 2:
        return path
    if rule.rule.endswith("/"):
        return path if path.endswith("/") else path + "/"
    return path[:-1] if path.endswith("/") else path


def matched_rule(app: Flask, environ: WSGIEnvironment) -> Rule | None:
    """The rule the request in *environ* reaches (a preflight: the request it asks
    for), or None for a 404, 405 or redirect."""
    request = app.request_class(environ, populate_request=False, shallow=True)
    method = environ.get("HTTP_ACCESS_CONTROL_REQUEST_METHOD") if is_preflight(environ) else None
    try:
        adapter = app.create_url_adapter(request)
        if adapter is None:
            return None
        rule, _args = adapter.match(method=method or environ.get("REQUEST_METHOD"),
                                    return_rule=True)
    except (HTTPException, RoutingException):
        return None
    return rule


def install(app: Flask) -> CORSLayer:
    """The app's layer, wrapping ``app.wsgi_app`` the first time."""
    layer = app.extensions.get(EXTENSION_KEY)
    if isinstance(layer, CORSLayer):
        return layer
    layer = CORSLayer(app, app.wsgi_app)
    app.wsgi_app = layer  # type: ignore[method-assign]
    app.extensions[EXTENSION_KEY] = layer
    return layer
