"""Validating a CORS configuration: every problem found at once, each with its fix.

:func:`validate` turns the options a user wrote (``allow_origins=[...]``...) into
:class:`Options`, normalized and proven safe, or raises :class:`~wsgicors.ConfigError`
listing every :class:`~wsgicors.Problem`. Nothing here runs per request:
:class:`wsgicors.CORSPolicy` compiles the result into what requests read.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from .errors import ConfigError, Problem
from .http import (
    FORBIDDEN_METHODS,
    FORBIDDEN_RESPONSE_HEADERS,
    NORMALIZED_METHODS,
    is_forbidden_request_header,
    is_token,
)
from .linear import LinearPattern
from .origins import OriginRule, parse_origin_rule
from .regexes import check_origin_regex

#: django-cors-headers' default methods, plus HEAD (browsers treat it like GET).
DEFAULT_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")
#: django-cors-headers' default request headers.
DEFAULT_HEADERS = (
    "accept", "authorization", "content-type", "user-agent", "x-csrftoken", "x-requested-with",
)
#: Longest Access-Control-Max-Age accepted: Firefox's cap (Chromium caps at 7200).
MAX_AGE_LIMIT = 86400

OriginsOption = str | Iterable[str]
RegexOption = str | re.Pattern[str] | Iterable[str | re.Pattern[str]] | None
NamesOption = str | Iterable[str]

#: Every option :class:`wsgicors.CORSPolicy` takes, with its default.
DEFAULTS: Mapping[str, Any] = {
    "allow_origins": (),
    "allow_origin_regex": None,
    "allow_origin_func": None,
    "allow_methods": DEFAULT_METHODS,
    "allow_headers": DEFAULT_HEADERS,
    "expose_headers": (),
    "allow_credentials": False,
    "max_age": None,
    "allow_private_network": False,
    "dangerously_allow_insecure_origins": False,
}
OPTION_NAMES = tuple(DEFAULTS)


@dataclass(frozen=True)
class Options:
    """A validated configuration: the input :class:`wsgicors.CORSPolicy` compiles.

    ``any_*`` fields say ``"*"`` was given; the tuples are then empty. Names are
    de-duplicated, header names lower-cased, methods normalized as browsers send them.
    """

    any_origin: bool
    origin_rules: tuple[OriginRule, ...]
    origin_regexes: tuple[re.Pattern[str], ...]
    #: The same regexes as matched per request: in time linear in the origin.
    origin_matchers: tuple[LinearPattern, ...]
    origin_func: Callable[..., Any] | None
    any_method: bool
    methods: tuple[str, ...]
    any_header: bool
    headers: tuple[str, ...]
    #: Compiled regexes of ``allow_headers``: families of names, echoed when matched.
    header_patterns: tuple[re.Pattern[str], ...]
    any_expose: bool
    exposed: tuple[str, ...]
    credentials: bool
    max_age: int | None
    private_network: bool
    insecure_origins: bool

    def as_options(self) -> dict[str, Any]:
        """The options, normalized, under their names (:attr:`CORSPolicy.options`)."""
        return {
            "allow_origins": "*" if self.any_origin else tuple(r.text for r in self.origin_rules),
            "allow_origin_regex": self.origin_regexes,
            "allow_origin_func": self.origin_func,
            "allow_methods": "*" if self.any_method else self.methods,
            "allow_headers": "*" if self.any_header else (*self.headers, *self.header_patterns),
            "expose_headers": "*" if self.any_expose else self.exposed,
            "allow_credentials": self.credentials,
            "max_age": self.max_age,
            "allow_private_network": self.private_network,
            "dangerously_allow_insecure_origins": self.insecure_origins,
        }


def validate(given: Mapping[str, Any]) -> Options:
    """Check the options in *given* (missing ones take their default).

    :raises ConfigError: listing every problem, each naming its option and the fix.
    """
    values = {**DEFAULTS, **given}
    problems: list[Problem] = [unknown_option(name) for name in given if name not in DEFAULTS]
    for name in ("allow_credentials", "allow_private_network",
                 "dangerously_allow_insecure_origins"):
        if not isinstance(values[name], bool):
            problems.append(Problem(
                "type", name, f"expected True or False, got {values[name]!r}.",
                f"write {name}={bool(values[name])!r}.",
            ))
    credentials = values["allow_credentials"] is True
    insecure_ok = values["dangerously_allow_insecure_origins"] is True
    private_network = values["allow_private_network"] is True
    func = values["allow_origin_func"]
    any_origin, rules = _origins(values["allow_origins"], credentials, insecure_ok, problems)
    regexes = _regexes(values["allow_origin_regex"], credentials, insecure_ok, problems)
    problems += _func_problems(func)
    problems += _combination_problems(
        any_origin, credentials, bool(regexes), func is not None, private_network
    )
    any_method, methods = _methods(values["allow_methods"], problems)
    header_patterns, header_names = _header_patterns(values["allow_headers"], problems)
    any_header, headers = _names(header_names, "allow_headers", problems)
    problems += _forbidden_header_problems(headers)
    any_expose, exposed = _names(values["expose_headers"], "expose_headers", problems)
    problems += _expose_problems(any_expose, exposed, credentials)
    age = _max_age(values["max_age"], problems)
    if problems:
        raise ConfigError(problems)
    return Options(
        any_origin=any_origin, origin_rules=tuple(rules),
        origin_regexes=tuple(regex for regex, _matcher in regexes),
        origin_matchers=tuple(matcher for _regex, matcher in regexes),
        origin_func=func, any_method=any_method, methods=tuple(methods),
        any_header=any_header, headers=tuple(headers), header_patterns=tuple(header_patterns),
        any_expose=any_expose, exposed=tuple(exposed), credentials=credentials, max_age=age,
        private_network=private_network, insecure_origins=insecure_ok,
    )


def unknown_option(name: str) -> Problem:
    """The problem for an option name wsgicors does not know, with the closest one."""
    close = difflib.get_close_matches(name, OPTION_NAMES, n=1)
    hint = f"did you mean {close[0]!r}?" if close else "valid options: " + ", ".join(OPTION_NAMES)
    return Problem("unknown-option", name, f"{name!r} is not a wsgicors option.", hint)


def capped_max_age(value: Any) -> Any:
    """*value* cut to :data:`MAX_AGE_LIMIT` when it is whole seconds above it.

    For adapters that read a peer's setting (flask-cors's ``max_age``,
    django-cors-headers' ``CORS_PREFLIGHT_MAX_AGE``): those accept any length, and
    browsers cap it anyway, so a longer value is sent as the longest any browser
    honours instead of refusing to start. Anything else is returned as it is, for
    :func:`validate` to check.
    """
    if isinstance(value, int) and not isinstance(value, bool) and value > MAX_AGE_LIMIT:
        return MAX_AGE_LIMIT
    return value


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
    # An async function is fine here: only an adapter knows whether an event loop will
    # await it (the WSGI ones refuse it, see wsgicors.originfunc.sync_only_problems).
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


def _forbidden_header_problems(headers: list[str]) -> list[Problem]:
    return [
        Problem(
            "header-forbidden", "allow_headers",
            f"{name!r} is a forbidden request header: browsers never let scripts "
            "send it, so listing it has no effect.",
            f"remove {name!r}.",
        )
        for name in headers if is_forbidden_request_header(name)
    ]


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
