"""``CORS`` and ``@cross_origin``: flask-cors's API on top of the wsgicors engine."""

from __future__ import annotations

import functools
import inspect
import weakref
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from flask import Blueprint, Flask, current_app, request
from flask.sansio.blueprints import BlueprintSetupState

from wsgicors import ConfigError, CORSPolicy
from wsgicors.adapter import actual, is_preflight, log_warnings, preflight, response_updates

from .layer import VIEW_ATTR, install
from .options import (
    app_wide_problems,
    build_observer,
    build_policy,
    build_routes,
    config_options,
    warnings_of,
)

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment
    from flask import Response

F = TypeVar("F", bound=Callable[..., Any])


class CORS:
    """Cross-origin resource sharing for a Flask app or blueprint, flask-cors style.

    ::

        CORS(app)                                         # every origin, no credentials
        CORS(app, origins=["https://app.example.com"], supports_credentials=True)
        CORS(app, resources={r"/api/*": {"origins": "https://*.example.com"}})
        CORS(app, policy=CORSPolicy(allow_origins=[...]))   # wsgicors's own vocabulary

    Takes every flask-cors option (``origins``, ``methods``, ``allow_headers``,
    ``expose_headers``, ``supports_credentials``, ``max_age``,
    ``allow_private_network``, ``resources``, ``send_wildcard``, ``vary_header``,
    ``always_send``, ``automatic_options``, ``intercept_exceptions``) and the
    ``CORS_*`` keys of ``app.config``. Precedence: per-resource options >
    :meth:`init_app` keywords > constructor keywords > ``app.config`` > defaults.

    The configuration is validated with the app (here, or in :meth:`init_app`; for a
    blueprint, when it is registered): an unsafe or impossible one raises
    :class:`wsgicors.ConfigError` listing every problem, misspelt option names
    included; what is valid but has no effect is logged as a warning (logger
    ``wsgicors``). Calling it again for the same app or blueprint replaces the
    previous configuration.
    """

    def __init__(self, app: Flask | Blueprint | None = None, **options: Any) -> None:
        self._options = options
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask | Blueprint, **options: Any) -> None:
        """Configure CORS for *app* (a Flask app or a blueprint).

        For a blueprint, the configuration is built when the blueprint is
        registered, so it sees that app's ``app.config``, and it applies to the
        blueprint's endpoints only.
        """
        layers = (self._options, options)
        if isinstance(app, Blueprint):
            problems = [p for layer in layers for p in app_wide_problems(layer, "blueprint: ")]
            if problems:
                raise ConfigError(problems)
            app.record(functools.partial(_configure_blueprint, layers=layers))
            return
        everything = [config_options(app.config), *layers]
        routes = build_routes(everything, "")
        install(app).configure_app(routes, build_observer(everything, ""))


def _configure_blueprint(
    state: BlueprintSetupState, layers: tuple[Mapping[str, Any], ...]
) -> None:
    app: Flask = state.app  # type: ignore[assignment]
    prefix = f"{state.name_prefix}.{state.name}".lstrip(".") + "."
    where = f"blueprint {state.name!r}: "
    routes = build_routes([config_options(app.config), *layers], where)
    install(app).configure_blueprint(prefix, routes)


