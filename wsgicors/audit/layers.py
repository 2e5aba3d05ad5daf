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
"""

from __future__ import annotations

import functools
import inspect
import re
import urllib.parse
from collections.abc import Callable, Iterator
from typing import Any, Literal

from ..toolbase.targets import DJANGO_MIDDLEWARE, FLASK_EXTENSION, MAX_DEPTH, find_target
from .routes import Application, Route

#: The configurations :class:`Layers` tells apart.
Answerer = Literal["wsgicors", "flask-cors", "django-cors-headers", "starlette"]
#: django-cors-headers' middleware, as listed in MIDDLEWARE.
CORSHEADERS_MIDDLEWARE = "corsheaders.middleware.CorsMiddleware"
#: ``covers(route)``: True if the layer answers CORS for *route*.
Covers = Callable[[Route], bool]
#: Attribute under which ``wsgicors_flask.cross_origin`` keeps a view's options.
_WSGICORS_FLASK_VIEW = "_wsgicors_view"


class Layers:
    """The CORS configurations of one application, and which of them answer a route."""

    def __init__(self, found: Application) -> None:
        self.found = found
        self.layers: list[tuple[Answerer, Covers]] = [
            layer for obj in found.wrappers for layer in _wrapper_layers(obj, "")]
        if found.framework == "flask":
            self.layers += _flask_layers(found.app)
        elif found.framework == "django":
            self.layers += _django_layers()
        else:
            self.layers.append(("wsgicors", _starlette_wsgicors))
            self.layers.append(("starlette", _starlette_cors))

    def answering(self, route: Route) -> list[Answerer]:
        """The names of the configurations answering *route*, outermost first."""
        return list(dict.fromkeys(name for name, covers in self.layers if covers(route)))


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


def _wrapper_layers(obj: Any, prefix: str) -> list[tuple[Answerer, Covers]]:
    """A CORS middleware wrapped around the application (WSGI or ASGI)."""
    if _is_wsgicors_middleware(obj):
        return [("wsgicors", _by_path(obj.routes, prefix))]
    if _is_starlette_cors(type(obj)):
        return [("starlette", lambda route: True)]
    return []


def _is_starlette_cors(cls: Any) -> bool:
    return getattr(cls, "__module__", "") == "starlette.middleware.cors" and \
        getattr(cls, "__name__", "") == "CORSMiddleware"


# -- Flask -----------------------------------------------------------------------


def _flask_layers(app: Any) -> list[tuple[Answerer, Covers]]:
    layers: list[tuple[Answerer, Covers]] = []
    for obj in _wsgi_app_chain(app):
        if obj is app.extensions.get(FLASK_EXTENSION):
            layers.append(("wsgicors", functools.partial(_wsgicors_flask, app, obj)))
        else:
            layers += _wrapper_layers(obj, "")
    layers.append(("flask-cors", lambda route: _flask_cors(app, route)))
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
    """The wsgicors_flask layer's choice: a decorated view's policy, a blueprint's
    configuration, else the app's resources by path."""
    endpoint = str(route.context or "")
    view = app.view_functions.get(endpoint)
    if getattr(view, _WSGICORS_FLASK_VIEW, None) is not None or \
            endpoint in getattr(layer, "_views", {}):
        return True
    for prefix, routes in sorted(getattr(layer, "_blueprints", {}).items(),
                                 key=lambda item: -len(item[0])):
        if endpoint.startswith(prefix):
            if routes.resolve(route.path) is not None:
                return True
            break
    return _policy_at(layer.routes, route.path)


def _flask_cors(app: Any, route: Route) -> bool:
    """flask-cors: a view under its ``@cross_origin``, or a resource of ``CORS(app)``
    or ``CORS(blueprint)`` matching the path."""
    try:
        from flask_cors import core, decorator
    except ImportError:
        return False
    endpoint = str(route.context or "")
    if _wrapped_by(app.view_functions.get(endpoint), decorator.__file__):
        return True
    path = urllib.parse.unquote(route.path)
    for scope, functions in app.after_request_funcs.items():
        if scope is not None and not endpoint.startswith(f"{scope}."):
            continue
        for function in functions:
            resources = _closure(function).get("resources") \
                if getattr(function, "__name__", "") == "cors_after_request" else None
            if resources and any(core.try_match_pattern(path, pattern, caseSensitive=True)
                                 for pattern, _options in resources):
                return True
    return False


def _wrapped_by(function: Any, filename: str) -> bool:
    """True if *function*, or a function it wraps, is defined in *filename*."""
    for _depth in range(MAX_DEPTH):
        code = getattr(function, "__code__", None)
        if code is None:
            return False
        if code.co_filename == filename:
            return True
        function = getattr(function, "__wrapped__", None)
    return False


def _closure(function: Any) -> dict[str, Any]:
    """The variables a closure captured, by name."""
    code, cells = getattr(function, "__code__", None), getattr(function, "__closure__", None)
    if code is None or not cells:
        return {}
    return {name: cell.cell_contents for name, cell in zip(code.co_freevars, cells, strict=True)}


# -- Django ----------------------------------------------------------------------


def _django_layers() -> list[tuple[Answerer, Covers]]:
    from django.conf import settings

    middleware = list(getattr(settings, "MIDDLEWARE", ()))
    layers: list[tuple[Answerer, Covers]] = []
    for name in middleware:
        if name == DJANGO_MIDDLEWARE:
            target = find_target(settings)
            if target is not None:
                layers.append(("wsgicors", _by_path(target)))
        elif name == CORSHEADERS_MIDDLEWARE:
            layers.append(("django-cors-headers", _corsheaders))
    return layers


def _corsheaders(route: Route) -> bool:
    from corsheaders.conf import conf

    return re.match(conf.CORS_URLS_REGEX, route.path) is not None


# -- Starlette and FastAPI -------------------------------------------------------


def _starlette_cors(route: Route) -> bool:
    """Starlette's CORSMiddleware added to an application around the route."""
    return any(_is_starlette_cors(getattr(m, "cls", None))
               for app, _prefix in route.context or ()
               for m in getattr(app, "user_middleware", ()))


def _starlette_wsgicors(route: Route) -> bool:
    """wsgicors.asgi's CORSMiddleware added to an application around the route: its
    policy for the path under that application's mount."""
    for app, prefix in route.context or ():
        if not any(getattr(getattr(m, "cls", None), "__module__", "") == "wsgicors.asgi"
                   for m in getattr(app, "user_middleware", ())):
            continue
        target = find_target(app)
        if target is not None and _by_path(target, prefix)(route):
            return True
    return False
