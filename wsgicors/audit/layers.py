"""Which CORS configuration answers a route: wsgicors, flask-cors, django-cors-headers,
Starlette's ``CORSMiddleware``, or none.

:class:`Layers` reads each configuration where its library keeps it, the way that
library decides, without sending a request:

* wsgicors (the WSGI and ASGI middleware, ``wsgicors_flask``, ``wsgicors_django``):
  its routes' policy for the path (None: CORS off there), a decorated view's own
  policy, a blueprint's configuration for its endpoints;
* flask-cors: the resources of each ``CORS(app)`` or ``CORS(blueprint)`` (matched as
  flask-cors matches them), and views under its ``@cross_origin``;
* django-cors-headers: its middleware in ``MIDDLEWARE`` and ``CORS_URLS_REGEX``;
* Starlette's ``CORSMiddleware`` (FastAPI's is the same class): every route of the
  application it is added to, mounted applications included.

More than one name means several configurations answer the same route, which is a
finding of its own for a reviewer: the innermost sets the headers, the outer ones
may add or replace them.

:meth:`Layers.serving` also reads the configuration answering a route (see
:mod:`~wsgicors.audit.configs`) and says which stack the audit's fix is written for:
the library the route's configuration is in, or, where none answers, wsgicors's
adapter for the application's framework.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import re
import urllib.parse
from collections.abc import Callable, Iterator
from typing import Any, Literal, NamedTuple

from ..toolbase.snippets import Stack
from ..toolbase.stacks import StackInfo
from ..toolbase.targets import DJANGO_MIDDLEWARE, FLASK_EXTENSION, MAX_DEPTH, find_target
from . import configs
from .configs import Configured, Serving
from .routes import Application, Route

#: The configurations :class:`Layers` tells apart.
Answerer = Literal["wsgicors", "flask-cors", "django-cors-headers", "starlette"]
#: django-cors-headers' middleware, as listed in MIDDLEWARE.
CORSHEADERS_MIDDLEWARE = "corsheaders.middleware.CorsMiddleware"
#: ``covers(route)``: True if the layer answers CORS for *route*.
Covers = Callable[[Route], bool]
#: ``read(route)``: the configuration the layer answers *route* with (None: unknown).
Read = Callable[[Route], Configured | None]
#: Attribute under which ``wsgicors_flask.cross_origin`` keeps a view's options.
_WSGICORS_FLASK_VIEW = "_wsgicors_view"
#: Where the stack of a whole-application audit's fix comes from.
SOURCE = "from --app"
#: wsgicors's adapter for each framework: the fix where no configuration answers.
_ADAPTERS: dict[str, Stack] = {"flask": "flask", "django": "django", "starlette": "starlette"}


class Layer(NamedTuple):
    """One CORS configuration of an application: its library, the routes it answers,
    how to read its configuration for a route, and the stack its fix is written for."""

    name: Answerer
    covers: Covers
    read: Read
    stack: StackInfo


class Layers:
    """The CORS configurations of one application, and which of them answer a route.

    *app* is the name of the application object in the user's module (what the fix's
    code calls it).
    """

    def __init__(self, found: Application, app: str = "app") -> None:
        self.found = found
        self.app = app
        self.layers: list[Layer] = [
            layer for obj in found.wrappers for layer in _wrapper_layers(obj, "", app)]
        if found.framework == "flask":
            self.layers += _flask_layers(found.app, app)
        elif found.framework == "django":
            self.layers += _django_layers()
        else:
            self.layers.append(Layer("wsgicors", _starlette_wsgicors, _starlette_policy,
                                     StackInfo("starlette", SOURCE, installed=True, app=app,
                                               inside_error_handler=True)))
            self.layers.append(Layer("starlette", _starlette_cors, _starlette_options,
                                     StackInfo("starlette-cors", SOURCE, installed=True,
                                               app=app)))

    def answering(self, route: Route) -> list[Answerer]:
        """The names of the configurations answering *route*, outermost first."""
        return list(dict.fromkeys(layer.name for layer in self.layers
                                  if layer.covers(route)))

    def serving(self, route: Route) -> Serving:
        """The stack and configuration of the outermost layer answering *route*; where
        none does, wsgicors's adapter for the framework, to install."""
        for layer in self.layers:
            if layer.covers(route):
                try:
                    configured = layer.read(route)
                except Exception:  # a configuration its library reads otherwise:
                    return Serving(layer.stack)  # the fix starts from the answers
                return Serving(_placed(layer.stack, configured), configured)
        stack = _ADAPTERS[self.found.framework]
        return Serving(StackInfo(stack, f"{SOURCE}: no CORS configuration the audit knows "
                                        "answers this route", app=self.app))


