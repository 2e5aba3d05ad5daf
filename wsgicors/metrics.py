"""The metrics hook: one call per CORS decision, to feed Prometheus, StatsD or OpenTelemetry.

Give any adapter ``on_decision=callback`` (Flask ``CORS_ON_DECISION``, Django
``CORS_ON_DECISION``): it is called once for every request with an ``Origin`` that a
policy decides, after the decision, with an :class:`Outcome`::

    from prometheus_client import Counter

    DECISIONS = Counter("cors_decisions", "CORS decisions",
                        ["allowed", "preflight", "step", "pattern"])

    def count(outcome: Outcome) -> None:
        DECISIONS.labels(*outcome.labels()).inc()

An Outcome holds no request data (no origin, no path): every field takes few values,
so a label set stays small whatever clients send. Without a callback the adapters do
not build one: the cost is one attribute test per request with an ``Origin``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from .headers import CORSHeaders, Preflight
from .vocabulary import Step

__all__ = ["DEFAULT_PATTERN", "DecisionHook", "Outcome"]

#: :attr:`Outcome.pattern` when the default policy decided (no ``paths`` pattern).
DEFAULT_PATTERN = "(default)"


class Outcome(NamedTuple):
    """What the engine decided for one request, without any request data."""

    #: True if the browser gets the CORS headers it needs (a preflight succeeds, an
    #: actual response carries Access-Control-Allow-Origin).
    allowed: bool
    #: True for a preflight (answered by wsgicors), False for an actual request.
    preflight: bool
    #: The step that refused (``"origin"``, ``"method"``, ``"headers"``), None if allowed.
    step: Step | None
    #: The ``paths`` pattern (or the adapter's equivalent: a Flask resource, a Django
    #: ``CORS_PATHS`` key, ``"@cors"``) whose policy decided; :data:`DEFAULT_PATTERN`
    #: for the default policy.
    pattern: str

    def labels(self) -> tuple[str, str, str, str]:
        """The fields as label values: ``("true", "false", "", "/api/*")``."""
        return (_flag(self.allowed), _flag(self.preflight), self.step or "", self.pattern)

    @classmethod
    def of_preflight(cls, answer: Preflight, pattern: str | None) -> Outcome:
        """The outcome of a preflight answered with *answer*."""
        return cls(answer.failed is None, True, answer.failed, pattern or DEFAULT_PATTERN)

    @classmethod
    def of_actual(cls, cors: CORSHeaders, pattern: str | None) -> Outcome:
        """The outcome of an actual request answered with *cors*."""
        allowed = bool(cors.actual)
        return cls(allowed, False, None if allowed else "origin", pattern or DEFAULT_PATTERN)


#: The callback: called with each :class:`Outcome`; what it returns is ignored, and an
#: exception it raises is logged (at most once a minute) and never reaches the request.
DecisionHook = Callable[[Outcome], object]


def _flag(value: bool) -> str:
    return "true" if value else "false"
