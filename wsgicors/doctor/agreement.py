"""A real browser's outcome next to the doctor's prediction (``check --browser``).

:mod:`~wsgicors.doctor.live` runs the request in a real browser; this module says
whether the browser did what the :class:`~wsgicors.doctor.Report` predicted, as JSON
and as text.
"""

from __future__ import annotations

from typing import Any, TextIO

from ..toolbase.terminal import Style, writer
from . import browser as rules
from .live import PAGE_PATH, Outcome
from .report import Report
from .vocabulary import Browser


def agrees(outcome: Outcome, report: Report) -> bool:
    """True if the real browser did what the doctor predicted in *report*.

    The verdicts must match and, for a blocked request, the predicted console message
    must be among the browser's console entries (Chromium prints none for a network
    error); WebKit's message is all its console lines, joined.
    """
    predicted = report.outcomes[outcome.browser]
    if outcome.verdict != ("allowed" if predicted.allowed else "blocked"):
        return False
    if predicted.message is None:
        return True
    page = report.origin + PAGE_PATH  # the real page's URL, where a message names it
    seen = [entry.text.replace(page, report.origin + "/") for entry in outcome.console
            if entry.source != "console"]
    if outcome.browser == "webkit":
        seen = ["\n".join(seen)]
    return not acceptable_messages(report, outcome.browser).isdisjoint(seen)


def acceptable_messages(report: Report, browser: Browser) -> set[str]:
    """The console messages that bear out the prediction for *browser*.

    The predicted one; and when Chromium refuses several request headers, the same
    message naming any of them: it names the first in the order of its own hash
    table, which the doctor does not reproduce.
    """
    outcome = report.outcomes[browser]
    if outcome.message is None:
        return set()
    failure = outcome.failure
    if browser != "chrome" or failure is None or failure.code != "header-not-allowed":
        return {outcome.message}
    allowed = rules.parse_allow_list(", ".join(value for _name, value in failure.headers))
    requested = rules.unsafe_header_names(report.headers, browser)
    named = f" field {failure.hint} is "
    return {outcome.message.replace(named, f" field {name} is ")
            for name in rules.refused_names(allowed or [], requested, report.credentials)}


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
    how = "under Xvfb" if outcome.browser == "webkit" else "headless"
    write(f"Real {outcome.version} ({how}): ", style(verdict, colour), note)
    for entry in outcome.console:
        write(f"  {entry.source} console: {entry.text}")
