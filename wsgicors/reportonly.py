"""Report-only policies: try a stricter (or wider) CORS policy before enforcing it.

Like ``Content-Security-Policy-Report-Only``: a *candidate* policy runs beside the
enforced one on real traffic. The response is always the enforced policy's; when the
candidate would have decided differently, one structured record goes to the
``wsgicors.report`` logger and the disagreement is counted. ``wsgicors report-summary
LOGFILE`` then says which origins and routes would break (docs/production.rst: observe,
read the summary, enforce).

A disagreement is one of:

* ``breaks``: the enforced policy allows the request and the candidate refuses it (at
  the origin, the method or the request headers), or allows it without credentials;
* ``widens``: the candidate allows what the enforced policy refuses, or adds credentials.

Each record is one line, ``CORS report-only: {...}`` with a JSON object (ASCII only,
so a request cannot forge a line): the change, the request kind, the origin (cut at
120 characters), the path *pattern* that chose the policy (never the raw path), the
method, both decisions, the step and the refusal code. The same record is written at
most once per ``interval`` (later ones carry the number left out as ``repeats``), and
at most ``max_records`` records are written per interval in all (the next one written
says how many were ``dropped``). Memory is bounded: the records seen are remembered in
a :class:`~wsgicors.cache.BoundedCache`.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, Literal

from .cache import MISSING, BoundedCache
from .engine import aactual, actual, apreflight, preflight, refusal
from .headers import CORSHeaders, Preflight
from .metrics import DEFAULT_PATTERN
from .originfunc import RunSync
from .policy import CORSPolicy
from .vocabulary import Step

__all__ = ["MARKER", "ReportOnly"]

#: What every record's message starts with, before its JSON object.
MARKER = "CORS report-only: "
#: Longest origin, method, header list and pattern a record shows, in characters.
MAX_ORIGIN = 120
MAX_METHOD = 32
MAX_PATTERN = 200
#: How many distinct records are remembered for de-duplication.
SEEN_ENTRIES = 4096

Change = Literal["breaks", "widens"]
Verdict = Literal["refused", "allowed", "allowed with credentials"]

_log = logging.getLogger("wsgicors.report")


class ReportOnly:
    """A candidate policy, compared with the enforced one on every CORS request.

    :param candidate: the policy to try.
    :param interval: seconds during which a record is written once (the same origin,
        pattern, method and decisions), and over which *max_records* counts.
    :param max_records: the most records written per *interval*, all kinds together.
    :param logger: where records go (the ``wsgicors.report`` logger by default).
    :param clock: the monotonic clock (tests replace it).
    """

    def __init__(self, candidate: CORSPolicy, *, interval: float = 60.0,
                 max_records: int = 100, logger: logging.Logger = _log,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if not isinstance(candidate, CORSPolicy):
            raise TypeError(f"expected a CORSPolicy as the candidate, got {candidate!r}")
        if not interval > 0 or isinstance(max_records, bool) or max_records < 1:
            raise ValueError("interval and max_records must be positive")
        self.candidate = candidate
        self.interval = float(interval)
        self.max_records = max_records
        self._logger = logger
        self._clock = clock
        self._lock = threading.Lock()
        self._seen: BoundedCache[tuple[int, int]] = BoundedCache(SEEN_ENTRIES, 1024)
        self._counts: dict[tuple[str, str], int] = {}
        self._window = -1
        self._written = 0
        self._dropped = 0

    def __repr__(self) -> str:
        return f"ReportOnly({self.candidate!r})"

    def counts(self) -> dict[tuple[str, str], int]:
        """Disagreements so far, every one (logged or not), by ``(change, step)``:
        ``{("breaks", "origin"): 12}``. ``step`` is ``"credentials"`` when only
        credentials differ."""
        with self._lock:
            return dict(self._counts)

    # -- comparing ---------------------------------------------------------------------

    def compare_preflight(self, policy: CORSPolicy, answer: Preflight,
                          environ: Mapping[str, Any], pattern: str | None) -> None:
        """Compare the candidate's answer to a preflight with *answer*, *policy*'s."""
        self._preflights(policy, answer, preflight(self.candidate, environ), environ, pattern)

    async def acompare_preflight(self, policy: CORSPolicy, answer: Preflight,
                                 environ: Mapping[str, Any], pattern: str | None,
                                 run_sync: RunSync) -> None:
        """:meth:`compare_preflight` in an event loop."""
        candidate = await apreflight(self.candidate, environ, run_sync)
        self._preflights(policy, answer, candidate, environ, pattern)

    def compare_actual(self, policy: CORSPolicy, cors: CORSHeaders, origin: str,
                       environ: Mapping[str, Any], pattern: str | None) -> None:
        """Compare the candidate's headers for an actual request with *cors*, *policy*'s."""
        candidate = actual(self.candidate, origin, environ)
        self._actuals(policy, cors, candidate, origin, environ, pattern)

    async def acompare_actual(self, policy: CORSPolicy, cors: CORSHeaders, origin: str,
                              environ: Mapping[str, Any], pattern: str | None,
                              run_sync: RunSync) -> None:
        """:meth:`compare_actual` in an event loop."""
        candidate = await aactual(self.candidate, origin, environ, run_sync)
        self._actuals(policy, cors, candidate, origin, environ, pattern)

    def _preflights(self, policy: CORSPolicy, enforced: Preflight, candidate: Preflight,
                    environ: Mapping[str, Any], pattern: str | None) -> None:
        mine = _verdict(enforced.failed is None, policy)
        theirs = _verdict(candidate.failed is None, self.candidate)
        if mine != theirs:
            step = candidate.failed or enforced.failed
            refuser = self.candidate if candidate.failed else policy
            self._disagree(mine, theirs, "preflight", environ, pattern, refuser, step)

    def _actuals(self, policy: CORSPolicy, enforced: CORSHeaders, candidate: CORSHeaders,
                 origin: str, environ: Mapping[str, Any], pattern: str | None) -> None:
        mine = _verdict(bool(enforced.actual), policy)
        theirs = _verdict(bool(candidate.actual), self.candidate)
        if mine != theirs:
            refuser = self.candidate if not candidate.actual else policy
            step: Step | None = "origin" if "refused" in (mine, theirs) else None
            self._disagree(mine, theirs, "actual", environ, pattern, refuser, step)

    # -- recording ---------------------------------------------------------------------

    def _disagree(self, mine: Verdict, theirs: Verdict, kind: str,
                  environ: Mapping[str, Any], pattern: str | None, refuser: CORSPolicy,
                  step: Step | None) -> None:
        change: Change = "breaks" if _RANK[theirs] < _RANK[mine] else "widens"
        record: dict[str, Any] = {
            "change": change, "request": kind,
            "origin": _cut(environ.get("HTTP_ORIGIN", ""), MAX_ORIGIN),
            "pattern": _cut(pattern or DEFAULT_PATTERN, MAX_PATTERN),
            "method": _cut(_method(environ, kind), MAX_METHOD),
            "enforced": mine, "candidate": theirs,
            "step": step or "credentials",
            "code": refusal(refuser, environ, step).code if step else "credentials",
        }
        if step == "headers":
            record["request_headers"] = _cut(
                environ.get("HTTP_ACCESS_CONTROL_REQUEST_HEADERS", ""), MAX_ORIGIN)
        self._record(record)

    def _record(self, record: dict[str, Any]) -> None:
        key = "\x1f".join(map(str, record.values()))  # the same fields in the same order
        window = int(self._clock() // self.interval)
        with self._lock:
            counted = (record["change"], record["step"])
            self._counts[counted] = self._counts.get(counted, 0) + 1
            seen = self._seen.get(key)
            if seen is not MISSING and seen[0] == window:
                self._seen.put(key, (window, seen[1] + 1))  # written in this interval
                return
            if window != self._window:
                self._window, self._written = window, 0
            if self._written >= self.max_records:
                self._dropped += 1
                return
            self._written += 1
            self._seen.put(key, (window, 0))
            dropped, self._dropped = self._dropped, 0
        record["repeats"] = 0 if seen is MISSING else seen[1]
        record["dropped"] = dropped
        self._logger.warning("%s%s", MARKER, json.dumps(record),
                             extra={"wsgicors_report": record})


# The order of generosity: a move down is a break, a move up widens.
_RANK: dict[Verdict, int] = {"refused": 0, "allowed": 1, "allowed with credentials": 2}


def _verdict(allowed: bool, policy: CORSPolicy) -> Verdict:
    if not allowed:
        return "refused"
    return "allowed with credentials" if policy.allow_credentials else "allowed"


def _method(environ: Mapping[str, Any], kind: str) -> str:
    if kind == "preflight":
        return str(environ.get("HTTP_ACCESS_CONTROL_REQUEST_METHOD", ""))
    return str(environ.get("REQUEST_METHOD", ""))


def _cut(value: str, limit: int) -> str:
    # JSON escapes the rest (ensure_ascii): control characters and non-ASCII included.
    return value if len(value) <= limit else f"{value[:limit]}...(+{len(value) - limit})"
