"""A real browser's outcome next to the doctor's prediction (``check --browser``).

:mod:`~wsgicors.doctor.live` runs the request in a real browser; this module says
whether the browser did what the :class:`~wsgicors.doctor.Report` predicted, as JSON
and as text.
"""

from __future__ import annotations

from typing import Any, TextIO

from ..toolbase.terminal import Style, writer
from .live import Outcome
from .report import Report


def agrees(outcome: Outcome, report: Report) -> bool:
    """True if the real browser did what the doctor predicted in *report*.

    The verdicts must match and, for a blocked request, the predicted console message
    must be among the browser's console entries (Chromium prints none for a network
    error).
    """
    predicted = report.outcomes[outcome.browser]
    if outcome.verdict != ("allowed" if predicted.allowed else "blocked"):
        return False
    return predicted.message is None or any(
        entry.text == predicted.message for entry in outcome.console)


def outcome_dict(outcome: Outcome, report: Report) -> dict[str, Any]:
    """A real browser's outcome as JSON-ready data (``check --browser --json``)."""
    return {"version": outcome.version, "verdict": outcome.verdict, "status": outcome.status,
            "readable_headers": outcome.readable, "agrees": agrees(outcome, report),
            "console": [{"source": e.source, "text": e.text, "url": e.url}
                        for e in outcome.console]}


def print_real(outcome: Outcome, report: Report, style: Style, out: TextIO) -> None:
    """Print what a real browser did, and whether the doctor predicted it."""
    write = writer(out)
    verdict = outcome.verdict.upper()
    colour = "1;32" if outcome.verdict == "allowed" else "1;31"
    note = ", as the doctor predicted." if agrees(outcome, report) else (
        ": the doctor predicted otherwise. Please report it, with this output.")
    write(f"Real {outcome.version} (headless): ", style(verdict, colour), note)
    for entry in outcome.console:
        write(f"  {entry.source} console: {entry.text}")
