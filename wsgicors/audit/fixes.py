"""The audit's fix: the whole corrected configuration, for the user's stack and every other.

A fix that names only the option at fault gets pasted over the configuration and
drops what the application needed (its credentials, its request headers), so the
audit restates the whole configuration: what the server allows its trusted origins,
minus the hole (:func:`corrected`).

*What it allows* comes from the configuration itself in ``--app`` mode
(:mod:`~wsgicors.audit.configs`), otherwise from the answers to the trusted origins'
own requests (:func:`observed`): credentials, methods, request headers, exposed
headers, max-age, private-network access. *The hole* is every origin entry that let
one of the audit's attacker origins in: ``*`` with credentials or an echo of any
origin, ``null``, a listed ``http://`` twin, a subdomain pattern, a regex or an
``allow_origin_func`` that lets an attacker's domain past. Those are left out and the
trusted origins take their place; everything else the application allowed stays.
:mod:`wsgicors.toolbase.snippets` writes the result for the detected stack and for
every other (wsgicors's, nginx, Express, and the peers' own libraries).

Values the server sent are untrusted: only names that are HTTP tokens, at most
:data:`MAX_NAMES` of them, make it into a configuration that users paste into code.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from ..http import TOKEN
from ..toolbase import snippets
from ..toolbase.snippets import ALL_STACKS, CORSConfig
from ..toolbase.stacks import UNKNOWN, StackInfo, of_response
from .configs import Configuration, Configured, Serving
from .findings import PREFLIGHT_FINDINGS, RULES, Finding, Result, allows, credentialed, grants
from .probes import NO_ORIGIN

#: Most method or header names taken from one response header.
MAX_NAMES = 32
#: Probes sent from a trusted origin: what they get is what the application needs.
_TRUSTED_KINDS = frozenset({"control", "preflight-any-method"})


def whole_fix(results: Sequence[Result], trusted: Sequence[str], serving: Serving,
              keep: Callable[[str], bool] = lambda name: True) -> Configuration:
    """The corrected configuration of the URL whose probes got *results*, rendered for
    *serving*'s stack (guessed from the answers when it has none). Only names the
    answers show that *keep* accepts are kept (the audit leaves out the secrets)."""
    stack = serving.stack or guess_stack(results)
    config = corrected(results, trusted, serving.configured, keep)
    where = serving.configured
    snippet = snippets.render(config, stack.stack, app=stack.app, installed=stack.installed,
                              wrap_whole=stack.wrap_whole, policy=stack.policy,
                              view=where.view if where else None,
                              resource=where.resource if where else None)
    alternatives = snippets.render_all(
        config, stacks=[other for other in ALL_STACKS if other != stack.stack])
    return Configuration(stack.stack, stack.source, stack.guessed, config, snippet,
                         alternatives)


def with_fix(findings: Iterable[Finding], fix: Configuration) -> list[Finding]:
    """*findings*, each with advice for *fix*'s stack and, except for the preflight
    grants (which trusted origins only get), the whole corrected configuration."""
    return [dataclasses.replace(
        finding, advice=RULES[finding.id].advice_for(fix.stack),
        configuration=None if finding.id in PREFLIGHT_FINDINGS else fix)
        for finding in findings]


def guess_stack(results: Sequence[Result]) -> StackInfo:
    """The stack the server's ``X-Powered-By`` or ``Server`` names, else a guess."""
    for result in results:
        if result.response is not None:
            headers = [(name, value) for name in ("X-Powered-By", "Server")
                       for value in result.response.get_all(name)]
            return of_response(headers) or UNKNOWN
    return UNKNOWN


# -- what the application allows, minus the hole -----------------------------------


def corrected(results: Sequence[Result], trusted: Sequence[str],
              configured: Configured | None,
              keep: Callable[[str], bool] = lambda name: True) -> CORSConfig:
    """What the application allows (*configured*, or else what its answers show),
    without the origin entries that let an attacker's origin in, with *trusted*."""
    base = configured.config if configured is not None else observed(results, keep)
    attacks = attacker_origins(results)
    if base.origins == "*":
        if not (base.credentials or attacks):
            return base  # '*' for public data: nothing an attacker gains
        kept: list[str] = []
    else:
        kept = [o for o in base.origins if not any(_admits(o, a) for a in attacks)]
    prefix = configured is not None and configured.prefix_regexes
    regexes = [r for r in base.origin_regexes
               if not any(_regex_admits(r, a, prefix) for a in attacks)]
    func = configured.origin_func if configured is not None else None
    keep_func = func is not None and not any(_asks(func, a) for a in attacks)
    origins = list(dict.fromkeys([*kept, *trusted]))
    return dataclasses.replace(base, origins=tuple(origins), origin_regexes=tuple(regexes),
                               origin_func=base.origin_func if keep_func else None)


