"""The CORS configuration an application has, read where its library keeps it, in
wsgicors's terms.

The audit's fix starts from what the application allows (see
:mod:`~wsgicors.audit.fixes`); in ``--app`` mode that is read from the configuration
itself rather than guessed from the answers:

* wsgicors (the middleware, ``wsgicors_flask``, ``wsgicors_django``, ``wsgicors.asgi``):
  the :class:`~wsgicors.CORSPolicy` serving the path (:func:`of_policy`);
* flask-cors: the resolved options of the resource or ``@cross_origin`` answering
  the route (:func:`of_flask_cors`);
* django-cors-headers: its ``CORS_*`` settings (:func:`of_corsheaders`);
* Starlette's ``CORSMiddleware``: the keywords it was added with, or the attributes
  of an instance wrapped around the application (:func:`of_starlette`).

Each :class:`Configured` also says how its library matches an origin: that is how the
fix tells the entries that let an attacker's origin in from those the application
needs. :mod:`~wsgicors.audit.layers` says which configuration answers a route.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .. import CORSPolicy
from ..toolbase.snippets import STACK_NAMES, CORSConfig, Names, Stack, from_options
from ..toolbase.stacks import StackInfo

#: Characters that make flask-cors take an origin or a header for a regex.
_FLASK_CORS_REGEX_HINTS = frozenset("*\\]?$^[]()")
#: How flask-cors writes "any" once it has turned ``*`` into a regex.
_ANY = (".*", "*")


@dataclass(frozen=True)
class Configured:
    """A CORS configuration read from the application, and how its library matches.

    ``prefix_regexes``: the library matches :attr:`config`'s ``origin_regexes`` at the
    start of the origin only (``re.match``: flask-cors, django-cors-headers), not whole.
    ``origin_func``: a wsgicors ``allow_origin_func``, asked about the audit's probes.
    Where it is, when not in the application-wide configuration: ``view``, the Flask
    view whose ``@cross_origin`` holds it; ``blueprint``, the Flask blueprint whose
    ``CORS(blueprint)`` holds it; ``mount``, the path a Starlette application whose
    middleware holds it is mounted at; ``resource``, the path pattern of its entry (a
    ``resources=`` key, ``paths=`` or ``CORS_PATHS``).
    """

    config: CORSConfig
    prefix_regexes: bool = False
    origin_func: Callable[[str], bool] | None = None
    view: str | None = None
    blueprint: str | None = None
    mount: str | None = None
    resource: str | None = None


@dataclass(frozen=True)
class Serving:
    """What the audit knows of the CORS configuration answering a URL before probing it.

    ``stack``: the stack the fix is written for (None: guessed from the server's
    answers). ``configured``: the configuration itself (None: read from the answers).
    """

    stack: StackInfo | None = None
    configured: Configured | None = None


def of_policy(policy: CORSPolicy) -> Configured:
    """A wsgicors policy."""
    return Configured(from_options(policy.options),
                      origin_func=policy.options["allow_origin_func"])


def of_flask_cors(options: Any) -> Configured:
    """flask-cors's resolved options for one resource or view: an object in flask-cors
    6 (origins and headers compiled when they are regexes), a dict before."""
    def get(name: str) -> Any:
        return options.get(name) if isinstance(options, Mapping) else getattr(options, name,
                                                                             None)

    origins = list(_as_list(get("origins")))
    any_origin = bool(get("allow_all_origins")) or any(source(o) in _ANY for o in origins)
    headers = list(_as_list(get("allow_headers")))
    max_age = get("max_age")
    config = CORSConfig(
        origins="*" if any_origin else tuple(source(o) for o in origins if not _regex(o)),
        origin_regexes=() if any_origin else tuple(source(o) for o in origins if _regex(o)),
        credentials=bool(get("supports_credentials")),
        methods=_split(get("methods")),
        headers="*" if any(source(h) in _ANY for h in headers) else tuple(
            source(h).lower() for h in headers if not _regex(h)),
        header_patterns=tuple(source(h) for h in headers
                              if _regex(h) and source(h) not in _ANY),
        expose_headers=_split(get("expose_headers")) or (),
        max_age=int(max_age) if str(max_age or "").isdigit() else None,
        private_network=bool(get("allow_private_network")),
    )
    return Configured(config, prefix_regexes=True)


def of_corsheaders() -> Configured:
    """django-cors-headers' settings, through its own view of them (old names too)."""
    from corsheaders.conf import conf

    config = CORSConfig(
        origins="*" if conf.CORS_ALLOW_ALL_ORIGINS else tuple(conf.CORS_ALLOWED_ORIGINS),
        origin_regexes=tuple(source(r) for r in conf.CORS_ALLOWED_ORIGIN_REGEXES),
        credentials=bool(conf.CORS_ALLOW_CREDENTIALS),
        methods=_names(conf.CORS_ALLOW_METHODS),
        headers=_names(h.lower() for h in conf.CORS_ALLOW_HEADERS),
        expose_headers=tuple(conf.CORS_EXPOSE_HEADERS),
        max_age=conf.CORS_PREFLIGHT_MAX_AGE or None,
        private_network=bool(conf.CORS_ALLOW_PRIVATE_NETWORK),
    )
    return Configured(config, prefix_regexes=True)


