"""The CORS protocol as pure functions over environ-style request headers.

These functions are the only place where CORS decisions are made. The WSGI and ASGI
middlewares, the Flask extension and the Django middleware all call them: they take
request headers with WSGI environ keys (``HTTP_ORIGIN``...; Django's
``request.META`` has the same shape) and return what to send, built by
:mod:`wsgicors.headers`. Nothing here changes state but the policy's bounded caches.

The steps are the browser's checks of the WHATWG Fetch Standard, answered from the
server's side in the order a browser makes them (https://fetch.spec.whatwg.org/):

* :func:`is_preflight`: is this request a CORS preflight? (Fetch §3.3.2)
* :func:`preflight`: the complete answer to a preflight; it never reaches the app.
* :func:`actual`: the CORS headers for any other response, to merge with
  :func:`wsgicors.headers.add_to_header_list` (WSGI) or
  :func:`wsgicors.headers.response_updates` (framework response objects).
* :func:`refusal`: why a request got no CORS headers, in words (logs, explain()).
* :func:`explain`: the decision for a described request, as data.

:func:`apreflight` and :func:`aactual` are the same steps for an event loop (the ASGI
middleware, Django in async mode): an async ``allow_origin_func`` is awaited there and
any other runs in a worker thread, so nothing blocks the loop.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .allowlists import Refusal
from .headers import REFUSED_PREFLIGHT, CORSHeaders, Header, Preflight, preflight_answer
from .logsafe import logsafe
from .originfunc import RunSync
from .paths import route_matcher_of
from .policy import CORSPolicy
from .vocabulary import DecisionCode, DecisionKind, RefusalCode, Step

__all__ = [
    "OPTION_FOR", "Decision", "Refusal", "aactual", "actual", "apreflight", "explain",
    "is_preflight", "preflight", "refusal",
]

_log = logging.getLogger("wsgicors")

#: Which option to change for each refusal code (used by explain() and the doctor).
OPTION_FOR: Mapping[RefusalCode, str | None] = {
    "origin-malformed": None,
    "origin-null": "allow_origin_func",
    "origin-not-allowed": "allow_origins",
    "method-not-allowed": "allow_methods",
    "headers-malformed": None,
    "header-not-allowed": "allow_headers",
}


def is_preflight(environ: Mapping[str, Any]) -> bool:
    """True for a CORS preflight: ``OPTIONS`` with ``Origin`` and ACRM (Fetch §3.3.2).

    A plain ``OPTIONS`` request (no Access-Control-Request-Method) is an ordinary
    request for the application.
    """
    return (
        environ.get("REQUEST_METHOD") == "OPTIONS"
        and "HTTP_ORIGIN" in environ
        and "HTTP_ACCESS_CONTROL_REQUEST_METHOD" in environ
    )


def preflight(policy: CORSPolicy, environ: Mapping[str, Any]) -> Preflight:
    """Answer a preflight: ``204`` with CORS headers, or ``403`` with none.

    The steps are those a browser takes on the answer (Fetch §4.8 CORS-preflight
    fetch), stopping at the first failure. The refused answer's body names the failed
    step, never request data. The answer is immutable and usually ready-made: pass
    ``answer.status_line`` and ``list(answer.headers)`` to a WSGI ``start_response``.
    """
    # 1. CORS check (§4.10): the answer carries this origin (and credentials) or fails.
    allowed = policy.origins.lookup(environ.get("HTTP_ORIGIN", ""), environ)
    if allowed is None:
        return _refused(policy, environ, "origin")
    return _after_origin(policy, environ, allowed)


async def apreflight(
    policy: CORSPolicy, environ: Mapping[str, Any], run_sync: RunSync = asyncio.to_thread
) -> Preflight:
    """:func:`preflight` in an event loop: ``allow_origin_func`` is awaited when it is
    async, else run with *run_sync* (a worker thread); nothing else differs."""
    allowed = await policy.origins.alookup(environ.get("HTTP_ORIGIN", ""), environ, run_sync)
    if allowed is None:
        return _refused(policy, environ, "origin")
    return _after_origin(policy, environ, allowed)


def _after_origin(
    policy: CORSPolicy, environ: Mapping[str, Any], allowed: CORSHeaders
) -> Preflight:
    # 2. The requested method must be listed, compared case-sensitively (§4.8 step 7.5);
    #    the set test spares listed methods a call.
    method = environ.get("HTTP_ACCESS_CONTROL_REQUEST_METHOD", "")
    if method not in policy.methods.allowed and not policy.methods.allows(method):
        return _refused(policy, environ, "method")
    # 3. Every requested header name must be listed, in any case (§4.8 steps 7.6-7.7).
    requested = environ.get("HTTP_ACCESS_CONTROL_REQUEST_HEADERS")
    allow_headers = None
    if requested:
        allow_headers = policy.request_headers.answer(requested)
        if allow_headers is None:
            return _refused(policy, environ, "headers")
    # 4. Max-Age (§4.8 step 7.8) is in the ready-made answer, with the ok status 204.
    if policy.fixed_preflight:
        return allowed.answer_with_headers if requested else allowed.answer
    # Otherwise the answer echoes the method or the header names, or grants Private
    # Network Access (WICG's Private Network Access draft; opt-in, never with '*').
    private_network = (
        policy.allow_private_network
        and environ.get("HTTP_ACCESS_CONTROL_REQUEST_PRIVATE_NETWORK") == "true"
    )
    echo = method if policy.methods.any_method else None
    return preflight_answer(allowed, echo, allow_headers, private_network)


def actual(
    policy: CORSPolicy, origin: str | None, environ: Mapping[str, Any] | None = None
) -> CORSHeaders:
    """The CORS headers for an actual (non-preflight) response to *origin*.

    The answer to the browser's CORS check (Fetch §4.10). Refused and Origin-less
    requests get :attr:`CORSPolicy.refused`: no CORS headers, but ``varies`` so that
    the response carries ``Vary: Origin`` (Fetch, "CORS protocol and HTTP caches").
    *environ* (WSGI keys) is what a request-aware ``allow_origin_func`` is told about
    the request; without it, such a function gets ``None``.
    """
    if origin is None or policy.any_origin:
        return policy.refused
    found = policy.origins.lookup(origin, environ)
    return _refused_actual(policy, origin) if found is None else found


async def aactual(
    policy: CORSPolicy, origin: str | None, environ: Mapping[str, Any] | None = None,
    run_sync: RunSync = asyncio.to_thread,
) -> CORSHeaders:
    """:func:`actual` in an event loop, as :func:`apreflight` is :func:`preflight`."""
    if origin is None or policy.any_origin:
        return policy.refused
    found = await policy.origins.alookup(origin, environ, run_sync)
    return _refused_actual(policy, origin) if found is None else found


def _refused_actual(policy: CORSPolicy, origin: str) -> CORSHeaders:
    if _log.isEnabledFor(logging.DEBUG):
        why = policy.origins.refusal(origin)
        _log.debug("no CORS headers (%s): %s", why.code, why.reason)
    return policy.refused


def refusal(policy: CORSPolicy, environ: Mapping[str, Any], step: Step = "origin") -> Refusal:
    """Why the request in *environ* failed at *step* (origin, method or headers)."""
    if step == "origin":
        return policy.origins.refusal(environ.get("HTTP_ORIGIN", ""))
    if step == "method":
        return policy.methods.refusal(environ.get("HTTP_ACCESS_CONTROL_REQUEST_METHOD", ""))
    return policy.request_headers.refusal(environ.get("HTTP_ACCESS_CONTROL_REQUEST_HEADERS", ""))


def _refused(policy: CORSPolicy, environ: Mapping[str, Any], step: Step) -> Preflight:
    if _log.isEnabledFor(logging.DEBUG):
        why = refusal(policy, environ, step)
        _log.debug("CORS preflight refused (%s): %s", why.code, why.reason)
    return REFUSED_PREFLIGHT[step]


# -- explaining a decision -------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    """What wsgicors does with one request, as data (see :func:`explain`).

    ``kind`` is ``"preflight"``, ``"actual"`` or ``"not-covered"`` (no policy for the
    path). ``allowed`` says whether the browser gets the CORS headers it needs;
    ``code``/``reason`` say why not; ``option`` names the setting to change;
    ``status`` is the preflight status (None for actual requests: the app decides);
    ``headers`` are the CORS headers wsgicors adds.
    """

    kind: DecisionKind
    allowed: bool
    code: DecisionCode
    reason: str
    option: str | None = None
    status: int | None = None
    headers: tuple[Header, ...] = field(default_factory=tuple)

    def __str__(self) -> str:
        verdict = "allowed" if self.allowed else "refused"
        return f"{self.kind} {verdict} ({self.code}): {self.reason}"


def explain(
    target: Any,
    *,
    origin: str | None,
    method: str = "GET",
    path: str = "/",
    request_method: str | None = None,
    request_headers: Iterable[str] | str | None = None,
    private_network: bool = False,
    environ: Mapping[str, Any] | None = None,
) -> Decision:
    """Say what *target* does with a request.

    *target* is a :class:`~wsgicors.CORSPolicy`, a CORS middleware (WSGI or ASGI),
    the Flask extension's layer, anything with ``match(path)`` or ``routes.match(path)``,
    or an application wrapping one of those (a Flask app using ``CORS(app)``...): see
    :func:`wsgicors.paths.route_matcher_of`.

    Describe the request either with keywords or with a WSGI *environ*. For a
    preflight, pass ``method="OPTIONS"`` and ``request_method``; *request_headers*
    are the names the browser would list in Access-Control-Request-Headers.
    The decision is computed by the same functions that serve real requests::

        >>> policy = CORSPolicy(allow_origins=["https://app.example.com"])
        >>> explain(policy, origin="https://evil.example", method="GET").reason
        "Origin 'https://evil.example' is not allowed by allow_origins, allow_origin_regex"

    :raises TypeError: when *target* neither is nor wraps anything that serves CORS.
    """
    env = dict(environ) if environ is not None else _environ(
        origin, method, path, request_method, request_headers, private_network
    )
    policy, pattern = route_matcher_of(target).match(env.get("PATH_INFO", "/"))
    if policy is None:
        reason = f"no CORS policy applies to path {logsafe(env.get('PATH_INFO'))}"
        if pattern is not None:
            reason += f" (pattern {pattern!r} maps to None)"
        return Decision("not-covered", False, "path-not-covered", reason, option="paths")
    if is_preflight(env):
        return _explain_preflight(policy, env)
    return _explain_actual(policy, env)


def _explain_preflight(policy: CORSPolicy, env: Mapping[str, Any]) -> Decision:
    answer = preflight(policy, env)
    if answer.failed is None:
        cors = tuple(h for h in answer.headers if h[0].startswith("Access-Control-"))
        return Decision("preflight", True, "allowed", "preflight succeeds",
                        status=answer.status, headers=cors)
    why = refusal(policy, env, answer.failed)
    return Decision("preflight", False, why.code, why.reason, option=OPTION_FOR[why.code],
                    status=answer.status)


def _explain_actual(policy: CORSPolicy, env: Mapping[str, Any]) -> Decision:
    origin = env.get("HTTP_ORIGIN")
    cors = actual(policy, origin, env).actual
    if cors:
        return Decision("actual", True, "allowed", "CORS headers added", headers=cors)
    if origin is None:
        return Decision("actual", False, "no-origin",
                        "the request has no Origin header, so it is not a CORS request")
    why = policy.origins.refusal(origin)
    return Decision("actual", False, why.code, why.reason, option=OPTION_FOR[why.code])


def _environ(
    origin: str | None,
    method: str,
    path: str,
    request_method: str | None,
    request_headers: Iterable[str] | str | None,
    private_network: bool,
) -> dict[str, Any]:
    env: dict[str, Any] = {"REQUEST_METHOD": method, "PATH_INFO": path}
    if origin is not None:
        env["HTTP_ORIGIN"] = origin
    if request_method is not None:
        env["HTTP_ACCESS_CONTROL_REQUEST_METHOD"] = request_method
    if request_headers:
        value = request_headers if isinstance(request_headers, str) else ",".join(request_headers)
        env["HTTP_ACCESS_CONTROL_REQUEST_HEADERS"] = value
    if private_network:
        env["HTTP_ACCESS_CONTROL_REQUEST_PRIVATE_NETWORK"] = "true"
    return env