def attacker_origins(results: Sequence[Result]) -> list[str]:
    """The probe origins the server let in that are not trusted ones."""
    return list(dict.fromkeys(
        r.probe.origin for r in results if r.probe.kind not in _TRUSTED_KINDS
        and r.probe.origin != NO_ORIGIN and allows(r)))


def observed(results: Sequence[Result], keep: Callable[[str], bool] = lambda name: True
             ) -> CORSConfig:
    """What the answers to the trusted origins' own requests show the server allows
    them; names the answers do not give are the stack's defaults (None). Only HTTP
    tokens that *keep* accepts count as names."""
    def listed(responses: Iterable[Any], header: str, fold: bool = False
               ) -> tuple[str, ...] | None:
        return _listed(responses, header, fold, keep)

    allowed = [r for r in results if r.probe.kind in _TRUSTED_KINDS and _answered(r)]
    controls = [r for r in allowed if r.probe.kind == "control"]
    credentials = any(credentialed(r.response) for r in controls)
    star = bool(controls) and all(_allow_origin(r) == "*" for r in controls)
    preflights = [r.response for r in controls if r.probe.preflight and r.response]
    actuals = [r.response for r in controls if not r.probe.preflight and r.response]
    any_method = any(r.response is not None and r.probe.kind == "preflight-any-method"
                     and grants(r.response, "Access-Control-Allow-Methods", r.probe.method)
                     for r in allowed)
    any_header = any(r.response is not None and grants(
        r.response, "Access-Control-Allow-Headers", r.probe.request_headers)
        for r in controls if r.probe.preflight)
    max_age = next((int(v) for r in preflights
                    if (v := (r.get("Access-Control-Max-Age") or "").strip()).isdigit()),
                   None)
    return CORSConfig(
        origins="*" if star and not credentials else (),
        credentials=credentials,
        methods="*" if any_method else listed(preflights, "Access-Control-Allow-Methods"),
        headers="*" if any_header else listed(preflights, "Access-Control-Allow-Headers",
                                              fold=True),
        expose_headers=listed(actuals, "Access-Control-Expose-Headers") or (),
        max_age=max_age,
        private_network=any(r.response is not None and r.response.get(
            "Access-Control-Allow-Private-Network") == "true" for r in results))


def _allow_origin(result: Result) -> str | None:
    return None if result.response is None else result.response.get(
        "Access-Control-Allow-Origin")


def _answered(result: Result) -> bool:
    """True if the server answered the probe's origin with CORS headers: its own
    origin, or ``*`` (which browsers refuse with credentials, but the server meant)."""
    return allows(result) or _allow_origin(result) == "*"


def _listed(responses: Iterable[Any], header: str, fold: bool,
            keep: Callable[[str], bool]) -> tuple[str, ...] | None:
    """The token names of list *header* in *responses* (``*`` left out); None if none."""
    found: dict[str, str] = {}
    for response in responses:
        for item in (response.get(header) or "").split(","):
            name = item.strip()
            if name != "*" and TOKEN.fullmatch(name) and keep(name) and \
                    len(found) < MAX_NAMES:
                found.setdefault(name.lower(), name.lower() if fold else name)
    return tuple(found.values()) or None


def _admits(entry: str, origin: str) -> bool:
    """True if the listed origin or pattern *entry* matches *origin* (an exact entry:
    only itself; a pattern: by wsgicors's rules)."""
    regex = snippets.origin_regex(CORSConfig(origins=(entry,)))
    return entry == origin or (regex is not None and re.fullmatch(regex, origin) is not None)


def _regex_admits(regex: str, origin: str, prefix: bool) -> bool:
    """True if *regex* lets *origin* in, matched as its library matches it (a regex
    that does not compile counts as letting it in: it is left out)."""
    try:
        compiled = re.compile(regex)
    except re.error:
        return True
    return (compiled.match if prefix else compiled.fullmatch)(origin) is not None


def _asks(func: Callable[[str], bool], origin: str) -> bool:
    """What an ``allow_origin_func`` says of *origin* (an exception: no)."""
    try:
        return bool(func(origin))
    except Exception:  # the user's function: anything may go wrong in it
        return False
