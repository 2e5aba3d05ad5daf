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
from typing import TYPE_CHECKING, Any, Protocol

from .probes import NO_ORIGIN, Probe, registrable_domain
from .vocabulary import SEVERITIES, FindingId, Severity

if TYPE_CHECKING:
    from .configs import Configuration

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
PREFLIGHT_FINDINGS: frozenset[FindingId] = frozenset({
    "preflight-any-method", "preflight-any-header"})
#: Response headers shown as evidence (names in their canonical spelling).
EVIDENCE_HEADERS = (
    "Access-Control-Allow-Origin", "Access-Control-Allow-Credentials",
    "Access-Control-Allow-Methods", "Access-Control-Allow-Headers",
    "Access-Control-Allow-Private-Network", "Access-Control-Expose-Headers",
    "Access-Control-Max-Age", "Vary",
)

#: Where a stack's notes come from: wsgicors's adapters share the core's.
_FAMILY: dict[str, str] = {"flask": "wsgicors", "django": "wsgicors", "starlette": "wsgicors"}
#: The note of every origin-check finding: how each stack matches exactly.
_EXACT_NOTES = {
    "wsgicors": "wsgicors full-matches its regexes, and a pattern such as "
                "https://*.example.com never crosses a label boundary",
    "flask-cors": "flask-cors matches regexes at the start only, as re.match does: "
                  "anchor them with ^...$ and escape every dot",
    "django-cors-headers": "CORS_ALLOWED_ORIGIN_REGEXES are matched at the start only, as "
                           "re.match does: anchor them with ^...$ and escape every dot",
    "starlette-cors": "allow_origin_regex is full-matched: escape every dot",
    "nginx": "anchor the regex with ^...$ and escape every dot: ~^https://app\\.example\\.com$",
    "express": "anchor regexes with /^...$/ and escape every dot",
}
_EXACT = "match the trusted origins exactly: by name, or with regexes anchored at both " \
         "ends and every dot escaped"


@dataclass(frozen=True)
class Rule:
    """What one finding id means, how severe it is, and how to fix it.

    A finding is :attr:`severe` when :attr:`condition` holds (for most: the response
    allows credentials), :attr:`mild` otherwise. :attr:`advice` says what the fix
    changes, for any stack; :attr:`notes` add each stack's trap (keyed by the
    stacks of :mod:`wsgicors.toolbase.snippets`, ``wsgicors`` for its adapters too).
    """

    id: FindingId
    title: str
    severe: Severity
    mild: Severity
    condition: str = "credentials are allowed"
    advice: str = ""
    notes: dict[str, str] = field(default_factory=dict)

    def severity(self, condition: bool) -> Severity:
        """The severity of this finding when :attr:`condition` holds, or not."""
        return self.severe if condition else self.mild

    def advice_for(self, stack: str) -> str:
        """:attr:`advice`, with *stack*'s note when it has one."""
        note = self.notes.get(_FAMILY.get(stack, stack))
        return f"{self.advice} ({note})" if note else self.advice


def _rule(id: FindingId, title: str, severe: Severity, mild: Severity, condition: str = "",
          advice: str = _EXACT, **notes: str) -> Rule:
    if advice == _EXACT:
        notes = {**_EXACT_NOTES, **notes}
    return Rule(id, title, severe, mild, condition or "credentials are allowed", advice,
                {k.replace("_", "-"): v for k, v in notes.items()})


