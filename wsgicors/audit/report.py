"""An audit's results as text, as JSON, and as SARIF 2.1.0 for code-scanning dashboards.

Everything a server sent is untrusted: in text, values from responses go through
:func:`wsgicors.logsafe.logsafe` (quoted, escaped, cut) and every line through the
tools' control-character escaping (:mod:`wsgicors.toolbase.terminal`); JSON and SARIF
escape by themselves. The values of ``--header`` never appear: the audit redacts
them from the data before anything is cut (:mod:`~wsgicors.audit.redaction`), and
:func:`dumps` and the command line pass the finished output through the same
:class:`~wsgicors.audit.redaction.Redactor` once more.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import urllib.parse
from collections.abc import Sequence
from typing import Any, TextIO

from ..logsafe import logsafe
from ..toolbase.terminal import Style, Write, escape, writer
from .findings import RULES, Finding, allows, at_or_above, credentialed
from .probes import NO_ORIGIN
from .redaction import Redactor
from .scan import Audit
from .survey import RouteAudit, Survey
from .vocabulary import SEVERITIES, Severity

#: Colour of each severity label on a terminal.
_COLOURS: dict[Severity, str] = {"high": "1;31", "medium": "1;33", "low": "33", "info": "36"}
#: SARIF result level and GitHub's numeric security-severity of each severity.
_SARIF_LEVEL: dict[Severity, str] = {"high": "error", "medium": "error", "low": "warning",
                                     "info": "note"}
_SECURITY_SEVERITY: dict[Severity, str] = {"high": "8.1", "medium": "5.3", "low": "3.1",
                                           "info": "0.0"}
def as_dict(done: Audit) -> dict[str, Any]:
    """The JSON form of one URL's audit."""
    return {
        "url": done.url,
        "trusted_origins": done.trusted,
        "requests": len(done.results),
        "probes": [_probe_dict(r) for r in done.results],
        "findings": [_finding_dict(f) for f in done.findings],
        "notes": done.notes,
    }


def _probe_dict(result: Any) -> dict[str, Any]:
    response = result.response
    return {
        "kind": result.probe.kind, "origin": _origin(result.probe.origin),
        "method": "OPTIONS" if result.probe.preflight else "GET",
        "status": response.status if response else None,
        "allowed": allows(result), "credentials": credentialed(response),
        "error": result.error,
    }


def _finding_dict(finding: Finding) -> dict[str, Any]:
    return {"id": finding.id, "severity": finding.severity, "title": finding.title,
            "origin": _origin(finding.origin), "evidence": finding.evidence,
            "fix": finding.fix}


def _origin(origin: str) -> str | None:
    """A probe's origin in JSON: null for the request sent without Origin."""
    return None if origin == NO_ORIGIN else origin


# -- text ------------------------------------------------------------------------


def print_text(done: Audit, style: Style, out: TextIO, fail_on: Severity) -> None:
    """Print one URL's audit for a human."""
    write = writer(out)
    write(f"Audit of {done.url} for {', '.join(done.trusted)}: {len(done.results)} requests")
    for finding in done.findings:
        _print_finding(finding, style, write)
    for note in done.notes:
        write(f"Note: {note}")
    counts = ", ".join(f"{sum(f.severity == s for f in done.findings)} {s}"
                       for s in reversed(SEVERITIES))
    verdict = "no finding" if not done.findings else counts
    write(f"Result: {verdict} (failing on {fail_on} and above)")


def _print_finding(finding: Finding, style: Style, write: Write) -> None:
    label = style(finding.severity.upper(), _COLOURS[finding.severity])
    write(label, f" {finding.id}: {finding.title}")
    write(f"    origin: {finding.origin or '(none: a request without Origin)'}")
    request = finding.evidence["request"]
    write(f"    request: {request['method']} {request['url']}")
    for name, value in request["headers"]:
        write(f"      {name}: {value}")
    response = finding.evidence["response"]
    write(f"    response: {response['status']}")
    for name, value in response["headers"]:
        write(f"      {name}: {logsafe(value)}")
    for other in finding.evidence.get("compared", ()):
        shown = ", ".join(f"{name}: {logsafe(value)}" for name, value in other.items()
                          if name != "origin" and value is not None) or "no CORS headers"
        write(f"    compared: Origin {other['origin'] or '(none)'} got {shown}")
    for tool, text in finding.fix.items():
        write(f"    fix ({tool}): {text}")


# -- whole applications ----------------------------------------------------------


def survey_as_dict(found: Survey) -> dict[str, Any]:
    """The JSON form of a whole-application audit: one entry per route."""
    return {
        "target": found.target,
        "trusted_origins": found.trusted,
        "requests": found.requests,
        "routes": [_route_dict(entry) for entry in found.routes],
        "notes": found.notes,
    }


def _route_dict(entry: RouteAudit) -> dict[str, Any]:
    shown: dict[str, Any] = {"route": entry.route.pattern, "methods": list(entry.route.methods),
                             "url": entry.url, "policy": entry.policy, "error": entry.error}
    if entry.audit is not None:
        done = as_dict(entry.audit)
        shown.update((key, done[key]) for key in ("requests", "probes", "findings", "notes"))
    return shown


