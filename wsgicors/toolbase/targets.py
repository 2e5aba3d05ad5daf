"""Find what serves CORS inside a user's object, and which policy it applies to a path.

:func:`find_target` looks through whatever a user hands a tool: a
:class:`~wsgicors.CORSPolicy`, a :class:`~wsgicors.CORSMiddleware` (WSGI, or any
middleware with a ``routes`` attribute, such as an ASGI one), a Flask app configured
with ``wsgicors_flask.CORS``, a chain of WSGI wrappers around any of those (``app``,
``wsgi_app``, ``application``, ``__wrapped__``), a Starlette or FastAPI app's
middleware stack, and a Django project using ``wsgicors_django`` (its WSGI/ASGI
handler or ``django.conf.settings``). It duck-types, and imports a framework or an
adapter only once it meets one of their objects. :func:`django_target` sets up a
Django project from its settings module; :func:`load_target` loads the object a
command-line option names.

The core stays below all of this: :func:`wsgicors.explain` accepts a :class:`Target`
like any other object with ``match(path)``.
"""

from __future__ import annotations

import os
import types
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from .. import CORSPolicy, Routes
from . import spelling
from .errors import ToolError
from .loading import import_module, load_object

#: A policy (None: CORS off) and the pattern that chose it (None: the default).
Match = tuple[CORSPolicy | None, str | None]
#: Whose vocabulary the user writes options in.
Vocabulary = Literal["wsgicors", "flask", "django"]

#: Attributes under which WSGI and ASGI wrappers keep the application they wrap.
WRAPPING_ATTRIBUTES = ("wsgi_app", "app", "application", "__wrapped__")
#: How many wrappers deep :func:`find_target` looks.
MAX_DEPTH = 10
#: Key of the ``wsgicors_flask`` layer in a Flask app's ``extensions``.
FLASK_EXTENSION = "wsgicors_flask"
#: Dotted path of the Django middleware a project must list to be a target.
DJANGO_MIDDLEWARE = "wsgicors_django.middleware.CorsMiddleware"


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
    kind: Vocabulary = "wsgicors"
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
            return Target(obj, routes, "flask", spelling.flask_names())
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


def _django_target() -> Target | None:
    """The configured Django project's target, if it runs wsgicors_django's middleware."""
    from django.conf import settings

    if DJANGO_MIDDLEWARE not in getattr(settings, "MIDDLEWARE", ()):
        return None
    from wsgicors_django.conf import route_matcher

    return Target(settings, route_matcher(), "django", spelling.django_names())


def django_target(settings_module: str) -> Target:
    """Set up the Django project of *settings_module* and return its wsgicors target."""
    target = django_project(settings_module)
    if target is None:
        raise ToolError(f"{settings_module}: MIDDLEWARE does not list {DJANGO_MIDDLEWARE}")
    return target


def django_project(settings_module: str) -> Target | None:
    """Set up the Django project of *settings_module*; its wsgicors target, or None
    when it does not use ``wsgicors_django``."""
    os.environ["DJANGO_SETTINGS_MODULE"] = settings_module
    import_module(settings_module)  # a clear one-line error if it is not importable
    try:
        import django
        from django.conf import settings

        django.setup()
    except Exception as exc:
        raise ToolError(f"cannot set up Django with {settings_module}: "
                        f"{type(exc).__name__}: {exc}") from exc
    return find_target(settings)


# -- the command line ------------------------------------------------------------


def load_target(spec: str) -> Any:
    """The object *spec* (``module:attr`` or ``file.py:attr``) names; for a module
    alone, the first object in it that is or uses a wsgicors policy or middleware."""
    found = load_object(spec)
    if not isinstance(found, types.ModuleType):
        return found
    for value in vars(found).values():
        if find_target(value) is not None:
            return value
    raise ToolError(f"{spec}: name the object, as MODULE:ATTR")


def load_app(spec: str) -> Any:
    """The WSGI or ASGI application *spec* names (see :func:`load_target`)."""
    app = load_target(spec)
    if not callable(app):
        raise ToolError(f"{spec} is not a WSGI or ASGI application")
    return app
