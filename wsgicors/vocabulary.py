"""The words wsgicors's decisions and problems are made of, as types.

Every code here is a stable string: users match on them (log filters, Django's
``SILENCED_SYSTEM_CHECKS`` through :data:`wsgicors_django.checks.ERROR_IDS`, the
doctor's JSON), so a code is never renamed, only added. ``Literal`` types rather than
enums keep them plain strings at runtime while mypy checks every spelling.
"""

from __future__ import annotations

from typing import Any, Literal, get_args

#: A step of a preflight that can fail, in the order the engine checks them.
Step = Literal["origin", "method", "headers"]
#: What :func:`wsgicors.explain` found the request to be.
DecisionKind = Literal["preflight", "actual", "not-covered"]
#: Why a request gets no CORS headers (see :func:`wsgicors.engine.refusal`).
RefusalCode = Literal[
    "origin-malformed", "origin-null", "origin-not-allowed",
    "method-not-allowed", "headers-malformed", "header-not-allowed",
]
#: :attr:`wsgicors.Decision.code`: a refusal code, or why there is nothing to refuse.
DecisionCode = RefusalCode | Literal["allowed", "no-origin", "path-not-covered"]

#: Problems :class:`wsgicors.CORSPolicy`, :class:`wsgicors.Routes` and the
#: middlewares' arguments report.
PolicyProblemCode = Literal[
    "type", "unknown-option",
    # Now warnings without credentials, and star-credentials with them; kept so that
    # their Django check IDs are never given to other problems.
    "origin-star-mixed", "star-redundant",
    "origin-null", "origin-file", "origin-no-scheme",
    "origin-not-serialized", "origin-scheme", "origin-port", "origin-default-port",
    "origin-not-punycode", "origin-uppercase", "origin-wildcard", "origin-host",
    "origin-insecure", "origin-public-suffix",
    "regex-invalid", "regex-unproven",
    # No longer reported (unproven regexes are "regex-unproven"); kept so that the
    # Django check ID it had is never given to another problem.
    "regex-matches-anything",
    "star-credentials", "star-private-network",
    "method-invalid", "method-forbidden", "header-invalid",
    # Now a warning (WarningCode): listing a forbidden request header has no effect.
    # Kept so that the Django check ID it had is never given to another problem.
    "header-forbidden",
    "expose-star-credentials", "expose-forbidden", "max-age-range", "func-async",
    "path-pattern", "path-policy", "policy-and-options", "no-policy",
    # A path or header regex no linear-time matcher runs (backreferences...).
    "regex-not-linear",
]
#: Problems found by the adapters' own configuration readers (Django settings,
#: Paste ``.ini`` files).
AdapterProblemCode = Literal[
    "func-import", "urls-regex-invalid", "paths-entry", "removed-setting",
]
#: Problems of ``wsgicors proxy``'s own arguments.
ToolProblemCode = Literal[
    "proxy-no-origin", "proxy-any-origin", "proxy-api-prefix", "proxy-static",
    "proxy-upstream",
]
#: :attr:`wsgicors.Problem.code`: every problem a ConfigError can carry.
ProblemCode = PolicyProblemCode | AdapterProblemCode | ToolProblemCode

#: Warnings :class:`wsgicors.CORSPolicy` gives about a configuration that starts but
#: says more than it does: an entry with no effect, or one that grants nothing the
#: rest does not. A code that is also a problem code names the same fact, which is a
#: problem in other circumstances (``origin-null`` with credentials).
PolicyWarningCode = Literal[
    "header-forbidden", "origin-null", "origin-star-mixed", "star-redundant",
]
#: Warnings of the adapters about their own vocabulary (:mod:`wsgicors.asgi`).
AdapterWarningCode = Literal["starlette-literal-wildcard"]
#: :attr:`wsgicors.ConfigWarning.code`: every warning a configuration can get.
WarningCode = PolicyWarningCode | AdapterWarningCode


def literal_values(literal: Any) -> tuple[str, ...]:
    """The strings of a ``Literal`` type, or of a union of them, in order."""
    values: list[str] = []
    for arg in get_args(literal):
        values += [arg] if isinstance(arg, str) else literal_values(arg)
    return tuple(values)


#: Every failing step, in the engine's order.
STEPS: tuple[Step, ...] = get_args(Step)
