"""Findings: stable ids, severities, and the rules that turn probe answers into them.

A probe origin counts as *allowed* when the response echoes it exactly in
``Access-Control-Allow-Origin``; it is *credentialed* when the same response says
``Access-Control-Allow-Credentials: true``.

Severities say what an attacker gains (docs/audit.rst defines them):

* ``high``: any attacker (a page on a domain anyone can register, a sandboxed
  iframe) reads what a logged-in user sees;
* ``medium``: an attacker reads logged-in users' data from a network position, or any
  page reads what the server restricts to its network (an intranet, an IP
  allowlist) although it meant to restrict it, or reaches a private network;
* ``low``: an attacker gains under one more condition outside this server: a
  subdomain taken over or with an XSS, a shared cache between the server and users;
* ``info``: nothing an attacker could not already do.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from .probes import NO_ORIGIN, Probe, registrable_domain
from .vocabulary import SEVERITIES, FindingId, Severity

Header = tuple[str, str]


class Response(Protocol):
    """What the audit reads of a doctor transport's response."""

    @property
    def status(self) -> int:
        """The status code."""

    def get(self, name: str) -> str | None:
        """Header *name*, repeats joined with ``", "``."""

    def get_all(self, name: str) -> list[str]:
        """Every value of header *name*."""

#: Findings that any-origin-reflected implies: reported only when it is not.
_IMPLIED_BY_REFLECTION: frozenset[FindingId] = frozenset({
    "prefix-match", "suffix-match", "unescaped-regex-dot", "special-character-bypass",
    "insecure-scheme-trusted", "any-subdomain-trusted",
})
#: Findings that an origin the server should not trust is allowed.
ORIGIN_FINDINGS: frozenset[FindingId] = _IMPLIED_BY_REFLECTION | {
    "any-origin-reflected", "null-origin-allowed"}
#: What a preflight grants trusted origins: nothing separate once an origin finding
#: shows that untrusted origins get everything anyway.
_PREFLIGHT_FINDINGS: frozenset[FindingId] = frozenset({
    "preflight-any-method", "preflight-any-header"})
#: Response headers shown as evidence (names in their canonical spelling).
EVIDENCE_HEADERS = (
    "Access-Control-Allow-Origin", "Access-Control-Allow-Credentials",
    "Access-Control-Allow-Methods", "Access-Control-Allow-Headers",
    "Access-Control-Allow-Private-Network", "Access-Control-Expose-Headers",
    "Access-Control-Max-Age", "Vary",
)

_ALLOWLIST_FIX = {
    "wsgicors": "allow_origins={origins} (exact origins; a pattern such as "
                "'https://*.example.com' never crosses a label boundary)",
    "flask-cors": "CORS(app, origins={origins}) with exact strings, or regexes anchored "
                  "and escaped like r'^https://app\\.example\\.com$'",
    "django-cors-headers": "CORS_ALLOWED_ORIGINS = {origins}; in "
                           "CORS_ALLOWED_ORIGIN_REGEXES anchor with ^...$ and escape dots",
    "nginx": "map $http_origin $cors_origin {{ default \"\"; {nginx_map} }} then "
             "add_header Access-Control-Allow-Origin $cors_origin always; "
             "add_header Vary Origin always; (regexes in the map anchored: ~^https://...$)",
    "express": "cors({{origin: {origins}}}) (npm cors) with exact strings, or regexes "
               "anchored with ^...$ and escaped dots",
}


@dataclass(frozen=True)
class Rule:
    """What one finding id means, how severe it is, and how to fix it.

    A finding is :attr:`severe` when :attr:`condition` holds (for most: the response
    allows credentials), :attr:`mild` otherwise.
    """

    id: FindingId
    title: str
    severe: Severity
    mild: Severity
    condition: str = "credentials are allowed"
    fix: dict[str, str] = field(default_factory=dict)

    def severity(self, condition: bool) -> Severity:
        """The severity of this finding when :attr:`condition` holds, or not."""
        return self.severe if condition else self.mild


def _rule(id: FindingId, title: str, severe: Severity, mild: Severity, condition: str = "",
          **fix: str) -> Rule:
    return Rule(id, title, severe, mild, condition or "credentials are allowed",
                {k.replace("_", "-"): v for k, v in fix.items()} or dict(_ALLOWLIST_FIX))


