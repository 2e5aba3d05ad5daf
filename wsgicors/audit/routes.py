"""Every route of a Flask, Django or Starlette/FastAPI application, with a path that reaches it.

:func:`app_routes` looks through the object a user names (wrappers such as a
:class:`~wsgicors.CORSMiddleware` around it included) for the framework application,
then lists its routes from the framework's own router: Flask's ``url_map``, Django's
URL resolver, Starlette's (and FastAPI's) routes and mounts. Each :class:`Route`
gets a concrete path, its parameters filled with a sample of the right type (``1``
for ``<int:id>``, a UUID for ``{id:uuid}``...), checked against the router: the path
reaches that route. Nothing is called but the routers: no view runs here.
"""

from __future__ import annotations

import re
import sys
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from ..toolbase.targets import MAX_DEPTH, WRAPPING_ATTRIBUTES

#: The frameworks whose routes can be listed.
Framework = Literal["flask", "django", "starlette"]
#: Methods every route answers without saying so (shown only when nothing else is).
_IMPLICIT_METHODS = frozenset({"HEAD", "OPTIONS"})
#: Sample parameter values, tried in this order until the router accepts one.
SAMPLE_UUID = str(uuid.UUID(int=1))
_CANDIDATES = ("1", "sample", SAMPLE_UUID, "sample-1", "2024", "a", "sample/path", "1.0")


@dataclass(frozen=True)
class Route:
    """One route: how the framework writes it, a path that reaches it, its methods.

    ``methods`` is empty when the router does not say (a Django function view
    decides for itself). ``context`` is what :mod:`~wsgicors.audit.layers` needs to
    find the CORS configuration answering the route: the Flask endpoint, or the
    Starlette applications around the route with their mount prefixes.
    """

    pattern: str
    path: str
    methods: tuple[str, ...] = ()
    context: Any = field(default=None, compare=False, repr=False)

    @property
    def method(self) -> str:
        """The method the audit probes the route with: GET if it serves GET."""
        if not self.methods or "GET" in self.methods:
            return "GET"
        return self.methods[0]


@dataclass(frozen=True)
class Application:
    """The framework application found in a user's object, and the wrappers around it."""

    framework: Framework
    app: Any
    #: The objects between the user's object and :attr:`app`, outermost first.
    wrappers: tuple[Any, ...] = ()


def find_application(obj: Any) -> Application | None:
    """The Flask, Django or Starlette application *obj* is or wraps; None if there is none."""
    wrappers: list[Any] = []
    for _depth in range(MAX_DEPTH):
        framework = _framework_of(obj)
        if framework is not None:
            return Application(framework, obj, tuple(wrappers))
        inner = next((_attribute(obj, name) for name in WRAPPING_ATTRIBUTES
                      if _attribute(obj, name) not in (None, obj)), None)
        if inner is None:
            return None
        wrappers.append(obj)
        obj = inner
    return None


def _framework_of(obj: Any) -> Framework | None:
    flask = sys.modules.get("flask")
    if flask is not None and isinstance(obj, flask.Flask):
        return "flask"
    if type(obj).__module__.startswith("django.core.handlers"):
        return "django"
    applications = sys.modules.get("starlette.applications")
    if applications is not None and isinstance(obj, applications.Starlette):
        return "starlette"
    return None


def app_routes(found: Application) -> list[Route]:
    """Every route of *found*'s application, in the router's order."""
    if found.framework == "flask":
        return list(_flask_routes(found.app))
    if found.framework == "django":
        return list(_django_routes())
    return list(_starlette_routes(found.app, "", ((found.app, ""),)))


def _attribute(obj: Any, name: str) -> Any:
    try:
        return getattr(obj, name, None)
    except Exception:  # a user's property may raise anything
        return None


def _methods(methods: Iterable[str] | None) -> tuple[str, ...]:
    shown = {m.upper() for m in methods or ()}
    explicit = sorted(shown - _IMPLICIT_METHODS)
    return tuple(explicit or sorted(shown))


def _first(candidates: Iterable[str], accepts: Callable[[str], bool]) -> str | None:
    return next((c for c in candidates if accepts(c)), None)


# -- Flask -----------------------------------------------------------------------


def _flask_routes(app: Any) -> Iterator[Route]:
    adapter = app.url_map.bind("localhost")
    for rule in app.url_map.iter_rules():
        methods = _methods(rule.methods)
        path = _flask_path(adapter, rule, methods[0] if methods else "GET")
        if path is not None:
            yield Route(rule.rule, path, methods, rule.endpoint)


def _flask_path(adapter: Any, rule: Any, method: str) -> str | None:
    """A path the URL map matches to *rule*, each argument filled with a sample (the
    first path built when none reaches it: another rule shadows it)."""
    converters = getattr(rule, "_converters", {})
    choices = {name: _flask_samples(converters.get(name)) for name in rule.arguments}
    fallback = None
    for attempt in range(len(_CANDIDATES) if choices else 1):
        values = {name: options[min(attempt, len(options) - 1)]
                  for name, options in choices.items()}
        path = _built(rule, values)
        if path is None:
            continue
        fallback = fallback or path
        if _reaches(adapter, rule, path, method):
            return path
    return fallback


def _built(rule: Any, values: dict[str, Any]) -> str | None:
    try:
        built = rule.build(values, append_unknown=False)
    except Exception:  # a sample the converter refuses
        return None
    return None if built is None else str(built[1])


def _reaches(adapter: Any, rule: Any, path: str, method: str) -> bool:
    try:
        matched, _args = adapter.match(path, method=method, return_rule=True)
    except Exception:  # a redirect, 404 or 405: another rule, or none, answers
        return False
    return bool(matched is rule)