def of_starlette(middleware: Any) -> Configured:
    """Starlette's CORSMiddleware: a ``Middleware`` entry (its keywords) or an instance
    wrapped around the application (its attributes)."""
    kwargs = getattr(middleware, "kwargs", None)
    if not isinstance(kwargs, Mapping):
        kwargs = _starlette_instance(middleware)
    regex = kwargs.get("allow_origin_regex")
    config = CORSConfig(
        origins=_names(kwargs.get("allow_origins", ())),
        origin_regexes=() if regex is None else (source(regex),),
        credentials=bool(kwargs.get("allow_credentials", False)),
        methods=_names(kwargs.get("allow_methods", ("GET",))),
        headers=_names(h.lower() for h in kwargs.get("allow_headers", ())),
        expose_headers=tuple(kwargs.get("expose_headers", ())),
        max_age=kwargs.get("max_age", 600),
        private_network=bool(kwargs.get("allow_private_network", False)),
    )
    return Configured(config)


def _starlette_instance(middleware: Any) -> dict[str, Any]:
    """The keywords a Starlette CORSMiddleware instance was built with, as far as its
    attributes keep them."""
    simple = getattr(middleware, "simple_headers", {})
    preflight = getattr(middleware, "preflight_headers", {})
    exposed = simple.get("Access-Control-Expose-Headers", "")
    max_age = preflight.get("Access-Control-Max-Age", "600")
    return {
        "allow_origins": getattr(middleware, "allow_origins", ()),
        "allow_origin_regex": getattr(middleware, "allow_origin_regex", None),
        "allow_credentials": getattr(middleware, "allow_credentials", False),
        "allow_methods": getattr(middleware, "allow_methods", ("GET",)),
        "allow_headers": ("*",) if getattr(middleware, "allow_all_headers", False)
        else getattr(middleware, "allow_headers", ()),
        "expose_headers": [h.strip() for h in exposed.split(",") if h.strip()],
        "max_age": int(max_age) if max_age.isdigit() else 600,
        "allow_private_network": getattr(middleware, "allow_private_network", False),
    }


def source(pattern: Any) -> str:
    """A regex's source (a string as it is)."""
    return str(getattr(pattern, "pattern", pattern))


def _regex(entry: Any) -> bool:
    """True if flask-cors matches *entry* as a regex (compiled, or looking like one)."""
    return isinstance(entry, re.Pattern) or not _FLASK_CORS_REGEX_HINTS.isdisjoint(
        str(entry))


def _as_list(value: Any) -> Iterable[Any]:
    if value is None:
        return ()
    return [value] if isinstance(value, (str, re.Pattern)) else list(value)


def _split(value: Any) -> tuple[str, ...] | None:
    """flask-cors's comma-joined string (or a list) as names; None when unset."""
    if value is None:
        return None
    items = value.split(",") if isinstance(value, str) else list(value)
    return tuple(str(item).strip() for item in items if str(item).strip())


def _names(values: Iterable[str]) -> Names:
    listed = tuple(values)
    return "*" if "*" in listed else listed


@dataclass(frozen=True)
class Configuration:
    """The whole corrected configuration, written for the user's stack and the others.

    ``stack``, ``source`` and ``guessed``: the stack :attr:`snippet` is written for,
    how the audit knows it, and whether that is only a guess (from the server's
    ``Server`` or ``X-Powered-By``). ``alternatives``: the same for every other stack.
    """

    stack: Stack
    source: str
    guessed: bool
    config: CORSConfig
    snippet: str
    alternatives: dict[Stack, str]

    def as_dict(self) -> dict[str, Any]:
        """The JSON form (``fix.configuration`` of each finding)."""
        return {"stack": self.stack, "name": STACK_NAMES[self.stack], "source": self.source,
                "guessed": self.guessed, "config": config_dict(self.config),
                "snippet": self.snippet, "alternatives": dict(self.alternatives)}


def config_dict(config: CORSConfig) -> dict[str, Any]:
    """*config* as JSON: lists, ``"*"`` for any, null for the stack's default."""
    def names(value: Names | None) -> Any:
        return value if value is None or value == "*" else list(value)

    return {"origins": names(config.origins), "origin_regexes": list(config.origin_regexes),
            "origin_func": config.origin_func, "credentials": config.credentials,
            "methods": names(config.methods), "headers": names(config.headers),
            "header_patterns": list(config.header_patterns),
            "expose_headers": list(config.expose_headers), "max_age": config.max_age,
            "private_network": config.private_network}