RULES: dict[FindingId, Rule] = {rule.id: rule for rule in (
    _rule("any-origin-reflected", "any origin is echoed in Access-Control-Allow-Origin: "
          "every site can read the responses", "high", "info",
          wsgicors="allow_origins={origins} (never an allow_origin_func that accepts "
                   "everything)",
          flask_cors="CORS(app, origins={origins}) (not origins='*' with "
                     "supports_credentials=True: flask-cors then echoes any origin)",
          django_cors_headers="CORS_ALLOWED_ORIGINS = {origins} instead of "
                              "CORS_ALLOW_ALL_ORIGINS = True",
          nginx=_ALLOWLIST_FIX["nginx"] + " instead of "
                "add_header Access-Control-Allow-Origin $http_origin",
          express="cors({{origin: {origins}}}) (npm cors) instead of origin: true",
          starlette="CORSMiddleware(allow_origins={origins}) instead of ['*'] with "
                    "allow_credentials=True (Starlette then echoes any origin)"),
    _rule("null-origin-allowed", "Origin: null is allowed: sandboxed iframes and data: URLs "
          "of any site read the responses", "high", "info",
          wsgicors="never list 'null' (wsgicors refuses it at start-up)",
          flask_cors="remove 'null' from origins",
          django_cors_headers="remove 'null' from CORS_ALLOWED_ORIGINS and set "
                              "CORS_ALLOW_ALL_ORIGINS = False",
          nginx="do not map the value null to $cors_origin",
          express="remove 'null' from origin; origin: true echoes null too"),
    _rule("prefix-match", "an attacker's domain that starts with a trusted origin is "
          "allowed (unanchored check at the end)", "high", "medium"),
    _rule("suffix-match", "an attacker's domain that ends with the trusted domain is "
          "allowed (unanchored check at the start, or a missing label dot)", "high",
          "medium"),
    _rule("unescaped-regex-dot", "a dot of the trusted host matches any character "
          "(unescaped '.' in a regex)", "high", "medium"),
    _rule("special-character-bypass", "a trusted host followed by a special character and "
          "an attacker's domain is allowed (browsers send '_' in hosts, Safari more)", "high",
          "medium"),
    _rule("insecure-scheme-trusted", "the http:// twin of an https origin is allowed: a "
          "network attacker injects a page there and reads the responses", "medium", "low",
          wsgicors="list only https origins (wsgicors refuses http origins with "
                   "credentials)",
          flask_cors="list only https:// origins, regexes starting with ^https://",
          django_cors_headers="only https:// entries in CORS_ALLOWED_ORIGINS and regexes "
                              "starting with ^https://",
          nginx="match ~^https:// in the map of $http_origin"),
    _rule("any-subdomain-trusted", "every subdomain of the trusted domain is allowed: an XSS "
          "or a subdomain takeover anywhere under it reads the responses", "low", "info",
          wsgicors="list exact origins instead of 'https://*.example.com' where you can",
          flask_cors="list exact origins instead of a subdomain regex",
          django_cors_headers="list exact origins in CORS_ALLOWED_ORIGINS instead of a "
                              "subdomain regex",
          nginx="map exact origins instead of a subdomain regex"),
    _rule("wildcard-with-credentials", "Access-Control-Allow-Origin: * together with "
          "Access-Control-Allow-Credentials: true: browsers refuse every credentialed "
          "read (a broken configuration)", "info", "info", "(always info: browsers refuse "
          "it, so no site gains more than '*' gives)",
          wsgicors="allow_origins={origins} with allow_credentials=True (wsgicors refuses "
                   "'*' with credentials)",
          flask_cors="origins={origins} with supports_credentials=True",
          django_cors_headers="CORS_ALLOWED_ORIGINS = {origins} with "
                              "CORS_ALLOW_CREDENTIALS = True",
          nginx="echo only mapped origins ($cors_origin), never '*' with "
                "Access-Control-Allow-Credentials"),
    _rule("missing-vary-origin", "Access-Control-Allow-Origin or -Credentials depend on "
          "Origin but a response has no Vary: Origin: shared caches serve one origin's "
          "answer to another (a broken page, or a poisoned cache)",
          "low", "low", "(always low: reported when the CORS headers differ between "
          "requests without Origin, from a trusted and from an untrusted origin)",
          wsgicors="use CORSMiddleware (it always sends Vary: Origin when it has to)",
          flask_cors="keep flask-cors's vary_header=True",
          django_cors_headers="django-cors-headers adds Vary: Origin; check that no "
                              "later middleware or proxy drops it",
          nginx="add_header Vary Origin always; next to Access-Control-Allow-Origin"),
    _rule("private-network-open", "Access-Control-Allow-Private-Network: true is sent to an "
          "untrusted origin: public sites reach this private-network server", "medium",
          "info", "the preflight also allows the untrusted origin (otherwise browsers "
          "block the request anyway)",
          wsgicors="keep allow_private_network=False unless the trusted origins need it "
                   "(wsgicors sends it to allowed origins only)",
          nginx="send Access-Control-Allow-Private-Network only when $cors_origin is set"),
    _rule("preflight-any-method", "a preflight approves any method (echoed or '*') for "
          "a trusted origin", "info", "info", "(always info: a trusted origin gains "
          "nothing it could not do from its own pages)",
          wsgicors="allow_methods=['GET', 'POST', ...] (the methods you serve)",
          flask_cors="methods=['GET', 'POST', ...]",
          django_cors_headers="CORS_ALLOW_METHODS = ('GET', 'POST', ...)",
          nginx="add_header Access-Control-Allow-Methods \"GET, POST\" always; instead of "
                "$http_access_control_request_method"),
    _rule("preflight-any-header", "a preflight approves any request header (echoed or '*') "
          "for a trusted origin", "info", "info", "(always info: a trusted origin gains "
          "nothing it could not do from its own pages)",
          wsgicors="allow_headers=['content-type', ...] (the headers your scripts send)",
          flask_cors="allow_headers=['Content-Type', ...] (the default '*' echoes any)",
          django_cors_headers="CORS_ALLOW_HEADERS = (...) listing the headers you need",
          nginx="add_header Access-Control-Allow-Headers \"content-type\" always; instead "
                "of $http_access_control_request_headers"),
)}