def _flask_samples(converter: Any) -> list[Any]:
    name = type(converter).__name__
    if name == "IntegerConverter":
        low = getattr(converter, "min", None)
        return [max(1, low) if isinstance(low, int) else 1]
    if name == "FloatConverter":
        return [1.0]
    if name == "UUIDConverter":
        return [uuid.UUID(SAMPLE_UUID)]
    if name == "PathConverter":
        return ["sample/path"]
    if name == "AnyConverter":
        return sorted(getattr(converter, "items", ())) or ["sample"]
    return ["sample", *_CANDIDATES]


# -- Django ----------------------------------------------------------------------


def _django_routes() -> Iterator[Route]:
    from django.urls import get_resolver

    yield from _django_patterns(get_resolver().url_patterns, [], [])


def _django_patterns(patterns: Iterable[Any], regexes: list[str], shown: list[str],
                     converters: dict[str, Any] | None = None) -> Iterator[Route]:
    from django.urls import URLPattern, URLResolver

    for entry in patterns:
        regex = entry.pattern.regex.pattern
        text = str(entry.pattern)
        known = {**(converters or {}), **getattr(entry.pattern, "converters", {})}
        if isinstance(entry, URLResolver):
            yield from _django_patterns(entry.url_patterns, [*regexes, regex],
                                        [*shown, text], known)
        elif isinstance(entry, URLPattern):
            path = _django_path([*regexes, regex], entry.callback, known)
            if path is not None:
                pattern = "/" + "".join(_readable(part) for part in [*shown, text])
                yield Route(pattern, path, _django_methods(entry.callback))


def _readable(pattern: str) -> str:
    """A ``re_path`` regex without its anchors, as people read a route."""
    return pattern.removeprefix("^").removesuffix("$").removesuffix(r"\Z")


def _django_path(regexes: list[str], callback: Any, converters: dict[str, Any]) -> str | None:
    """A path Django resolves to *callback* (the first one built if none does)."""
    from django.urls import Resolver404, resolve
    from django.utils.regex_helper import normalize

    combined = "".join(part.removeprefix("^") for part in regexes)
    fallback = None
    for template, params in normalize(combined):
        for attempt in range(len(_CANDIDATES) if params else 1):
            values = {name: _django_sample(converters.get(name), attempt) for name in params}
            path = "/" + template % values
            fallback = fallback or path
            try:
                if resolve(path).func is callback:
                    return path
            except Resolver404:
                continue
    return fallback


def _django_sample(converter: Any, attempt: int) -> str:
    name = type(converter).__name__
    typed = {"IntConverter": "1", "StringConverter": "sample", "SlugConverter": "sample-1",
             "UUIDConverter": SAMPLE_UUID, "PathConverter": "sample/path"}.get(name)
    if typed is not None and attempt == 0:
        return typed
    return _CANDIDATES[attempt]


def _django_methods(callback: Any) -> tuple[str, ...]:
    """The methods a class-based view defines; () for a function view (it decides)."""
    view_class = getattr(callback, "view_class", None)
    if view_class is None:
        return ()
    names = getattr(view_class, "http_method_names", ())
    return _methods(m for m in names if m not in ("options", "head")
                    and callable(getattr(view_class, m, None)))


# -- Starlette and FastAPI -------------------------------------------------------

#: The Starlette applications around a route, outermost first, each with the mount
#: prefix it is served under.
Chain = tuple[tuple[Any, str], ...]


def _starlette_routes(app: Any, prefix: str, chain: Chain) -> Iterator[Route]:
    from starlette.routing import Mount
    from starlette.routing import Route as StarletteRoute

    for entry in getattr(app, "routes", ()):
        if isinstance(entry, Mount):
            inner = _mounted_app(entry)
            mount = prefix + entry.path
            if not hasattr(inner, "routes"):  # StaticFiles, a WSGI app: one route for all
                yield Route(f"{mount}/{{path:path}}", f"{mount}/sample/path", (), chain)
                continue
            more = ((inner, mount),) if _framework_of(inner) == "starlette" else ()
            yield from _starlette_routes(inner, mount, chain + more)
        elif isinstance(entry, StarletteRoute):
            path = _starlette_path(entry)
            if path is not None:
                yield Route(prefix + entry.path, prefix + path, _methods(entry.methods),
                            chain)


def _mounted_app(mount: Any) -> Any:
    """The application a Mount serves (under its own ``middleware=[...]``, if any)."""
    return getattr(mount, "_base_app", None) or mount.app


def _starlette_path(route: Any) -> str | None:
    convertors = route.param_convertors
    values: dict[str, str] = {}
    for name, convertor in convertors.items():
        sample = _starlette_sample(convertor)
        if sample is None:
            return None
        values[name] = sample
    path = str(route.path_format.format(**values))
    return path if re.fullmatch(route.path_regex, path) else None


def _starlette_sample(convertor: Any) -> str | None:
    typed: dict[str, Any] = {"IntegerConvertor": 1, "FloatConvertor": 1.0,
                             "UUIDConvertor": uuid.UUID(SAMPLE_UUID),
                             "PathConvertor": "sample/path", "StringConvertor": "sample"}
    name = type(convertor).__name__
    candidates = [typed[name]] if name in typed else list(_CANDIDATES)
    for candidate in candidates:
        text = _to_string(convertor, candidate)
        if text is not None and re.fullmatch(convertor.regex, text):
            return text
    return None


def _to_string(convertor: Any, value: Any) -> str | None:
    try:
        return str(convertor.to_string(value))
    except Exception:  # a custom convertor refusing this sample
        return None