def print_survey(found: Survey, style: Style, out: TextIO, fail_on: Severity) -> None:
    """Print a whole-application audit: the table of routes, then the details of every
    route with findings at *fail_on* or above."""
    write = writer(out)
    write(f"Audit of {found.target} for {', '.join(found.trusted)}: "
          f"{len(found.routes)} routes, {found.requests} requests")
    rows = [("ROUTE", "METHODS", "POLICY", "FINDINGS")]
    rows += [(e.route.pattern, ", ".join(e.route.methods) or "any", e.policy, _summary(e))
             for e in found.routes]
    widths = [max(len(escape(row[i])) for row in rows) for i in range(3)]
    for row in rows:
        write("  ".join(escape(cell).ljust(width) for cell, width in zip(row, widths,
                                                                            strict=False)),
              "  ", row[3])
    for entry in found.routes:  # details where the run fails; --json has all of them
        if entry.audit is not None and at_or_above(entry.audit.findings, fail_on):
            write("")
            write(f"Route {entry.route.pattern} ({entry.policy}):")
            print_text(entry.audit, style, out, fail_on)
    for note in found.notes:
        write(f"Note: {note}")
    findings = [f for e in found.routes if e.audit is not None for f in e.audit.findings]
    with_findings = sum(1 for e in found.routes if e.audit is not None and e.audit.findings)
    counts = ", ".join(f"{sum(f.severity == s for f in findings)} {s}"
                       for s in reversed(SEVERITIES))
    write(f"Result: {with_findings} of {len(found.routes)} routes with findings: {counts} "
          f"(failing on {fail_on} and above)")


def _summary(entry: RouteAudit) -> str:
    if entry.error is not None:
        return f"could not audit: {entry.error}"
    assert entry.audit is not None
    return ", ".join(f"{f.severity} {f.id}" for f in entry.audit.findings) or "none"


# -- SARIF -----------------------------------------------------------------------


def sarif(audits: Sequence[Audit], version: str) -> dict[str, Any]:
    """A SARIF 2.1.0 log of *audits*: one run, every rule, one result per finding."""
    rule_ids = list(RULES)
    rules = [{
        "id": rule.id, "name": rule.id,
        "shortDescription": {"text": rule.title},
        "help": {"text": "\n".join(f"{tool}: {text}" for tool, text in rule.fix.items())},
        "defaultConfiguration": {"level": _SARIF_LEVEL[rule.severe]},
        "properties": {"tags": ["security", "cors"],
                       "security-severity": _SECURITY_SEVERITY[rule.severe]},
    } for rule in RULES.values()]
    results = [_sarif_result(done, finding, rule_ids.index(finding.id))
               for done in audits for finding in done.findings]
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "wsgicors audit", "version": version,
                                "rules": rules}},
            "results": results,
        }],
    }


def _sarif_result(done: Audit, finding: Finding, index: int) -> dict[str, Any]:
    fix = "; ".join(f"{tool}: {text}" for tool, text in finding.fix.items())
    # A route keeps its fingerprint when its sample path or the random probes change.
    where = done.route or done.url
    key = "|".join((finding.id, where, ",".join(done.trusted)))
    shown = f"{done.route} ({done.url})" if done.route else done.url
    return {
        "ruleId": finding.id, "ruleIndex": index,
        "level": _SARIF_LEVEL[finding.severity],
        "message": {"text": f"{shown}: {finding.title} "
                            f"(origin {finding.origin or '(none)'}). Fix: {fix}"},
        # Code scanning accepts only repository paths as locations: the URL becomes one.
        "locations": [{"physicalLocation": {"artifactLocation": {"uri": sarif_path(done.url)}},
                       "message": {"text": done.url}}],
        "partialFingerprints": {"wsgicorsAudit/v1": hashlib.sha256(key.encode()).hexdigest()},
        "properties": {"url": done.url, "route": done.route, "severity": finding.severity,
                       "evidence": finding.evidence},
    }


def sarif_path(url: str) -> str:
    """*url* as a repository-relative path for code scanning: host (``_port``) and path.

    An RFC 3986 relative reference (``path-noscheme``): every character outside the
    unreserved set, the sub-delimiters, ``:`` and ``@`` percent-encoded (UTF-8), IDN
    hosts in punycode, an IPv6 host in encoded brackets, so that no colon can appear
    in the first segment; dot segments resolved and empty ones dropped, so the path
    never climbs above the host; the query left out.
    """
    parts = urllib.parse.urlsplit(url)
    host = _host_segment(parts.hostname or "app", "[" in parts.netloc)
    try:
        port = parts.port
    except ValueError:
        port = None
    segments = [host + (f"_{port}" if port else "")]
    for segment in parts.path.split("/"):
        dots = _ENCODED_DOT.sub(".", segment)
        if dots == "..":
            if len(segments) > 1:
                segments.pop()
        elif segment and dots != ".":
            segments.append(_percent_encoded(segment))
    return "/".join(segments)


# An escape already in the URL ("%2F") is kept as it is, upper-cased.
_ESCAPE = re.compile(r"(%[0-9A-Fa-f]{2})")
_ENCODED_DOT = re.compile(r"%2[eE]")
# pchar (RFC 3986) without "%": unreserved, sub-delims, ":" and "@".
_PCHAR_SAFE = "-._~!$&'()*+,;=:@"


def _percent_encoded(text: str, safe: str = _PCHAR_SAFE) -> str:
    return "".join(piece.upper() if _ESCAPE.fullmatch(piece) else
                   urllib.parse.quote(piece, safe=safe)
                   for piece in _ESCAPE.split(text))


def _host_segment(host: str, ipv6: bool) -> str:
    if ipv6:
        return _percent_encoded(f"[{host}]", safe="-._~")
    with contextlib.suppress(UnicodeError):  # not a valid IDN: percent-encoded below
        host = host.encode("idna").decode("ascii")
    return _percent_encoded(host, safe="-._~!$&'()*+,;=")


def dumps(data: Any, redactor: Redactor) -> str:
    """*data* as indented JSON, every string redacted, then the text once more."""
    return redactor(json.dumps(redactor.data(data), indent=2))
