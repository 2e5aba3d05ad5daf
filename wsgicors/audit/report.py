"""An audit's results as text, as JSON, and as SARIF 2.1.0 for code-scanning dashboards.

Everything a server sent is untrusted: in text, values from responses go through
:func:`wsgicors.logsafe.logsafe` (quoted, escaped, cut) and every line through the
tools' control-character escaping (:mod:`wsgicors.toolbase.terminal`); JSON and SARIF
escape by themselves. The values of ``--header`` never appear: requests are recorded
with them redacted, and :func:`redact` removes any copy a server sent back.
"""

from __future__ import annotations

import hashlib
import json
import urllib.parse
from collections.abc import Iterable, Sequence
from typing import Any, TextIO

from ..logsafe import logsafe
from ..toolbase.terminal import Style, Write, writer
from .findings import RULES, Finding, allows, credentialed
from .scan import REDACTED, Audit
from .vocabulary import SEVERITIES, Severity

#: Colour of each severity label on a terminal.
_COLOURS: dict[Severity, str] = {"high": "1;31", "medium": "1;33", "low": "33", "info": "36"}
#: SARIF result level and GitHub's numeric security-severity of each severity.
_SARIF_LEVEL: dict[Severity, str] = {"high": "error", "medium": "error", "low": "warning",
                                     "info": "note"}
_SECURITY_SEVERITY: dict[Severity, str] = {"high": "8.1", "medium": "5.3", "low": "3.1",
                                           "info": "0.0"}
#: Shortest secret redacted wherever it appears (shorter ones would blank common text).
MIN_SECRET = 6


def redact(text: str, secrets: Iterable[str]) -> str:
    """*text* with every secret of :data:`MIN_SECRET` characters or more replaced."""
    for secret in sorted(secrets, key=len, reverse=True):
        if len(secret) >= MIN_SECRET:
            text = text.replace(secret, REDACTED)
    return text


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
        "kind": result.probe.kind, "origin": result.probe.origin,
        "method": "OPTIONS" if result.probe.preflight else "GET",
        "status": response.status if response else None,
        "allowed": allows(result), "credentials": credentialed(response),
        "error": result.error,
    }


def _finding_dict(finding: Finding) -> dict[str, Any]:
    return {"id": finding.id, "severity": finding.severity, "title": finding.title,
            "origin": finding.origin, "evidence": finding.evidence, "fix": finding.fix}


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
    write(f"    origin: {finding.origin}")
    request = finding.evidence["request"]
    write(f"    request: {request['method']} {request['url']}")
    for name, value in request["headers"]:
        write(f"      {name}: {value}")
    response = finding.evidence["response"]
    write(f"    response: {response['status']}")
    for name, value in response["headers"]:
        write(f"      {name}: {logsafe(value)}")
    for tool, text in finding.fix.items():
        write(f"    fix ({tool}): {text}")


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
    key = "|".join((finding.id, done.url, ",".join(done.trusted)))
    return {
        "ruleId": finding.id, "ruleIndex": index,
        "level": _SARIF_LEVEL[finding.severity],
        "message": {"text": f"{done.url}: {finding.title} (origin {finding.origin}). "
                            f"Fix: {fix}"},
        # Code scanning accepts only repository paths as locations: the URL becomes one.
        "locations": [{"physicalLocation": {"artifactLocation": {"uri": sarif_path(done.url)}},
                       "message": {"text": done.url}}],
        "partialFingerprints": {"wsgicorsAudit/v1": hashlib.sha256(key.encode()).hexdigest()},
        "properties": {"url": done.url, "severity": finding.severity,
                       "evidence": finding.evidence},
    }


def sarif_path(url: str) -> str:
    """*url* as a repository-relative path: host (``_port``) and path, no query."""
    parts = urllib.parse.urlsplit(url)
    host = (parts.hostname or "app") + (f"_{parts.port}" if parts.port else "")
    path = parts.path.strip("/")
    return f"{host}/{path}" if path else host


def dumps(data: Any, secrets: Iterable[str]) -> str:
    """*data* as indented JSON with every secret redacted."""
    return redact(json.dumps(data, indent=2), secrets)
