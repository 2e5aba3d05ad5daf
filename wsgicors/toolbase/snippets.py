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
keyword names), nginx and Express (the npm ``cors`` package). Each snippet restates
the whole configuration (every option that differs from that stack's default), so
copying it never drops what the application already needed.

What a snippet never does is widen: an origin list never becomes ``*``, request
headers are listed by name (Express's default, reflecting whatever a preflight asks
for, is always replaced by a list), and nothing echoes the request's Origin
unchecked (nginx and Express compare it with the list first).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

from .. import DEFAULT_HEADERS, DEFAULT_METHODS
from ..origins import is_loopback_host, parse_origin_rule

#: A stack a snippet can be written for.
Stack = Literal["wsgicors", "flask", "django", "starlette", "nginx", "express"]
#: Every stack, in the order fixes list them.
STACKS: tuple[Stack, ...] = ("wsgicors", "flask", "django", "starlette", "nginx", "express")
#: Each stack's name in sentences.
STACK_NAMES: dict[Stack, str] = {
    "wsgicors": "a WSGI application (wsgicors)", "flask": "Flask (wsgicors_flask)",
    "django": "Django (wsgicors_django)", "starlette": "Starlette or FastAPI (wsgicors.asgi)",
    "nginx": "nginx", "express": "Express (npm cors)",
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


def render_all(config: CORSConfig, *, app: str = "app") -> dict[Stack, str]:
    """The snippet for every stack in :data:`STACKS` (fresh installations)."""
    return {stack: render(config, stack, app=app) for stack in STACKS}


def render(config: CORSConfig, stack: Stack, *, app: str = "app", installed: bool = False,
           wrap_whole: bool = False, policy: bool = False) -> str:
    """*config* as *stack* writes it: code or configuration to paste.

    *app* is the name of the application object in the user's module. *installed*
    says the stack's CORS layer is already in place (a Django snippet then leaves
    ``INSTALLED_APPS`` and ``MIDDLEWARE`` alone). *wrap_whole* (Starlette) wraps the
    whole application instead of ``add_middleware``, which is what puts CORS headers
    on the 500 page of Starlette's error handler. *policy* (wsgicors): the user keeps
    the configuration in a :class:`~wsgicors.CORSPolicy` named *app*.
    """
    if stack == "django":
        return _django(config, installed)
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
        code = _flask(config, app)
    else:
        code = _starlette(config, app, wrap_whole)
    # Pasted next to the call it replaces, a second CORS layer would answer too.
    return _REPLACES + code if installed else code


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
_FLASK_NAMES = {"allow_origins": "origins", "allow_methods": "methods",
                "allow_credentials": "supports_credentials"}


def _flask(config: CORSConfig, app: str) -> str:
    lower_case = config.methods not in (None, "*") and any(
        m != m.upper() for m in config.methods or ())
    if config.insecure_origins or config.origin_func or lower_case:
        # What flask-cors's options cannot say (it upper-cases methods): the whole
        # policy, in wsgicors's words.
        policy = _python_call("CORSPolicy", _option_values(config, _WSGICORS_DEFAULTS, {}))
        return (_imports(config, "from wsgicors import CORSPolicy",
                         "from wsgicors_flask import CORS") + _func_import(config)
                + _python_call("CORS", [("", app), ("policy", policy)]) + "\n")
    options = _option_values(replace(config, origin_regexes=()), _FLASK_DEFAULTS,
                             _FLASK_NAMES)
    if config.origin_regexes:
        # flask-cors's origins take regexes too (told apart by their characters).
        origins = [] if config.origins == "*" else [_py(o) for o in config.origins]
        origins += [_regex_py(r) for r in config.origin_regexes]
        options = [("origins", "[" + ", ".join(origins) + "]"),
                   *[option for option in options if option[0] != "origins"]]
    return (_imports(config, "from wsgicors_flask import CORS")
            + _python_call("CORS", [("", app), *options]) + "\n")


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


def _django(config: CORSConfig, installed: bool) -> str:
    lines = ["# settings.py"]
    if not installed:
        lines += ['INSTALLED_APPS = [*INSTALLED_APPS, "wsgicors_django"]',
                  "# first, above CommonMiddleware and any authentication middleware:",
                  'MIDDLEWARE = ["wsgicors_django.middleware.CorsMiddleware", *MIDDLEWARE]']
    if config.header_patterns:
        lines.insert(1, "import re")
    for name, value in _option_values(replace(config, origin_func=None), _DJANGO_DEFAULTS,
                                      _DJANGO_SETTINGS):
        if name == "CORS_ALLOWED_ORIGINS" and value == '"*"':
            lines.append("CORS_ALLOW_ALL_ORIGINS = True")
        else:
            lines.append(f"{name} = {value}")
    if config.origin_func:
        lines.append(f"CORS_ALLOW_ORIGIN_FUNC = {_py(config.origin_func)}")
    return "\n".join(lines) + "\n"


_STARLETTE_DEFAULTS = {"methods": ("GET",), "headers": (), "max_age": 600}


# Request headers Starlette's middleware always allows, listed or not.
_STARLETTE_ALWAYS = frozenset({"accept", "accept-language", "content-language", "content-type"})


def _starlette(config: CORSConfig, app: str, wrap_whole: bool) -> str:
    if config.headers not in (None, "*"):
        listed = tuple(h for h in config.headers or () if h not in _STARLETTE_ALWAYS)
        config = replace(config, headers=listed or None)
    options = _option_values(config, _STARLETTE_DEFAULTS, {})
    if config.origin_regexes:
        # Starlette takes one regex: the alternatives, each full-matched.
        joined = "|".join(f"(?:{r})" for r in config.origin_regexes)
        options = [(n, _regex_py(joined) if n == "allow_origin_regex" else v)
                   for n, v in options]
    head = _imports(config, "from wsgicors.asgi import CORSMiddleware") + _func_import(config)
    if wrap_whole:
        return (head + "# Wrap the whole application, after its routes, and serve this "
                "object: Starlette's\n# ServerErrorMiddleware (its 500 page) sits outside "
                "every add_middleware() layer.\n"
                + _python_call(f"{app} = CORSMiddleware", [("", app), *options]) + "\n")
    return head + _python_call(f"{app}.add_middleware", [("", "CORSMiddleware"), *options]) \
        + "\n"


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
    if config.origin_func:
        out.append(f"# {config.origin_func} cannot be expressed here: list those origins.")
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
                 ("Access-Control-Allow-Methods", _joined(config.methods)),
                 ("Access-Control-Allow-Headers", _joined(config.headers)),
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


def _joined(names: Names | None) -> str:
    if names is None:
        return ""
    return "*" if names == "*" else ", ".join(names)


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
    if config.methods is not None:
        options.append(f"methods: {_js_list(config.methods)}")
    # Without allowedHeaders, cors() echoes whatever a preflight asks for.
    options.append(f"allowedHeaders: {_js_list(config.headers or ())}")
    if config.expose_headers:
        options.append(f"exposedHeaders: {_js_list(config.expose_headers)}")
    if config.max_age is not None:
        options.append(f"maxAge: {config.max_age}")
    note = ""
    if config.origin_func:
        note = f"// {config.origin_func} cannot be expressed here: list those origins.\n"
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
