"""``wsgicors audit``: can another site read this server's responses through CORS?

* :mod:`~wsgicors.audit.probes`: the attacker origins, derived from each trusted
  origin and its registrable domain;
* :mod:`~wsgicors.audit.scan`: :func:`audit`, the probes sent over a doctor transport
  (network or in process), bounded in number, concurrency and time;
* :mod:`~wsgicors.audit.findings`: stable finding ids, severities and fixes;
* :mod:`~wsgicors.audit.report`: text, JSON and SARIF 2.1.0;
* :mod:`~wsgicors.audit.cli`: the ``wsgicors audit`` subcommand.

In a test suite::

    from wsgicors.audit import audit
    from wsgicors.doctor import WSGITransport

    found = audit(WSGITransport(app), "http://localhost/api/me", ["https://app.example.com"])
    assert [f.id for f in found.findings if f.severity != "info"] == []
"""

from .findings import RULES, SEVERITIES, Finding, Result, Rule
from .probes import Probe, registrable_domain
from .scan import MAX_CONCURRENT, MAX_REQUESTS, Audit, audit

__all__ = [
    "MAX_CONCURRENT",
    "MAX_REQUESTS",
    "RULES",
    "SEVERITIES",
    "Audit",
    "Finding",
    "Probe",
    "Result",
    "Rule",
    "audit",
    "registrable_domain",
]