@dataclass(frozen=True)
class Result:
    """A probe, the request headers sent (secrets already redacted), and the answer."""

    probe: Probe
    request: tuple[Header, ...]
    response: Response | None = None
    error: str | None = None


@dataclass(frozen=True)
class Finding:
    """One problem: stable id, severity, the probe origin, evidence and fixes."""

    id: FindingId
    severity: Severity
    title: str
    origin: str
    evidence: dict[str, Any]
    fix: dict[str, str]


def allows(result: Result) -> bool:
    """True if the answer echoes the probe's origin in Access-Control-Allow-Origin."""
    response = result.response
    return response is not None and response.get("Access-Control-Allow-Origin") == \
        result.probe.origin


def credentialed(response: Response | None) -> bool:
    """True if *response* allows credentials (the value must be exactly ``true``)."""
    return response is not None and response.get("Access-Control-Allow-Credentials") == "true"


def evidence(result: Result, url: str) -> dict[str, Any]:
    """The request and the response headers that show a finding, JSON-ready."""
    response = result.response
    shown = []
    if response is not None:
        for name in EVIDENCE_HEADERS:
            shown += [[name, value] for value in response.get_all(name)]
    return {
        "request": {"method": "OPTIONS" if result.probe.preflight else "GET", "url": url,
                    "headers": [list(h) for h in result.request]},
        "response": {"status": response.status if response else None, "headers": shown},
    }


def judge(results: Sequence[Result], url: str, trusted: Sequence[str]) -> list[Finding]:
    """The findings the answers to an audit's probes show, most severe first."""
    found: dict[tuple[FindingId, str | None], Finding] = {}

    def add(rule_id: FindingId, result: Result, credentials: bool, key: str | None = None,
            **more: Any) -> None:
        if (rule_id, key) not in found:
            rule = RULES[rule_id]
            found[rule_id, key] = Finding(
                rule_id, rule.severity(credentials), rule.title, result.probe.origin,
                {**evidence(result, url), **more}, fixes(rule, trusted))

    explained = _explained_dots(results)
    for result in results:
        if not any(result is r for r in explained):
            _judge_one(result, add)
    _judge_vary(results, add)
    ids = {f.id for f in found.values()}
    if "any-origin-reflected" in ids:
        found = {k: f for k, f in found.items() if f.id not in _IMPLIED_BY_REFLECTION}
    if ids & ORIGIN_FINDINGS:
        found = {k: f for k, f in found.items() if f.id not in _PREFLIGHT_FINDINGS}
    return sorted(found.values(), key=lambda f: (-SEVERITIES.index(f.severity), f.id))


#: ``add(rule_id, result, condition, key=None, **evidence)``: record a finding once per
#: (id, key).
_Add = Callable[..., None]


def _judge_one(result: Result, add: _Add) -> None:
    probe, response = result.probe, result.response
    if response is None:
        return
    acao = response.get("Access-Control-Allow-Origin")
    creds = credentialed(response)
    if acao == "*" and creds:
        add("wildcard-with-credentials", result, creds)
    if probe.private_network and \
            response.get("Access-Control-Allow-Private-Network") == "true":
        add("private-network-open", result, allows(result))
    if probe.kind == "control":
        if probe.preflight and allows(result):
            _judge_preflight_grants(result, creds, add)
        return
    if probe.kind == "preflight-any-method":
        if allows(result) and _grants(response, "Access-Control-Allow-Methods", probe.method):
            add("preflight-any-method", result, creds)
        return
    if probe.origin != NO_ORIGIN and allows(result):
        add(probe.kind, result, creds, probe.trusted)


