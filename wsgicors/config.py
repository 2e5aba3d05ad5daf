"""Validating a CORS configuration: every problem found at once, each with its fix.

:func:`validate` turns the options a user wrote (``allow_origins=[...]``...) into
:class:`Options`, normalized and proven safe, or raises :class:`~wsgicors.ConfigError`
listing every :class:`~wsgicors.Problem`. What is valid but said in vain (a forbidden
header name, ``null`` or a regex beside ``"*"``) starts, with a
:class:`~wsgicors.ConfigWarning` in :attr:`Options.warnings`. Nothing here runs per
request: :class:`wsgicors.CORSPolicy` compiles the result into what requests read.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from .errors import ConfigError, ConfigWarning, Problem
from .http import (
    FORBIDDEN_METHODS,
    FORBIDDEN_RESPONSE_HEADERS,
    NORMALIZED_METHODS,
    is_forbidden_request_header,
    is_token,
)
from .linear import LinearPattern, NotLinear, compile_linear
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

#: ``null`` in ``allow_origins`` without credentials: the placeholder browsers send for
#: opaque origins, allowed as one exact value (the allowlist pins exact values).
NULL_RULE = OriginRule("null", "null", "", None)


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
    #: The ``allow_headers`` regexes as matched per request: in time linear in the name.
    header_matchers: tuple[LinearPattern, ...] = ()
    #: What the configuration says in vain; it starts all the same.
    warnings: tuple[ConfigWarning, ...] = ()

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

    :raises ConfigError: listing every problem, each naming its option and the fix
        (unknown option names among them).
    """
    values = {**DEFAULTS, **given}
    problems: list[Problem] = [unknown_option(name) for name in given if name not in DEFAULTS]
    warnings: list[ConfigWarning] = []
    # A misspelt option is checked under the name its hint suggests (unless that one is
    # set), so the problems the correction would reveal come now, with the typo's.
    for name in given:
        close = _closest(name)
        if name not in DEFAULTS and close is not None and values[close] == DEFAULTS[close]:
            values[close] = given[name]
    for name in ("allow_credentials", "allow_private_network",
                 "dangerously_allow_insecure_origins"):
        if not isinstance(values[name], bool):
            problems.append(Problem(
                "type", name, f"expected True or False, got {values[name]!r}.",
                f"write {name}={_meant(values[name])!r}.",
            ))
    # The rest is checked as the flags were meant, so that writing True or False as
    # the hint says reveals no new problem.
    credentials = _meant(values["allow_credentials"])
    insecure_ok = _meant(values["dangerously_allow_insecure_origins"])
    private_network = _meant(values["allow_private_network"])
    func = values["allow_origin_func"]
    any_origin, rules = _origins(
        values["allow_origins"], credentials, insecure_ok, problems, warnings
    )
    # Beside '*' without credentials a regex is never consulted: it need not be proven.
    unused = any_origin and not credentials
    regexes = _regexes(values["allow_origin_regex"], credentials, insecure_ok, problems,
                       prove=not unused)
    problems += _func_problems(func)
    if unused:
        warnings += _unused_beside_star(values["allow_origin_regex"], func)
        regexes, func = [], None
    elif any_origin:
        problems += _star_problems(credentials, bool(rules or regexes or func is not None))
    if any_origin and private_network:
        problems.append(_STAR_PRIVATE_NETWORK)
    any_method, methods = _methods(values["allow_methods"], problems)
    header_patterns, header_names = _header_patterns(values["allow_headers"], problems)
    header_matchers = _linear_header_patterns(header_patterns, problems)
    any_header, headers = _names(header_names, "allow_headers", problems)
    warnings += _forbidden_header_warnings(headers)
    # Browsers never let a script send them, so they would never be asked for: ignored.
    headers = [name for name in headers if not is_forbidden_request_header(name)]
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
        header_matchers=tuple(header_matchers),
        warnings=tuple(warnings),
    )


# What a flag read from an environment variable or a .ini file says for False.
_FALSE_WORDS = frozenset({"", "0", "false", "no", "off", "none"})


def _meant(flag: object) -> bool:
    """What a flag that is not a bool was meant to say ("false" means False)."""
    if isinstance(flag, str):
        return flag.strip().lower() not in _FALSE_WORDS
    return bool(flag)


def unknown_option(name: str) -> Problem:
    """The problem for an option name wsgicors does not know, with the closest one."""
    close = _closest(name)
    hint = f"did you mean {close!r}?" if close else "valid options: " + ", ".join(OPTION_NAMES)
    return Problem("unknown-option", name, f"{name!r} is not a wsgicors option.", hint)


def _closest(name: str) -> str | None:
    close = difflib.get_close_matches(name, OPTION_NAMES, n=1)
    return close[0] if close else None


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


def _as_list(
    value: object, option: str, problems: list[Problem], *, strip: bool = True
) -> list[str]:
    """Accept a list/tuple/set of strings or one comma-separated string.

    Names are stripped; origins are not (*strip* false): white space around one is a
    problem, as every other way of writing an origin that browsers never send.
    """
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, Iterable) and not isinstance(value, (bytes, Mapping)):
        items = list(value)
        if all(isinstance(item, str) for item in items):
            return [item.strip() for item in items] if strip else items
    problems.append(Problem(
        "type", option, f"expected a list of strings, got {value!r}.",
        f'write {option}=["..."].',
    ))
    return []


