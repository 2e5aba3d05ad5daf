"""A CORS configuration written out in each stack's own words: the tools' fixes.

A fix is useful when it can be pasted. :class:`CORSConfig` holds what a configuration
allows, in wsgicors's terms; :func:`from_options` reads one from a
:class:`~wsgicors.CORSPolicy`'s options; :func:`merge` adds what a request needs to
what an application already allows; :func:`render` writes the result for one stack,
:func:`render_all` for every stack::

    config = merge(from_options(policy.options), origins=["http://localhost:5173"],
                   credentials=True, headers=["authorization"])
    print(render(config, "flask"))

The stacks (:data:`STACKS`) are wsgicors's WSGI middleware, Flask
(``wsgicors_flask``, flask-cors's option names), Django (``wsgicors_django``,
django-cors-headers' setting names), Starlette/FastAPI (``wsgicors.asgi``, Starlette's
keyword names), nginx and Express (the npm ``cors`` package). The peers' own libraries
(:data:`PEER_STACKS`: flask-cors, django-cors-headers, Starlette's ``CORSMiddleware``)
are stacks too, for the audit, which tells their users how to fix the configuration
they have. Each snippet restates the whole configuration (every option that differs
from that stack's default), so copying it never drops what the application already
needed.

What a snippet never does is widen: an origin list never becomes ``*``, request
headers are listed by name (Express's default, reflecting whatever a preflight asks
for, is always replaced by a list), and nothing echoes the request's Origin
unchecked (nginx and Express compare it with the list first). Where a peer matches
regexes at the start only (flask-cors and django-cors-headers use ``re.match``), a
snippet anchors them at both ends; where a stack cannot say something (an
``allow_origin_func`` in nginx, any request header with credentials in
django-cors-headers), the snippet says so in a comment and keeps to what it can say.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

from wsgicors_flask.options import OPTION_SPELLING

from .. import DEFAULT_HEADERS, DEFAULT_METHODS
from ..origins import is_loopback_host, parse_origin_rule

#: A stack a snippet can be written for.
Stack = Literal["wsgicors", "flask", "django", "starlette", "nginx", "express",
                "flask-cors", "django-cors-headers", "starlette-cors"]
#: Every stack wsgicors's own fixes are written for, in the order they list them.
STACKS: tuple[Stack, ...] = ("wsgicors", "flask", "django", "starlette", "nginx", "express")
#: The peers' CORS libraries, whose users the audit tells how to fix what they have.
PEER_STACKS: tuple[Stack, ...] = ("flask-cors", "django-cors-headers", "starlette-cors")
#: Every stack, wsgicors's first.
ALL_STACKS: tuple[Stack, ...] = (*STACKS, *PEER_STACKS)
#: Each stack's name in sentences.
STACK_NAMES: dict[Stack, str] = {
    "wsgicors": "a WSGI application (wsgicors)", "flask": "Flask (wsgicors_flask)",
    "django": "Django (wsgicors_django)", "starlette": "Starlette or FastAPI (wsgicors.asgi)",
    "nginx": "nginx", "express": "Express (npm cors)", "flask-cors": "Flask (flask-cors)",
    "django-cors-headers": "Django (django-cors-headers)",
    "starlette-cors": "Starlette or FastAPI (Starlette's CORSMiddleware)",
}
#: Access-Control-Max-Age a fix sets when the application sets none: WebKit caps the
#: preflight cache at 600 s, so longer buys nothing in Safari, and a change of the
#: configuration reaches every browser within ten minutes.
DEFAULT_MAX_AGE = 600

#: ``"*"`` or names.
Names = tuple[str, ...] | Literal["*"]
_SAFELISTED_METHODS = frozenset({"GET", "HEAD", "POST"})


@dataclass(frozen=True)
class CORSConfig:
    """What a CORS configuration allows, in wsgicors's terms.

    ``methods`` and ``headers`` are None for "the stack's default" (what a fresh
    installation gets without naming them); ``header_patterns`` and ``origin_regexes``
    are regex sources, full-matched; ``origin_func`` is the dotted name of an
    ``allow_origin_func`` the configuration keeps.
    """

    origins: Names = ()
    origin_regexes: tuple[str, ...] = ()
    origin_func: str | None = None
    credentials: bool = False
    methods: Names | None = None
    headers: Names | None = None
    header_patterns: tuple[str, ...] = ()
    expose_headers: tuple[str, ...] = ()
    max_age: int | None = DEFAULT_MAX_AGE
    private_network: bool = False

    @property
    def insecure_origins(self) -> bool:
        """True when credentials go to a plain-http origin other than loopback, which
        wsgicors accepts only with ``dangerously_allow_insecure_origins``."""
        if not self.credentials or self.origins == "*":
            return False
        return any(_is_insecure(origin) for origin in self.origins)


def from_options(options: Mapping[str, Any]) -> CORSConfig:
    """The configuration of a :class:`~wsgicors.CORSPolicy` (its ``options``)."""
    headers = options["allow_headers"]
    func = options["allow_origin_func"]
    return CORSConfig(
        origins=_names(options["allow_origins"]),
        origin_regexes=tuple(_source(p) for p in options["allow_origin_regex"]),
        origin_func=None if func is None else _dotted_name(func),
        credentials=bool(options["allow_credentials"]),
        methods=_names(options["allow_methods"]),
        headers="*" if headers == "*" else tuple(h for h in headers if isinstance(h, str)),
        header_patterns=() if headers == "*" else tuple(
            _source(h) for h in headers if not isinstance(h, str)),
        expose_headers=tuple(options["expose_headers"]),
        max_age=options["max_age"],
        private_network=bool(options["allow_private_network"]),
    )


def merge(existing: CORSConfig | None, *, origins: Iterable[str] = (),
          credentials: bool = False, methods: Iterable[str] = (),
          headers: Iterable[str] = (), expose_headers: Iterable[str] = ()) -> CORSConfig:
    """*existing* (None: nothing installed yet) plus what one request needs.

    Everything *existing* allows stays allowed, with one exception: an any-origin
    configuration that must now allow credentials lists the origins instead (``*``
    never works with credentials). *methods* and *headers* that need no preflight
    permission (``GET``, ``HEAD``, ``POST``) are left out; names are kept as given
    (methods are case-sensitive), request header names lower-cased. A missing
    ``max_age`` becomes :data:`DEFAULT_MAX_AGE`.
    """
    base = existing or CORSConfig()
    wanted_origins = list(origins)
    credentials = credentials or base.credentials
    if base.origins == "*" and not credentials:
        merged_origins: Names = "*"
    else:
        merged_origins = _union(() if base.origins == "*" else base.origins, wanted_origins)
    wanted_methods = [m for m in methods if m not in _SAFELISTED_METHODS]
    wanted_headers = [h.lower() for h in headers]
    return replace(
        base,
        origins=merged_origins,
        credentials=credentials,
        methods=_add(base.methods, wanted_methods),
        headers=_add(base.headers, wanted_headers),
        expose_headers=_union(base.expose_headers, expose_headers, fold=True),
        max_age=DEFAULT_MAX_AGE if base.max_age is None else base.max_age,
    )


def _add(current: Names | None, wanted: Sequence[str]) -> Names | None:
    """*current* plus *wanted*; ``*`` stays ``*`` (wsgicors echoes the names then, so it
    allows them even with credentials)."""
    if current == "*":
        return "*"
    if not wanted:
        return current
    return _union(current or (), wanted)


def _union(first: Iterable[str], second: Iterable[str], *, fold: bool = False
           ) -> tuple[str, ...]:
    """The names of *first*, then the new ones of *second* (any case, with *fold*)."""
    found: dict[str, str] = {}
    for name in [*first, *second]:
        found.setdefault(name.lower() if fold else name, name)
    return tuple(found.values())


def _names(value: Any) -> Names:
    return "*" if value == "*" else tuple(value)


def _source(pattern: Any) -> str:
    return str(getattr(pattern, "pattern", pattern))


def _dotted_name(func: Any) -> str:
    module = getattr(func, "__module__", None)
    name = getattr(func, "__qualname__", None) or type(func).__name__
    return f"{module}.{name}" if module else name


def _is_insecure(origin: str) -> bool:
    scheme, _sep, rest = origin.partition("://")
    host = rest.rsplit(":", 1)[0] if not rest.startswith("[") else rest.split("]")[0] + "]"
    return scheme == "http" and not is_loopback_host(host.removeprefix("*."))


# -- rendering -----------------------------------------------------------------------


def render_all(config: CORSConfig, *, app: str = "app",
               stacks: Sequence[Stack] = STACKS) -> dict[Stack, str]:
    """The snippet for every stack of *stacks* (fresh installations)."""
    return {stack: render(config, stack, app=app) for stack in stacks}


def render(config: CORSConfig, stack: Stack, *, app: str = "app", installed: bool = False,
           wrap_whole: bool = False, policy: bool = False, view: str | None = None,
           resource: str | None = None) -> str:
    """*config* as *stack* writes it: code or configuration to paste.

    *app* is the name of the application object in the user's module. *installed*
    says the stack's CORS layer is already in place (a Django snippet then leaves
    ``INSTALLED_APPS`` and ``MIDDLEWARE`` alone). *wrap_whole* (Starlette) wraps the
    whole application instead of ``add_middleware``, which is what puts CORS headers
    on the 500 page of Starlette's error handler. *policy* (wsgicors): the user keeps
    the configuration in a :class:`~wsgicors.CORSPolicy` named *app*. *view* (Flask,
    flask-cors): the configuration is the ``@cross_origin`` of the view so named;
    *resource* (Flask, flask-cors): it is the entry of ``resources=`` for that path
    pattern.
    """
    if stack in ("django", "django-cors-headers"):
        return _django(config, installed, peer=stack == "django-cors-headers")
    if stack == "nginx":
        return _nginx(config)
    if stack == "express":
        return _express(config, app)
    if stack == "wsgicors" and policy:
        code = (_imports(config, "from wsgicors import CORSPolicy") + _func_import(config)
                + _python_call(f"{app} = CORSPolicy",
                               _option_values(config, _WSGICORS_DEFAULTS, {})) + "\n")
    elif stack == "wsgicors":
        code = _wsgicors(config, app)
    elif stack == "flask":
        code = _flask(config, app, _Place(view, resource))
    elif stack == "flask-cors":
        code = _flask_cors(config, app, _Place(view, resource))
    else:
        code = _starlette(config, app, wrap_whole, peer=stack == "starlette-cors")
    # Pasted next to the call it replaces, a second CORS layer would answer too.
    return _REPLACES + code if installed and not (view or resource) else code


_REPLACES = "# In place of the CORS configuration the application has now:\n"


def _py(value: Any) -> str:
    """A Python literal: strings in double quotes, lists, booleans, numbers."""
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_py(item) for item in value) + "]"
    return repr(value)


def _regex_py(source: str) -> str:
    """A regex source as a Python raw string (a plain string if it cannot be one)."""
    if '"' in source or source.endswith("\\") or "\n" in source:
        return json.dumps(source)
    return f'r"{source}"'


def _python_call(head: str, arguments: list[tuple[str, str]]) -> str:
    """``head(`` then one ``name=value,`` per line (a bare value for an empty name),
    then ``)``; a value of several lines is indented with its argument."""
    lines = [head + "("]
    for name, value in arguments:
        value = value.replace("\n", "\n    ")
        lines.append(f"    {name}={value}," if name else f"    {value},")
    return "\n".join(lines) + "\n)"


def _option_values(config: CORSConfig, defaults: Mapping[str, Any],
                   names: Mapping[str, str]) -> list[tuple[str, str]]:
    """The options of *config* that differ from *defaults*, under the stack's *names*,
    as (name, Python source) pairs, in one fixed order."""
    values: dict[str, str] = {}
    if config.origins == "*" or config.origins:
        values["allow_origins"] = _py(config.origins)
    if config.origin_regexes:
        values["allow_origin_regex"] = ("[" + ", ".join(
            _regex_py(r) for r in config.origin_regexes) + "]")
    if config.origin_func:
        values["allow_origin_func"] = config.origin_func.rpartition(".")[2]
    if config.credentials:
        values["allow_credentials"] = "True"
    if config.methods is not None and not _same(config.methods, defaults["methods"]):
        values["allow_methods"] = _py(config.methods)
    if config.headers is not None and not (
            _same(config.headers, defaults["headers"]) and not config.header_patterns):
        values["allow_headers"] = _header_list(config)
    if config.expose_headers:
        values["expose_headers"] = _py(config.expose_headers)
    if config.max_age != defaults["max_age"]:
        values["max_age"] = _py(config.max_age)
    if config.private_network:
        values["allow_private_network"] = "True"
    if config.insecure_origins:
        values["dangerously_allow_insecure_origins"] = "True"
    return [(names.get(key, key), value) for key, value in values.items()]


def _same(names: Names, default: Names | None) -> bool:
    if names == "*" or default == "*":
        return names == default
    return default is not None and set(names) == set(default)


def _header_list(config: CORSConfig) -> str:
    if config.headers == "*":
        return _py("*")
    items = [_py(h) for h in config.headers or ()]
    items += [f"re.compile({_regex_py(p)})" for p in config.header_patterns]
    return "[" + ", ".join(items) + "]"


def _imports(config: CORSConfig, *lines: str) -> str:
    if config.header_patterns:
        lines = ("import re", "", *lines)
    return "\n".join(lines) + "\n\n"


def _func_import(config: CORSConfig) -> str:
    if not config.origin_func:
        return ""
    return f"from {config.origin_func.rpartition('.')[0]} import " \
           f"{config.origin_func.rpartition('.')[2]}\n"


_WSGICORS_DEFAULTS = {"methods": DEFAULT_METHODS, "headers": DEFAULT_HEADERS, "max_age": None}


def _wsgicors(config: CORSConfig, app: str) -> str:
    options = _option_values(config, _WSGICORS_DEFAULTS, {})
    call = _python_call(f"{app} = CORSMiddleware", [("", app), *options])
    return (_imports(config, "from wsgicors import CORSMiddleware")
            + _func_import(config) + call + "\n")


_FLASK_DEFAULTS = {"methods": ("GET", "HEAD", "POST", "OPTIONS", "PUT", "PATCH", "DELETE"),
                   "headers": "*", "max_age": None}
# flask-cors's words for the options a snippet writes (its regexes join `origins`).
_FLASK_NAMES = {option: name for option, name in OPTION_SPELLING.items()
                if option in ("allow_origins", "allow_methods", "allow_credentials")}


def _flask(config: CORSConfig, app: str, place: _Place) -> str:
    name = "cross_origin" if place.view else "CORS"
    lower_case = config.methods not in (None, "*") and any(
        m != m.upper() for m in config.methods or ())
    if config.insecure_origins or config.origin_func or lower_case:
        # What flask-cors's options cannot say (it upper-cases methods): the whole
        # policy, in wsgicors's words.
        policy = _python_call("CORSPolicy", _option_values(config, _WSGICORS_DEFAULTS, {}))
        return (_imports(config, "from wsgicors import CORSPolicy",
                         f"from wsgicors_flask import {name}") + _func_import(config)
                + _flask_call([("policy", policy)], app, place))
    options = _option_values(replace(config, origin_regexes=()), _FLASK_DEFAULTS,
                             _FLASK_NAMES)
    if config.origin_regexes:
        # flask-cors's origins take regexes too (told apart by their characters).
        origins = [] if config.origins == "*" else [_py(o) for o in config.origins]
        origins += [_regex_py(r) for r in config.origin_regexes]
        options = [("origins", "[" + ", ".join(origins) + "]"),
                   *[option for option in options if option[0] != "origins"]]
    if place.resource:  # the entry of a resources= dict: no import of its own
        head = "import re\n\n" if config.header_patterns else ""
        return head + _func_import(config) + _flask_call(options, app, place)
    return _imports(config, f"from wsgicors_flask import {name}") + _flask_call(options, app,
                                                                               place)


@dataclass(frozen=True)
class _Place:
    """Where a Flask configuration goes when it is not ``CORS(app, ...)``: the
    ``@cross_origin`` of a view, or the entry of ``resources=`` for a path pattern."""

    view: str | None = None
    resource: str | None = None


def _flask_call(options: list[tuple[str, str]], app: str, place: _Place) -> str:
    """``CORS(app, ...)``; for one view ``@cross_origin(...)``; for one resource its
    entry in ``resources=``."""
    if place.view:
        return (f"# On the view {place.view}, below @{app}.route(...), in place of its "
                "@cross_origin:\n@" + _python_call("cross_origin", options) + "\n")
    if place.resource:
        lines = [f"# In CORS({app}, resources={{...}}), the entry of {place.resource!r}:",
                 f"{_py(place.resource)}: {{"]
        lines += [f"    {_py(name)}: {value.replace(chr(10), chr(10) + '    ')},"
                  for name, value in options]
        return "\n".join(lines) + "\n},\n"
    return _python_call("CORS", [("", app), *options]) + "\n"


_DJANGO_DEFAULTS = {"methods": ("DELETE", "GET", "OPTIONS", "PATCH", "POST", "PUT"),
                    "headers": DEFAULT_HEADERS, "max_age": 86400}
_DJANGO_SETTINGS = {
    "allow_origins": "CORS_ALLOWED_ORIGINS", "allow_origin_regex": "CORS_ALLOWED_ORIGIN_REGEXES",
    "allow_origin_func": "CORS_ALLOW_ORIGIN_FUNC", "allow_methods": "CORS_ALLOW_METHODS",
    "allow_headers": "CORS_ALLOW_HEADERS", "expose_headers": "CORS_EXPOSE_HEADERS",
    "allow_credentials": "CORS_ALLOW_CREDENTIALS", "max_age": "CORS_PREFLIGHT_MAX_AGE",
    "allow_private_network": "CORS_ALLOW_PRIVATE_NETWORK",
    "dangerously_allow_insecure_origins": "CORS_DANGEROUSLY_ALLOW_INSECURE_ORIGINS",
}


def _django(config: CORSConfig, installed: bool, peer: bool = False) -> str:
    """settings.py lines for wsgicors_django, or for django-cors-headers (*peer*)."""
    notes: list[str] = []
    if peer:
        config, notes = _for_corsheaders(config)
    app, middleware = _DJANGO_APPS[peer]
    lines = ["# settings.py"]
    if config.header_patterns:
        lines.append("import re")
    if installed:
        # Appended to settings.py, every origin setting is restated: an old regex or
        # CORS_ALLOW_ALL_ORIGINS left in place would keep answering.
        lines.append("# In place of the CORS_* settings the project has now:")
    else:
        lines += [f'INSTALLED_APPS = [*INSTALLED_APPS, "{app}"]',
                  "# first, above CommonMiddleware and any authentication middleware:",
                  f'MIDDLEWARE = ["{middleware}", *MIDDLEWARE]']
    lines += notes
    values = _option_values(replace(config, origin_func=None), _DJANGO_DEFAULTS,
                            _DJANGO_SETTINGS)
    if installed and config.origins != "*":
        lines.append("CORS_ALLOW_ALL_ORIGINS = False")
    if installed and not config.origins:
        lines.append("CORS_ALLOWED_ORIGINS = []")
    if installed and not config.origin_regexes:
        lines.append("CORS_ALLOWED_ORIGIN_REGEXES = []")
    for name, value in values:
        if name == "CORS_ALLOWED_ORIGINS" and value == '"*"':
            lines.append("CORS_ALLOW_ALL_ORIGINS = True")
        elif not (peer and name == "CORS_DANGEROUSLY_ALLOW_INSECURE_ORIGINS"):
            lines.append(f"{name} = {value}")
    if config.origin_func:
        lines.append(f"CORS_ALLOW_ORIGIN_FUNC = {_py(config.origin_func)}")
    return "\n".join(lines) + "\n"


#: (INSTALLED_APPS entry, middleware) of wsgicors_django and of django-cors-headers.
_DJANGO_APPS = {False: ("wsgicors_django", "wsgicors_django.middleware.CorsMiddleware"),
                True: ("corsheaders", "corsheaders.middleware.CorsMiddleware")}


def _for_corsheaders(config: CORSConfig) -> tuple[CORSConfig, list[str]]:
    """*config* as django-cors-headers can say it, and comments on what it cannot.

    Its CORS_ALLOWED_ORIGINS are exact origins, its regexes are matched at the start
    only, and it sends CORS_ALLOW_METHODS and CORS_ALLOW_HEADERS as they are: ``*``
    means any method or header to browsers only without credentials.
    """
    exact, regexes = _peer_origins(config, literal=lambda origin: True)
    notes = _unsayable(config, "#")
    headers = config.headers
    if headers == "*" and config.credentials:
        notes.append("# django-cors-headers cannot allow every request header with "
                     "credentials: list the ones your scripts send in CORS_ALLOW_HEADERS.")
        headers = None
    config = replace(config, origins="*" if config.origins == "*" else tuple(exact),
                     origin_regexes=tuple(anchored(r) for r in regexes), origin_func=None,
                     header_patterns=(), headers=headers,
                     methods=None if config.methods == "*" else config.methods,
                     max_age=0 if config.max_age is None else config.max_age)
    return config, notes


_STARLETTE_DEFAULTS = {"methods": ("GET",), "headers": (), "max_age": 600}


# Request headers Starlette's middleware always allows, listed or not.
_STARLETTE_ALWAYS = frozenset({"accept", "accept-language", "content-language", "content-type"})


def _starlette(config: CORSConfig, app: str, wrap_whole: bool, peer: bool = False) -> str:
    """wsgicors.asgi's CORSMiddleware, or Starlette's own (*peer*): the same keywords."""
    notes: list[str] = []
    if peer:
        notes = _unsayable(config, "#")
        exact, regexes = _peer_origins(config, literal=lambda origin: True)
        config = replace(config, origins="*" if config.origins == "*" else tuple(exact),
                         origin_regexes=tuple(regexes), origin_func=None, header_patterns=())
    if config.headers not in (None, "*"):
        listed = tuple(h for h in config.headers or () if h not in _STARLETTE_ALWAYS)
        config = replace(config, headers=listed or None)
    options = _option_values(config, _STARLETTE_DEFAULTS, {})
    if config.origin_regexes:
        # Starlette takes one regex: the alternatives, each full-matched.
        joined = "|".join(f"(?:{r})" for r in config.origin_regexes)
        options = [(n, _regex_py(joined) if n == "allow_origin_regex" else v)
                   for n, v in options]
    if peer:  # Starlette's middleware takes lists only, and no insecure-origin switch
        options = [(n, '["*"]' if v == '"*"' else v) for n, v in options
                   if n != "dangerously_allow_insecure_origins"]
    module = "starlette.middleware.cors" if peer else "wsgicors.asgi"
    head = (_imports(config, f"from {module} import CORSMiddleware") + _func_import(config)
            + "".join(note + "\n" for note in notes))
    if wrap_whole:
        return (head + "# Wrap the whole application, after its routes, and serve this "
                "object: Starlette's\n# ServerErrorMiddleware (its 500 page) sits outside "
                "every add_middleware() layer.\n"
                + _python_call(f"{app} = CORSMiddleware", [("", app), *options]) + "\n")
    return head + _python_call(f"{app}.add_middleware", [("", "CORSMiddleware"), *options]) \
        + "\n"


# -- the peers' libraries ------------------------------------------------------------


def anchored(source: str) -> str:
    """A full-match regex *source* for a library that matches at the start only
    (``re.match``, as flask-cors and django-cors-headers do): ``^...$``."""
    return f"^{source}$" if "|" not in source else f"^(?:{source})$"


def _peer_origins(config: CORSConfig, literal: Callable[[str], bool]
                  ) -> tuple[list[str], list[str]]:
    """*config*'s origins for a peer's library: the exact origins it compares as
    strings, and full-match regexes for the rest (subdomain and port patterns, the
    regexes, an exact origin the library would take for a regex)."""
    exact: list[str] = []
    regexes: list[str] = []
    for origin in () if config.origins == "*" else config.origins:
        if "*" in origin or not literal(origin):
            regexes.append(_regex_of(origin))
        else:
            exact.append(origin)
    return exact, regexes + list(config.origin_regexes)


def _unsayable(config: CORSConfig, comment: str) -> list[str]:
    """Comment lines for what *config* says that a peer's library, nginx or Express
    cannot (they are left out of the snippet)."""
    notes = []
    if config.origin_func:
        notes.append(f"{comment} {config.origin_func} cannot be expressed here: "
                     "list those origins.")
    if config.header_patterns:
        notes.append(f"{comment} request headers matching "
                     + ", ".join(config.header_patterns)
                     + " cannot be expressed here: list them.")
    return notes


# flask-cors takes an origin or header with one of these characters for a regex.
_FLASK_CORS_REGEX_HINTS = frozenset("*\\]?$^[]()")
_FLASK_CORS_VARY = """

