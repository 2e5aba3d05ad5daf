"""Per-path policies: which CORSPolicy applies to which ``PATH_INFO``.

Rules (documented in docs/configuration.rst):

* ``"/health"`` matches that exact path only.
* ``"/api/*"`` matches ``/api`` and everything under ``/api/``, never ``/apix``.
* a compiled regex is full-matched against the path.
* the most specific pattern wins whatever the declaration order: exact paths, then
  prefix patterns from the longest to the shortest, then regexes in the order given,
  then the catch-all ``"/*"``.
* matching is case-sensitive, on ``PATH_INFO`` as the server decoded it: no second
  unquoting, ``+`` stays ``+`` (the flask-cors CVE-2024-6844 and -6866 classes).
* a pattern mapped to ``None`` switches CORS handling off there; a path no pattern
  covers uses the default policy, or passes through untouched without one.
* a ``PATH_INFO`` without its leading ``/`` (empty at the root of an application
  mounted under a prefix) is matched with it, as Flask's and Django's request paths.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Protocol

from .errors import ConfigError, Problem
from .policy import CORSPolicy

PathKey = str | re.Pattern[str]
PathMap = Mapping[PathKey, CORSPolicy | None]
#: A policy (None: CORS is off there) and the pattern that chose it (None: the default).
Match = tuple[CORSPolicy | None, str | None]
_MISSING = object()

#: Attributes under which WSGI and ASGI wrappers keep the application they wrap.
WRAPPING_ATTRIBUTES = ("wsgi_app", "app", "application", "__wrapped__")
#: How many wrappers deep :func:`route_matcher_of` looks.
MAX_WRAPPERS = 10


class RouteMatcher(Protocol):
    """Whatever picks a policy per path: :class:`Routes`, and the adapters' matchers."""

    def match(self, path: str) -> Match:
        """The policy for *path* and the pattern that chose it."""


class Routes:
    """A compiled ``paths`` mapping plus the default policy."""

    __slots__ = ("_catch_all", "_exact", "_prefixes", "_regexes", "default", "routed")

    def __init__(self, default: CORSPolicy | None, paths: PathMap | None = None) -> None:
        self.default = default
        #: False when one policy (:attr:`default`) serves every path.
        self.routed = bool(paths)
        self._exact: dict[str, CORSPolicy | None] = {}
        prefixes: list[tuple[str, str, str, CORSPolicy | None]] = []
        self._regexes: list[tuple[re.Pattern[str], CORSPolicy | None]] = []
        self._catch_all: tuple[str, CORSPolicy | None] | None = None
        problems: list[Problem] = []
        for key, policy in (paths or {}).items():
            if policy is not None and not isinstance(policy, CORSPolicy):
                problems.append(Problem(
                    "path-policy", "paths", f"{key!r} maps to {policy!r}.",
                    "map each pattern to a CORSPolicy, or to None to switch CORS off there.",
                ))
                continue
            if isinstance(key, re.Pattern) and isinstance(key.pattern, str):
                self._regexes.append((key, policy))
            elif not isinstance(key, str) or not key.startswith("/"):
                problems.append(Problem(
                    "path-pattern", "paths", f"{key!r} is not a path pattern.",
                    "write '/exact/path', '/prefix/*', or pass a compiled str re.Pattern "
                    "(paths are text, so a bytes pattern never matches).",
                ))
            elif key == "/*":
                self._catch_all = (key, policy)
            elif key.endswith("/*") and "*" not in key[:-2]:
                prefixes.append((key[:-2], key[:-1], key, policy))
            elif "*" in key:
                problems.append(Problem(
                    "path-pattern", "paths",
                    f"{key!r}: '*' may only end a pattern, as '/prefix/*'.",
                    "use a prefix pattern or a compiled regex (full-matched).",
                ))
            else:
                self._exact[key] = policy
        if problems:
            raise ConfigError(problems)
        prefixes.sort(key=lambda item: len(item[0]), reverse=True)
        self._prefixes = tuple(prefixes)

    def resolve(self, path: str) -> CORSPolicy | None:
        """The policy for *path* (None: no CORS handling)."""
        return self.match(path)[0] if self.routed else self.default

    def match(self, path: str) -> Match:
        """The policy for *path* and the pattern that chose it (None: the default)."""
        if path[:1] != "/":
            path = "/" + path  # '' is the mount point; werkzeug's request.path does this
        policy = self._exact.get(path, _MISSING)
        if policy is not _MISSING:
            return policy, path  # type: ignore[return-value]
        for prefix, prefix_slash, key, policy in self._prefixes:
            if path == prefix or path.startswith(prefix_slash):
                return policy, key
        for regex, policy in self._regexes:
            if regex.fullmatch(path):
                return policy, regex.pattern
        if self._catch_all is not None:
            return self._catch_all[1], self._catch_all[0]
        return self.default, None


def route_matcher_of(target: object) -> RouteMatcher:
    """What picks *target*'s policy per path, for :func:`wsgicors.explain`.

    *target* is a :class:`~wsgicors.CORSPolicy` (it serves every path), anything
    with a ``match(path)`` method (:class:`Routes`, an adapter's matcher, a tool's
    target), anything with a ``routes`` attribute that has one (the WSGI and ASGI
    middlewares, the Flask extension's layer), or a wrapper of one of those found
    through the attributes WSGI and ASGI wrappers keep the wrapped application under
    (``wsgi_app``, ``app``, ``application``, ``__wrapped__``): so a Flask app using
    ``wsgicors_flask.CORS`` is found through ``app.wsgi_app``. Only duck typing: no
    framework is imported. (Django projects: :func:`wsgicors_django.middleware.explain_request`.
    Starlette stacks and Django projects are also found by ``wsgicors explain``.)

    :raises TypeError: when *target* neither is nor wraps anything that serves CORS.
    """
    seen: set[int] = set()
    current: Any = target
    for _depth in range(MAX_WRAPPERS):
        if current is None or id(current) in seen:
            break
        seen.add(id(current))
        if isinstance(current, CORSPolicy):
            return Routes(current)
        if callable(_attribute(current, "match")):
            return current  # type: ignore[no-any-return]
        routes = _attribute(current, "routes")
        if routes is not None and callable(_attribute(routes, "match")):
            return routes  # type: ignore[no-any-return]
        current = next((inner for name in WRAPPING_ATTRIBUTES
                        if (inner := _attribute(current, name)) is not None), None)
    raise TypeError(
        "expected a CORSPolicy, a CORS middleware, or an object wrapping one "
        f"(through {', '.join(WRAPPING_ATTRIBUTES)}); got {type(target).__name__}"
    )


def _attribute(obj: object, name: str) -> Any:
    # Arbitrary user objects: a property may raise anything, not only AttributeError.
    try:
        return getattr(obj, name, None)
    except Exception:
        return None
