"""Find what serves CORS inside an object, and which policy it applies to a path.

:func:`find_target` looks through whatever a user hands the doctor or
:func:`wsgicors.explain`: a :class:`~wsgicors.CORSPolicy`, a
:class:`~wsgicors.CORSMiddleware` (WSGI, or any middleware with a ``routes``
attribute, such as an ASGI one), a Flask app configured with ``wsgicors_flask.CORS``,
a chain of WSGI wrappers around any of those (``app``, ``wsgi_app``, ``application``,
``__wrapped__``), a Starlette or FastAPI app's middleware stack, and a Django project
using ``wsgicors_django`` (its WSGI/ASGI handler or ``django.conf.settings``). It only
duck-types and imports no framework until it meets one of the framework's objects.

:func:`policy_for` is the one place that answers "which policy serves this path".
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from .paths import Routes
from .policy import CORSPolicy

#: A policy (None: CORS off) and the pattern that chose it (None: the default).
Match = tuple[CORSPolicy | None, str | None]

#: Attributes under which WSGI and ASGI wrappers keep the application they wrap.
WRAPPING_ATTRIBUTES = ("wsgi_app", "app", "application", "__wrapped__")
#: How many wrappers deep :func:`find_target` looks.
MAX_DEPTH = 10
#: Key of the ``wsgicors_flask`` layer in a Flask app's ``extensions``.
FLASK_EXTENSION = "wsgicors_flask"
#: Dotted path of the Django middleware a project must list to be a target.
DJANGO_MIDDLEWARE = "wsgicors_django.middleware.CorsMiddleware"

# wsgicors option -> the name a user of each adapter writes (flask-cors's vocabulary).
_FLASK_NAMES = {
    "allow_origins": "origins", "allow_origin_regex": "origins",
    "allow_origin_func": "origins", "allow_methods": "methods",
    "allow_credentials": "supports_credentials", "paths": "resources",
}


class RouteMatcher(Protocol):
    """What a target needs: the policy for a path (``Routes`` has exactly this)."""

    def match(self, path: str) -> Match:
        """The policy for *path* and the pattern that chose it."""


@dataclass(frozen=True)
class Target:
    """The object that serves CORS for a user's application, found by :func:`find_target`.

    ``found`` is that object (a policy, a middleware, the Flask layer, Django's
    compiled settings), ``routes`` picks its policy per path, and ``kind`` says whose
    vocabulary the user writes options in: ``"wsgicors"``, ``"flask"`` or ``"django"``.
    A Target has ``routes.match`` like a middleware, so :func:`wsgicors.explain`
    accepts it too.
    """

    found: Any
    routes: RouteMatcher
    kind: str = "wsgicors"
    #: wsgicors option name -> the name the user writes (only where they differ).
    names: Mapping[str, str] | None = None

    def match(self, path: str) -> Match:
        """The policy for *path* (None: CORS is off there) and the pattern that chose it."""
        return self.routes.match(path)

    def option(self, name: str) -> str:
        """The user's name for the wsgicors option *name* (``allow_origins``...)."""
        return (self.names or {}).get(name, name)

    def assignment(self, name: str, value: str) -> str:
        """How the user sets option *name* to *value*, in their configuration's syntax."""
        if self.kind == "django":
            return f"{self.option(name)} = {value}"
        return f"{self.option(name)}={value}"


def find_target(obj: Any) -> Target | None:
    """The :class:`Target` serving CORS in *obj*, looking through wrappers; or None."""
    seen: set[int] = set()
    for _depth in range(MAX_DEPTH):
        if obj is None or id(obj) in seen:
            return None
        seen.add(id(obj))
        target = _target_of(obj)
        if target is not None:
            return target
        obj = _wrapped(obj)
    return None


def policy_for(obj: Any, path: str) -> Match:
    """The policy that *obj* (anything :func:`find_target` accepts) applies to *path*.

    :raises TypeError: when *obj* neither is nor wraps anything that serves CORS.
    """
    target = find_target(obj)
    if target is None:
        raise TypeError(
            f"expected a CORSPolicy, a CORS middleware, or an app or project using one; "
            f"got {type(obj).__name__}")
    return target.match(path)


def _target_of(obj: Any) -> Target | None:
    if isinstance(obj, Target):
        return obj
    if isinstance(obj, CORSPolicy):
        return Target(obj, Routes(obj))
    extensions = _attribute(obj, "extensions")
    if isinstance(extensions, Mapping) and FLASK_EXTENSION in extensions:
        obj = extensions[FLASK_EXTENSION]
    routes = _attribute(obj, "routes")
    if routes is not None and callable(_attribute(routes, "match")):
        if type(obj).__module__.startswith("wsgicors_flask"):
            return Target(obj, routes, "flask", _FLASK_NAMES)
        return Target(obj, routes)
    if type(obj).__module__.startswith(("django.conf", "django.core.handlers")):
        return _django_target()
    return None


def _wrapped(obj: Any) -> Any:
    for name in WRAPPING_ATTRIBUTES:
        inner = _attribute(obj, name)
        if inner is not None and inner is not obj:
            return inner
    return _starlette_stack(obj)


def _starlette_stack(obj: Any) -> Any:
    """The middleware stack of a Starlette or FastAPI app (``add_middleware``, or
    ``middleware=[...]``); Starlette builds it on the first request, so before that it
    is built here, without being installed on the app."""
    if not isinstance(_attribute(obj, "user_middleware"), list):
        return None
    stack = _attribute(obj, "middleware_stack")
    build = _attribute(obj, "build_middleware_stack")
    if stack is None and callable(build):
        stack = build()  # a ConfigError of a middleware's options propagates
    return stack


def _attribute(obj: Any, name: str) -> Any:
    # Arbitrary user objects: a property may raise anything, not only AttributeError.
    try:
        return getattr(obj, name, None)
    except Exception:
        return None


# -- Django ----------------------------------------------------------------------


class _DjangoRoutes:
    """Django's choice of policy: a view's own ``@cors`` policy, else the settings'."""

    def __init__(self, routes: RouteMatcher) -> None:
        self.routes = routes

    def match(self, path: str) -> Match:
        view = _django_view(path)
        if view is not None:
            decorators = importlib.import_module("wsgicors_django.decorators")
            marked = decorators.view_policy(view)
            if not decorators.is_unset(marked):
                return marked, "@cors on the view"
        return self.routes.match(path)


def _django_view(path: str) -> Any:
    urls = importlib.import_module("django.urls")
    try:
        return urls.resolve(path).func
    except urls.Resolver404:
        return None


def _django_target() -> Target | None:
    """The configured Django project's target, if it runs wsgicors_django's middleware."""
    settings = importlib.import_module("django.conf").settings
    if DJANGO_MIDDLEWARE not in getattr(settings, "MIDDLEWARE", ()):
        return None
    conf = importlib.import_module("wsgicors_django.conf")
    names = {option: spec[0] for option, spec in conf.SETTINGS.items()}
    names["paths"] = "CORS_URLS_REGEX or CORS_PATHS"
    return Target(settings, _DjangoRoutes(conf.current().routes), "django", names)
