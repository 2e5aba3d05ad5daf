"""Reading report-only records back from a log and adding them up.

A record is a line holding :data:`wsgicors.reportonly.MARKER` and a JSON object after
it, whatever the log format puts before (a timestamp, a level) or after. Each record
stands for ``1 + repeats`` disagreements (``repeats``: identical ones left out since
the previous record); ``dropped`` counts records the rate limit left out, whose
details are lost. Lines are read one at a time; a line longer than
:data:`MAX_LINE` characters, or a record that does not parse, is counted as skipped.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ..reportonly import MARKER

#: Longest line read, in characters: a record is well under 2,000.
MAX_LINE = 65_536
#: Most distinct rows kept; further ones are added to ``other``.
MAX_ROWS = 100_000
#: The fields that make a row (one origin, route, request and refusal).
ROW_FIELDS = ("change", "origin", "pattern", "request", "method", "step", "code")


@dataclass(frozen=True)
class Row:
    """Disagreements of one kind: the same origin, route, request and refusal."""

    change: str
    origin: str
    pattern: str
    request: str
    method: str
    step: str
    code: str
    count: int


@dataclass
class Summary:
    """Every record of the logs read, added up."""

    #: Records read, and the disagreements they stand for.
    records: int = 0
    disagreements: int = 0
    #: Records the rate limit left out (their details are lost).
    dropped: int = 0
    #: Lines that held the marker but no readable record, or were too long.
    skipped: int = 0
    #: Disagreements whose row did not fit in :data:`MAX_ROWS`.
    other: int = 0
    counts: dict[tuple[str, ...], int] = field(default_factory=dict)

    def rows(self, change: str) -> list[Row]:
        """The rows of one change (``"breaks"``, ``"widens"``), most frequent first."""
        found = [Row(**dict(zip(ROW_FIELDS, key, strict=True)), count=count)
                 for key, count in self.counts.items() if key[0] == change]
        return sorted(found, key=lambda row: (-row.count, row.origin, row.pattern))

    def by(self, change: str, name: str) -> list[tuple[str, int]]:
        """Disagreements of one change per origin or per route (*name*: ``"origin"``
        or ``"pattern"``), most frequent first."""
        totals: dict[str, int] = {}
        for row in self.rows(change):
            value = getattr(row, name)
            totals[value] = totals.get(value, 0) + row.count
        return sorted(totals.items(), key=lambda item: (-item[1], item[0]))

    def as_json(self) -> dict[str, Any]:
        """The summary as plain data (``--json``)."""
        return {
            "records": self.records, "disagreements": self.disagreements,
            "dropped": self.dropped, "skipped": self.skipped, "other": self.other,
            **{change: {"rows": [row.__dict__ for row in self.rows(change)],
                        "origins": dict(self.by(change, "origin")),
                        "routes": dict(self.by(change, "pattern"))}
               for change in ("breaks", "widens")},
        }


def summarize(lines: Iterable[str], summary: Summary | None = None) -> Summary:
    """Add the records in *lines* to *summary* (a new one by default)."""
    summary = summary or Summary()
    decoder = json.JSONDecoder()
    for line in lines:
        start = line.find(MARKER, 0, MAX_LINE)
        if start < 0:
            continue
        record = _record(decoder, line, start + len(MARKER))
        if record is None:
            summary.skipped += 1
            continue
        _add(summary, record)
    return summary


def _record(decoder: json.JSONDecoder, line: str, start: int) -> dict[str, Any] | None:
    if len(line) > MAX_LINE:
        return None
    try:
        record, _end = decoder.raw_decode(line, start)
    except ValueError:
        return None
    if not isinstance(record, dict) or record.get("change") not in ("breaks", "widens"):
        return None
    if not all(isinstance(record.get(name), str) for name in ROW_FIELDS):
        return None
    return record


def _add(summary: Summary, record: dict[str, Any]) -> None:
    count = 1 + _whole(record.get("repeats"))
    summary.records += 1
    summary.disagreements += count
    summary.dropped += _whole(record.get("dropped"))
    key = tuple(record[name] for name in ROW_FIELDS)
    if key in summary.counts or len(summary.counts) < MAX_ROWS:
        summary.counts[key] = summary.counts.get(key, 0) + count
    else:
        summary.other += count


def _whole(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0