def _origins(
    value: OriginsOption, credentials: bool, insecure_ok: bool, problems: list[Problem],
    warnings: list[ConfigWarning],
) -> tuple[bool, list[OriginRule]]:
    """Whether ``"*"`` is listed, and the other entries as rules.

    Without credentials, ``"*"`` beside other origins, and ``null``, grant nothing
    ``"*"`` does not: they start, with a warning. With credentials the others are
    validated too (the fix of star-credentials is to remove ``"*"``; they must then
    start).
    """
    entries = [value] if isinstance(value, str) else _as_list(
        value, "allow_origins", problems, strip=False)
    others = [entry for entry in entries if entry != "*"]
    any_origin = len(others) < len(entries)
    if any_origin and not credentials:
        if others:
            warnings.append(ConfigWarning(
                "origin-star-mixed", "allow_origins",
                f"'*' is listed together with {_joined(others)}: '*' already allows every "
                "origin, so the others change nothing.",
                "remove '*' to allow only the others, or remove the others.",
            ))
        return True, []
    rules: dict[str, OriginRule] = {}
    for entry in others:
        if entry == "null" and not credentials:
            warnings.append(_NULL_WARNING)
            rules.setdefault(entry, NULL_RULE)
            continue
        rule, found = parse_origin_rule(
            entry, option="allow_origins", credentials=credentials, insecure_ok=insecure_ok
        )
        problems += found
        if rule is not None:
            rules.setdefault(rule.text, rule)
    return any_origin, list(rules.values())


def _joined(values: list[str], shown: int = 3) -> str:
    listed = ", ".join(map(repr, values[:shown]))
    return listed + (f" and {len(values) - shown} more" if len(values) > shown else "")


_NULL_WARNING = ConfigWarning(
    "origin-null", "allow_origins",
    "'null' is the origin of sandboxed iframes and of file: and data: documents, which "
    "any site can open: every site can read these responses, as with '*' (credentials "
    "are off; with them 'null' is refused).",
    "keep 'null' only if pages opened from files or sandboxed iframes call this API; "
    "otherwise remove 'null'.",
)


def _regexes(
    value: RegexOption, credentials: bool, insecure_ok: bool, problems: list[Problem],
    *, prove: bool = True,
) -> list[tuple[re.Pattern[str], LinearPattern]]:
    """The regexes compiled and proven, each with its linear-time matcher.

    With *prove* false (beside ``"*"``, where no regex is consulted) they are only
    compiled, and nothing is returned.
    """
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
        if pattern is None or not prove:
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


def _unused_beside_star(regex: RegexOption, func: object) -> list[ConfigWarning]:
    """Warnings for a regex or function that ``"*"`` (no credentials) makes unused."""
    warnings = []
    regexes = _regex_texts(regex)
    if regexes:
        shown = ", ".join(f"r'{text}'" if "'" not in text else repr(text) for text in regexes)
        one = len(regexes) == 1
        what = "the regex" if one else "the regexes"
        warnings.append(ConfigWarning(
            "star-redundant", "allow_origin_regex",
            f"'*' already allows every origin, so {what} {shown} never "
            f"{'decides' if one else 'decide'} anything.",
            f"remove {what}, or remove '*' to allow only the origins {what} "
            f"{'matches' if one else 'match'}.",
        ))
    if func is not None:
        warnings.append(ConfigWarning(
            "star-redundant", "allow_origin_func",
            "'*' already allows every origin, so allow_origin_func is never called.",
            "remove allow_origin_func, or remove '*' to allow only the origins it accepts.",
        ))
    return warnings


def _regex_texts(value: RegexOption) -> list[str]:
    if value is None:
        return []
    items = [value] if isinstance(value, (str, bytes, re.Pattern)) else list(value)
    return [item.pattern if isinstance(item, re.Pattern) else str(item) for item in items]


def _star_problems(credentials: bool, listed: bool) -> list[Problem]:
    """``"*"`` with credentials; *listed*: origins, regexes or a function are given too."""
    if not credentials:
        return []
    risk = ("'*' together with allow_credentials=True would let every site on the web "
            "make authenticated requests as your users (browsers also refuse '*' with "
            "credentials, so other libraries silently reflect any origin instead)")
    if listed:
        return [Problem(
            "star-credentials", "allow_origins",
            f"{risk}; the origins listed beside it are the ones to keep.",
            "remove '*', or turn allow_credentials off.",
        )]
    return [Problem(
        "star-credentials", "allow_origins", f"{risk}.",
        "list the origins that need credentials, or turn allow_credentials off.",
    )]


_STAR_PRIVATE_NETWORK = Problem(
    "star-private-network", "allow_private_network",
    "private network access with '*' origins lets any public site reach this "
    "private server (the flask-cors CVE-2024-6221 class).",
    "list the origins allowed to reach the private network.",
)


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


def _linear_header_patterns(
    patterns: list[re.Pattern[str]], problems: list[Problem]
) -> list[LinearPattern]:
    """*patterns* compiled to match in time linear in the header name (a preflight may
    name 64 headers of thousands of characters each)."""
    matchers: list[LinearPattern] = []
    for pattern in patterns:
        try:
            matchers.append(compile_linear(pattern))
        except NotLinear as exc:
            problems.append(Problem(
                "regex-not-linear", "allow_headers",
                f"header regex {pattern.pattern!r} cannot be matched in time linear in the "
                f"name: {exc}.",
                r"rewrite it without that construct, e.g. re.compile(r'x-acme-.*', re.I).",
            ))
    return matchers


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


def _forbidden_header_warnings(headers: list[str]) -> list[ConfigWarning]:
    return [
        ConfigWarning(
            "header-forbidden", "allow_headers",
            f"{name!r} is a forbidden request header: browsers never let scripts "
            "send it, so listing it has no effect (it is ignored).",
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
