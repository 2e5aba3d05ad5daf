"""docs/audit.rst lists every finding id with the severities the code gives it."""

from __future__ import annotations

import re
from pathlib import Path

from wsgicors.audit import RULES
from wsgicors.audit.probes import (
    NO_ORIGIN,
    per_url_probes,
    special_probes,
    trusted_probes,
    unique,
)

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


TOKEN = "1f2e3d4c"


def _probe_tables() -> dict[str, tuple[int, set[str]]]:
    """{trusted origin: (the request count the text gives, the origins the table lists)}
    for each table of probes in docs/audit.rst."""
    page = (DOCS / "audit.rst").read_text()
    tables = {}
    for match in re.finditer(r"For (?:a trusted origin )?``(\S+)``.*?(\d+) requests:\n\n"
                             r"=+ +=+\nprobe Origin.*?\n=+ +=+\n(.*?)\n=+ +=+\n", page, re.S):
        trusted, count, rows = match.groups()
        origins = set(re.findall(r"``((?:https?|[a-z]+)://[^`]+|null)``", rows))
        if "(no ``Origin`` header)" in rows:
            origins.add(NO_ORIGIN)
        tables[trusted] = (int(count), origins)
    return tables


def test_probe_tables_list_what_the_audit_sends() -> None:
    """The docs say what is sent for a domain and for localhost: exactly what is sent."""
    tables = _probe_tables()
    assert set(tables) == {"https://app.example.com", "http://localhost:5173"}
    for trusted, (count, listed) in tables.items():
        first = unique(per_url_probes(TOKEN) + trusted_probes(trusted, TOKEN))
        special = special_probes(trusted, TOKEN)
        assert count == len(first) + len(special) == len(unique(first + special))
        # The table lists the first special character; the text names the others.
        assert listed == {p.origin for p in first} | {special[0].origin}
