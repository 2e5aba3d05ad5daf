"""The adapter API: what an adapter between a framework and the engine may use.

``wsgicors_flask``, ``wsgicors_django`` and :mod:`wsgicors.asgi` import only this
module and the public package (:data:`wsgicors.__all__`); so may third-party
adapters. Everything else in the core is private and may change in any release;
what is here changes only with a deprecation period. docs/architecture.rst says how
an adapter is put together from these parts.

An adapter does three things, and never decides anything about CORS itself:

1. **Translate** its framework's configuration into a :class:`CORSPolicy` (or
   :class:`Routes` of policies per path), in the framework's vocabulary: build
   options, let :class:`CORSPolicy` validate them, and rename the options in the
   :class:`Problem` s of a :class:`ConfigError` with :meth:`Problem.renamed`.
   :func:`capped_max_age` and :func:`build_routes` help; :func:`unknown_option`
   reports a misspelt name. A policy's :attr:`CORSPolicy.warnings` (valid options
   said in vain), renamed the same way, are logged at start-up with
   :func:`log_warnings` (:func:`build_routes` does it for options in wsgicors's own
   names).
2. **Hook in** where the framework lets it answer before the application:
   :func:`is_preflight`, then :func:`preflight` (a :class:`Preflight`: the whole
   answer) or, in a WSGI stack, :func:`answer_preflight`. Every other response gets
   :func:`actual`'s :class:`CORSHeaders` merged in, with :func:`with_cors_headers`
   (a WSGI ``start_response``), :func:`add_to_header_list`,
   :func:`add_to_raw_header_list` (ASGI) or :func:`response_updates` (a framework's
   response object). :meth:`CORSPolicy.needs_func` says when deciding an origin
   calls ``allow_origin_func``: an async adapter then decides with :func:`apreflight`
   and :func:`aactual`, which await an async function and run any other in a worker
   thread. Pass the request's environ to :func:`actual` (``apreflight`` and
   ``preflight`` have it): a request-aware function gets a :class:`Request` made of
   it (:attr:`CORSPolicy.needs_request` says when an environ must be completed).
   A synchronous adapter reports an ``async def`` function with
   :func:`sync_only_problems`.
3. **Observe**, when given ``on_decision`` or ``report_only``: :func:`observer_for`
   builds an :class:`Observer` (None without them: no extra work) that the adapter
   tells each decision, with the path pattern that chose the policy.
4. **Explain**: :func:`explain` accepts anything with ``match(path)`` returning a
   :data:`Match`, so an adapter whose policy depends on more than the path (a
   view's own policy) exports such a :class:`RouteMatcher`; and it exports its
   option names (``OPTION_SPELLING``: wsgicors option -> the name its users write)
   for the tools.

All of these take request headers with WSGI environ keys (``HTTP_ORIGIN``...):
Django's ``request.META`` has them, :func:`wsgicors.asgi.request_environ` builds them
from an ASGI scope.
"""

from __future__ import annotations

from .config import (
    DEFAULT_HEADERS,
    DEFAULT_METHODS,
    MAX_AGE_LIMIT,
    OPTION_NAMES,
    NamesOption,
    OriginsOption,
    RegexOption,
    capped_max_age,
    unknown_option,
)
from .engine import (
    OPTION_FOR,
    Decision,
    aactual,
    actual,
    apreflight,
    explain,
    is_preflight,
    preflight,
    refusal,
)
from .errors import ConfigError, ConfigWarning, Problem, log_warnings
from .headers import (
    NOTHING,
    REFUSED,
    CORSHeaders,
    Header,
    Preflight,
    RawHeader,
    add_to_header_list,
    add_to_raw_header_list,
    encode_raw,
    merge_vary,
    response_updates,
)
from .logsafe import logsafe
from .metrics import DecisionHook, Outcome
from .middleware import CORSMiddleware, answer_preflight, build_routes, with_cors_headers
from .observe import Observer, ReportOnlyOption, observer_for
from .originfunc import RunSync, sync_only_problems
from .paths import FailedClosed, Match, PathKey, PathMap, RouteMatcher, Routes
from .policy import CORSPolicy
from .reportonly import ReportOnly
from .request import Request
from .vocabulary import DecisionCode, DecisionKind, ProblemCode, RefusalCode, Step, WarningCode

__all__ = [
    "DEFAULT_HEADERS",
    "DEFAULT_METHODS",
    "MAX_AGE_LIMIT",
    "NOTHING",
    "OPTION_FOR",
    "OPTION_NAMES",
    "REFUSED",
    "CORSHeaders",
    "CORSMiddleware",
    "CORSPolicy",
    "ConfigError",
    "ConfigWarning",
    "Decision",
    "DecisionCode",
    "DecisionHook",
    "DecisionKind",
    "FailedClosed",
    "Header",
    "Match",
    "NamesOption",
    "Observer",
    "OriginsOption",
    "Outcome",
    "PathKey",
    "PathMap",
    "Preflight",
    "Problem",
    "ProblemCode",
    "RawHeader",
    "RefusalCode",
    "RegexOption",
    "ReportOnly",
    "ReportOnlyOption",
    "Request",
    "RouteMatcher",
    "Routes",
    "RunSync",
    "Step",
    "WarningCode",
    "aactual",
    "actual",
    "add_to_header_list",
    "add_to_raw_header_list",
    "answer_preflight",
    "apreflight",
    "build_routes",
    "capped_max_age",
    "encode_raw",
    "explain",
    "is_preflight",
    "log_warnings",
    "logsafe",
    "merge_vary",
    "observer_for",
    "preflight",
    "refusal",
    "response_updates",
    "sync_only_problems",
    "unknown_option",
    "with_cors_headers",
]
