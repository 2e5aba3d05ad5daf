"""Which stack a user's application runs on: the one whose words a fix is written in.

Known for sure when the user hands the tool the application (``--app``), the Django
project (``--django-settings``) or the CORS configuration (``--config``); otherwise
guessed from what the server says about itself (``Server``, ``X-Powered-By``), and
said to be a guess. Each answer also says whether a CORS layer of that stack is
already in place (wsgicors's adapter or the peer it replaces: flask-cors,
django-cors-headers, Starlette's middleware), which is what turns a fix from
"install" into "change this setting".
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from .. import CORSPolicy
from .snippets import Stack
from .targets import Target

Header = tuple[str, str]

#: The dotted names of the Django middlewares that read the ``CORS_*`` settings.
DJANGO_CORS_MIDDLEWARES = ("wsgicors_django.middleware.CorsMiddleware",
                           "corsheaders.middleware.CorsMiddleware")


@dataclass(frozen=True)
class StackInfo:
    """The user's stack, how the tool knows it, and how a fix should be written.

    ``installed``: a CORS layer of that stack is in place. ``app``: the name of the
    application object in the user's module. ``wrap_whole`` (Starlette): the CORS
    middleware wraps the whole application. ``inside_error_handler`` (Starlette): it
    was added with ``add_middleware``, inside Starlette's ServerErrorMiddleware, so
    the 500 page of an unhandled exception gets no CORS headers.
    """

    stack: Stack
    source: str
    guessed: bool = False
    installed: bool = False
    app: str = "app"
    wrap_whole: bool = False
    inside_error_handler: bool = False
    #: The configuration is a CORSPolicy named :attr:`app`, not an application.
    policy: bool = False


#: When nothing says what the server runs.
UNKNOWN = StackInfo("wsgicors", "a guess (the server does not say what it runs)", guessed=True,
                    app="application")


def of_app(app: Any, spec: str, target: Target | None) -> StackInfo:
    """The stack of the application *app* that option ``--app`` *spec* named."""
    name = _attribute_name(spec)
    source = "from --app"
    if _is_flask(app):
        if target is not None and target.kind == "wsgicors":
            # CORSMiddleware around app.wsgi_app: the fix is its policy, in wsgicors's words.
            return StackInfo("wsgicors", source, installed=True, app="policy", policy=True)
        flask_cors = any(_module(f).startswith("flask_cors")
                         for f in getattr(app, "after_request_funcs", {}).get(None, ()))
        return StackInfo("flask", source, installed=target is not None or flask_cors,
                         app=name)
    if _module(app).startswith("django.core.handlers"):
        from django.conf import settings

        return of_django(getattr(settings, "MIDDLEWARE", ()), source)
    if isinstance(getattr(app, "user_middleware", None), list):
        added = [m for m in app.user_middleware if _is_cors(getattr(m, "cls", None))]
        return StackInfo("starlette", source, installed=bool(added), app=name,
                         inside_error_handler=bool(added))
    if _is_asgi(app):
        return StackInfo("starlette", source, installed=_is_cors(app), app=name,
                         wrap_whole=True)
    if target is not None:
        # A CORSMiddleware somewhere in the chain: the fix is the policy it serves.
        return StackInfo("wsgicors", source, installed=True, policy=True,
                         app=name if isinstance(app, CORSPolicy) else "policy")
    return StackInfo("wsgicors", source, app=name)


def of_django(middleware: Iterable[str], source: str = "from --django-settings") -> StackInfo:
    """A Django project whose ``MIDDLEWARE`` is *middleware*."""
    installed = any(m in DJANGO_CORS_MIDDLEWARES for m in middleware)
    return StackInfo("django", source, installed=installed)


def of_target(target: Target, spec: str) -> StackInfo:
    """The stack of the CORS configuration option ``--config`` *spec* named."""
    source = "from --config"
    name = _attribute_name(spec)
    if target.kind == "flask":
        return StackInfo("flask", source, installed=True, app=name)
    if target.kind == "django":
        return StackInfo("django", source, installed=True)
    if _module(target.found) == "wsgicors.asgi":
        return StackInfo("starlette", source, installed=True, app=name, wrap_whole=True)
    return StackInfo("wsgicors", source, installed=True, policy=True,
                     app=name if isinstance(target.found, CORSPolicy) else "policy")


def of_response(headers: Sequence[Header]) -> StackInfo | None:
    """A guess from a response's ``X-Powered-By`` and ``Server`` headers, or None."""
    found = {name.lower(): value for name, value in headers
             if name.lower() in ("server", "x-powered-by")}
    for name in ("x-powered-by", "server"):
        value = found.get(name)
        if value is None:
            continue
        for word, stack in _SIGNATURES:
            if word in value.lower():
                shown = value if len(value) <= 40 else value[:40] + "..."
                return StackInfo(stack, f"guessed from '{_CANONICAL[name]}: {shown}'",
                                 guessed=True,
                                 app="application" if stack == "wsgicors" else "app")
    return None


# What a server's Server or X-Powered-By says -> the stack to guess. gunicorn and
# waitress serve any WSGI application, uvicorn and hypercorn any ASGI one.
_SIGNATURES: tuple[tuple[str, Stack], ...] = (
    ("express", "express"), ("nginx", "nginx"), ("werkzeug", "flask"),
    ("uvicorn", "starlette"), ("hypercorn", "starlette"), ("gunicorn", "wsgicors"),
    ("waitress", "wsgicors"), ("wsgiserver", "wsgicors"),
)
_CANONICAL = {"server": "Server", "x-powered-by": "X-Powered-By"}


def _attribute_name(spec: str) -> str:
    """``application`` for ``myproject.wsgi:application``; ``app`` when none is named."""
    attr = spec.partition(":")[2]
    return attr.rsplit(".", 1)[-1] if attr else "app"


def _module(obj: Any) -> str:
    """The module that defines *obj* (a class or function), or its class."""
    if isinstance(obj, type) or inspect.isfunction(obj) or inspect.ismethod(obj):
        return str(getattr(obj, "__module__", "") or "")
    return type(obj).__module__


def _is_flask(app: Any) -> bool:
    return _module(app).startswith("flask") and hasattr(app, "url_map")


def _is_cors(obj: Any) -> bool:
    """True for a CORS middleware class or instance (wsgicors's or Starlette's)."""
    cls = obj if isinstance(obj, type) else type(obj)
    return cls.__name__ == "CORSMiddleware" and cls.__module__.startswith(
        ("wsgicors", "starlette.middleware.cors", "fastapi.middleware.cors"))


def _is_asgi(app: Any) -> bool:
    call = type(app).__call__ if callable(app) else None
    return inspect.iscoroutinefunction(app) or inspect.iscoroutinefunction(call)
