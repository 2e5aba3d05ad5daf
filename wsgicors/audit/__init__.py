"""``wsgicors audit``: can another site read this server's responses through CORS?

* :mod:`~wsgicors.audit.probes`: the attacker origins, derived from each trusted
  origin (or subdomain pattern) and its registrable domain;
* :mod:`~wsgicors.audit.scan`: :func:`audit`, the probes sent over a doctor transport
  (network or in process), bounded in number, concurrency and time;
* :mod:`~wsgicors.audit.vocabulary`: finding ids and severities, as types;
* :mod:`~wsgicors.audit.findings`: what each finding means, how severe, the fixes;
* :mod:`~wsgicors.audit.redaction`: the secrets of ``--header`` kept out of all output;
* :mod:`~wsgicors.audit.routes`, :mod:`~wsgicors.audit.openapi`: every route of a
  Flask, Django or Starlette application, or of an OpenAPI 3 document;
* :mod:`~wsgicors.audit.layers`: which CORS configuration answers each route;
* :mod:`~wsgicors.audit.survey`: :func:`survey`, every route audited in one run;
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
from .redaction import Redactor
from .routes import Route
from .scan import MAX_CONCURRENT, MAX_REQUESTS, Audit, audit
from .survey import MAX_TOTAL_REQUESTS, RouteAudit, Survey, survey
from .vocabulary import SEVERITIES, FindingId, Severity

__all__ = [
    "MAX_CONCURRENT",
    "MAX_REQUESTS",
    "MAX_TOTAL_REQUESTS",
    "RULES",
    "SEVERITIES",
    "Audit",
    "Finding",
    "FindingId",
    "Probe",
    "Redactor",
    "Result",
    "Route",
    "RouteAudit",
    "Rule",
    "Severity",
    "Survey",
    "audit",
    "registrable_domain",
    "survey",
]