#: Where a wsgicors adapter keeps its per-path policies.
_PATH_OPTIONS = {"django": "CORS_PATHS", "starlette": "paths=", "wsgicors": "paths="}


def _placed(stack: StackInfo, configured: Configured | None) -> StackInfo:
    """*stack* for a configuration that is not the application-wide one: a blueprint's
    ``CORS()`` is called on the blueprint; a view's or a resource's is said where it
    goes; a wsgicors path entry becomes the CORSPolicy to put there."""
    if configured is None:
        return stack
    if configured.blueprint:
        stack = dataclasses.replace(
            stack, app=configured.blueprint,
            source=f"{stack.source}: the CORS() of the blueprint {configured.blueprint!r}")
    if configured.mount:
        name = configured.mount.rstrip("/").rpartition("/")[2].replace("-", "_")
        stack = dataclasses.replace(
            stack, app=name if name.isidentifier() else "mounted",
            source=f"{stack.source}: the CORSMiddleware of the application mounted at "
                   f"{configured.mount!r}")
    if configured.view:
        return dataclasses.replace(
            stack, source=f"{stack.source}: the @cross_origin of the view {configured.view}")
    if configured.resource is None:
        return stack
    if stack.stack in ("flask", "flask-cors"):
        return dataclasses.replace(
            stack, source=f"{stack.source}: the resource {configured.resource!r}")
    return dataclasses.replace(
        stack, stack="wsgicors", policy=True, app="policy",
        source=f"{SOURCE}: the CORSPolicy for the paths {configured.resource!r} (that entry "
               f"of {_PATH_OPTIONS.get(stack.stack, 'paths=')})")


def _is_wsgicors_middleware(obj: Any) -> bool:
    routes = getattr(obj, "routes", None)
    return type(obj).__module__.startswith("wsgicors") and callable(
        getattr(routes, "match", None))


def _policy_at(matcher: Any, path: str) -> bool:
    """True if *matcher* (a wsgicors middleware's routes, a tool target: anything with
    ``match(path)``) applies a policy to *path* (None: CORS off there)."""
    policy, _pattern = matcher.match(path)
    return policy is not None


def _by_path(matcher: Any, prefix: str = "") -> Covers:
    """Covers the routes *matcher* applies a policy to, under mount *prefix*."""
    return lambda route: _policy_at(matcher, route.path[len(prefix):] or "/")


def _read_path(matcher: Any, prefix: str = "") -> Read:
    """Reads the policy *matcher* applies to a route, under mount *prefix*, and the
    path pattern that chose it (None: the default policy)."""
    def read(route: Route) -> Configured | None:
        policy, pattern = matcher.match(route.path[len(prefix):] or "/")
        if policy is None:
            return None
        return dataclasses.replace(configs.of_policy(policy), resource=pattern)

    return read


#: The stack of a wsgicors middleware's fix: the policy it serves the route with.
_POLICY = StackInfo("wsgicors", f"{SOURCE}: the CORSPolicy serving this route",
                    installed=True, app="policy", policy=True)


