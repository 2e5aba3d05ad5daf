"""Run an audit: send the probes over a doctor transport, bounded, and judge the answers.

At most :data:`MAX_REQUESTS` requests per URL, at most :data:`MAX_CONCURRENT` at a
time; each request has the transport's own timeout, and with *seconds* all the requests
to one URL share one deadline (``transport.within(seconds)``: past it, every request
fails at once). Probes are sent the way a browser sends them: an actual ``GET``
carries the user's ``--header`` values (and a cookie with ``credentials``), a preflight
carries only ``Origin`` and the ``Access-Control-Request-*`` headers, since browsers
never send credentials on a preflight.

A URL that serves no ``GET`` (a ``POST`` or ``DELETE`` endpoint) is probed with
preflights for its own method instead of actual requests: the audit never sends a
request that could change data.

Every value of a ``--header`` is secret: requests are recorded with ``<redacted>``
in its place, and whatever the server sent back (evidence, notes, errors) goes
through a :class:`~.redaction.Redactor` before anything is cut or printed.
"""

from __future__ import annotations

import dataclasses
import re
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Protocol

from ..logsafe import logsafe
from ..origins import OriginRule
from ..toolbase.errors import ToolError
from .configs import Serving
from .findings import Finding, Header, Response, Result, allows, judge
from .fixes import whole_fix, with_fix
from .probes import (
    NO_ORIGIN,
    Probe,
    new_token,
    per_url_probes,
    representative,
    special_probes,
    trusted_probes,
    trusted_rule,
    unique,
)
from .redaction import REDACTED, Redactor

#: Most requests sent to one URL.
MAX_REQUESTS = 60
#: Most requests in flight at once.
MAX_CONCURRENT = 4
#: The cookie an audit with ``credentials`` sends when ``--header`` gives none.
AUDIT_COOKIE = ("Cookie", "wsgicors_audit=1")
#: Methods whose requests the audit sends as they are; others only as preflights.
SAFE_METHODS = frozenset({"GET", "HEAD"})

__all__ = ["AUDIT_COOKIE", "MAX_CONCURRENT", "MAX_REQUESTS", "REDACTED", "SAFE_METHODS",
           "Audit", "Progress", "Sender", "audit"]

Progress = Callable[[int, int], None]


class Sender(Protocol):
    """A doctor transport (network, WSGI) or :class:`~.inprocess.ASGITransport`."""

    def send(self, method: str, url: str, headers: Sequence[Header]) -> Response:
        """Send one request, return the response; raise ToolError on failure."""

    def within(self, seconds: float) -> Sender:
        """The same sender, every request it sends ending *seconds* from now at the latest."""


@dataclass
class Audit:
    """What the audit of one URL sent, got and found."""

    url: str
    trusted: list[str]
    results: list[Result] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: The route the URL stands for in a whole-application audit (``/items/<int:id>``).
    route: str | None = None


def audit(transport: Sender, url: str, trusted: Sequence[str], *,
          headers: Sequence[Header] = (), credentials: bool = False,
          concurrency: int = MAX_CONCURRENT, token: str | None = None,
          progress: Progress | None = None, method: str = "GET",
          max_requests: int = MAX_REQUESTS, serving: Serving | None = None,
          seconds: float | None = None) -> Audit:
    """Probe *url* for origins *trusted* should not let in; raise ToolError if no probe
    got an answer.

    *trusted* holds origins (``https://app.example.com``) or subdomain patterns
    (``https://*.example.com``). *method* is what the URL serves: anything but
    ``GET`` or ``HEAD`` is probed with preflights only. At most *max_requests*
    requests are sent (never more than :data:`MAX_REQUESTS`), all of them within
    *seconds* when given. *serving* says what answers CORS there, for the fix (see
    :mod:`~wsgicors.audit.fixes`): without it, the fix is written from the answers, for
    the stack the server names.
    """
    if seconds is not None:
        transport = transport.within(seconds)
    limit = max(1, min(max_requests, MAX_REQUESTS))
    token = token or new_token()
    redactor = Redactor.for_headers(headers)
    sender = _Sender(transport, url, headers, credentials, concurrency, progress, redactor)
    rules = [rule for rule in map(trusted_rule, trusted) if rule is not None]
    origins = [representative(rule, token) for rule in rules]
    covered = _covered_by(rules)
    first = per_url_probes(token) + [p for o in origins for p in trusted_probes(o, token)]
    first = _for_method(unique([p for p in first if not covered(p)]), method)
    results = sender.run(first[:limit])
    if all(r.response is None for r in results):
        raise ToolError(str(results[0].error))
    second = [p for o in origins if not _prefix_open(results, o)
              for p in special_probes(o, token) if not covered(p)]
    second = _for_method(second, method)
    budget = limit - len(results)
    results += sender.run(second[:budget])
    findings = judge(results, url)
    if findings:
        fix = whole_fix(results, trusted, serving or Serving(),
                        keep=lambda name: redactor(name) == name)
        findings = with_fix(findings, fix)
    findings = [dataclasses.replace(f, evidence=redactor.data(f.evidence)) for f in findings]
    done = Audit(url, list(trusted), results, findings)
    skipped = len(first) + len(second) - len(results)
    if skipped > 0:
        done.notes.append(f"{skipped} probes not sent (at most {limit} requests "
                          "for this URL): audit fewer trusted origins at a time")
    done.notes += _notes(results, redactor)
    return done


