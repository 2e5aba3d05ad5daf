"""``wsgicors report-summary``: what a report-only candidate policy would change.

A candidate policy runs beside the enforced one (:mod:`wsgicors.reportonly`) and logs
each disagreement on the ``wsgicors.report`` logger. This tool reads those logs and
says which origins and routes would break if the candidate were enforced, and which
it would newly allow, with how often: the roll-out checklist is observe, read this
summary, then enforce (docs/production.rst).
"""

from __future__ import annotations

from .summary import Row, Summary, summarize

__all__ = ["Row", "Summary", "summarize"]
