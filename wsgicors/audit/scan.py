"""Run an audit: send the probes over a doctor transport, bounded, and judge the answers.

At most :data:`MAX_REQUESTS` requests per URL, at most :data:`MAX_CONCURRENT` at a
time; each request has the transport's own timeout, and a transport given one deadline
for all (``transport.within(seconds)``, as the command line does per URL) fails every
request past it at once. Probes are sent the way a browser
sends them: an actual ``GET`` carries the user's ``--header`` values (and a cookie with
``credentials``), a preflight carries only ``Origin`` and the ``Access-Control-Request-*``
headers, since browsers never send credentials on a preflight.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Protocol

from ..logsafe import logsafe
from ..toolbase.errors import ToolError
from .findings import Finding, Header, Response, Result, allows, judge
from .probes import (
    Probe,
    new_token,
    per_url_probes,
    special_probes,
    trusted_probes,
    unique,
)

#: Most requests sent to one URL.
MAX_REQUESTS = 60
#: Most requests in flight at once.
MAX_CONCURRENT = 4
#: Shown instead of every ``--header`` value.
REDACTED = "<redacted>"
#: The cookie an audit with ``credentials`` sends when ``--header`` gives none.
AUDIT_COOKIE = ("Cookie", "wsgicors_audit=1")

Progress = Callable[[int, int], None]


class Sender(Protocol):
    """A doctor transport (network, WSGI) or :class:`~.inprocess.ASGITransport`."""

    def send(self, method: str, url: str, headers: Sequence[Header]) -> Response:
        """Send one request, return the response; raise ToolError on failure."""


@dataclass
class Audit:
    """What the audit of one URL sent, got and found."""

    url: str
    trusted: list[str]
    results: list[Result] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def audit(transport: Sender, url: str, trusted: Sequence[str], *,
          headers: Sequence[Header] = (), credentials: bool = False,
          concurrency: int = MAX_CONCURRENT, token: str | None = None,
          progress: Progress | None = None) -> Audit:
    """Probe *url* for origins *trusted* should not let in; raise ToolError if no probe
    got an answer."""
    token = token or new_token()
    sender = _Sender(transport, url, headers, credentials, concurrency, progress)
    first = unique(per_url_probes(token) + [p for t in trusted for p in trusted_probes(t, token)])
    results = sender.run(first[:MAX_REQUESTS])
    if all(r.response is None for r in results):
        raise ToolError(str(results[0].error))
    second = [p for t in trusted if not _prefix_open(results, t)
              for p in special_probes(t, token)]
    budget = MAX_REQUESTS - len(results)
    results += sender.run(second[:budget])
    done = Audit(url, list(trusted), results, judge(results, url, trusted))
    skipped = len(first) + len(second) - len(results)
    if skipped > 0:
        done.notes.append(f"{skipped} probes not sent (at most {MAX_REQUESTS} requests "
                          "per URL): audit fewer trusted origins at a time")
    done.notes += _notes(results)
    return done


def _prefix_open(results: Sequence[Result], trusted: str) -> bool:
    """True if a first-round probe already shows that attacker suffixes get through."""
    return any(allows(r) for r in results if r.probe.kind == "any-origin-reflected"
               or (r.probe.kind == "prefix-match" and r.probe.trusted == trusted))


def _notes(results: Sequence[Result]) -> list[str]:
    """What limits the audit: a redirect, the trusted origins' own answers, failures."""
    first = results[0].response
    notes = []
    if first is not None and 300 <= first.status < 400:
        notes.append(f"the URL redirects ({first.status}) to "
                     f"{logsafe(first.get('Location'))}: audit that URL instead")
    notes += _control_notes([r for r in results if r.probe.kind == "control"
                             and not r.probe.preflight and r.response is not None])
    failed = [r for r in results if r.response is None]
    if failed:
        notes.append(f"{len(failed)} of {len(results)} requests failed, first: "
                     f"{failed[0].error}")
    return notes


def _control_notes(controls: Sequence[Result]) -> list[str]:
    """Notes on the GETs from the trusted origins themselves."""
    notes = []
    for result in controls:
        assert result.response is not None
        if result.response.get("Access-Control-Allow-Origin") == "*":
            notes.append("Access-Control-Allow-Origin: * lets every site read the responses "
                         "to requests without credentials: right for public data only")
        elif not allows(result):
            notes.append(f"{result.probe.trusted} itself gets no Access-Control-Allow-Origin "
                         "on a GET: is the URL right, and is it a trusted origin here?")
    return list(dict.fromkeys(notes))


class _Sender:
    """Send probes concurrently (bounded) and report progress."""

    def __init__(self, transport: Sender, url: str, headers: Sequence[Header],
                 credentials: bool, concurrency: int, progress: Progress | None) -> None:
        self.transport, self.url, self.progress = transport, url, progress
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
            result = Result(probe, shown, error=str(exc))
        with self.lock:
            self.sent += 1
            if self.progress is not None:
                self.progress(self.sent, self.total)
        return result

    def _headers(self, probe: Probe) -> tuple[list[Header], tuple[Header, ...]]:
        own: list[Header] = [("Origin", probe.origin)]
        if not probe.preflight:
            return own + self.extra, tuple(own + self.shown)
        assert probe.method is not None
        own.append(("Access-Control-Request-Method", probe.method))
        if probe.request_headers:
            own.append(("Access-Control-Request-Headers", probe.request_headers))
        if probe.private_network:
            own.append(("Access-Control-Request-Private-Network", "true"))
        return own, tuple(own)
