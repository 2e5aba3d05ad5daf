"""Per-path policies: which CORSPolicy applies to which path.

The promise: **the policy is the one of the endpoint the router reaches.** A path
pattern means the paths an application routes, so it must be matched against the path
as the router reads it, not as the bytes arrived. Rules (documented in
docs/configuration.rst and docs/security.rst):

* ``"/health"`` matches that exact path only.
* ``"/api/*"`` matches ``/api`` and everything under ``/api/``, never ``/apix``.
* a compiled regex is full-matched against the path, with ``.`` matching every
  character, a newline included (``re.DOTALL``): routers' converters (Werkzeug's
  ``<name>``, Django's ``<str:...>``, Starlette's ``{...}``) take a ``%0A`` as any other
  character, so ``/api/me%0A`` must not slip past ``/api/.*``. Regexes run in time
  linear in the path (:mod:`wsgicors.linear`); one that cannot is a ConfigError.
* the most specific pattern wins whatever the declaration order: an exact path first,
  then the pattern whose matches are included in every other matching pattern's
  (a longer prefix inside a shorter one; a regex inside a prefix or another regex, as
  proven by :mod:`wsgicors.specificity`); the catch-all ``"/*"`` last. When two
  patterns match a path, neither is more specific than the other and their policies
  differ, that path gets no CORS handling (fail closed; a warning is logged when
  the routes are built).
* matching is case-sensitive, on the decoded path: no second unquoting, ``+`` stays
  ``+`` (the flask-cors CVE-2024-6844 and -6866 classes).
* a pattern mapped to ``None`` switches CORS handling off there; a path no pattern
  covers uses the default policy, or passes through untouched without one.
* a path without its leading ``/`` (an empty ``PATH_INFO`` at the root of a mounted
  application) is matched with it, as Flask's and Django's request paths.

Which reading of the path: an adapter that knows its router passes the path that
router routes by to :meth:`Routes.match_routed` (Flask: Werkzeug's reading, leading
slashes stripped; Django: ``request.path_info``). Without a router (the plain WSGI
and ASGI middlewares), :meth:`Routes.match` considers every way a router in front of
the application may read the path (:func:`readings`): leading slashes stripped
(Werkzeug), runs of slashes merged (Werkzeug's redirect, nginx), dot-segments removed
(RFC 3986; ``%2F`` and ``%2E`` arrive decoded), a final newline ignored (a regex
router's ``$``, Starlette's); when the readings get different policies, the path gets
none.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple, Protocol

from .errors import ConfigError, Problem
from .linear import NotLinear, compile_linear
from .policy import CORSPolicy
from .specificity import Comparer

PathKey = str | re.Pattern[str]
PathMap = Mapping[PathKey, CORSPolicy | None]
#: A policy (None: CORS is off there) and the pattern that chose it (None: the default).
Match = tuple[CORSPolicy | None, str | None]
_MISSING = object()
_log = logging.getLogger("wsgicors")

#: Attributes under which WSGI and ASGI wrappers keep the application they wrap.
WRAPPING_ATTRIBUTES = ("wsgi_app", "app", "application", "__wrapped__")
#: How many wrappers deep :func:`route_matcher_of` looks.
MAX_WRAPPERS = 10
_SLASHES = re.compile("/{2,}")


class FailedClosed(str):
    """The pattern of a :data:`Match` whose policy is None because the path was
    ambiguous: readings of it, or patterns matching it, disagree. Never widened
    (Django's ``check_request_enabled`` is not asked)."""

    __slots__ = ()


#: The pattern a Match names when the readings of a path get different policies.
AMBIGUOUS_READINGS = FailedClosed(
    "(ambiguous path: routers read it in ways that get different policies)"
)


class RouteMatcher(Protocol):
    """Whatever picks a policy per path: :class:`Routes`, and the adapters' matchers."""

    def match(self, path: str) -> Match:
        """The policy for *path* and the pattern that chose it."""


class _Pattern(NamedTuple):
    """A prefix or regex pattern, as ordered by specificity."""

    key: str
    test: Callable[[str], object]
    policy: CORSPolicy | None
    #: ``"/api"`` for ``"/api/*"``, None for a regex.
    prefix: str | None
    #: The regex as matched (DOTALL), for :mod:`wsgicors.specificity`; None for a prefix.
    regex: re.Pattern[str] | None
    declared: int


class _Ordered(NamedTuple):
    key: str
    #: For a prefix pattern, ``"/api"`` and ``"/api/"`` (tested inline); else None.
    prefix: str | None
    prefix_slash: str | None
    #: For a regex, its full-match (``re``'s own bound method when proven linear).
    test: Callable[[str], object] | None
    policy: CORSPolicy | None
    #: Patterns neither more nor less specific, with another policy, that may match
    #: the same paths: if one of them matches too, the path gets no CORS handling.
    rivals: tuple[_Pattern, ...]


class Routes:
    """A compiled ``paths`` mapping plus the default policy.

    :meth:`match` and :meth:`resolve` take a path as it arrived (any router may be
    behind); :meth:`match_routed` and :meth:`resolve_routed` the path exactly as the
    application's router reads it.
    """

    __slots__ = ("_catch_all", "_exact", "_ordered", "_prefixes", "_scope", "default",
                 "routed")

    def __init__(self, default: CORSPolicy | None, paths: PathMap | None = None, *,
                 scope: re.Pattern[str] | None = None) -> None:
        """*scope*, a regex full-matched like a path pattern, gates everything: a path
        outside it gets no CORS handling, whatever *paths* and *default* say (Django's
        ``CORS_URLS_REGEX``)."""
        self.default = default
        #: False when one policy (:attr:`default`) serves every path.
        self.routed = bool(paths) or scope is not None
        self._scope: Callable[[str], object] | None = None
        self._exact: dict[str, CORSPolicy | None] = {}
        patterns: list[_Pattern] = []
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
                pattern = _regex_pattern(key, policy, len(patterns), problems)
                if pattern is not None:
                    patterns.append(pattern)
            elif not isinstance(key, str) or not key.startswith("/"):
                problems.append(Problem(
                    "path-pattern", "paths", f"{key!r} is not a path pattern.",
                    "write '/exact/path', '/prefix/*', or pass a compiled str re.Pattern "
                    "(paths are text, so a bytes pattern never matches).",
                ))
            elif key == "/*":
                self._catch_all = (key, policy)
            elif key.endswith("/*") and "*" not in key[:-2]:
                patterns.append(_prefix_pattern(key, policy, len(patterns)))
            elif "*" in key:
                problems.append(Problem(
                    "path-pattern", "paths",
                    f"{key!r}: '*' may only end a pattern, as '/prefix/*'.",
                    "use a prefix pattern or a compiled regex (full-matched).",
                ))
            else:
                self._exact[key] = policy
        if scope is not None:
            gate = _regex_pattern(scope, None, -1, problems)
            self._scope = None if gate is None else gate.test
        if problems:
            raise ConfigError(problems)
        # Prefixes alone (the common case) are matched by a loop without a call per
        # pattern, longest first: two prefixes are nested or never match one path.
        self._prefixes: tuple[tuple[str, str, str, CORSPolicy | None], ...] | None = None
        self._ordered: tuple[_Ordered, ...] = ()
        if all(pattern.prefix is not None for pattern in patterns):
            self._prefixes = tuple(
                (p.prefix, p.prefix + "/", p.key, p.policy)
                for p in sorted(patterns, key=lambda p: -len(p.prefix or ""))
                if p.prefix is not None
            )
        else:
            self._ordered = tuple(_by_specificity(patterns))

    def resolve(self, path: str) -> CORSPolicy | None:
        """The policy for *path* as it arrived (None: no CORS handling); see :meth:`match`."""
        if not self.routed:
            return self.default
        # One scan per odd shape ('.' first: memchr-fast, and most paths have none);
        # an ordinary path has one reading and goes straight to the lookup.
        if "//" in path or ("." in path and "/." in path) or path[-1:] == "\n" or (
            path[:1] != "/"
        ):
            return self.match(path)[0]
        return self.match_routed(path)[0]

    def resolve_routed(self, path: str) -> CORSPolicy | None:
        """The policy for *path* as the router reads it; see :meth:`match_routed`."""
        return self.match_routed(path)[0] if self.routed else self.default

    def match(self, path: str, *more: str) -> Match:
        """The policy for a path as it arrived, and the pattern that chose it.

        Every :func:`readings` of *path* (and of *more*: other decodings of the same
        bytes) is matched; if they disagree, no policy applies
        (:data:`AMBIGUOUS_READINGS`). An ordinary path has one reading.
        """
        if not self.routed:
            return self.default, None
        found = [self.match_routed(reading)
                 for text in (path, *more) for reading in readings(text)]
        first = found[0][0]
        if all(policy is first for policy, _pattern in found):
            return found[0]
        return None, AMBIGUOUS_READINGS

    def match_routed(self, path: str) -> Match:
        """The policy for *path*, read exactly as given, and the pattern that chose it
        (None: the default). For an adapter that passes the path its router routes by."""
        if path[:1] != "/":
            path = "/" + path  # '' is the mount point; werkzeug's request.path does this
        if self._scope is not None and not self._scope(path):
            return None, None
        policy = self._exact.get(path, _MISSING)
        if policy is not _MISSING:
            return policy, path  # type: ignore[return-value]
        if self._prefixes is not None:
            for prefix, prefix_slash, key, policy in self._prefixes:
                if path == prefix or path.startswith(prefix_slash):
                    return policy, key
        else:
            for key, head, head_slash, test, policy, rivals in self._ordered:
                # A prefix pattern is tested inline (no call); a regex by its test.
                if test(path) if test is not None else (
                        path == head or path.startswith(head_slash)):  # type: ignore[arg-type]
                    if rivals:
                        clash = next((rival for rival in rivals if rival.test(path)), None)
                        if clash is not None:
                            return None, _clash(key, clash.key)
                    return policy, key
        if self._catch_all is not None:
            return self._catch_all[1], self._catch_all[0]
        return self.default, None


def readings(path: str) -> tuple[str, ...]:
    """The ways routers may read *path*, *path* first.

    As given; with leading slashes stripped to one (Werkzeug routes ``//admin`` to
    ``/admin``); with runs of slashes merged (Werkzeug redirects there, nginx merges);
    with dot-segments removed (RFC 3986 section 5.2.4: some proxies and servers do it,
    and a decoded ``%2F`` or ``%2E`` makes new ones); and each of those without a final
    newline (a Python regex's ``$`` matches before one: Starlette routes
    ``/admin\\n`` to ``/admin``).
    """
    if path[:1] != "/":
        path = "/" + path
    if "//" not in path and "/." not in path and path[-1:] != "\n":
        return (path,)
    found = dict.fromkeys([path])
    bases = [path, path[:-1] or "/"] if path.endswith("\n") else [path]
    for base in bases:
        merged = _SLASHES.sub("/", base)
        for form in (base, "/" + base.lstrip("/"), merged,
                     _without_dot_segments(base), _without_dot_segments(merged)):
            found.setdefault(form)
    return tuple(found)


def wsgi_path_texts(path_info: str) -> tuple[str, ...]:
    """The text of a WSGI ``PATH_INFO`` (its bytes as latin-1 code points), as the
    application's framework decodes it: UTF-8 (Werkzeug, Django). Bytes that are not
    UTF-8 give two texts, Werkzeug's (U+FFFD) and Django's (re-percent-encoded), for
    :meth:`Routes.match`."""
    if path_info.isascii():
        return (path_info,)
    try:
        raw = path_info.encode("latin-1")
    except UnicodeEncodeError:
        return (path_info,)  # not a PEP 3333 string: already text
    try:
        return (raw.decode("utf-8"),)
    except UnicodeDecodeError:
        return (raw.decode("utf-8", "replace"), _repercent(raw))


def _repercent(raw: bytes) -> str:
    # What django.utils.encoding.repercent_broken_unicode does: every byte that is
    # not part of valid UTF-8 is written %XX.
    parts: list[str] = []
    while raw:
        try:
            parts.append(raw.decode("utf-8"))
            break
        except UnicodeDecodeError as error:
            parts.append(raw[:error.start].decode("utf-8"))
            parts.append("".join(f"%{byte:02X}" for byte in raw[error.start:error.end]))
            raw = raw[error.end:]
    return "".join(parts)


def _without_dot_segments(path: str) -> str:
    if "/." not in path:
        return path
    kept: list[str] = []
    segments = path.split("/")[1:]
    for segment in segments:
        if segment == "..":
            if kept:
                kept.pop()
        elif segment != ".":
            kept.append(segment)
    result = "/" + "/".join(kept)
    if segments[-1] in (".", "..") and not result.endswith("/"):
        result += "/"
    return result


def _clash(key: str, other: str) -> FailedClosed:
    return FailedClosed(f"({key!r} and {other!r} both match and neither is more specific)")


def _regex_pattern(
    key: re.Pattern[str], policy: CORSPolicy | None, declared: int, problems: list[Problem]
) -> _Pattern | None:
    # '.' matches a newline as routers' converters do (issue 18 item 12).
    regex = re.compile(key.pattern, key.flags | re.DOTALL)
    try:
        matcher = compile_linear(regex)
    except NotLinear as exc:
        problems.append(Problem(
            "regex-not-linear", "paths",
            f"path regex {key.pattern!r} cannot be matched in time linear in the path: "
            f"{exc}.",
            "rewrite it without that construct, or use a prefix pattern '/x/*'.",
        ))
        return None
    # Proven linear under re: its own C method, the fastest (a Match is truthy).
    test = regex.fullmatch if matcher.engine == "re" else matcher.fullmatch
    return _Pattern(key.pattern, test, policy, None, regex, declared)


def _prefix_pattern(key: str, policy: CORSPolicy | None, declared: int) -> _Pattern:
    prefix, prefix_slash = key[:-2], key[:-1]

    def test(path: str) -> bool:
        return path == prefix or path.startswith(prefix_slash)

    return _Pattern(key, test, policy, prefix, None, declared)


def _language(pattern: _Pattern) -> re.Pattern[str]:
    if pattern.regex is not None:
        return pattern.regex
    return re.compile(re.escape(pattern.prefix or "") + "(?:/.*)?", re.DOTALL)


def _inside(inner: _Pattern, outer: _Pattern, comparer: Comparer) -> bool:
    """True if every path *inner* matches, *outer* matches too (proven)."""
    if inner.prefix is not None and outer.prefix is not None:
        return inner.prefix == outer.prefix or inner.prefix.startswith(outer.prefix + "/")
    return comparer.includes(_language(outer), _language(inner))


def _apart(one: _Pattern, two: _Pattern, comparer: Comparer) -> bool:
    """True if no path matches both (proven)."""
    if one.prefix is not None and two.prefix is not None:
        return not (_inside(one, two, comparer) or _inside(two, one, comparer))
    return comparer.disjoint(_language(one), _language(two))


def _same(one: CORSPolicy | None, two: CORSPolicy | None) -> bool:
    if one is two:
        return True
    return one is not None and two is not None and one.options == two.options


def _by_specificity(patterns: list[_Pattern]) -> list[_Ordered]:
    """*patterns* with the most specific first, each with its rivals."""
    count = len(patterns)
    comparer = Comparer()
    inside = [[i != j and _inside(patterns[i], patterns[j], comparer) for j in range(count)]
              for i in range(count)]

    def narrower(i: int, j: int) -> bool:
        return inside[i][j] and not inside[j][i]

    # Ties (patterns no inclusion orders) keep a stable, readable order: prefixes from
    # the longest, then regexes as declared. It decides nothing: such patterns either
    # never match the same path or are rivals.
    remaining = sorted(range(count), key=lambda i: (
        patterns[i].prefix is None, -len(patterns[i].prefix or ""), patterns[i].declared,
    ))
    order: list[int] = []
    while remaining:
        chosen = next((i for i in remaining
                       if not any(narrower(j, i) for j in remaining if j != i)), remaining[0])
        order.append(chosen)
        remaining.remove(chosen)
    result: list[_Ordered] = []
    warned: set[frozenset[int]] = set()
    for i in order:
        rivals: list[_Pattern] = []
        for j in range(count):
            if (j == i or narrower(i, j) or narrower(j, i)
                    or _same(patterns[i].policy, patterns[j].policy)
                    or _apart(patterns[i], patterns[j], comparer)):
                continue
            rivals.append(patterns[j])
            if frozenset((i, j)) not in warned:
                warned.add(frozenset((i, j)))
                _log.warning(
                    "path patterns %r and %r may both match a path, neither is more "
                    "specific than the other, and their policies differ: a path both "
                    "match gets no CORS handling. Give those paths a pattern of their "
                    "own, or narrow one of the two.", patterns[i].key, patterns[j].key,
                )
        pattern = patterns[i]
        prefix_slash = None if pattern.prefix is None else pattern.prefix + "/"
        test = None if pattern.prefix is not None else pattern.test
        result.append(_Ordered(pattern.key, pattern.prefix, prefix_slash, test, pattern.policy,
                               tuple(rivals)))
    return result


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
