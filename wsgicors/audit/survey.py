"""Audit every route of an application, or of an OpenAPI document, in one run.

Each route is audited like one URL (:func:`~wsgicors.audit.scan.audit`) at the path
:mod:`~wsgicors.audit.routes` or :mod:`~wsgicors.audit.openapi` found for it, one
route after the other, so at most :data:`~wsgicors.audit.scan.MAX_CONCURRENT`
requests are in flight; the whole run sends at most :data:`MAX_TOTAL_REQUESTS`, and
routes past that budget are named, not audited. A route whose audit fails is
reported with its reason; the others go on.

Each route's *policy* names the CORS configuration answering it (see
:mod:`~wsgicors.audit.layers`); ``other`` when CORS headers came from something the
audit does not recognise (hand-written code, a proxy, any server over the network),
``none`` when no response carried any.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ..toolbase.errors import ToolError
from .configs import Serving
from .findings import Header
from .probes import new_token
from .routes import Route
from .scan import MAX_CONCURRENT, MAX_REQUESTS, Audit, Progress, Sender, audit

#: Most requests one whole-application or OpenAPI audit sends.
MAX_TOTAL_REQUESTS = 6000
#: The fewest requests worth auditing a route with: below, the route is skipped.
MIN_ROUTE_REQUESTS = 8

#: ``answering(route)``: the names of the CORS configurations answering *route*.
Answering = Callable[[Route], Sequence[str]]
#: ``serving(route)``: the stack and configuration answering *route*, for the fix.
ServingOf = Callable[[Route], Serving]


@dataclass
class RouteAudit:
    """One route: where it was probed, which configuration answers it, what was found."""

    route: Route
    url: str
    policy: str = "none"
    audit: Audit | None = None
    #: Why the route was not audited (the application failed, the budget was spent).
    error: str | None = None
    #: True when the run's request budget was spent before this route.
    skipped: bool = False


@dataclass
class Survey:
    """A whole-application (or OpenAPI) audit: every route, in the router's order."""

    target: str
    trusted: list[str]
    routes: list[RouteAudit] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def requests(self) -> int:
        """Requests sent in all."""
        return sum(len(r.audit.results) for r in self.routes if r.audit is not None)


def survey(transport: Sender, base: str, routes: Sequence[Route], trusted: Sequence[str],
           target: str, *, headers: Sequence[Header] = (), credentials: bool = False,
           concurrency: int = MAX_CONCURRENT, answering: Answering | None = None,
           serving: ServingOf | None = None,
           progress: Callable[[str], Progress | None] | None = None,
           seconds: float | None = None) -> Survey:
    """Audit each of *routes* at *base* + its path; *answering* names their CORS
    configurations and *serving* reads them for the fixes (None: unknown, a live
    server); each route's requests within *seconds* when given."""
    found = Survey(target, list(trusted))
    token = new_token()
    budget = MAX_TOTAL_REQUESTS
    skipped = 0
    for route in routes:
        entry = RouteAudit(route, base.rstrip("/") + route.path)
        found.routes.append(entry)
        if budget < MIN_ROUTE_REQUESTS:
            entry.error = f"not audited: the run's {MAX_TOTAL_REQUESTS} requests are spent"
            entry.skipped = True
            skipped += 1
            continue
        try:
            done = audit(transport, entry.url, trusted, headers=headers,
                         credentials=credentials, concurrency=concurrency, token=token,
                         progress=progress(route.pattern) if progress else None,
                         method=route.method, max_requests=min(budget, MAX_REQUESTS),
                         serving=serving(route) if serving else None,
                         seconds=seconds)
        except ToolError as exc:
            entry.error = str(exc)
            continue
        entry.audit = dataclasses.replace(done, route=route.pattern)
        budget -= len(done.results)
        entry.policy = _policy(answering(route) if answering else [], done)
    if skipped:
        found.notes.append(f"{skipped} routes not audited: at most {MAX_TOTAL_REQUESTS} "
                           "requests per run; audit a part of the application at a time")
    if not routes:
        found.notes.append("no routes found")
    return found


def _policy(names: Sequence[str], done: Audit) -> str:
    if names:
        return " + ".join(names)
    seen = any(r.response is not None and r.response.get("Access-Control-Allow-Origin")
               for r in done.results)
    return "other" if seen else "none"
