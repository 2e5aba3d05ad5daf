"""What the doctor found, as data (:class:`Report`), as JSON and as text.

Everything a server sent is untrusted: the text form goes through
:mod:`wsgicors.toolbase.terminal`, which escapes every control character (line feeds
and tabs included), so a response can neither forge lines of the report nor drive
the terminal. JSON escapes them by itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal, TextIO

from .. import Decision
from ..toolbase.snippets import STACK_NAMES, Stack
from ..toolbase.terminal import Style, Write, writer
from .browser import Failure, Header, Response
from .vocabulary import BROWSER_NAMES, Browser

#: What an exchange was: a preflight, a redirect on the way, or the actual response.
ExchangeKind = Literal["preflight", "redirect", "actual"]


@dataclass(frozen=True)
class Exchange:
    """One request the doctor sent and the response it got.

    ``sent`` is False for an actual request that ``--preflight-only`` kept back: its
    response is then the one predicted from the preflight's CORS headers.
    """

    kind: ExchangeKind
    method: str
    url: str
    request_headers: tuple[Header, ...]
    response: Response
    sent: bool = True


@dataclass
class Outcome:
    """The verdict of one browser: allowed, or the failure and its console message."""

    browser: Browser
    failure: Failure | None = None
    #: The console message (None when allowed, or for a network error in Chromium).
    message: str | None = None
    #: The last URL this browser requested (where it failed, if it did).
    url: str = ""
    preflight_cache: int | None = None
    #: Indexes in :attr:`Report.exchanges` of the requests this browser sent, in order.
    exchanges: list[int] = field(default_factory=list)
    #: Response headers the script cannot read (allowed requests only).
    hidden_headers: list[str] = field(default_factory=list)
    #: What passes in this browser but not by the Fetch standard.
    warnings: list[str] = field(default_factory=list)

    @property
    def allowed(self) -> bool:
        """True if the browser hands the response to the script."""
        return self.failure is None


@dataclass
class Report:
    """Everything :func:`~wsgicors.doctor.check` found, for printing or as JSON."""

    url: str
    origin: str
    method: str
    headers: tuple[Header, ...]
    credentials: bool
    same_origin: bool = False
    preflight_reasons: list[str] = field(default_factory=list)
    exchanges: list[Exchange] = field(default_factory=list)
    outcomes: dict[Browser, Outcome] = field(default_factory=dict)
    fixes: list[str] = field(default_factory=list)
    wsgicors: list[Decision] = field(default_factory=list)
    hidden_headers: list[str] = field(default_factory=list)
    #: Response headers the script reads (``--read-header``), and those it cannot.
    read_headers: tuple[str, ...] = ()
    unreadable: list[str] = field(default_factory=list)
    #: Every header each response needs, and the configuration that sends them.
    fix: Fix | None = None
    #: What the check itself did that a user must know (a real POST was sent...).
    notes: list[str] = field(default_factory=list)
    #: What fails outside CORS although every browser allows the request (cookies).
    warnings: list[str] = field(default_factory=list)

    @property
    def allowed(self) -> bool:
        """True if every modelled browser allows the request."""
        return all(outcome.allowed for outcome in self.outcomes.values())

    @property
    def verdict(self) -> str:
        """``"allowed"`` or ``"blocked"``."""
        return "allowed" if self.allowed else "blocked"

    def as_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data (the ``--json`` output)."""
        return {
            "verdict": self.verdict,
            "request": {"url": self.url, "origin": self.origin, "method": self.method,
                        "headers": [list(h) for h in self.headers],
                        "credentials": self.credentials},
            "same_origin": self.same_origin,
            "preflight": {"needed": any(self.exchanges[i].kind == "preflight"
                                        for o in self.outcomes.values() for i in o.exchanges),
                          "reasons": self.preflight_reasons},
            "exchanges": [_exchange_dict(e) for e in self.exchanges],
            "browsers": {name: _outcome_dict(o) for name, o in self.outcomes.items()},
            "fixes": self.fixes,
            "fix": (self.fix or Fix()).as_dict(),
            "stack": None if self.fix is None else self.fix.stack_dict(),
            "wsgicors": [decision_dict(d) for d in self.wsgicors],
            "hidden_response_headers": self.hidden_headers,
            "read_headers": list(self.read_headers),
            "unreadable_headers": self.unreadable,
            "notes": self.notes,
            "warnings": self.warnings,
        }


@dataclass
class Fix:
    """Every header each response needs for every modelled browser to allow the
    request, and the configuration that sends them in the user's stack.

    Each header of :attr:`preflight` and :attr:`actual` replaces any header of that
    name in the response; ``(":status", "204")`` is a status the response must have.
    Applied exactly, they make every browser allow the request. Both are empty when
    nothing needs to change.
    """

    preflight: list[Header] = field(default_factory=list)
    actual: list[Header] = field(default_factory=list)
    #: The stack the configuration is written for (a key of
    #: :data:`wsgicors.toolbase.snippets.STACKS`), its snippet, and the others.
    stack: Stack = "wsgicors"
    snippet: str = ""
    alternatives: dict[str, str] = field(default_factory=dict)
    #: How the stack was found (``"--app"``, a response header...), and whether that
    #: is only a guess.
    source: str = ""
    guessed: bool = False

    def as_dict(self) -> dict[str, Any]:
        """The ``fix`` object of ``--json``."""
        return {"preflight": [list(h) for h in self.preflight],
                "actual": [list(h) for h in self.actual],
                "config": {"stack": self.stack, "snippet": self.snippet},
                "alternatives": dict(self.alternatives)}

    def stack_dict(self) -> dict[str, Any]:
        """The ``stack`` object of ``--json``: the stack, how it was found, a guess or not."""
        return {"name": self.stack, "source": self.source, "guessed": self.guessed}


