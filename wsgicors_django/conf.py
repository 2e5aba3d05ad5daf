"""django-cors-headers' settings, compiled once into wsgicors policies.

:func:`collect` reads every ``CORS_*`` setting (new names win over the old aliases),
builds the policies and returns every problem found; :func:`current` is what the
middleware calls: the compiled configuration, rebuilt only after Django's
``setting_changed`` signal (``override_settings`` in tests) named a ``CORS_`` setting.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.utils.module_loading import import_string

from wsgicors import ConfigError, ConfigWarning, CORSPolicy, Problem, Routes
from wsgicors.adapter import Observer, ReportOnly, capped_max_age, observer_for

from .defaults import default_headers, default_max_age, default_methods
from .routing import VIEW_EXEMPT, VIEW_POLICY, ViewRoutes

# CORSPolicy option -> (setting, old alias or None, default when neither is set).
SETTINGS: dict[str, tuple[str, str | None, Any]] = {
    "allow_origins": ("CORS_ALLOWED_ORIGINS", "CORS_ORIGIN_WHITELIST", ()),
    "allow_origin_regex": ("CORS_ALLOWED_ORIGIN_REGEXES", "CORS_ORIGIN_REGEX_WHITELIST", ()),
    "allow_origin_func": ("CORS_ALLOW_ORIGIN_FUNC", None, None),
    "allow_methods": ("CORS_ALLOW_METHODS", None, default_methods),
    "allow_headers": ("CORS_ALLOW_HEADERS", None, default_headers),
    "expose_headers": ("CORS_EXPOSE_HEADERS", None, ()),
    "allow_credentials": ("CORS_ALLOW_CREDENTIALS", None, False),
    "max_age": ("CORS_PREFLIGHT_MAX_AGE", None, default_max_age),
    "allow_private_network": ("CORS_ALLOW_PRIVATE_NETWORK", None, False),
    # wsgicors's own: plain-http origins other than localhost, with credentials.
    "dangerously_allow_insecure_origins": (
        "CORS_DANGEROUSLY_ALLOW_INSECURE_ORIGINS", None, False
    ),
}
ALLOW_ALL = ("CORS_ALLOW_ALL_ORIGINS", "CORS_ORIGIN_ALLOW_ALL")
URLS_REGEX = "CORS_URLS_REGEX"
PATHS = "CORS_PATHS"
#: wsgicors's own: a metrics callback (or its dotted path), and a report-only
#: candidate (a dict of options changed as in a CORS_PATHS entry, or a CORSPolicy).
ON_DECISION = "CORS_ON_DECISION"
REPORT_ONLY = "CORS_REPORT_ONLY"
#: wsgicors option -> the Django setting a user writes for it: what problems are
#: reported under, and what the tools (``wsgicors check``) name in their advice.
OPTION_SPELLING: Mapping[str, str] = {
    **{option: spec[0] for option, spec in SETTINGS.items()},
    "paths": f"{URLS_REGEX} or {PATHS}",
}
ORIGIN_OPTIONS = ("allow_origins", "allow_origin_regex", "allow_origin_func")
# CORS_URLS_REGEX values that mean "every path" (django-cors-headers' default).
EVERY_PATH = frozenset({r"^.*$", r".*", r"^.*", r"^"})


def setting(name: str, alias: str | None, default: Any) -> tuple[Any, str]:
    """The value of *name* (else of its old *alias*, else *default*) and the name used."""
    if hasattr(settings, name):
        return getattr(settings, name), name
    if alias is not None and hasattr(settings, alias):
        return getattr(settings, alias), alias
    return default, name


def _not_null(origin: str) -> bool:
    """Allow every well-formed origin but ``null``: the policy once a receiver said yes."""
    return origin != "null"


@dataclass(frozen=True)
class Compiled:
    """Everything the middleware needs, built from the settings once.

    ``routes`` picks the settings' policy for a path (``None``: CORS off there) and
    ``matcher`` lets a view's decorator override it. ``final`` holds the patterns
    whose choice the signal must not override: CORS_PATHS patterns mapped to
    ``None``, and a view's decorator. ``signal_policy`` is the settings' policy
    accepting any origin but ``null``, *without credentials*, used when a
    ``check_request_enabled`` receiver says yes (a receiver sees the request, not a
    validated origin list, so it never grants credentials or Private Network Access:
    CORS_ALLOW_ORIGIN_FUNC does).
    ``warnings`` are the policies' :class:`~wsgicors.ConfigWarning` s, named as the
    settings are (the system checks report them).
    """

    routes: Routes
    matcher: ViewRoutes
    final: frozenset[str | None]
    signal_policy: CORSPolicy
    warnings: tuple[ConfigWarning, ...] = ()
    #: CORS_ON_DECISION and CORS_REPORT_ONLY, None without them.
    observer: Observer | None = None
    #: Every policy of the settings (the base one first, then CORS_PATHS').
    policies: tuple[CORSPolicy, ...] = ()


def collect() -> tuple[Compiled | None, list[Problem]]:
    """Read and validate the settings; the problems name the Django settings."""
    problems: list[Problem] = []
    base, names = _base_options(problems)
    try:
        policy = _build(base, names, "")
    except ConfigError as error:
        problems += [_allow_all_words(problem, names) for problem in error.problems]
        _urls_regex(problems)  # CORS_PATHS entries would only repeat the errors above
        return None, problems
    warnings = [warning.renamed(names) for warning in policy.warnings]
    paths, explicit_off = _paths(base, names, problems, warnings)
    urls_regex = _urls_regex(problems)
    observer = _observer(base, names, problems)
    if problems:
        return None, problems
    if urls_regex is not None:
        try:  # alone first, so that its problems name CORS_URLS_REGEX
            Routes(None, scope=urls_regex)
        except ConfigError as error:
            return None, [p._replace(option=URLS_REGEX) for p in error.problems]
    try:
        # CORS_URLS_REGEX gates as in django-cors-headers: outside it, nothing applies.
        routes = Routes(policy, paths, scope=urls_regex)
    except ConfigError as error:
        return None, [p._replace(option=PATHS) for p in error.problems]
    final = frozenset({*explicit_off, VIEW_POLICY, VIEW_EXEMPT})
    policies = (policy, *(p for p in paths.values() if p is not None))
    return Compiled(routes, ViewRoutes(routes), final, _signal_policy(policy),
                    tuple(warnings), observer, policies), []


def _allow_all_words(problem: Problem, names: Mapping[str, str]) -> Problem:
    """star-credentials in a Django user's words when CORS_ALLOW_ALL_ORIGINS says '*'.

    The user wrote ``CORS_ALLOW_ALL_ORIGINS = True``, not ``'*'``; when origin lists
    are set too, deleting it is the whole fix.
    """
    used = names["allow_origins"]
    if problem.code != "star-credentials" or used not in ALLOW_ALL:
        return problem
    credentials = names["allow_credentials"]
    listed = [name for name in (setting(*SETTINGS[option][:2], None)[1]
                                for option in ("allow_origins", "allow_origin_regex",
                                               "allow_origin_func"))
              if getattr(settings, name, None)]
    risk = (f"{used} = True with {credentials} = True would let every site on the web make "
            "authenticated requests as your users (django-cors-headers reflects any "
            "origin with credentials then)")
    if listed:
        return problem._replace(
            message=f"{risk}; {' and '.join(listed)} already list the origins to keep.",
            hint=f"delete {used}, or set {credentials} = False.")
    return problem._replace(
        message=f"{risk}.",
        hint=f"list the origins that need credentials in {SETTINGS['allow_origins'][0]} "
             f"and delete {used}, or set {credentials} = False.")


def _base_options(problems: list[Problem]) -> tuple[dict[str, Any], dict[str, str]]:
    options: dict[str, Any] = {}
    names: dict[str, str] = {}
    for option, (name, alias, default) in SETTINGS.items():
        value, used = setting(name, alias, default)
        options[option], names[option] = value, used
    regexes = options["allow_origin_regex"]
    if not isinstance(regexes, (str, re.Pattern, list, tuple, set, frozenset)):
        problems.append(Problem("type", names["allow_origin_regex"],
                                f"expected a list of regexes, got {regexes!r}.",
                                f"write {names['allow_origin_regex']} = "
                                r"[r'^https://[a-z0-9-]+\.example\.com$']."))
        options["allow_origin_regex"] = ()
    allow_all, used = setting(*ALLOW_ALL, False)
    if allow_all is True:
        # django-cors-headers ignores the origin lists then; checks warn about it.
        options.update(allow_origins="*", allow_origin_regex=(), allow_origin_func=None)
        names["allow_origins"] = used
    elif allow_all is not False:
        problems.append(Problem("type", used, f"expected True or False, got {allow_all!r}.",
                                f"write {used} = {bool(allow_all)!r}."))
    options["max_age"] = clamp_max_age(options["max_age"])
    options["allow_origin_func"] = _function(options["allow_origin_func"], problems)
    return options, names


def clamp_max_age(value: Any) -> Any:
    """django-cors-headers' max age as wsgicors takes it.

    Falsy omits the header (as there); whole seconds above 86400, valid there, are
    cut to 86400, the most any browser honours (the checks warn about it).
    """
    return capped_max_age(value) if value else None


def _function(value: Any, problems: list[Problem]) -> Any:
    if not isinstance(value, str):
        return value
    return _imported(value, SETTINGS["allow_origin_func"][0], "'myapp.cors.is_allowed'",
                     problems)


def _imported(path: str, name: str, example: str, problems: list[Problem]) -> Any:
    try:
        return import_string(path)
    except ImportError as error:
        problems.append(Problem(
            "func-import", name, f"cannot import {path!r}: {error}.",
            f"name a function by its dotted path, e.g. {example}.",
        ))
        return None


def _build(options: Mapping[str, Any], names: Mapping[str, str], prefix: str) -> CORSPolicy:
    try:
        return CORSPolicy.from_options(options)
    except ConfigError as error:
        raise ConfigError([p.renamed(names, prefix) for p in error.problems]) from None


def _paths(
    base: dict[str, Any], names: dict[str, str], problems: list[Problem],
    warnings: list[ConfigWarning],
) -> tuple[dict[Any, CORSPolicy | None], frozenset[str]]:
    raw = getattr(settings, PATHS, {})
    if not isinstance(raw, Mapping):
        problems.append(Problem("paths-entry", PATHS, f"expected a dict, got {raw!r}.",
                                "map path patterns to dicts of options, or to None."))
        return {}, frozenset()
    paths: dict[Any, CORSPolicy | None] = {}
    for key, entry in raw.items():
        where = f"{PATHS}[{key!r}]."
        if entry is None or isinstance(entry, CORSPolicy):
            paths[key] = entry
        elif isinstance(entry, Mapping):
            try:
                policy = _entry_policy(base, names, entry, where)
            except ConfigError as error:
                problems += error.problems
                continue
            paths[key] = policy
            entry_names = names | {k: k for k in entry}
            warnings += [w.renamed(entry_names, where) for w in policy.warnings
                         if w.option in entry]  # the settings' own are reported once
        else:
            problems.append(Problem(
                "paths-entry", where.rstrip("."), f"expected a dict of options, got {entry!r}.",
                "write {'allow_origins': [...]}, a CORSPolicy, or None to switch CORS off.",
            ))
    off = frozenset(key if isinstance(key, str) else key.pattern
                    for key, value in paths.items() if value is None)
    return paths, off


def _entry_policy(
    base: Mapping[str, Any], names: dict[str, str], entry: Mapping[str, Any], where: str
) -> CORSPolicy:
    """The policy of a CORS_PATHS (or CORS_REPORT_ONLY) entry: the settings' options
    with the entry's; an entry that names origins replaces all of the settings' origins."""
    options = dict(base)
    if any(name in entry for name in ORIGIN_OPTIONS):
        options.update(allow_origins=(), allow_origin_regex=(), allow_origin_func=None)
    options.update(entry)
    if "max_age" in entry:
        options["max_age"] = clamp_max_age(entry["max_age"])
    return _build(options, names | {k: k for k in entry}, where)


def _observer(
    base: Mapping[str, Any], names: dict[str, str], problems: list[Problem]
) -> Observer | None:
    """CORS_ON_DECISION and CORS_REPORT_ONLY, as the middleware's observer."""
    hook = getattr(settings, ON_DECISION, None)
    if isinstance(hook, str):
        hook = _imported(hook, ON_DECISION, "'myproject.metrics.count_cors'", problems)
    report = getattr(settings, REPORT_ONLY, None)
    if isinstance(report, Mapping):
        try:
            report = ReportOnly(_entry_policy(base, names, report, f"{REPORT_ONLY}."))
        except ConfigError as error:
            problems += error.problems
            return None
    try:
        return observer_for(hook, report, None,
                            {"on_decision": ON_DECISION, "report_only": REPORT_ONLY})
    except ConfigError as error:
        problems += error.problems
        return None


