"""flask-cors options and ``CORS_*`` config keys, translated into wsgicors policies.

Nothing here decides anything about a request: it only turns flask-cors's
vocabulary into :class:`wsgicors.CORSPolicy` objects and :class:`wsgicors.Routes`
path patterns, which the engine then applies.
"""

from __future__ import annotations

import difflib
import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import timedelta
from typing import Any, TypeVar

from wsgicors import ConfigError, ConfigWarning, CORSPolicy, Problem, Routes
from wsgicors.adapter import (
    Observer,
    PathKey,
    capped_max_age,
    log_warnings,
    observer_for,
    sync_only_problems,
)

_log = logging.getLogger("wsgicors")

#: flask-cors's defaults, with its names (``resources`` is handled apart).
DEFAULT_OPTIONS: dict[str, Any] = {
    "origins": "*",
    "methods": ["GET", "HEAD", "POST", "OPTIONS", "PUT", "PATCH", "DELETE"],
    "allow_headers": "*",
    "expose_headers": None,
    "supports_credentials": False,
    "max_age": None,
    "send_wildcard": False,
    "automatic_options": True,
    "vary_header": True,
    "resources": r"/*",
    "intercept_exceptions": True,
    "always_send": True,
    "allow_private_network": False,
    # wsgicors's own (as Django's CORS_DANGEROUSLY_ALLOW_INSECURE_ORIGINS): plain-http
    # origins other than localhost, with credentials.
    "dangerously_allow_insecure_origins": False,
}
#: Options that shape the CORSPolicy; ``policy=CORSPolicy(...)`` replaces them all.
POLICY_OPTIONS = (
    "origins", "methods", "allow_headers", "expose_headers", "supports_credentials",
    "max_age", "allow_private_network", "dangerously_allow_insecure_origins",
)
#: Accepted for compatibility; see docs/flask.rst for why each needs no setting.
FLAG_OPTIONS = (
    "send_wildcard", "automatic_options", "vary_header", "intercept_exceptions", "always_send",
)
#: wsgicors's own, app-wide only (``CORS(app)``, ``app.config``): a metrics callback and
#: a report-only candidate (see docs/production.rst).
APP_OPTIONS = ("on_decision", "report_only")
OPTION_NAMES = (*DEFAULT_OPTIONS, "policy", *APP_OPTIONS)
#: ``app.config`` key -> option name (``CORS_ORIGINS`` -> ``origins``...).
CONFIG_KEYS = {"CORS_" + name.upper(): name for name in OPTION_NAMES}

#: wsgicors option -> the flask-cors option a user writes for it, where they differ:
#: what problems are reported under, and what the tools (``wsgicors check``) name in
#: their advice. Options flask-cors lacks are reached through ``origins`` (regexes)
#: or ``policy=CORSPolicy(...)``.
OPTION_SPELLING: Mapping[str, str] = {
    "allow_origins": "origins", "allow_origin_regex": "origins",
    "allow_origin_func": "origins", "allow_methods": "methods",
    "allow_credentials": "supports_credentials",
    "paths": "resources",
}
# In messages and hints, names flask-cors lacks become the policy= form that has them.
_CORE_WORDS_TO_FLASK = {
    "allow_origins": "origins", "allow_origin_regex": "origins",
    "allow_origin_func": "policy=CORSPolicy(allow_origin_func=...)",
    "allow_methods": "methods", "allow_credentials": "supports_credentials",
}
# What a flask-cors user writes for "every origin"; problems about '*' quote it.
_STAR_SPELLINGS = ("*", ".*")
# Characters that make a string a regex rather than an origin or a pattern of ours
# (and ".*", flask-cors's "anything"). flask-cors also counts a lone '*', but that is
# our subdomain/port wildcard, and '.' a dot.
_ORIGIN_REGEX_CHARS = frozenset("\\[]?$^()+|{}")
# flask-cors's own heuristic for path patterns: any of these makes a regex.
_PATH_REGEX_CHARS = frozenset("*\\]?$^[]()")
_CATCH_ALL = frozenset({"*", "/*", ".*", "/.*"})
# "/api*": a '*' repeating a letter or digit, which nobody means as a regex in a path.
_GLOB_TAIL = re.compile(r"[A-Za-z0-9_-]\*$")
# An IPv6 origin's brackets are not a regex character class.
_IPV6_HOST = re.compile(r"^([a-z][a-z0-9+.\-]*://)\[[0-9a-fA-F:.]+\]")