def _covered_by(rules: Sequence[OriginRule]) -> Callable[[Probe], bool]:
    """True for a probe whose origin a trusted subdomain pattern covers (not an attack);
    the controls are always sent."""
    patterns = [re.compile(rule.regex()) for rule in rules if not rule.is_exact]
    return lambda probe: probe.kind != "control" and probe.origin != NO_ORIGIN and any(
        pattern.fullmatch(probe.origin) for pattern in patterns)


def _for_method(probes: Sequence[Probe], method: str) -> list[Probe]:
    """*probes* for a URL serving *method*: unsafe methods get preflights, never the
    actual request (which could change data)."""
    method = method.upper()
    if method in SAFE_METHODS:
        return list(probes)
    converted = [p if p.preflight else dataclasses.replace(p, method=method)
                 for p in probes if p.origin != NO_ORIGIN]
    return unique(converted)


def _prefix_open(results: Sequence[Result], trusted: str) -> bool:
    """True if a first-round probe already shows that attacker suffixes get through."""
    return any(allows(r) for r in results if r.probe.kind == "any-origin-reflected"
               or (r.probe.kind == "prefix-match" and r.probe.trusted == trusted))


def _notes(results: Sequence[Result], redactor: Redactor) -> list[str]:
    """What limits the audit: a redirect, the trusted origins' own answers, failures."""
    first = results[0].response
    notes = []
    if first is not None and 300 <= first.status < 400:
        location = redactor(first.get("Location") or "")
        notes.append(f"the URL redirects ({first.status}) to {logsafe(location)}: "
                     "audit that URL instead")
    actual = [r for r in results if r.probe.kind == "control" and r.response is not None
              and not r.probe.preflight]
    notes += _control_notes(actual or [r for r in results if r.probe.kind == "control"
                                       and r.response is not None])
    failed = [r for r in results if r.response is None]
    if failed:
        notes.append(f"{len(failed)} of {len(results)} requests failed, first: "
                     f"{failed[0].error}")
    return notes


def _control_notes(controls: Sequence[Result]) -> list[str]:
    """Notes on the requests from the trusted origins themselves."""
    notes = []
    for result in controls:
        assert result.response is not None
        what = "a preflight" if result.probe.preflight else "a GET"
        if result.response.get("Access-Control-Allow-Origin") == "*":
            notes.append("Access-Control-Allow-Origin: * lets every site read the responses "
                         "to requests without credentials: right for public data only")
        elif not allows(result):
            notes.append(f"{result.probe.trusted} itself gets no Access-Control-Allow-Origin "
                         f"on {what}: is the URL right, and is it a trusted origin here?")
    return list(dict.fromkeys(notes))


class _Sender:
    """Send probes concurrently (bounded) and report progress."""

    def __init__(self, transport: Sender, url: str, headers: Sequence[Header],
                 credentials: bool, concurrency: int, progress: Progress | None,
                 redactor: Redactor) -> None:
        self.transport, self.url, self.progress = transport, url, progress
        self.redactor = redactor
        self.concurrency = max(1, min(concurrency, MAX_CONCURRENT))
        self.extra = list(headers)
        self.shown = [(name, REDACTED) for name, _value in headers]
        if credentials and not any(n.lower() == "cookie" for n, _v in headers):
            self.extra.append(AUDIT_COOKIE)
            self.shown.append(AUDIT_COOKIE)
        self.sent = 0
        self.total = 0
        self.lock = threading.Lock()

    def run(self, probes: Sequence[Probe]) -> list[Result]:
        """Send *probes*, return their results in the same order."""
        self.total += len(probes)
        if self.concurrency == 1 or len(probes) < 2:
            return [self._send(p) for p in probes]
        with ThreadPoolExecutor(self.concurrency, thread_name_prefix="wsgicors-audit") as pool:
            return list(pool.map(self._send, probes))

    def _send(self, probe: Probe) -> Result:
        real, shown = self._headers(probe)
        try:
            method = "OPTIONS" if probe.preflight else "GET"
            result = Result(probe, shown, self.transport.send(method, self.url, real))
        except ToolError as exc:
            result = Result(probe, shown, error=self.redactor(str(exc)))
        with self.lock:
            self.sent += 1
            if self.progress is not None:
                self.progress(self.sent, self.total)
        return result

    def _headers(self, probe: Probe) -> tuple[list[Header], tuple[Header, ...]]:
        own: list[Header] = [] if probe.origin == NO_ORIGIN else [("Origin", probe.origin)]
        if not probe.preflight:
            return own + self.extra, tuple(own + self.shown)
        assert probe.method is not None
        own.append(("Access-Control-Request-Method", probe.method))
        if probe.request_headers:
            own.append(("Access-Control-Request-Headers", probe.request_headers))
        if probe.private_network:
            own.append(("Access-Control-Request-Private-Network", "true"))
        return own, tuple(own)
