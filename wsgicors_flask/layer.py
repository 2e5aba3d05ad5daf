"""The WSGI layer between the server and ``Flask.wsgi_app``.

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
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from werkzeug.exceptions import HTTPException
from werkzeug.routing import RoutingException

from wsgicors import CORSPolicy, Routes
from wsgicors.engine import add_to_header_list, answer_preflight, for_actual
from wsgicors.paths import ROUTED

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment
    from flask import Flask

#: Attribute under which ``@cross_origin`` stores its options on the view.
VIEW_ATTR = "_wsgicors_view"
#: Key of the layer in ``app.extensions``.
EXTENSION_KEY = "wsgicors_flask"

ExcInfo = tuple[type[BaseException], BaseException, TracebackType] | tuple[None, None, None]
Scope = CORSPolicy | Routes


class ViewCORS(Protocol):
    """What ``@cross_origin`` attaches to a view."""

    automatic_options: bool
    #: The undecorated view and the wrapper ``@cross_origin`` made of it.
    view: Any
    wrapper: Any

    def policy_for(self, app: Flask) -> CORSPolicy:
        """The view's policy in *app* (its options over ``app.config``)."""


class _Compiled(NamedTuple):
    routes: Routes
    #: endpoint -> a decorated view's policy, or its blueprint's Routes.
    scoped: dict[str, Scope]


class CORSLayer:
    """The per-app WSGI layer installed by :meth:`wsgicors_flask.CORS.init_app`."""

    def __init__(self, app: Flask, wsgi_app: WSGIApplication) -> None:
        self.app = app
        self.wsgi_app = wsgi_app
        self._routes = Routes(None)
        self._blueprints: dict[str, Routes] = {}
        #: Decorated views found so far (their wrappers are gone once found).
        self._views: dict[str, ViewCORS] = {}
        self._compiled: _Compiled | None = None
        self._lock = threading.Lock()

    @property
    def routes(self) -> Routes:
        """The app-level paths and policies, so ``wsgicors.explain(layer, ...)`` works."""
        return self._routes

    def configure_app(self, routes: Routes) -> None:
        """Replace the app-level configuration (``CORS(app)`` twice replaces)."""
        self._routes = routes
        self._compiled = None

    def configure_blueprint(self, prefix: str, routes: Routes) -> None:
        """Replace the configuration of the blueprint whose endpoints start with *prefix*."""
        self._blueprints = {**self._blueprints, prefix: routes}
        self._compiled = None

    def _compile(self) -> _Compiled:
        # Done at the first request: by then every view and blueprint is
        # registered (Flask refuses new routes afterwards) and app.config is final.
        with self._lock:
            compiled = self._compiled
            if compiled is None:
                compiled = self._compiled = _Compiled(self._routes, self._scopes())
            return compiled

    def _scopes(self) -> dict[str, Scope]:
        # Longest prefix first: a nested blueprint's configuration beats its parent's.
        blueprints = sorted(self._blueprints.items(), key=lambda item: -len(item[0]))
        scoped: dict[str, Scope] = {}
        for endpoint, view in list(self.app.view_functions.items()):
            view_cors = self._views.get(endpoint) or getattr(view, VIEW_ATTR, None)
            if view_cors is not None:
                scoped[endpoint] = view_cors.policy_for(self.app)
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
            for rule in self.app.url_map.iter_rules(endpoint):
                rule.provide_automatic_options = True  # type: ignore[attr-defined]
        self.app.view_functions[endpoint] = view_cors.view

    def __call__(
        self, environ: WSGIEnvironment, start_response: StartResponse
    ) -> Iterable[bytes]:
        # Flat on purpose: every lookup here is paid by every request the app serves.
        compiled = self._compiled or self._compile()
        routes = compiled.routes
        policy = routes.fixed
        if policy is ROUTED:
            policy = routes.resolve(environ.get("PATH_INFO", ""))
        scoped = compiled.scoped
        origin = environ.get("HTTP_ORIGIN")
        if (
            origin is not None
            and environ.get("REQUEST_METHOD") == "OPTIONS"
            and "HTTP_ACCESS_CONTROL_REQUEST_METHOD" in environ
        ):
            if scoped:
                policy = self._preflight_policy(environ, scoped, policy)
            if policy is None:
                return self.wsgi_app(environ, start_response)
            status, headers, body, _refusal = answer_preflight(policy, environ)
            start_response(status, headers)
            return [body] if body else []
        if scoped:
            return self.wsgi_app(environ, _scoped_start_response(
                environ, start_response, scoped, policy, origin
            ))
        if policy is None:
            return self.wsgi_app(environ, start_response)
        allowed = for_actual(policy, origin)

        def cors_start_response(
            status: str, headers: list[tuple[str, str]], exc_info: ExcInfo | None = None
        ) -> Callable[[bytes], object]:
            return start_response(status, add_to_header_list(headers, allowed), exc_info)

        return self.wsgi_app(environ, cors_start_response)

    def _preflight_policy(
        self, environ: WSGIEnvironment, scoped: dict[str, Scope], default: CORSPolicy | None
    ) -> CORSPolicy | None:
        """The policy of the endpoint the preflighted request will reach."""
        request = self.app.request_class(environ, populate_request=False, shallow=True)
        try:
            adapter = self.app.create_url_adapter(request)
            if adapter is None:
                return default
            # Match with the method the browser asks for: that is the request to come.
            endpoint, _args = adapter.match(
                method=environ["HTTP_ACCESS_CONTROL_REQUEST_METHOD"]
            )
        except (HTTPException, RoutingException):
            return default  # no such route: the path-level policy answers
        return _scope_policy(scoped.get(str(endpoint)), environ, default)


def _scoped_start_response(
    environ: WSGIEnvironment,
    start_response: StartResponse,
    scoped: dict[str, Scope],
    default: CORSPolicy | None,
    origin: str | None,
) -> StartResponse:
    """A start_response that adds the headers of the endpoint's own policy."""

    def cors_start_response(
        status: str, headers: list[tuple[str, str]], exc_info: ExcInfo | None = None
    ) -> Callable[[bytes], object]:
        policy = _response_policy(environ, scoped, default)
        if policy is not None:
            headers = add_to_header_list(headers, for_actual(policy, origin))
        return start_response(status, headers, exc_info)

    return cors_start_response


def _response_policy(
    environ: WSGIEnvironment, scoped: dict[str, Scope], default: CORSPolicy | None
) -> CORSPolicy | None:
    # Flask's request context is still active while the response starts: its
    # request knows the endpoint it matched (None for 404/405/redirects).
    rule = getattr(environ.get("werkzeug.request"), "url_rule", None)
    if rule is None:
        return default
    return _scope_policy(scoped.get(rule.endpoint), environ, default)


def _scope_policy(
    scope: Scope | None, environ: WSGIEnvironment, default: CORSPolicy | None
) -> CORSPolicy | None:
    if scope is None:
        return default
    if isinstance(scope, CORSPolicy):
        return scope
    policy = scope.resolve(environ.get("PATH_INFO", ""))
    return default if policy is None else policy


def install(app: Flask) -> CORSLayer:
    """The app's layer, wrapping ``app.wsgi_app`` the first time."""
    layer = app.extensions.get(EXTENSION_KEY)
    if isinstance(layer, CORSLayer):
        return layer
    layer = CORSLayer(app, app.wsgi_app)
    app.wsgi_app = layer  # type: ignore[method-assign]
    app.extensions[EXTENSION_KEY] = layer
    return layer