RULES: dict[FindingId, Rule] = {rule.id: rule for rule in (
    _rule("any-origin-reflected", "any origin is echoed in Access-Control-Allow-Origin: "
          "every site can read the responses", "high", "info",
          advice="allow the trusted origins by name instead of echoing every origin",
          wsgicors="never an allow_origin_func that accepts every origin",
          flask_cors="origins='*' with supports_credentials=True echoes any origin",
          django_cors_headers="CORS_ALLOW_ALL_ORIGINS = True with CORS_ALLOW_CREDENTIALS "
                              "echoes any origin",
          starlette_cors="allow_origins=['*'] with allow_credentials=True echoes any origin",
          nginx="never add_header Access-Control-Allow-Origin $http_origin unchecked",
          express="origin: true echoes any origin"),
    _rule("null-origin-allowed", "Origin: null is allowed: sandboxed iframes and data: URLs "
          "of any site read the responses", "high", "info",
          advice="never allow the origin null: sandboxed iframes and data: URLs of any "
                 "site send it",
          wsgicors="wsgicors refuses 'null' at start-up",
          django_cors_headers="CORS_ALLOW_ALL_ORIGINS = True allows null too",
          nginx="never map the value null to $cors_origin",
          express="origin: true echoes null too"),
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
          advice="allow only the https:// origins",
          wsgicors="wsgicors refuses http origins with credentials unless told "
                   "dangerously_allow_insecure_origins",
          flask_cors="regexes start with ^https://",
          django_cors_headers="regexes start with ^https://",
          starlette_cors="allow_origin_regex starts with https://",
          nginx="the regex starts with ^https://",
          express="regexes start with /^https:\\/\\//"),
    _rule("any-subdomain-trusted", "every subdomain of the trusted domain is allowed: an XSS "
          "or a subdomain takeover anywhere under it reads the responses", "low", "info",
          advice="list the subdomains that need access instead of trusting every one; if "
                 "every one is meant to be trusted, audit with --origin "
                 "'https://*.example.com'"),
    _rule("wildcard-with-credentials", "Access-Control-Allow-Origin: * together with "
          "Access-Control-Allow-Credentials: true: browsers refuse every credentialed "
          "read (a broken configuration)", "info", "info", "(always info: browsers refuse "
          "it, so no site gains more than '*' gives)",
          advice="name the trusted origins: browsers refuse '*' with credentials",
          wsgicors="wsgicors refuses '*' with credentials"),
    _rule("missing-vary-origin", "Access-Control-Allow-Origin or -Credentials depend on "
          "Origin but a response has no Vary: Origin: shared caches serve one origin's "
          "answer to another (a broken page, or a poisoned cache)",
          "low", "low", "(always low: reported when the CORS headers differ between "
          "requests without Origin, from a trusted and from an untrusted origin)",
          advice="send Vary: Origin on every response whose CORS headers depend on the "
                 "Origin",
          wsgicors="CORSMiddleware always sends it when it has to",
          flask_cors="flask-cors adds it only to the answers that allow an origin: the "
                     "configuration adds it to every answer",
          django_cors_headers="django-cors-headers adds it: check that no later middleware "
                              "or proxy drops it",
          nginx="add_header Vary Origin always; next to Access-Control-Allow-Origin"),
    _rule("private-network-open", "Access-Control-Allow-Private-Network: true is sent to an "
          "untrusted origin: public sites reach this private-network server", "medium",
          "info", "the preflight also allows the untrusted origin (otherwise browsers "
          "block the request anyway)",
          advice="send Access-Control-Allow-Private-Network only to the trusted origins",
          wsgicors="wsgicors sends it to allowed origins only",
          nginx="only when $cors_origin is set"),
    _rule("preflight-any-method", "a preflight approves any method (echoed or '*') for "
          "a trusted origin", "info", "info", "(always info: a trusted origin gains "
          "nothing it could not do from its own pages)",
          advice="optionally, list the methods the trusted pages send",
          wsgicors="allow_methods=['GET', 'POST', ...]",
          flask_cors="methods=['GET', 'POST', ...]",
          django_cors_headers="CORS_ALLOW_METHODS = ['GET', 'POST', ...]",
          nginx="a list in Access-Control-Allow-Methods instead of "
                "$http_access_control_request_method"),
    _rule("preflight-any-header", "a preflight approves any request header (echoed or '*') "
          "for a trusted origin", "info", "info", "(always info: a trusted origin gains "
          "nothing it could not do from its own pages)",
          advice="optionally, list the request headers the trusted pages' scripts send",
          wsgicors="allow_headers=['content-type', ...]",
          flask_cors="allow_headers=['Content-Type', ...] (its default '*' echoes any)",
          django_cors_headers="CORS_ALLOW_HEADERS = [...]",
          nginx="a list in Access-Control-Allow-Headers instead of "
                "$http_access_control_request_headers"),
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
    """One problem: stable id, severity, the probe origin, evidence, and the fix.

    ``advice`` says what the fix changes; ``configuration`` is the whole corrected
    configuration (:mod:`~wsgicors.audit.fixes`), None for the preflight grants,
    which only trusted origins get.
    """

    id: FindingId
    severity: Severity
    title: str
    origin: str
    evidence: dict[str, Any]
    advice: str
    configuration: Configuration | None = None


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


def judge(results: Sequence[Result], url: str) -> list[Finding]:
    """The findings the answers to an audit's probes show, most severe first."""
    found: dict[tuple[FindingId, str | None], Finding] = {}

    def add(rule_id: FindingId, result: Result, credentials: bool, key: str | None = None,
            **more: Any) -> None:
        if (rule_id, key) not in found:
            rule = RULES[rule_id]
            found[rule_id, key] = Finding(
                rule_id, rule.severity(credentials), rule.title, result.probe.origin,
                {**evidence(result, url), **more}, rule.advice)

    explained = _explained_dots(results)
    for result in results:
        if not any(result is r for r in explained):
            _judge_one(result, add)
    _judge_vary(results, add)
    ids = {f.id for f in found.values()}
    if "any-origin-reflected" in ids:
        found = {k: f for k, f in found.items() if f.id not in _IMPLIED_BY_REFLECTION}
    if ids & ORIGIN_FINDINGS:
        found = {k: f for k, f in found.items() if f.id not in PREFLIGHT_FINDINGS}
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
            _judge_preflightgrants(result, creds, add)
        return
    if probe.kind == "preflight-any-method":
        if allows(result) and grants(response, "Access-Control-Allow-Methods", probe.method):
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


def _judge_preflightgrants(result: Result, creds: bool, add: _Add) -> None:
    response = result.response
    assert response is not None
    if grants(response, "Access-Control-Allow-Headers", result.probe.request_headers):
        add("preflight-any-header", result, creds)
    if grants(response, "Access-Control-Allow-Methods", None):
        add("preflight-any-method", result, creds)


def grants(response: Response, name: str, asked: str | None) -> bool:
    """True if header *name* is ``*`` or lists *asked* (a name only an echo would list)."""
    values = [v.strip() for v in (response.get(name) or "").split(",")]
    return "*" in values or (asked is not None and asked.lower() in
                             (v.lower() for v in values))


def _varies_by_origin(response: Response) -> bool:
    names = {v.strip().lower() for v in (response.get("Vary") or "").split(",")}
    return "origin" in names or "*" in names


def at_or_above(findings: Iterable[Finding], level: Severity) -> list[Finding]:
    """The findings whose severity is *level* or more severe."""
    floor = SEVERITIES.index(level)
    return [f for f in findings if SEVERITIES.index(f.severity) >= floor]