def _wrapper_layers(obj: Any, prefix: str, app: str) -> list[Layer]:
    """A CORS middleware wrapped around the application (WSGI or ASGI)."""
    if _is_wsgicors_middleware(obj):
        stack = StackInfo("starlette", SOURCE, installed=True, app=app, wrap_whole=True) \
            if type(obj).__module__ == "wsgicors.asgi" else _POLICY
        return [Layer("wsgicors", _by_path(obj.routes, prefix), _read_path(obj.routes, prefix),
                      stack)]
    if _is_starlette_cors(type(obj)):
        return [Layer("starlette", lambda route: True,
                      lambda route: configs.of_starlette(obj),
                      StackInfo("starlette-cors", SOURCE, installed=True, app=app,
                                wrap_whole=True))]
    return []


def _is_starlette_cors(cls: Any) -> bool:
    return getattr(cls, "__module__", "") == "starlette.middleware.cors" and \
        getattr(cls, "__name__", "") == "CORSMiddleware"


# -- Flask -----------------------------------------------------------------------


def _flask_layers(app: Any, name: str) -> list[Layer]:
    layers: list[Layer] = []
    for obj in _wsgi_app_chain(app):
        if obj is app.extensions.get(FLASK_EXTENSION):
            layers.append(Layer("wsgicors", functools.partial(_wsgicors_flask, app, obj),
                                functools.partial(_wsgicors_flask_policy, app, obj),
                                StackInfo("flask", SOURCE, installed=True, app=name)))
        else:
            layers += _wrapper_layers(obj, "", name)
    layers.append(Layer("flask-cors", lambda route: _flask_cors(app, route) is not None,
                        lambda route: _flask_cors(app, route),
                        StackInfo("flask-cors", SOURCE, installed=True, app=name)))
    return layers


def _wsgi_app_chain(app: Any) -> Iterator[Any]:
    """The WSGI middlewares installed on ``app.wsgi_app``, outermost first."""
    obj = app.wsgi_app
    for _depth in range(MAX_DEPTH):
        if obj is None or inspect.ismethod(obj):
            return  # Flask's own wsgi_app
        yield obj
        obj = getattr(obj, "app", None) or getattr(obj, "wsgi_app", None)


def _wsgicors_flask(app: Any, layer: Any, route: Route) -> bool:
    """True if the wsgicors_flask layer applies a policy to *route*."""
    return _wsgicors_flask_policy(app, layer, route) is not None


def _wsgicors_flask_policy(app: Any, layer: Any, route: Route) -> Configured | None:
    """The wsgicors_flask layer's choice: a decorated view's policy, a blueprint's
    configuration, else the app's resources by path."""
    endpoint = str(route.context or "")
    view = app.view_functions.get(endpoint)
    view_cors = getattr(layer, "_views", {}).get(endpoint) or getattr(
        view, _WSGICORS_FLASK_VIEW, None)
    if view_cors is not None:
        return dataclasses.replace(configs.of_policy(view_cors.policy_for(app)),
                                   view=_view_name(view_cors.view, endpoint))
    for prefix, routes in sorted(getattr(layer, "_blueprints", {}).items(),
                                 key=lambda item: -len(item[0])):
        if endpoint.startswith(prefix):
            found = _read_path(routes)(route)
            if found is not None:
                return dataclasses.replace(found, blueprint=prefix.rstrip("."))
            break
    return _read_path(layer.routes)(route)


def _flask_cors(app: Any, route: Route) -> Configured | None:
    """flask-cors's options for *route* (None: flask-cors does not answer it): its
    ``@cross_origin`` on the view, or the resource of ``CORS(app)`` or
    ``CORS(blueprint)`` matching the path."""
    try:
        from flask_cors import core, decorator
    except ImportError:
        return None
    endpoint = str(route.context or "")
    view = app.view_functions.get(endpoint)
    wrapper = _wrapped_by(view, decorator.__file__)
    if wrapper is not None:  # its options, over app.config's CORS_* and the defaults
        options = core.get_cors_options(app, _closure(wrapper).get("_options") or {})
        return dataclasses.replace(configs.of_flask_cors(options),
                                   view=_view_name(view, endpoint))
    path = urllib.parse.unquote(route.path)
    for scope, functions in app.after_request_funcs.items():
        if scope is not None and not endpoint.startswith(f"{scope}."):
            continue
        for function in functions:
            resources = _closure(function).get("resources") \
                if getattr(function, "__name__", "") == "cors_after_request" else None
            for pattern, options in resources or ():
                if core.try_match_pattern(path, pattern, caseSensitive=True):
                    source = configs.source(pattern)
                    return dataclasses.replace(
                        configs.of_flask_cors(options), blueprint=scope,
                        resource=None if len(resources or ()) == 1 and source == "/*" else source)
    return None