def _urls_regex(problems: list[Problem]) -> re.Pattern[str] | None:
    value = getattr(settings, URLS_REGEX, r"^.*$")
    if isinstance(value, re.Pattern) and isinstance(value.pattern, str):
        return None if value.pattern in EVERY_PATH else value
    if not isinstance(value, str):
        problems.append(Problem("type", URLS_REGEX, f"expected a regex, got {value!r}.",
                                r"write CORS_URLS_REGEX = r'^/api/.*$'."))
        return None
    if value in EVERY_PATH:
        return None
    try:
        return re.compile(value)
    except re.error as error:
        problems.append(Problem("urls-regex-invalid", URLS_REGEX,
                                f"{value!r} is not a valid regex: {error}.",
                                "fix the expression (it is full-matched against the path)."))
        return None


def _signal_policy(policy: CORSPolicy) -> CORSPolicy:
    if policy.any_origin:
        return policy
    # Neither credentials nor Private Network Access: a receiver that says yes to
    # every origin must not open the intranet to every site (issue 18 item 14).
    options = policy.options | {
        "allow_origins": (), "allow_origin_regex": (), "allow_origin_func": _not_null,
        "allow_credentials": False, "allow_private_network": False,
    }
    return CORSPolicy.from_options(options)


class _State:
    __slots__ = ("compiled",)

    def __init__(self) -> None:
        self.compiled: Compiled | None = None


STATE = _State()


def current() -> Compiled:
    """The compiled settings, built on first use and after a ``CORS_`` setting changed.

    :raises ConfigError: listing every problem, if the settings are invalid.
    """
    compiled = STATE.compiled
    if compiled is None:
        compiled, problems = collect()
        if compiled is None:
            raise ConfigError(problems)
        STATE.compiled = compiled
    return compiled


def route_matcher() -> ViewRoutes:
    """What picks the policy for a path in the configured project: a view's own
    ``@cors``/``@cors_exempt``, else the settings. Its ``match(path)`` returns
    ``(policy or None, pattern or None)``; :func:`wsgicors.explain` accepts it.
    """
    return current().matcher


def _reset(*, setting: str, **kwargs: Any) -> None:
    # Only forget here: compiling (and reporting errors) waits for the next request,
    # so override_settings can install a broken configuration for a checks test.
    if setting.startswith("CORS_"):
        STATE.compiled = None


setting_changed.connect(_reset, dispatch_uid="wsgicors_django.conf.reset")
