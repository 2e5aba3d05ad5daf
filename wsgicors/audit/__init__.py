"""``wsgicors audit``: can another site read this server's responses through CORS?

* :mod:`~wsgicors.audit.probes`: the attacker origins, derived from each trusted
  origin and its registrable domain;
* :mod:`~wsgicors.audit.scan`: :func:`audit`, the probes sent over a doctor transport
  (network or in process), bounded in number, concurrency and time;
* :mod:`~wsgicors.audit.vocabulary`: finding ids and severities, as types;
* :mod:`~wsgicors.audit.findings`: what each finding means, how severe, the fixes;
* :mod:`~wsgicors.audit.report`: text, JSON and SARIF 2.1.0;
* :mod:`~wsgicors.audit.cli`: the ``audit`` subcommand of the ``wsgicors`` command.

It builds on the doctor's transports (:mod:`wsgicors.doctor.transport`): the same
network client and in-process WSGI/ASGI calls.

In a test suite::

    from wsgicors.audit import audit
    from wsgicors.doctor import WSGITransport

    found = audit(WSGITransport(app), "http://localhost/api/me", ["https://app.example.com"])
    assert [f.id for f in found.findings if f.severity != "info"] == []
"""

from .findings import RULES, Finding, Result, Rule
from .probes import Probe, registrable_domain
from .scan import MAX_CONCURRENT, MAX_REQUESTS, Audit, audit
from .vocabulary import SEVERITIES, FindingId, Severity

__all__ = [
    "MAX_CONCURRENT",
    "MAX_REQUESTS",
    "RULES",
    "SEVERITIES",
    "Audit",
    "Finding",
    "FindingId",
    "Probe",
    "Result",
    "Rule",
    "Severity",
    "audit",
    "registrable_domain",
]
