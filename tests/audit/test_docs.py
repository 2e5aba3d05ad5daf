"""docs/audit.rst lists every finding id with the severities the code gives it."""

from __future__ import annotations

import re
from pathlib import Path

from wsgicors.audit import RULES

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_findings_table_matches_the_rules() -> None:
    rows = re.findall(r"^``([a-z-]+)``\s+(high|medium|low|info)\s+(high|medium|low|info)\s",
                      (DOCS / "audit.rst").read_text(), re.MULTILINE)
    assert {row[0]: (row[1], row[2]) for row in rows} == {
        rule.id: (rule.severe, rule.mild) for rule in RULES.values()}


def test_comparison_table_is_committed_and_included() -> None:
    page = (DOCS / "audit.rst").read_text()
    assert ".. include:: _audit_comparison.rst" in page
    table = (DOCS / "_audit_comparison.rst").read_text()
    assert "CORScanner" in table and "* - wsgicors" in table