def _explained_dots(results: Sequence[Result]) -> list[Result]:
    """Unescaped-dot probes another finding already explains.

    ``appxexample.com`` ends with ``example.com``: a suffix check lets it in too.
    ``axb.example.com`` (from ``a.b.example.com``) is a subdomain: trusting every
    subdomain lets it in too.
    """
    def opened(kind: str) -> set[str]:
        return {_domain(r.probe.trusted) for r in results if r.probe.kind == kind
                and allows(r)}

    suffix, subdomain = opened("suffix-match"), opened("any-subdomain-trusted")
    explained = []
    for result in results:
        if result.probe.kind != "unescaped-regex-dot":
            continue
        domain = _domain(result.probe.trusted)
        host = urllib.parse.urlsplit(result.probe.origin).hostname or ""
        if (host.endswith("." + domain) and domain in subdomain) or \
                (host.endswith(domain) and domain in suffix):
            explained.append(result)
    return explained


def _domain(origin: str | None) -> str:
    """The registrable domain of *origin*'s host ("" if it has none)."""
    host = urllib.parse.urlsplit(origin or "").hostname or ""
    return registrable_domain(host) or ""


def _judge_vary(results: Sequence[Result], add: _Add) -> None:
    """``missing-vary-origin``: the CORS headers of actual responses differ with the
    Origin (none, trusted, untrusted) and one of those responses has no Vary: Origin."""
    actual = [r for r in results if not r.probe.preflight and r.response is not None]
    answers = {_cors_answer(r.response) for r in actual}
    lacking = [r for r in actual if r.response is not None
               and not _varies_by_origin(r.response)]
    if len(answers) < 2 or not lacking:
        return
    shown = next((r for r in lacking if r.probe.origin != NO_ORIGIN), lacking[0])
    compared = [_compared(r) for r in _one_of_each_kind(actual, lacking)]
    add("missing-vary-origin", shown, True, compared=compared)


def _cors_answer(response: Response | None) -> tuple[str | None, str | None]:
    assert response is not None
    return (response.get("Access-Control-Allow-Origin"),
            response.get("Access-Control-Allow-Credentials"))


def _one_of_each_kind(actual: Sequence[Result], lacking: Sequence[Result]) -> list[Result]:
    """A request without Origin, one from a trusted origin, one from an untrusted one,
    each preferably one whose response lacks Vary: Origin."""
    def kind(result: Result) -> int:
        if result.probe.origin == NO_ORIGIN:
            return 0
        return 1 if result.probe.kind == "control" else 2

    chosen: dict[int, Result] = {}
    for result in [*lacking, *actual]:
        chosen.setdefault(kind(result), result)
    return [chosen[k] for k in sorted(chosen)]


def _compared(result: Result) -> dict[str, Any]:
    assert result.response is not None
    return {"origin": result.probe.origin or None,
            **{name: result.response.get(name) for name in (
                "Access-Control-Allow-Origin", "Access-Control-Allow-Credentials", "Vary")}}


def _judge_preflight_grants(result: Result, creds: bool, add: _Add) -> None:
    response = result.response
    assert response is not None
    if _grants(response, "Access-Control-Allow-Headers", result.probe.request_headers):
        add("preflight-any-header", result, creds)
    if _grants(response, "Access-Control-Allow-Methods", None):
        add("preflight-any-method", result, creds)


def _grants(response: Response, name: str, asked: str | None) -> bool:
    """True if header *name* is ``*`` or lists *asked* (a name only an echo would list)."""
    values = [v.strip() for v in (response.get(name) or "").split(",")]
    return "*" in values or (asked is not None and asked.lower() in
                             (v.lower() for v in values))


def _varies_by_origin(response: Response) -> bool:
    names = {v.strip().lower() for v in (response.get("Vary") or "").split(",")}
    return "origin" in names or "*" in names


def fixes(rule: Rule, trusted: Sequence[str]) -> dict[str, str]:
    """The rule's fixes with the user's own trusted origins filled in."""
    origins = repr(list(trusted))
    nginx_map = " ".join(f'"{o}" $http_origin;' for o in trusted)
    return {tool: text.format(origins=origins, nginx_map=nginx_map)
            for tool, text in rule.fix.items()}


def at_or_above(findings: Iterable[Finding], level: Severity) -> list[Finding]:
    """The findings whose severity is *level* or more severe."""
    floor = SEVERITIES.index(level)
    return [f for f in findings if SEVERITIES.index(f.severity) >= floor]
