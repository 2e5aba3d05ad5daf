"""What runs beside the engine when metrics or a report-only policy are configured.

An adapter given ``on_decision=`` (:mod:`wsgicors.metrics`) or ``report_only=``
(:mod:`wsgicors.reportonly`) builds one :class:`Observer` with :func:`observer_for`
and, once the enforced decision is made, hands it the answer. The observer never
changes the answer and never lets an exception of its own, or of the callback, reach
the request. Without either option the adapter holds ``None`` and does no more work
than before.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from .errors import ConfigError, Problem
from .headers import CORSHeaders, Preflight
from .lograte import LogLimiter
from .metrics import DecisionHook, Outcome
from .originfunc import RunSync
from .policy import CORSPolicy
from .reportonly import ReportOnly

__all__ = ["Observer", "candidate_of", "observer_for"]

_log = logging.getLogger("wsgicors")

#: What ``report_only=`` accepts: the candidate policy, a :class:`ReportOnly` around
#: it, or a mapping of options changed from the enforced configuration.
ReportOnlyOption = CORSPolicy | ReportOnly | Mapping[str, Any] | None


class Observer:
    """The metrics callback and the report-only comparison, run after each decision.

    :param on_decision: called with an :class:`~wsgicors.metrics.Outcome`, or None.
    :param report_only: the candidate to compare with, or None.
    """

    __slots__ = ("_limiter", "on_decision", "report_only")

    def __init__(self, on_decision: DecisionHook | None, report_only: ReportOnly | None) -> None:
        self.on_decision = on_decision
        self.report_only = report_only
        self._limiter = LogLimiter(_log, 60.0)

    def preflight(self, policy: CORSPolicy, answer: Preflight, environ: Mapping[str, Any],
                  pattern: str | None) -> None:
        """After a preflight was answered with *answer* by *policy*."""
        if self.on_decision is not None:
            self._emit(Outcome.of_preflight(answer, pattern))
        if self.report_only is not None:
            try:
                self.report_only.compare_preflight(policy, answer, environ, pattern)
            except Exception as error:
                self._failed("report-only", error)

    def actual(self, policy: CORSPolicy, cors: CORSHeaders, origin: str,
               environ: Mapping[str, Any], pattern: str | None) -> None:
        """After *policy* gave an actual request from *origin* the headers *cors*."""
        if self.on_decision is not None:
            self._emit(Outcome.of_actual(cors, pattern))
        if self.report_only is not None:
            try:
                self.report_only.compare_actual(policy, cors, origin, environ, pattern)
            except Exception as error:
                self._failed("report-only", error)

    async def apreflight(self, policy: CORSPolicy, answer: Preflight,
                         environ: Mapping[str, Any], pattern: str | None,
                         run_sync: RunSync) -> None:
        """:meth:`preflight` in an event loop (the candidate's function may be async)."""
        if self.on_decision is not None:
            self._emit(Outcome.of_preflight(answer, pattern))
        if self.report_only is not None:
            try:
                await self.report_only.acompare_preflight(policy, answer, environ, pattern,
                                                          run_sync)
            except Exception as error:
                self._failed("report-only", error)

    async def aactual(self, policy: CORSPolicy, cors: CORSHeaders, origin: str,
                      environ: Mapping[str, Any], pattern: str | None,
                      run_sync: RunSync) -> None:
        """:meth:`actual` in an event loop."""
        if self.on_decision is not None:
            self._emit(Outcome.of_actual(cors, pattern))
        if self.report_only is not None:
            try:
                await self.report_only.acompare_actual(policy, cors, origin, environ, pattern,
                                                       run_sync)
            except Exception as error:
                self._failed("report-only", error)

    def _emit(self, outcome: Outcome) -> None:
        try:
            self.on_decision(outcome)  # type: ignore[misc]
        except Exception as error:
            self._failed("on_decision", error)

    def _failed(self, what: str, error: Exception) -> None:
        self._limiter.log(logging.ERROR, what, "wsgicors: %s raised; the response is "
                          "unchanged", what, exc_info=error)


def observer_for(
    on_decision: object, report_only: object, enforced: Mapping[str, Any] | None,
    names: Mapping[str, str] | None = None,
) -> Observer | None:
    """The :class:`Observer` for an adapter's ``on_decision`` and ``report_only``
    arguments, or None when neither is set (then the adapter does nothing more).

    *enforced* are the enforced options a mapping *report_only* changes (None when
    there are none, e.g. only per-path policies). *names* maps ``on_decision`` and
    ``report_only`` to the names the user wrote, for the problems.

    :raises ConfigError: naming each bad argument.
    """
    names = names or {}
    problems: list[Problem] = []
    if on_decision is not None and not callable(on_decision):
        problems.append(Problem(
            "type", names.get("on_decision", "on_decision"),
            f"expected a function of one Outcome, got {on_decision!r}.",
            "pass a function, e.g. on_decision=lambda outcome: COUNTER.labels("
            "*outcome.labels()).inc().",
        ))
    report = None
    try:
        report = candidate_of(report_only, enforced, names.get("report_only", "report_only"))
    except ConfigError as error:
        problems += error.problems
    if problems:
        raise ConfigError(problems)
    if on_decision is None and report is None:
        return None
    return Observer(on_decision, report)  # type: ignore[arg-type]


def candidate_of(value: object, enforced: Mapping[str, Any] | None, option: str
                 ) -> ReportOnly | None:
    """The :class:`ReportOnly` for a ``report_only`` value: a :class:`ReportOnly`, a
    :class:`CORSPolicy` (the whole candidate), or a mapping of options that differ
    from the *enforced* options (validated as a policy of its own)."""
    if value is None or isinstance(value, ReportOnly):
        return value
    if isinstance(value, CORSPolicy):
        return ReportOnly(value)
    if isinstance(value, Mapping):
        if enforced is None:
            raise ConfigError([Problem(
                "type", option, "a mapping of changed options needs one enforced policy "
                "to change, and this configuration has only per-path policies.",
                f"pass the whole candidate: {option}=CORSPolicy(...).",
            )])
        try:
            return ReportOnly(CORSPolicy.from_options({**enforced, **value}))
        except ConfigError as error:
            raise ConfigError([p._replace(option=f"{option}[{p.option!r}]")
                               for p in error.problems]) from None
    raise ConfigError([Problem(
        "type", option, f"expected a CORSPolicy or a dict of options, got {value!r}.",
        f"write {option}=CORSPolicy(allow_origins=[...]) or "
        f"{option}={{'allow_origins': [...]}}.",
    )])