def _exchange_dict(exchange: Exchange) -> dict[str, Any]:
    return {"kind": exchange.kind, "sent": exchange.sent, "method": exchange.method,
            "url": exchange.url,
            "request_headers": [list(h) for h in exchange.request_headers],
            "status": exchange.response.status,
            "response_headers": [list(h) for h in exchange.response.headers],
            "response_lines": exchange.response.lines}


def _outcome_dict(outcome: Outcome) -> dict[str, Any]:
    failure = outcome.failure
    return {"allowed": outcome.allowed, "url": outcome.url,
            "code": None if failure is None else failure.code,
            "stage": None if failure is None else failure.stage,
            "message": outcome.message,
            "culprit_headers": [] if failure is None else [list(h) for h in failure.headers],
            "preflight_cache_seconds": outcome.preflight_cache,
            "exchanges": outcome.exchanges,
            "hidden_response_headers": outcome.hidden_headers,
            "warnings": outcome.warnings}


def decision_dict(decision: Decision) -> dict[str, Any]:
    """A wsgicors :class:`~wsgicors.Decision` as JSON-ready data."""
    return {"kind": decision.kind, "allowed": decision.allowed, "code": decision.code,
            "reason": decision.reason, "option": decision.option,
            "headers": [list(h) for h in decision.headers]}


# -- text ------------------------------------------------------------------------


def print_report(report: Report, style: Style, out: TextIO) -> None:
    """Print *report* for a human (``style(text, ansi_code)`` adds colour or not)."""
    write = writer(out)
    creds = " with credentials" if report.credentials else ""
    write(f"{report.method} {report.url} from {report.origin}{creds}")
    if report.same_origin:
        write(style("ALLOWED", "1;32"), ": same-origin request, CORS does not apply.")
        return
    if report.preflight_reasons:
        write("Preflight needed: " + "; ".join(report.preflight_reasons) + ".")
    else:
        write("No preflight: a simple request (safelisted method and headers).")
    for note in report.notes:
        write(style("Note: ", "1"), note)
    write()
    for exchange in report.exchanges:
        unsent = "" if exchange.sent else ", not sent: predicted from the preflight"
        write(style(f"> {exchange.method} {exchange.url}", "1"))
        for name, value in exchange.request_headers:
            write(f"    {name}: {value}")
        write(style(f"< {exchange.response.status} ({exchange.kind}{unsent})", "1"))
        for text in exchange.response.lines:
            line = f"    {text}"
            cors = text.lower().startswith("access-control-")
            write(style(line, "36") if cors else line)
    write()
    _print_verdict(report, style, write)


def _names(outcomes: Iterable[Outcome]) -> str:
    """"Chrome, Firefox and WebKit"."""
    names = [BROWSER_NAMES[outcome.browser] for outcome in outcomes]
    return ", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else "".join(names)


def _print_verdict(report: Report, style: Style, write: Write) -> None:
    blocked = [o for o in report.outcomes.values() if not o.allowed]
    if not blocked:
        write(style("ALLOWED", "1;32"), f" in {_names(report.outcomes.values())}.")
    else:
        write(style("BLOCKED", "1;31"), f" in {_names(blocked)}.")
    for outcome in report.outcomes.values():
        name = BROWSER_NAMES[outcome.browser]
        if outcome.failure is None:
            write(f"  {name}: allowed.")
            continue
        if outcome.message is None:
            # WebKit names no error: its fetch() rejects with "TypeError: Load failed".
            if outcome.browser == "webkit":
                write(f"  {name}: network error, no console message.")
            else:
                write(f"  {name}: network error ({outcome.failure.hint}), no CORS message.")
        else:
            for line in outcome.message.split("\n"):
                write(f"  {name} console: ", style(line, "31"))
        for header, value in outcome.failure.headers:
            write(f"    caused by: {header}: {value}")
    warnings = [w for o in report.outcomes.values() for w in o.warnings] + report.warnings
    for warning in dict.fromkeys(warnings):
        write(style("Warning: ", "1;33"), warning)
    if report.fix is not None and (report.fixes or report.fix.preflight or report.fix.actual):
        _print_fix(report, report.fix, style, write)
    if report.hidden_headers:
        write("Note: scripts cannot read these response headers (not in "
              "Access-Control-Expose-Headers): " + ", ".join(report.hidden_headers) + ".")
    caches = [(o.browser, o.preflight_cache) for o in report.outcomes.values()
              if o.preflight_cache is not None and o.allowed]
    if caches:
        write("Preflight cached for: " + ", ".join(
            f"{BROWSER_NAMES[b]} {s} s" for b, s in caches) + ".")


def _print_fix(report: Report, fix: Fix, style: Style, write: Write) -> None:
    """The Fix section: what fails, the headers per response, the configuration."""
    write()
    write(style("Fix:", "1;33"))
    for problem in report.fixes:
        write(f"  - {problem}")
    for what, headers in (("the preflight (OPTIONS) response", fix.preflight),
                          (f"the {report.method} response", fix.actual)):
        if headers:
            write(f"  Send on {what} (each replaces any header of that name):")
            for name, value in headers:
                write(f"    Status: {value}" if name == ":status" else f"    {name}: {value}")
    if not fix.snippet:
        return
    write(f"  Configuration for {STACK_NAMES[fix.stack]}, {fix.source}:")
    for line in fix.snippet.splitlines():
        write(f"    {line}" if line else "")
    if fix.alternatives:
        write("  The same for " + ", ".join(fix.alternatives) + ": in --json's "
              "fix.alternatives.")

