"""CORSPolicy: a CORS configuration, validated once and compiled into header values.

Everything a request needs is computed here, at construction: the exact origins map
straight to their ready-made response headers (:mod:`wsgicors.headers`), patterns are
one compiled regex, and method and header lists are joined once. The request path
(:mod:`wsgicors.engine`) only looks things up.
"""

from __future__ import annotations

import difflib
import inspect
import logging
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import timedelta
from typing import Any, NoReturn

from .errors import ConfigError, Problem
from .headers import REFUSED, CORSHeaders, Template
from .http import (
    FORBIDDEN_METHODS,
    FORBIDDEN_RESPONSE_HEADERS,
    MAX_REQUEST_HEADERS_LENGTH,
    NORMALIZED_METHODS,
    SAFELISTED_METHODS,
    is_forbidden_request_header,
    is_token,
    parse_request_headers,
)
from .linear import LinearPattern
from .logsafe import logsafe
from .origins import (
    MAX_ORIGIN_LENGTH,
    OriginRule,
    compile_rules,
    is_serialized_origin,
    parse_origin_rule,
)
from .regexes import check_origin_regex

_log = logging.getLogger("wsgicors")

#: django-cors-headers' default methods, plus HEAD (browsers treat it like GET).
DEFAULT_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")
#: django-cors-headers' default request headers.
DEFAULT_HEADERS = (
    "accept", "authorization", "content-type", "user-agent", "x-csrftoken", "x-requested-with",
)
#: Longest Access-Control-Max-Age accepted: Firefox's cap (Chromium caps at 7200).
MAX_AGE_LIMIT = 86400
#: Distinct origins (and request-header lists) whose decision is remembered per
#: policy; when full, the cache is replaced by an empty one. Only origins of at most
#: MAX_ORIGIN_LENGTH characters and header lists of at most
#: CACHED_REQUEST_HEADERS_LENGTH are stored, so a flood of random values holds at
#: most about CACHE_SIZE * (300 + 1,200) bytes of origins and headers.
CACHE_SIZE = 1024
CACHED_REQUEST_HEADERS_LENGTH = 256

OriginsOption = str | Iterable[str]
RegexOption = str | re.Pattern[str] | Iterable[str | re.Pattern[str]] | None
NamesOption = str | Iterable[str]

OPTION_NAMES = (
    "allow_origins", "allow_origin_regex", "allow_origin_func", "allow_methods",
    "allow_headers", "expose_headers", "allow_credentials", "max_age",
    "allow_private_network", "dangerously_allow_insecure_origins",
)