class _ViewCORS:
    """The options ``@cross_origin`` put on a view, and its policy per app."""

    def __init__(self, name: str, options: Mapping[str, Any]) -> None:
        self.where = f"@cross_origin on {name}: "
        # Checked now, at import time, over flask-cors's defaults: a bad decorator must
        # not wait for the first request to answer every one with a 500. app.config is
        # not known yet, so the decorator must be valid on its own: one that would lean
        # on CORS_ORIGINS for the origins of its credentials names them itself.
        problems = app_wide_problems(options, self.where)
        if problems:
            raise ConfigError(problems)
        log_warnings(warnings_of(build_policy([options], self.where), self.where, [options]))
        self.options = dict(options)
        self.automatic_options = bool(options.get("automatic_options", True))
        self.view: Callable[..., Any] | None = None
        self.wrapper: Callable[..., Any] | None = None
        self._policies: weakref.WeakKeyDictionary[Flask, CORSPolicy] = (
            weakref.WeakKeyDictionary()
        )

    def policy_for(self, app: Flask) -> CORSPolicy:
        """The view's policy in *app*: decorator options > ``app.config`` > defaults."""
        policy = self._policies.get(app)
        if policy is None:
            policy = build_policy([config_options(app.config), self.options], self.where)
            self._policies[app] = policy
        return policy

    def early(self, environ: WSGIEnvironment) -> Response | None:
        """A response that does not need the view: a preflight, automatic OPTIONS."""
        app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
        if is_preflight(environ):
            # No CORS(app) layer: the preflight reaches the view, as with flask-cors.
            answer = preflight(self.policy_for(app), environ)
            response = app.response_class(answer.body, status=answer.status_line,
                                          headers=answer.headers)
            if not answer.body:
                del response.headers["Content-Type"]  # a 204 has no body to describe
            return response
        if self.automatic_options and environ.get("REQUEST_METHOD") == "OPTIONS":
            return self.finish(app.make_default_options_response(), environ)
        return None

    def finish(self, rv: Any, environ: WSGIEnvironment) -> Response:
        """The view's return value as a response with the CORS headers."""
        app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
        response = app.make_response(rv)
        headers = response.headers
        cors = actual(self.policy_for(app), environ.get("HTTP_ORIGIN"), environ)
        # A header may be repeated (two Vary lines): the engine reads all of its values.
        for name, value in response_updates(
            headers.keys(), lambda name: ", ".join(headers.getlist(name)) or None, cors
        ):
            if value is None:
                headers.pop(name, None)
            else:
                headers[name] = value
        return response


def cross_origin(**options: Any) -> Callable[[F], F]:
    """Give one view its own CORS policy (put it *below* ``@app.route``).

    ::

        @app.route("/special", methods=["GET", "POST"])
        @cross_origin(origins=["https://partner.example.org"], methods=["GET", "POST"])
        def special(): ...

    Takes the options of :class:`CORS` except ``resources`` and
    ``intercept_exceptions``; they are merged over ``app.config``'s ``CORS_*`` keys.
    They are validated here, at import, over flask-cors's defaults (``app.config`` is
    not known yet): ``@cross_origin(supports_credentials=True)`` without ``origins`` is
    a :class:`wsgicors.ConfigError` at once, as ``"*"`` with credentials.
    With ``CORS(app)`` installed, the view's preflights are answered before any
    ``before_request`` function; without it, inside the view as flask-cors does.
    Works on ``async def`` views.
    """

    def decorator(view: F) -> F:
        view_cors = _ViewCORS(getattr(view, "__name__", repr(view)), options)
        if view_cors.automatic_options:
            # As flask-cors: OPTIONS reaches this wrapper, which answers it like Flask.
            view_any: Any = view
            view_any.required_methods = {*getattr(view, "required_methods", ()), "OPTIONS"}
            view_any.provide_automatic_options = False
        if inspect.iscoroutinefunction(view):
            wrapper = _async_wrapper(view, view_cors)
        else:
            wrapper = _sync_wrapper(view, view_cors)
        functools.update_wrapper(wrapper, view)
        setattr(wrapper, VIEW_ATTR, view_cors)
        view_cors.view, view_cors.wrapper = view, wrapper
        return wrapper  # type: ignore[return-value]

    return decorator


def _sync_wrapper(view: Callable[..., Any], view_cors: _ViewCORS) -> Callable[..., Any]:
    # Only apps without CORS(app) call this: the layer serves the bare view instead.
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        environ = request.environ
        response = view_cors.early(environ)
        if response is not None:
            return response
        return view_cors.finish(view(*args, **kwargs), environ)

    return wrapper


def _async_wrapper(view: Callable[..., Any], view_cors: _ViewCORS) -> Callable[..., Any]:
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        environ = request.environ
        response = view_cors.early(environ)
        if response is not None:
            return response
        return view_cors.finish(await view(*args, **kwargs), environ)

    return wrapper