def config_options(config: Mapping[str, Any]) -> dict[str, Any]:
    """The options set through ``CORS_*`` keys of a Flask ``app.config``."""
    return {name: config[key] for key, name in CONFIG_KEYS.items() if config.get(key) is not None}


def check_names(options: Mapping[str, Any], where: str) -> list[Problem]:
    """A problem for every option name flask-cors does not know (it only logs them)."""
    problems = []
    for name in options:
        if name not in OPTION_NAMES:
            close = _closest(name)
            hint = f"did you mean {close!r}?" if close else "valid: " + ", ".join(OPTION_NAMES)
            problems.append(Problem(
                "unknown-option", _at(where, name), f"{name!r} is not a CORS option.", hint
            ))
    return problems


def _closest(name: str) -> str | None:
    close = difflib.get_close_matches(name, OPTION_NAMES, n=1)
    return close[0] if close else None


def _as_meant(layers: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """*layers* with each misspelt name also under the name its hint suggests, where no
    layer sets that one: the problems the correction would reveal come with the typo's
    (``support_credentials=True`` is then also '*' with credentials)."""
    given = {name for layer in layers for name in layer}
    meant: dict[str, Any] = {}
    for layer in layers:
        for name, value in layer.items():
            close = _closest(name) if name not in OPTION_NAMES else None
            if close is not None and close not in given and close not in meant:
                meant[close] = value
    return [meant, *layers] if meant else list(layers)


def build_policy(layers: Sequence[Mapping[str, Any]], where: str) -> CORSPolicy:
    """The policy for option *layers*, given from the lowest precedence to the highest.

    A ``policy=CORSPolicy(...)`` in a layer replaces the options of the layers below it
    (flask-cors's defaults included); options in the layers above it are applied over
    it, so ``CORS_POLICY`` plus ``CORS(app, max_age=600)`` is that policy with a
    max age, never flask-cors's allow-every-origin default.
    """
    problems = [problem for layer in layers for problem in check_names(layer, where)]
    if problems:
        layers = _as_meant(layers)
    base = next((index for index in range(len(layers) - 1, -1, -1)
                 if "policy" in layers[index]), None)
    if base is None:
        merged: dict[str, Any] = dict(DEFAULT_OPTIONS)
        for layer in layers:
            merged.update(layer)
        return _policy(translate(merged, where, problems), problems, where, merged)
    layer = layers[base]
    given = [name for name in POLICY_OPTIONS if name in layer]
    if given:
        problems.append(Problem(
            "policy-and-options", _at(where, "policy"),
            f"policy=CORSPolicy(...) and {', '.join(given)} were given together.",
            "pass either the CORSPolicy or the options, not both.",
        ))
    elif not isinstance(layer["policy"], CORSPolicy):
        problems.append(Problem(
            "type", _at(where, "policy"), f"expected a CORSPolicy, got {layer['policy']!r}.",
            "pass policy=CORSPolicy(...).",
        ))
    _raise(problems)
    policy: CORSPolicy = layer["policy"]
    overrides = {name: value for above in layers[base + 1:] for name, value in above.items()
                 if name in POLICY_OPTIONS}
    if not overrides:
        return _refuse_async(policy, _at(where, "policy"))
    core = translate(overrides, where, problems)
    if "allow_origins" in core:  # new origins replace every origin rule of the policy
        core = {"allow_origin_regex": (), "allow_origin_func": None, **core}
    return _policy(policy.options | core, problems, where, overrides)


def _policy(
    core: dict[str, Any], problems: list[Problem], where: str, given: Mapping[str, Any]
) -> CORSPolicy:
    """The policy for *core* options, or every problem at once (*problems*, the flask
    level's, included); *given* are the flask-cors options, for quoting them."""
    try:
        policy = CORSPolicy(**core)
    except ConfigError as exc:
        star = _star_spelling(given.get("origins"))
        problems = [*problems, *(_renamed(problem, where, star) for problem in exc.problems)]
    _raise(problems)
    return _refuse_async(policy, _at(where, "policy"))


def warnings_of(
    policy: CORSPolicy, where: str, layers: Sequence[Mapping[str, Any]]
) -> list[ConfigWarning]:
    """*policy*'s warnings in flask-cors's words: it was built from *layers* at *where*."""
    origins = next((layer["origins"] for layer in reversed(layers) if "origins" in layer), None)
    star = _star_spelling(origins)
    return [_renamed(warning, where, star) for warning in policy.warnings]


def _star_spelling(origins: Any) -> str:
    """How *origins* says "every origin" ('*' or flask-cors's '.*')."""
    items = [origins] if isinstance(origins, str) else origins
    if isinstance(items, (list, tuple)):
        return next((item for item in items if item in _STAR_SPELLINGS), "*")
    return "*"


def _refuse_async(policy: CORSPolicy, option: str) -> CORSPolicy:
    # Flask runs the layer synchronously: an async origin function has no event loop.
    _raise(sync_only_problems([policy], "Flask (a WSGI application)", option))
    return policy


def build_observer(layers: Sequence[Mapping[str, Any]], where: str) -> Observer | None:
    """The observer for ``on_decision`` and ``report_only`` in the app-wide option
    *layers*; a ``report_only`` dict holds flask-cors options that change the app's."""
    merged: dict[str, Any] = {}
    for layer in layers:
        merged.update({name: layer[name] for name in APP_OPTIONS if name in layer})
    report = merged.get("report_only")
    if isinstance(report, Mapping):
        outer = [{k: v for k, v in layer.items() if k not in ("resources", *APP_OPTIONS)}
                 for layer in layers]
        report = build_policy([*outer, report], _at(where, "report_only."))
    elif isinstance(report, CORSPolicy):
        _refuse_async(report, _at(where, "report_only"))
    return observer_for(merged.get("on_decision"), report, None,
                        {name: _at(where, name) for name in APP_OPTIONS})


def app_wide_problems(options: Mapping[str, Any], where: str) -> list[Problem]:
    """A problem for each app-wide option given to a blueprint, a view or a resource."""
    return [Problem("unknown-option", _at(where, name),
                    f"{name!r} applies to the whole app.",
                    f"give it to CORS(app, {name}=...) or app.config['CORS_{name.upper()}'].")
            for name in APP_OPTIONS if name in options]


def translate(options: Mapping[str, Any], where: str, problems: list[Problem]) -> dict[str, Any]:
    """CORSPolicy keyword arguments for the flask-cors *options* given."""
    core: dict[str, Any] = {}
    if "origins" in options:
        origins, regexes = _origins(options["origins"], where, problems)
        core["allow_origins"] = origins
        core["allow_origin_regex"] = regexes
    if "methods" in options:
        core["allow_methods"] = _methods(options["methods"])
    if "allow_headers" in options:
        core["allow_headers"] = _allow_headers(options["allow_headers"], where, problems)
    if "expose_headers" in options:
        core["expose_headers"] = options["expose_headers"] or ()
    if "supports_credentials" in options:
        core["allow_credentials"] = options["supports_credentials"]
    if "max_age" in options:
        core["max_age"] = _max_age(options["max_age"], where)
    if "allow_private_network" in options:
        core["allow_private_network"] = options["allow_private_network"]
    if "dangerously_allow_insecure_origins" in options:
        core["dangerously_allow_insecure_origins"] = options["dangerously_allow_insecure_origins"]
    return core


def _origins(
    value: Any, where: str, problems: list[Problem]
) -> tuple[str | list[str], list[str | re.Pattern[str]]]:
    """Split flask-cors ``origins`` into our origins/patterns and full-match regexes."""
    items = [value] if isinstance(value, (str, re.Pattern)) else value
    if not isinstance(items, Iterable):
        problems.append(Problem(
            "type", _at(where, "origins"), f"expected a string or a list, got {value!r}.",
            'write origins=["https://app.example.com"].',
        ))
        return [], []
    origins: list[str] = []
    regexes: list[str | re.Pattern[str]] = []
    for item in items:
        if isinstance(item, re.Pattern):
            regexes.append(item)
        elif isinstance(item, str) and item in ("*", ".*"):
            origins.append("*")  # flask-cors reads both as "every origin"
        elif isinstance(item, str) and ".*" not in item and not _ORIGIN_REGEX_CHARS.intersection(
            _IPV6_HOST.sub(r"\1ipv6", item)
        ):
            origins.append(item)  # an origin, or our "https://*.x.com" / "http://h:*" pattern
        elif isinstance(item, str):
            regexes.append(item)
        else:
            problems.append(Problem(
                "type", _at(where, "origins"), f"{item!r} is not a string or a compiled regex.",
                'write origins=["https://app.example.com"].',
            ))
    if "*" in origins and len(origins) == 1 and not regexes:
        return "*", []
    return origins, regexes


def _methods(value: Any) -> Any:
    # flask-cors upper-cases every configured method; the request's method is then
    # compared exactly by the engine.
    if isinstance(value, str):
        return value.upper()
    if isinstance(value, Iterable) and all(isinstance(item, str) for item in value):
        return [item.upper() for item in value]
    return value  # the core reports the type problem


def _allow_headers(value: Any, where: str, problems: list[Problem]) -> Any:
    """flask-cors's header patterns: strings with regex characters are regexes, matched
    in any case (as there), against the whole name (there: a prefix)."""
    items = [value] if isinstance(value, (str, re.Pattern)) else value
    if not isinstance(items, Iterable):
        return value
    items = list(items)
    if "*" in items:
        return ["*"]
    result: list[Any] = []
    for item in items:
        if isinstance(item, str) and _PATH_REGEX_CHARS.intersection(item):
            try:
                item = re.compile(item, re.IGNORECASE)
            except re.error as exc:
                problems.append(Problem(
                    "regex-invalid", _at(where, "allow_headers"),
                    f"{item!r} is not a valid regex: {exc}.",
                    "fix the expression (it is full-matched against each header name).",
                ))
                continue
        result.append(item)
    return result


def _max_age(value: Any, where: str) -> Any:
    text = value.strip() if isinstance(value, str) else None
    if text is not None and text.isascii() and text.isdigit():
        value = int(text)  # flask-cors accepts "600" (but not "²": not a number)
    elif isinstance(value, timedelta) and value.total_seconds() == int(value.total_seconds()):
        value = int(value.total_seconds())
    capped = capped_max_age(value)
    if capped != value:
        _log.warning("%smax_age=%d is longer than any browser caches a preflight; "
                     "sending %d (Firefox's limit; Chromium stops at 7200)",
                     where, value, capped)
    return capped


def resource_patterns(
    resources: Any, where: str
) -> list[tuple[PathKey, Mapping[str, Any]]]:
    """flask-cors ``resources`` as ``(our path pattern, per-resource options)`` pairs."""
    if isinstance(resources, Mapping):
        pairs = list(resources.items())
    elif isinstance(resources, (str, re.Pattern)):
        pairs = [(resources, {})]
    elif isinstance(resources, Iterable):
        pairs = [(item, {}) for item in resources]
    else:
        raise ConfigError([Problem(
            "type", _at(where, "resources"), f"expected a path pattern, a list or a dict, "
            f"got {resources!r}.", 'write resources={r"/api/*": {"origins": [...]}}.',
        )])
    problems: list[Problem] = []
    result: list[tuple[PathKey, Mapping[str, Any]]] = []
    for pattern, options in pairs:
        if isinstance(options, CORSPolicy):
            options = {"policy": options}
        if not isinstance(options, Mapping) or not isinstance(pattern, (str, re.Pattern)):
            problems.append(Problem(
                "type", _at(where, "resources"), f"{pattern!r}: {options!r}",
                "map each path pattern to a dict of options (or a CORSPolicy).",
            ))
            continue
        result.append((path_key(pattern), options))
    _raise(problems)
    return result


def path_key(pattern: str | re.Pattern[str]) -> PathKey:
    """A flask-cors resource pattern as a :class:`wsgicors.Routes` key.

    ``"/*"`` and friends are the catch-all, ``"/api/*"`` and ``"/api/.*"`` the prefix
    ``/api`` (never ``/apix``), plain paths are exact, ``"/api*"`` every path starting
    with ``/api``, anything else is a regex matched against the whole path.
    """
    if isinstance(pattern, re.Pattern):
        return pattern
    if pattern in _CATCH_ALL:
        return "/*"
    for tail in ("/*", "/.*"):
        stem = pattern[: -len(tail)]
        if pattern.endswith(tail) and stem and not _PATH_REGEX_CHARS.intersection(stem):
            return stem + "/*"
    if not _PATH_REGEX_CHARS.intersection(pattern):
        return pattern
    if _GLOB_TAIL.search(pattern) and not _PATH_REGEX_CHARS.intersection(pattern[:-1]):
        # "/api*" is a glob to everyone who writes it (flask-cors's prefix match made it
        # work so): every path starting with "/api". As a full-match regex it would
        # cover only "/ap", "/api", "/apii"...
        return re.compile(re.escape(pattern[:-1]) + ".*")
    if pattern.endswith("/*"):
        # flask-cors's prefix match made "/x/*" mean "anything under /x"; keep that.
        pattern = pattern[:-2] + "(?:/.*)?"
    return re.compile(pattern)


def build_routes(
    layers: Sequence[Mapping[str, Any]], where: str
) -> Routes:
    """The Routes for a ``CORS(...)`` call: its resources, each with its policy.

    Every problem of every resource is raised at once; the policies' warnings are
    logged (this runs at start-up).
    """
    merged: dict[str, Any] = {"resources": DEFAULT_OPTIONS["resources"]}
    for layer in layers:
        if "resources" in layer:
            merged["resources"] = layer["resources"]
    outer = [{k: v for k, v in layer.items() if k != "resources"} for layer in layers]
    paths: dict[PathKey, CORSPolicy | None] = {}
    problems: list[Problem] = []
    warnings: list[ConfigWarning] = []
    try:
        resources = resource_patterns(merged["resources"], where)
    except ConfigError as exc:
        problems += exc.problems
        resources = [("/*", {})]  # still report what is wrong with the other options
    shared: list[CORSPolicy] = []
    for key, options in resources:
        try:
            if not options:
                # Resources without options of their own share one policy.
                if not shared:
                    shared.append(build_policy(outer, where))
                    warnings += warnings_of(shared[0], where, outer)
                paths[key] = shared[0]
            else:
                shown = key.pattern if isinstance(key, re.Pattern) else key
                at = f"{where}resources[{shown!r}]."
                policy = build_policy([*outer, options], at)
                warnings += warnings_of(policy, at, [*outer, options])
                paths[key] = policy
        except ConfigError as exc:
            problems += exc.problems
    _raise(problems)
    log_warnings(warnings)
    if list(paths) == ["/*"]:
        return Routes(paths["/*"])  # the common case: no path lookup per request
    return Routes(None, paths)


def _at(where: str, option: str) -> str:
    return f"{where}{option}"


_Said = TypeVar("_Said", Problem, ConfigWarning)


def _renamed(said: _Said, where: str, star: str = "*") -> _Said:
    """A problem or warning in flask-cors's words: its names, and '*' as written."""
    option = OPTION_SPELLING.get(said.option, said.option)
    said = said.renamed(_CORE_WORDS_TO_FLASK)._replace(option=_at(where, option))
    if star != "*":
        said = said._replace(message=said.message.replace("'*'", repr(star)),
                             hint=said.hint.replace("'*'", repr(star)))
    return said


def _raise(problems: list[Problem]) -> None:
    if problems:
        raise ConfigError(problems)