class CORSPolicy:
    """An immutable, validated CORS configuration.

    :param allow_origins: ``"*"`` for every origin (never with credentials), or a list
        of origins exactly as browsers send them (``"https://app.example.com"``), and
        patterns: ``"https://*.example.com"`` (any subdomain, never the apex) and
        ``"http://localhost:*"`` (any port).
    :param allow_origin_regex: one or more regexes (strings or compiled); an origin is
        allowed when a regex matches it *entirely* (``fullmatch``, not ``match``). A
        regex is only accepted when its structure proves that it matches a fixed
        scheme and a fixed domain (see :mod:`wsgicors.regexes`), and it obeys the
        same rules as the patterns of *allow_origins*.
    :param allow_origin_func: ``callable(origin) -> bool`` consulted for origins the
        static lists do not allow, e.g. origins stored in a database. It only ever
        receives a well-formed serialized origin, or ``"null"`` when credentials are
        off; results are not cached. It must be a plain (not ``async``) function.
    :param allow_methods: methods a preflight may ask for, or ``"*"`` to allow any
        requested method (answered by echoing it, so it works with credentials).
    :param allow_headers: request headers a preflight may ask for (any case), or
        ``"*"`` to allow any (echoed, so it covers ``Authorization`` too). Compiled
        regexes may stand for families of names (``re.compile(r"x-acme-.*", re.I)``):
        they are full-matched against the lower-case names, and the names they allow
        are echoed.
    :param expose_headers: response headers scripts may read beyond the safelisted ones.
    :param allow_credentials: send ``Access-Control-Allow-Credentials: true`` so
        cookies and HTTP authentication work cross-origin.
    :param max_age: how long browsers may cache a preflight, in seconds or as a
        ``timedelta`` (0 to 86400); ``None`` omits the header (browsers use 5 s).
    :param allow_private_network: answer Chrome's legacy Private Network Access
        preflights (``Access-Control-Allow-Private-Network: true``).
    :param dangerously_allow_insecure_origins: accept plain ``http://`` origins other
        than localhost together with credentials.
    :raises ConfigError: listing every problem with the configuration.
    """

    __slots__ = (
        "_acrh_cache", "_any_header", "_any_method", "_cache", "_exact", "_frozen",
        "_func", "_header_ok", "_header_patterns", "_matchers", "_options", "_pattern",
        "_regexes", "_template",
        "allow_credentials", "allow_headers_value", "allow_methods_value",
        "allow_private_network", "any_origin", "expose_headers_value", "fixed_preflight",
        "max_age",
        "method_ok", "refused", "varies_by_origin",
    )

    def __init__(
        self,
        *,
        allow_origins: OriginsOption = (),
        allow_origin_regex: RegexOption = None,
        allow_origin_func: Callable[[str], bool] | None = None,
        allow_methods: NamesOption = DEFAULT_METHODS,
        allow_headers: NamesOption | Iterable[str | re.Pattern[str]] = DEFAULT_HEADERS,
        expose_headers: NamesOption = (),
        allow_credentials: bool = False,
        max_age: int | timedelta | None = None,
        allow_private_network: bool = False,
        dangerously_allow_insecure_origins: bool = False,
        **unknown: NoReturn,
    ) -> None:
        problems: list[Problem] = [_unknown_option(name) for name in unknown]
        for name, value in (
            ("allow_credentials", allow_credentials),
            ("allow_private_network", allow_private_network),
            ("dangerously_allow_insecure_origins", dangerously_allow_insecure_origins),
        ):
            if not isinstance(value, bool):
                problems.append(Problem(
                    "type", name, f"expected True or False, got {value!r}.",
                    f"write {name}={bool(value)!r}.",
                ))
        credentials = allow_credentials is True
        insecure_ok = dangerously_allow_insecure_origins is True
        any_origin, rules = _origins(allow_origins, credentials, insecure_ok, problems)
        regexes = _regexes(allow_origin_regex, credentials, insecure_ok, problems)
        problems += _func_problems(allow_origin_func)
        problems += _combination_problems(
            any_origin, credentials, bool(regexes), allow_origin_func is not None,
            allow_private_network is True,
        )
        any_method, methods = _methods(allow_methods, problems)
        header_patterns, allow_headers = _header_patterns(allow_headers, problems)
        any_header, headers = _names(allow_headers, "allow_headers", problems)
        for name in headers:
            if is_forbidden_request_header(name):
                problems.append(Problem(
                    "header-forbidden", "allow_headers",
                    f"{name!r} is a forbidden request header: browsers never let scripts "
                    "send it, so listing it has no effect.",
                    f"remove {name!r}.",
                ))
        any_expose, exposed = _names(expose_headers, "expose_headers", problems)
        problems += _expose_problems(any_expose, exposed, credentials)
        age = _max_age(max_age, problems)
        if problems:
            raise ConfigError(problems)

        self._options: dict[str, Any] = {
            "allow_origins": "*" if any_origin else tuple(rule.text for rule in rules),
            "allow_origin_regex": tuple(regex for regex, _matcher in regexes),
            "allow_origin_func": allow_origin_func,
            "allow_methods": "*" if any_method else tuple(methods),
            "allow_headers": "*" if any_header else (*headers, *header_patterns),
            "expose_headers": "*" if any_expose else tuple(exposed),
            "allow_credentials": credentials,
            "max_age": age,
            "allow_private_network": allow_private_network,
            "dangerously_allow_insecure_origins": dangerously_allow_insecure_origins,
        }
        self.any_origin = any_origin
        self.varies_by_origin = not any_origin
        self.allow_credentials = credentials
        self.allow_private_network = allow_private_network
        self.max_age = age
        self._any_method = any_method
        #: Methods a preflight may ask for (empty when any method is allowed).
        self.method_ok = frozenset() if any_method else frozenset(methods) | SAFELISTED_METHODS
        self.allow_methods_value = None if any_method else ", ".join(methods)
        self._any_header = any_header
        self.allow_headers_value = None if any_header else ", ".join(headers)
        self._header_ok = frozenset(headers)
        self._header_patterns = tuple(header_patterns)
        self.expose_headers_value = "*" if any_expose else ", ".join(exposed) or None
        self._template = Template(
            credentials, self.expose_headers_value, self.allow_methods_value, age,
            self.varies_by_origin, self.allow_headers_value,
        )
        #: True if a successful preflight's answer is ready-made (nothing echoed, no
        #: Private Network Access): CORSHeaders.answer or .answer_with_headers.
        self.fixed_preflight = not (any_method or any_header or header_patterns
                                    or allow_private_network is True)
        self._pattern = compile_rules(rules)
        self._regexes = tuple(matcher for _regex, matcher in regexes)
        #: True if anything but the exact origins can match (only then is there a cache).
        self._matchers = bool(self._pattern is not None or self._regexes or any_origin)
        self._func = allow_origin_func
        #: What a response without an allowed origin gets: no CORS headers and
        #: ``Vary: Origin`` (the ``*`` headers when every origin is allowed).
        self.refused = self._template.for_origin("*") if any_origin else REFUSED
        # Never changes and never evicted: a flood of other origins cannot make a
        # listed origin wait for (or lose) a cache entry.
        self._exact = {rule.text: self._template.for_origin(rule.text)
                       for rule in rules if rule.is_exact}
        self._cache: dict[str, CORSHeaders | None] = dict(self._exact)
        self._acrh_cache: dict[str, str | None] = {}
        self._frozen = True

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> CORSPolicy:
        """Build a policy from a mapping of option names, refusing unknown names."""
        unknown = [name for name in options if name not in OPTION_NAMES]
        if unknown:
            raise ConfigError([_unknown_option(name) for name in unknown])
        return cls(**options)

    def __setattr__(self, name: str, value: object) -> None:
        if getattr(self, "_frozen", False):
            raise AttributeError("CORSPolicy is immutable; build a new one and reconfigure")
        object.__setattr__(self, name, value)

    def __repr__(self) -> str:
        shown = ", ".join(f"{key}={value!r}" for key, value in self._options.items()
                          if value not in ((), None, False))
        return f"CORSPolicy({shown})"

    @property
    def options(self) -> dict[str, Any]:
        """The validated options, normalized (a copy)."""
        return dict(self._options)

    # -- origins ---------------------------------------------------------------

    def lookup(self, origin: str) -> CORSHeaders | None:
        """The ready-made headers for *origin*, or None if it is not allowed."""
        found = self._cache.get(origin, _MISSING)
        if found is _MISSING:
            found = self._remember(origin)
        if found is None and self._func is not None:
            return self._ask_func(origin)
        return found  # type: ignore[no-any-return]

    def static_lookup(self, origin: str) -> CORSHeaders | None:
        """:meth:`lookup` without ``allow_origin_func``: origins, patterns, regexes."""
        found = self._cache.get(origin, _MISSING)
        return self._remember(origin) if found is _MISSING else found

    def _remember(self, origin: str) -> CORSHeaders | None:
        found = self._match_static(origin)
        if len(origin) <= MAX_ORIGIN_LENGTH:  # longer values never match: not stored
            cache = self._cache
            if len(cache) >= CACHE_SIZE + len(self._exact):
                # A new generation, complete before it is installed with one atomic
                # assignment: the exact origins are in every generation, so a listed
                # origin is never missing, even for a moment (issue 9 item 4).
                cache = dict(self._exact)
                object.__setattr__(self, "_cache", cache)
            cache[origin] = found
        return found

    def needs_func(self, origin: str) -> bool:
        """True if deciding *origin* calls ``allow_origin_func`` (it may do I/O)."""
        return self._func is not None and self.static_lookup(origin) is None

    def _match_static(self, origin: str) -> CORSHeaders | None:
        # Exact origins never get here: every cache generation starts with them.
        if not self._matchers:
            return None
        if self.any_origin:
            return self.refused if origin == "null" or is_serialized_origin(origin) else None
        if not is_serialized_origin(origin):
            return None
        if self._pattern is not None and self._pattern.fullmatch(origin):
            return self._template.for_origin(origin)
        for regex in self._regexes:
            if regex.fullmatch(origin):
                return self._template.for_origin(origin)
        return None

    def _ask_func(self, origin: str) -> CORSHeaders | None:
        if origin == "null":
            if self.allow_credentials:
                return None  # any site can send 'null': never with credentials
        elif not is_serialized_origin(origin):
            return None
        try:
            verdict = self._func(origin)  # type: ignore[misc]
        except Exception:
            _log.exception("allow_origin_func raised for origin %s; origin refused",
                           logsafe(origin))
            return None
        return self._template.for_origin(origin) if verdict is True else None

    def origin_refusal(self, origin: str) -> tuple[str, str]:
        """Why *origin* is refused, as ``(code, sentence)``; for logs and explain()."""
        shown = logsafe(origin)
        if origin == "null":
            if self._func is not None and not self.allow_credentials:
                tail = "; allow_origin_func said no"
            elif self.allow_credentials:
                tail = ", so it is never allowed with credentials"
            else:
                tail = ", so only allow_origin_func can accept it"
            return "origin-null", (
                "Origin 'null' (a sandboxed iframe, file: or data: page, or a redirect) is "
                "not allowed; it can be produced by any site" + tail
            )
        if not is_serialized_origin(origin):
            return "origin-malformed", (
                f"Origin {shown} is not a serialized origin (scheme://host[:port], lower "
                "case, no path, no default port); browsers never send that"
            )
        where = "allow_origins, allow_origin_regex"
        if self._func is not None:
            where += " or allow_origin_func"
        return "origin-not-allowed", f"Origin {shown} is not allowed by {where}"

    # -- methods and headers -----------------------------------------------------

    def method_allowed(self, method: str) -> bool:
        """True if a preflight may ask for *method* (compared case-sensitively)."""
        if self._any_method:
            return is_token(method) and method.upper() not in FORBIDDEN_METHODS
        return method in self.method_ok

    def allow_headers_for(self, request_headers: str) -> str | None:
        """The Access-Control-Allow-Headers value answering *request_headers*.

        None if a requested header is not allowed or the value is malformed.
        """
        if len(request_headers) > CACHED_REQUEST_HEADERS_LENGTH:
            if len(request_headers) > MAX_REQUEST_HEADERS_LENGTH:
                return None  # refused before any work: 100,000 commas cost nothing
            return self._answer_headers(request_headers)
        cache = self._acrh_cache
        answer = cache.get(request_headers, _MISSING)
        if answer is _MISSING:
            answer = self._answer_headers(request_headers)
            if len(cache) >= CACHE_SIZE:
                cache = {}
                object.__setattr__(self, "_acrh_cache", cache)
            cache[request_headers] = answer
        return answer  # type: ignore[no-any-return]

    def _answer_headers(self, request_headers: str) -> str | None:
        names = parse_request_headers(request_headers)
        if names is None:
            return None
        if self._any_header:
            return ",".join(dict.fromkeys(names))
        allowed = self._header_ok
        if not self._header_patterns:
            return self.allow_headers_value if all(name in allowed for name in names) else None
        if all(name in allowed or self._header_matches(name) for name in names):
            return ",".join(dict.fromkeys(names))  # names a pattern allowed are echoed
        return None

    def _header_matches(self, name: str) -> bool:
        return any(pattern.fullmatch(name) for pattern in self._header_patterns)

    def header_refusal(self, request_headers: str) -> tuple[str, str]:
        """Why *request_headers* is refused, as ``(code, sentence)``."""
        names = parse_request_headers(request_headers)
        if names is None:
            return "headers-malformed", (
                f"Access-Control-Request-Headers {logsafe(request_headers)} is not a "
                "short comma-separated list of header names"
            )
        refused = [name for name in names
                   if name not in self._header_ok and not self._header_matches(name)]
        shown = ", ".join(logsafe(name) for name in refused[:5])
        return "header-not-allowed", f"request header(s) {shown} not in allow_headers"