def _view_name(view: Any, endpoint: str) -> str:
    """The name of a view function in its module (its endpoint's last part if none)."""
    return str(getattr(view, "__name__", "") or endpoint.rpartition(".")[2])


def _wrapped_by(function: Any, filename: str) -> Any:
    """*function*, or the function it wraps, that is defined in *filename* (or None)."""
    for _depth in range(MAX_DEPTH):
        code = getattr(function, "__code__", None)
        if code is None:
            return None
        if code.co_filename == filename:
            return function
        function = getattr(function, "__wrapped__", None)
    return None


def _closure(function: Any) -> dict[str, Any]:
    """The variables a closure captured, by name."""
    code, cells = getattr(function, "__code__", None), getattr(function, "__closure__", None)
    if code is None or not cells:
        return {}
    return {name: cell.cell_contents for name, cell in zip(code.co_freevars, cells, strict=True)}


# -- Django ----------------------------------------------------------------------


def _django_layers() -> list[Layer]:
    from django.conf import settings

    middleware = list(getattr(settings, "MIDDLEWARE", ()))
    layers: list[Layer] = []
    for name in middleware:
        if name == DJANGO_MIDDLEWARE:
            target = find_target(settings)
            if target is not None:
                layers.append(Layer("wsgicors", _by_path(target), _read_path(target),
                                    StackInfo("django", SOURCE, installed=True)))
        elif name == CORSHEADERS_MIDDLEWARE:
            layers.append(Layer("django-cors-headers", _corsheaders,
                                lambda route: configs.of_corsheaders(),
                                StackInfo("django-cors-headers", SOURCE, installed=True)))
    return layers


def _corsheaders(route: Route) -> bool:
    from corsheaders.conf import conf

    return re.match(conf.CORS_URLS_REGEX, route.path) is not None


# -- Starlette and FastAPI -------------------------------------------------------


def _starlette_cors(route: Route) -> bool:
    """Starlette's CORSMiddleware added to an application around the route."""
    return _starlette_middleware(route) is not None


def _starlette_middleware(route: Route) -> tuple[Any, str] | None:
    """The ``Middleware`` entry of the innermost Starlette CORSMiddleware around the
    route, and the mount prefix of its application (None: there is none)."""
    found = None
    for app, prefix in route.context or ():
        for entry in getattr(app, "user_middleware", ()):
            if _is_starlette_cors(getattr(entry, "cls", None)):
                found = entry, prefix
    return found


def _starlette_options(route: Route) -> Configured | None:
    found = _starlette_middleware(route)
    if found is None:
        return None
    entry, prefix = found
    return dataclasses.replace(configs.of_starlette(entry), mount=prefix or None)


def _starlette_wsgicors(route: Route) -> bool:
    """wsgicors.asgi's CORSMiddleware added to an application around the route: its
    policy for the path under that application's mount."""
    return _starlette_policy(route) is not None


def _starlette_policy(route: Route) -> Configured | None:
    for app, prefix in route.context or ():
        if not any(getattr(getattr(m, "cls", None), "__module__", "") == "wsgicors.asgi"
                   for m in getattr(app, "user_middleware", ())):
            continue
        target = find_target(app)
        found = None if target is None else _read_path(target, prefix)(route)
        if found is not None:
            return dataclasses.replace(found, mount=prefix or None)
    return None
