"""The audit's words: finding ids and severities, as types.

Both are stable: scripts and code-scanning dashboards key on them (``--json``,
SARIF ``ruleId``), so an id is never renamed, only added.
"""

from __future__ import annotations

from typing import Literal

#: How bad a finding is.
Severity = Literal["info", "low", "medium", "high"]
#: Severities from least to most severe.
SEVERITIES: tuple[Severity, ...] = ("info", "low", "medium", "high")

#: What a finding is (:class:`~wsgicors.audit.Finding` ``id``, SARIF ``ruleId``).
FindingId = Literal[
    "any-origin-reflected", "null-origin-allowed", "prefix-match", "suffix-match",
    "unescaped-regex-dot", "special-character-bypass", "insecure-scheme-trusted",
    "any-subdomain-trusted", "wildcard-with-credentials", "missing-vary-origin",
    "private-network-open", "preflight-any-method", "preflight-any-header",
]
#: What a probe tests: the finding it may show, or ``control`` for a trusted origin
#: itself (the answers every other probe is compared with).
ProbeKind = FindingId | Literal["control"]