@{app}.after_request
def vary_on_origin(response):
    # flask-cors adds Vary: Origin only to the answers that allow an origin: shared
    # caches need it on every answer.{order}
    response.vary.add("Origin")
    return response


"""
# Flask runs the after_request functions defined last first.
_FLASK_CORS_ORDER = "\n    # Defined before CORS(), this runs after flask-cors's own."


def _flask_cors(config: CORSConfig, app: str, place: _Place) -> str:
    """flask-cors's ``CORS(app, ...)`` (or one *view*'s ``@cross_origin``): regexes
    anchored (it matches at the start only), methods listed (it compares them with
    the list: ``*`` is its default list)."""
    exact, regexes = _peer_origins(
        config, literal=lambda origin: _FLASK_CORS_REGEX_HINTS.isdisjoint(origin))
    headers = config.headers
    if headers not in (None, "*") and config.header_patterns:
        headers = (*headers, *(anchored(p) for p in config.header_patterns))
    rest = replace(config, origins=(), origin_regexes=(), origin_func=None, headers=headers,
                   header_patterns=(), methods=None if config.methods == "*" else config.methods)
    if config.origins == "*":
        origins = _py("*")
    else:
        origins = "[" + ", ".join([_py(o) for o in exact]
                                  + [_regex_py(anchored(r)) for r in regexes]) + "]"
    options = [("origins", origins), *_option_values(rest, _FLASK_DEFAULTS, _FLASK_NAMES)]
    notes = "".join(note + "\n" for note in _unsayable(replace(config, header_patterns=()),
                                                         "#"))
    order = "" if place.view else _FLASK_CORS_ORDER
    vary = "" if config.origins == "*" else _FLASK_CORS_VARY.format(app=app, order=order)
    name = "cross_origin" if place.view else "CORS"
    head = "" if place.resource else f"from flask_cors import {name}\n"
    return (head + (vary or "\n") + notes + _flask_call(options, app, place)).lstrip("\n")


# -- nginx and Express -------------------------------------------------------------


def origin_regex(config: CORSConfig) -> str | None:
    """One regex (full-match, Python and PCRE syntax) for every origin *config* lists;
    None for ``*`` or when it lists none."""
    if config.origins == "*":
        return None
    parts = [_regex_of(origin) for origin in config.origins]
    parts += [f"(?:{r})" for r in config.origin_regexes]
    return "|".join(parts) or None


def _nginx(config: CORSConfig) -> str:
    pattern = origin_regex(config)
    out = ["# In the server block of the API. Keep what the location already does",
           "# (proxy_pass, root...); nginx answers the preflights itself."]
    out += _unsayable(config, "#")
    if pattern is None:  # any origin, without credentials
        out.append('set $cors_origin "*";')
        credentials = ""
    else:
        out += ['set $cors_origin "";', 'set $cors_credentials "";',
                f'if ($http_origin ~ "^(?:{pattern})$") {{',
                "    set $cors_origin $http_origin;"]
        if config.credentials:
            out.append("    set $cors_credentials true;")
        out.append("}")
        credentials = "$cors_credentials" if config.credentials else ""
    out += ['set $cors_preflight "";', "if ($request_method = OPTIONS) {",
            "    set $cors_preflight $http_access_control_request_method;", "}", "",
            "location / {", "    if ($cors_preflight) {"]
    vary = "Origin" if pattern is not None else ""
    preflight = [("Access-Control-Allow-Origin", "$cors_origin"),
                 ("Access-Control-Allow-Credentials", credentials),
                 ("Access-Control-Allow-Methods", _nginx_list(config.methods, config,
                                                              "method")),
                 ("Access-Control-Allow-Headers", _nginx_list(config.headers, config,
                                                              "headers")),
                 ("Access-Control-Max-Age", "" if config.max_age is None else str(config.max_age)),
                 ("Vary", vary)]
    out += [f"        add_header {name} {_nginx_value(value)} always;"
            for name, value in preflight if value]
    out += ["        return 204;", "    }"]
    actual = [("Access-Control-Allow-Origin", "$cors_origin"),
              ("Access-Control-Allow-Credentials", credentials),
              ("Access-Control-Expose-Headers", ", ".join(config.expose_headers)),
              ("Vary", vary)]
    out += [f"    add_header {name} {_nginx_value(value)} always;"
            for name, value in actual if value]
    out += [f"    proxy_hide_header {name};" for name in _CORS_RESPONSE_HEADERS]
    out += ["    # proxy_pass http://127.0.0.1:8000;  (what this location already does)", "}"]
    return "\n".join(out) + "\n"


# The application's own CORS headers, hidden so that nginx's are the only ones.
_CORS_RESPONSE_HEADERS = (
    "Access-Control-Allow-Origin", "Access-Control-Allow-Credentials",
    "Access-Control-Allow-Methods", "Access-Control-Allow-Headers",
    "Access-Control-Expose-Headers", "Access-Control-Max-Age",
)


def _nginx_list(names: Names | None, config: CORSConfig, asked: str) -> str:
    """A preflight's list; ``*`` with credentials (which browsers read as the name
    ``*``) becomes the echo of what the preflight asks: the origin is checked first."""
    if names is None:
        return ""
    if names == "*":
        return f"$http_access_control_request_{asked}" if config.credentials else "*"
    return ", ".join(names)


def _nginx_value(value: str) -> str:
    return value if value.startswith("$") and " " not in value else json.dumps(value)


def _express(config: CORSConfig, app: str) -> str:
    options: list[str] = []
    if config.origins == "*":
        options.append('origin: "*"')
    else:
        items = [_js_regex(_regex_of(o)) if "*" in o else json.dumps(o)
                 for o in config.origins]
        items += [_js_regex(r) for r in config.origin_regexes]
        options.append(f"origin: [{', '.join(items)}]")
    if config.credentials:
        options.append("credentials: true")
    # With credentials browsers read "*" as a name: cors()'s default methods (every
    # standard one) and its echo of the requested headers say "any" instead.
    any_with_credentials = ("*", True)
    if config.methods is not None and (config.methods, config.credentials) != \
            any_with_credentials:
        options.append(f"methods: {_js_list(config.methods)}")
    # Without allowedHeaders, cors() echoes whatever a preflight asks for.
    if (config.headers, config.credentials) != any_with_credentials:
        options.append(f"allowedHeaders: {_js_list(config.headers or ())}")
    if config.expose_headers:
        options.append(f"exposedHeaders: {_js_list(config.expose_headers)}")
    if config.max_age is not None:
        options.append(f"maxAge: {config.max_age}")
    note = "".join(line + "\n" for line in _unsayable(config, "//"))
    body = "".join(f"  {option},\n" for option in options)
    return (f'const cors = require("cors");\n\n{note}'
            f"{app}.use(cors({{\n{body}}}));\n")


def _regex_of(origin: str) -> str:
    rule, _problems = parse_origin_rule(origin, option="allow_origins", credentials=False,
                                        insecure_ok=True)
    return re.escape(origin) if rule is None else rule.regex()


def _js_regex(source: str) -> str:
    return "/^(?:" + source.replace("/", "\\/") + ")$/"


def _js_list(names: Names) -> str:
    if names == "*":
        return json.dumps("*")
    return "[" + ", ".join(json.dumps(n) for n in names) + "]"