_MISSING: Any = object()


def _unknown_option(name: str) -> Problem:
    close = difflib.get_close_matches(name, OPTION_NAMES, n=1)
    hint = f"did you mean {close[0]!r}?" if close else "valid options: " + ", ".join(OPTION_NAMES)
    return Problem("unknown-option", name, f"{name!r} is not a wsgicors option.", hint)


def _as_list(value: object, option: str, problems: list[Problem]) -> list[str]:
    """Accept a list/tuple/set of strings or one comma-separated string."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, Iterable) and not isinstance(value, (bytes, Mapping)):
        items = list(value)
        if all(isinstance(item, str) for item in items):
            return [item.strip() for item in items]
    problems.append(Problem(
        "type", option, f"expected a list of strings, got {value!r}.",
        f'write {option}=["..."].',
    ))
    return []


def _origins(
    value: OriginsOption, credentials: bool, insecure_ok: bool, problems: list[Problem]
) -> tuple[bool, list[OriginRule]]:
    entries = [value] if isinstance(value, str) else _as_list(value, "allow_origins", problems)
    if "*" in entries:
        if len(entries) > 1:
            problems.append(Problem(
                "origin-star-mixed", "allow_origins",
                "'*' is listed together with specific origins; '*' alone already means "
                "every origin, so the list is ambiguous.",
                "keep either '*' or the list of origins.",
            ))
        return True, []
    rules: dict[str, OriginRule] = {}
    for entry in entries:
        rule, found = parse_origin_rule(
            entry, option="allow_origins", credentials=credentials, insecure_ok=insecure_ok
        )
        problems += found
        if rule is not None:
            rules.setdefault(rule.text, rule)
    return False, list(rules.values())


def _regexes(
    value: RegexOption, credentials: bool, insecure_ok: bool, problems: list[Problem]
) -> list[tuple[re.Pattern[str], LinearPattern]]:
    if value is None:
        return []
    if isinstance(value, (str, bytes, re.Pattern)):
        items: list[object] = [value]
    elif isinstance(value, Iterable) and not isinstance(value, Mapping):
        items = list(value)
    else:
        items = [value]
    compiled: list[tuple[re.Pattern[str], LinearPattern]] = []
    for item in items:
        pattern = _compile_regex(item, problems)
        if pattern is None:
            continue
        # Proven to match only trusted origins, and matched in time linear in the
        # origin (wsgicors.linear), whatever the pattern's structure.
        matcher, found = check_origin_regex(
            pattern, option="allow_origin_regex", credentials=credentials,
            insecure_ok=insecure_ok,
        )
        problems += found
        if matcher is not None:
            compiled.append((pattern, matcher))
    return compiled


def _compile_regex(item: object, problems: list[Problem]) -> re.Pattern[str] | None:
    if isinstance(item, re.Pattern) and isinstance(item.pattern, str):
        return item
    if isinstance(item, str):
        try:
            return re.compile(item)
        except re.error as exc:
            problems.append(Problem(
                "regex-invalid", "allow_origin_regex", f"{item!r} is not a valid regex: {exc}.",
                "fix the expression (it is full-matched against the origin).",
            ))
            return None
    problems.append(Problem(
        "type", "allow_origin_regex",
        f"expected a regex string or a compiled str pattern, got {item!r}.",
        r"write allow_origin_regex=r'https://[a-z0-9-]+\.example\.com' "
        "(origins are text, so a bytes pattern never matches).",
    ))
    return None


def _func_problems(func: object) -> list[Problem]:
    if func is None:
        return []
    if not callable(func):
        return [Problem(
            "type", "allow_origin_func", f"expected a callable, got {func!r}.",
            "pass a function that takes the origin string and returns True or False.",
        )]
    if inspect.iscoroutinefunction(func) or inspect.iscoroutinefunction(
        getattr(func, "__call__", None)  # noqa: B004 - an object with async __call__
    ):
        return [Problem(
            "func-async", "allow_origin_func",
            f"{func!r} is an async function: it would return a coroutine, never True, "
            "so no origin would ever be allowed.",
            "make it a plain def (run database queries synchronously; the ASGI and async "
            "Django adapters call it in a worker thread).",
        )]
    return []


def _combination_problems(
    any_origin: bool, credentials: bool, regex: bool, func: bool, private_network: bool
) -> list[Problem]:
    if not any_origin:
        return []
    problems = []
    if credentials:
        problems.append(Problem(
            "star-credentials", "allow_origins",
            "'*' together with allow_credentials=True would let every site on the web "
            "make authenticated requests as your users (browsers also refuse '*' with "
            "credentials, so other libraries silently reflect any origin instead).",
            "list the origins that need credentials, or turn allow_credentials off.",
        ))
    if regex or func:
        problems.append(Problem(
            "star-redundant", "allow_origins",
            "'*' already allows every origin; allow_origin_regex/allow_origin_func would "
            "never be consulted.",
            "remove '*' or the regex/function.",
        ))
    if private_network:
        problems.append(Problem(
            "star-private-network", "allow_private_network",
            "private network access with '*' origins lets any public site reach this "
            "private server (the flask-cors CVE-2024-6221 class).",
            "list the origins allowed to reach the private network.",
        ))
    return problems


def _methods(value: NamesOption, problems: list[Problem]) -> tuple[bool, list[str]]:
    names = _as_list(value, "allow_methods", problems)
    if "*" in names:
        return True, []
    methods: list[str] = []
    for name in names:
        if not is_token(name):
            problems.append(Problem(
                "method-invalid", "allow_methods", f"{name!r} is not a valid method name.",
                "use HTTP method tokens such as 'PUT' or 'PATCH'.",
            ))
        elif name.upper() in FORBIDDEN_METHODS:
            problems.append(Problem(
                "method-forbidden", "allow_methods",
                f"{name!r} is a forbidden method: browsers never send it.",
                f"remove {name!r}.",
            ))
        else:
            # Browsers upper-case these six whatever the script wrote; others verbatim.
            method = name.upper() if name.upper() in NORMALIZED_METHODS else name
            if method not in methods:
                methods.append(method)
    return False, methods


def _header_patterns(
    value: NamesOption | Iterable[str | re.Pattern[str]], problems: list[Problem]
) -> tuple[list[re.Pattern[str]], NamesOption]:
    """The compiled regexes of ``allow_headers``, and the rest (names, for _names)."""
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        return [], value  # _names reports a wrong type
    items: list[Any] = list(value)
    patterns = [item for item in items if isinstance(item, re.Pattern)]
    for pattern in patterns:
        if not isinstance(pattern.pattern, str):
            problems.append(Problem(
                "type", "allow_headers", f"{pattern!r} is a bytes pattern; names are text.",
                r"write re.compile(r'x-acme-.*', re.IGNORECASE).",
            ))
    names = [item for item in items if not isinstance(item, re.Pattern)]
    return [p for p in patterns if isinstance(p.pattern, str)], names


def _names(value: NamesOption, option: str, problems: list[Problem]) -> tuple[bool, list[str]]:
    names = _as_list(value, option, problems)
    if "*" in names:
        return True, []
    result: list[str] = []
    for name in names:
        if not is_token(name):
            problems.append(Problem(
                "header-invalid", option, f"{name!r} is not a valid header name.",
                "use header names such as 'X-Request-Id' (no spaces, colons or quotes).",
            ))
        elif name.lower() not in result:
            result.append(name.lower())
    return False, result


def _expose_problems(any_expose: bool, exposed: list[str], credentials: bool) -> list[Problem]:
    problems = []
    if any_expose and credentials:
        problems.append(Problem(
            "expose-star-credentials", "expose_headers",
            "'*' is not a wildcard for credentialed requests: browsers read it as a header "
            "literally named '*', so nothing would be exposed.",
            "list the header names to expose.",
        ))
    for name in exposed:
        if name in FORBIDDEN_RESPONSE_HEADERS:
            problems.append(Problem(
                "expose-forbidden", "expose_headers",
                f"{name!r} is never exposed to scripts, whatever the server says.",
                f"remove {name!r}.",
            ))
    return problems


def capped_max_age(value: Any) -> Any:
    """*value* cut to :data:`MAX_AGE_LIMIT` when it is whole seconds above it.

    For adapters that read a peer's setting (flask-cors's ``max_age``,
    django-cors-headers' ``CORS_PREFLIGHT_MAX_AGE``): those accept any length, and
    browsers cap it anyway, so a longer value is sent as the longest any browser
    honours instead of refusing to start. Anything else is returned as it is, for
    CORSPolicy to validate.
    """
    if isinstance(value, int) and not isinstance(value, bool) and value > MAX_AGE_LIMIT:
        return MAX_AGE_LIMIT
    return value


def _max_age(value: int | timedelta | None, problems: list[Problem]) -> int | None:
    if value is None:
        return None
    if isinstance(value, timedelta):
        seconds = value.total_seconds()
        value = int(seconds) if seconds == int(seconds) else -1
    if isinstance(value, bool) or not isinstance(value, int):
        problems.append(Problem(
            "type", "max_age", f"expected whole seconds or a timedelta, got {value!r}.",
            "write max_age=600.",
        ))
        return None
    if not 0 <= value <= MAX_AGE_LIMIT:
        problems.append(Problem(
            "max-age-range", "max_age",
            f"{value} is outside 0..{MAX_AGE_LIMIT}; browsers ignore negative values and "
            "cap large ones (Chromium 7200, Firefox 86400).",
            "use a value from 0 to 86400, e.g. 7200.",
        ))
        return None
    return value
