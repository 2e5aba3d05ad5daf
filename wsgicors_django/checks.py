"""System checks: ``python manage.py check`` reports every CORS configuration problem.

Each problem from the engine's validation (a :class:`wsgicors.Problem` with a stable
``code``) becomes a :class:`django.core.checks.Error` whose ID is fixed per code, so
``SILENCED_SYSTEM_CHECKS`` keeps working across releases; each engine warning (a
:class:`wsgicors.ConfigWarning`: a setting said in vain, which starts) becomes a
:class:`django.core.checks.Warning`, its ID fixed the same way. Other warnings cover
what is valid but probably not what a django-cors-headers user meant.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning

from wsgicors import ConfigWarning, Problem
from wsgicors.adapter import MAX_AGE_LIMIT, ProblemCode, WarningCode

from .conf import (
    ALLOW_ALL,
    EVERY_PATH,
    PATHS,
    SETTINGS,
    URLS_REGEX,
    clamp_max_age,
    collect,
    setting,
)
from .signals import check_request_enabled

#: Engine (and adapter) problem code -> check ID. Never renumber: users silence IDs.
#: Every code a Django project can meet has one (the tools' codes have none).
ERROR_IDS: Mapping[ProblemCode, str] = {
    "type": "wsgicors.E001",
    "unknown-option": "wsgicors.E002",
    "origin-star-mixed": "wsgicors.E003",
    "origin-null": "wsgicors.E004",
    "origin-file": "wsgicors.E005",
    "origin-no-scheme": "wsgicors.E006",
    "origin-not-serialized": "wsgicors.E007",
    "origin-scheme": "wsgicors.E008",
    "origin-port": "wsgicors.E009",
    "origin-default-port": "wsgicors.E010",
    "origin-not-punycode": "wsgicors.E011",
    "origin-uppercase": "wsgicors.E012",
    "origin-wildcard": "wsgicors.E013",
    "origin-host": "wsgicors.E014",
    "origin-insecure": "wsgicors.E015",
    "origin-public-suffix": "wsgicors.E016",
    "regex-invalid": "wsgicors.E017",
    "regex-matches-anything": "wsgicors.E018",
    "star-credentials": "wsgicors.E019",
    "star-redundant": "wsgicors.E020",
    "star-private-network": "wsgicors.E021",
    "method-invalid": "wsgicors.E022",
    "method-forbidden": "wsgicors.E023",
    "header-invalid": "wsgicors.E024",
    "header-forbidden": "wsgicors.E025",
    "expose-star-credentials": "wsgicors.E026",
    "expose-forbidden": "wsgicors.E027",
    "max-age-range": "wsgicors.E028",
    "path-pattern": "wsgicors.E029",
    "path-policy": "wsgicors.E030",
    "policy-and-options": "wsgicors.E031",
    "no-policy": "wsgicors.E032",
    # Django-level problems found by wsgicors_django.conf.
    "urls-regex-invalid": "wsgicors.E040",
    "func-import": "wsgicors.E041",
    "paths-entry": "wsgicors.E042",
    "removed-setting": "wsgicors.E043",
    # Added in 0.2.
    "regex-unproven": "wsgicors.E044",
    "func-async": "wsgicors.E045",
    "regex-not-linear": "wsgicors.E046",
}
#: A code this table does not know yet (a newer engine): still an error, never lost.
UNKNOWN_ID = "wsgicors.E099"

W_REGEX_ANCHORS = "wsgicors.W001"
W_BELOW_COMMON = "wsgicors.W002"
W_NOT_INSTALLED = "wsgicors.W003"
W_CORSHEADERS_TOO = "wsgicors.W004"
W_ALL_IGNORES_LISTS = "wsgicors.W005"
W_SIGNAL_NO_CREDENTIALS = "wsgicors.W006"
W_MAX_AGE_CLAMPED = "wsgicors.W007"
W_UNKNOWN_SETTING = "wsgicors.W012"
#: Engine warning code -> check ID (the settings start; never renumber either).
WARNING_IDS: Mapping[WarningCode, str] = {
    "header-forbidden": "wsgicors.W008",
    "origin-null": "wsgicors.W009",
    "origin-star-mixed": "wsgicors.W010",
    "star-redundant": "wsgicors.W011",
}
#: A warning code this table does not know yet (a newer engine).
UNKNOWN_WARNING_ID = "wsgicors.W099"

MIDDLEWARE = "wsgicors_django.middleware.CorsMiddleware"
COMMON = "django.middleware.common.CommonMiddleware"
CORSHEADERS = "corsheaders.middleware.CorsMiddleware"
REMOVED = ("CORS_MODEL", "CORS_REPLACE_HTTPS_REFERER")
#: Every CORS_* setting wsgicors_django or django-cors-headers reads (or once read).
KNOWN_SETTINGS = frozenset({
    *(name for spec in SETTINGS.values() for name in spec[:2] if name is not None),
    *ALLOW_ALL, URLS_REGEX, PATHS, *REMOVED,
})


def check_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """The registered check: every error and warning about the CORS settings."""
    compiled, problems = collect()
    problems += [Problem("removed-setting", name,
                         "this django-cors-headers setting was removed and has no effect.",
                         f"delete {name}.") for name in REMOVED if hasattr(settings, name)]
    messages: list[CheckMessage] = [to_error(problem) for problem in problems]
    if compiled is not None:
        messages += [to_warning(warning) for warning in compiled.warnings]
    messages += _unknown_setting_warnings()
    messages += _anchor_warnings()
    messages += _middleware_warnings()
    messages += _allow_all_warnings()
    messages += _signal_warnings()
    messages += _max_age_warnings()
    return messages


def to_error(problem: Problem) -> Error:
    """One engine :class:`Problem` as a Django check error with its fixed ID."""
    return Error(f"{problem.option}: {problem.message}", hint=problem.hint,
                 obj=problem.option, id=ERROR_IDS.get(problem.code, UNKNOWN_ID))


def to_warning(warning: ConfigWarning) -> Warning:
    """One engine :class:`ConfigWarning` as a Django check warning with its fixed ID."""
    return Warning(f"{warning.option}: {warning.message}", hint=warning.hint,
                   obj=warning.option, id=WARNING_IDS.get(warning.code, UNKNOWN_WARNING_ID))


def _unknown_setting_warnings() -> Iterable[Warning]:
    # A misspelt setting is never read, by django-cors-headers either: the project
    # starts without what it says (no credentials, no origins).
    for name in sorted(dir(settings)):
        if name.startswith("CORS_") and name.isupper() and name not in KNOWN_SETTINGS:
            close = difflib.get_close_matches(name, sorted(KNOWN_SETTINGS), n=1)
            yield Warning(
                f"{name} is not a CORS setting: neither wsgicors_django nor "
                "django-cors-headers reads it, so it has no effect.",
                hint=f"did you mean {close[0]}?" if close else f"delete {name}.",
                obj=name, id=W_UNKNOWN_SETTING,
            )


def _anchor_warnings() -> Iterable[Warning]:
    regexes, name = setting(*SETTINGS["allow_origin_regex"][:2], ())
    if isinstance(regexes, (str, re.Pattern)):
        regexes = [regexes]
    elif not isinstance(regexes, (list, tuple, set, frozenset)):
        regexes = []  # a wrong type: collect() reports it as an error
    candidates = [(name, item) for item in regexes
                  if isinstance(item, str) or (isinstance(item, re.Pattern)
                                               and isinstance(item.pattern, str))]
    urls = getattr(settings, URLS_REGEX, None)
    if isinstance(urls, str) or (isinstance(urls, re.Pattern) and isinstance(urls.pattern, str)):
        candidates.append((URLS_REGEX, urls))
    for name, item in candidates:
        text = item.pattern if isinstance(item, re.Pattern) else item
        if text in EVERY_PATH or (text.startswith("^") and text.endswith("$")):
            continue
        yield Warning(
            f"{name}: {text!r} is not anchored with ^ and $. wsgicors matches it against "
            "the whole value (django-cors-headers matched only a prefix), so it may now "
            "match less than before.",
            hint=f"write {'^' + text.lstrip('^').rstrip('$') + '$'!r} to say what it matches.",
            obj=name, id=W_REGEX_ANCHORS,
        )


def _middleware_warnings() -> Iterable[Warning]:
    middleware = list(getattr(settings, "MIDDLEWARE", None) or ())
    if MIDDLEWARE not in middleware:
        yield Warning(f"wsgicors_django is installed but {MIDDLEWARE} is not in MIDDLEWARE, "
                      "so no CORS headers are sent.",
                      hint=f"add {MIDDLEWARE!r} at the top of MIDDLEWARE.",
                      obj="MIDDLEWARE", id=W_NOT_INSTALLED)
        return
    if COMMON in middleware and middleware.index(COMMON) < middleware.index(MIDDLEWARE):
        yield Warning("CorsMiddleware is below CommonMiddleware: APPEND_SLASH redirects "
                      "and responses CommonMiddleware returns early get no CORS headers, "
                      "and a redirected preflight fails in the browser.",
                      hint=f"move {MIDDLEWARE!r} above {COMMON!r}.",
                      obj="MIDDLEWARE", id=W_BELOW_COMMON)
    if CORSHEADERS in middleware:
        yield Warning("django-cors-headers' middleware is also installed: both would add "
                      "CORS headers, and browsers refuse two Access-Control-Allow-Origin.",
                      hint=f"remove {CORSHEADERS!r} from MIDDLEWARE.",
                      obj="MIDDLEWARE", id=W_CORSHEADERS_TOO)


def _allow_all_warnings() -> Iterable[Warning]:
    allow_all, used = setting(*ALLOW_ALL, False)
    if allow_all is not True:
        return
    for option in ("allow_origins", "allow_origin_regex", "allow_origin_func"):
        value, name = setting(*SETTINGS[option])
        if value:
            yield Warning(f"{name} is ignored because {used} is True.",
                          hint=f"remove {name}, or set {used} = False to use it.",
                          obj=name, id=W_ALL_IGNORES_LISTS)


def _signal_warnings() -> Iterable[Warning]:
    credentials, name = setting(*SETTINGS["allow_credentials"])
    if credentials is True and check_request_enabled.receivers:
        yield Warning(
            f"{name} is True and check_request_enabled has receivers: origins that only a "
            "receiver enables get CORS headers without credentials (wsgicors never sends "
            "credentials to an origin no validated setting allows, and never to 'null').",
            hint="to allow credentials for origins kept in the database, move the check "
            "into CORS_ALLOW_ORIGIN_FUNC = 'myapp.cors.is_allowed' (called with the origin).",
            obj="check_request_enabled", id=W_SIGNAL_NO_CREDENTIALS,
        )


def _max_age_warnings() -> Iterable[Warning]:
    value, name = setting(*SETTINGS["max_age"])
    if clamp_max_age(value) != value and value:
        yield Warning(
            f"{name} = {value!r} is longer than any browser caches a preflight; "
            f"wsgicors sends {MAX_AGE_LIMIT} (Firefox's limit; Chromium stops at 7200).",
            hint=f"set {name} = {MAX_AGE_LIMIT} or less.",
            obj=name, id=W_MAX_AGE_CLAMPED,
        )
