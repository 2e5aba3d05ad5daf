"""The CORS protocol as pure functions over environ-style request headers.

These functions are the only place where CORS decisions are made. The WSGI
middleware, the Flask extension and the Django middleware all call them: they take
request headers with WSGI environ keys (``HTTP_ORIGIN``...; Django's
``request.META`` has the same shape) and return what to send, built by
:mod:`wsgicors.headers`. Nothing here changes state but a policy's bounded caches.

One function per operation:

* :func:`is_preflight`: is this request a CORS preflight?
* :func:`preflight`: the complete answer to a preflight (it never reaches the app).
* :func:`actual`: the CORS headers for any other response, to merge with
  :func:`wsgicors.headers.add_to_header_list` (WSGI) or
  :func:`wsgicors.headers.response_updates` (framework response objects).
* :func:`refusal`: why a request got no CORS headers, in words (logs, explain()).
* :func:`explain`: the decision for a described request, as data.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from .headers import (
    REFUSED_PREFLIGHT,
    CORSHeaders,
    Header,
    Preflight,
    preflight_answer,
)
from .logsafe import logsafe
from .policy import CORSPolicy

_log = logging.getLogger("wsgicors")


# Which option to change for each refusal code (used by explain() and the doctor).
OPTION_FOR = {
    "origin-malformed": None,
    "origin-null": "allow_origin_func",
    "origin-not-allowed": "allow_origins",
    "method-not-allowed": "allow_methods",
    "headers-malformed": None,
    "header-not-allowed": "allow_headers",
}


class Refusal(NamedTuple):
    """Why a request gets no CORS headers: a stable ``code`` and a sentence."""

    code: str
    reason: str


def is_preflight(environ: Mapping[str, Any]) -> bool:
    """True for a CORS preflight: ``OPTIONS`` with ``Origin`` and ACRM.

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

    Checks the origin, then the method, then the headers, and stops at the first
    failure. The refused answer's body names the failed step, never request data.
    The answer is immutable and usually ready-made: pass ``list(answer.headers)`` to
    a WSGI ``start_response``.
    """
    allowed = policy.lookup(environ.get("HTTP_ORIGIN", ""))
    if allowed is None:
        return _refused(policy, environ, "origin")
    method = environ.get("HTTP_ACCESS_CONTROL_REQUEST_METHOD", "")
    if method not in policy.method_ok and not policy.method_allowed(method):
        return _refused(policy, environ, "method")
    answer = None
    requested = environ.get("HTTP_ACCESS_CONTROL_REQUEST_HEADERS")
    if requested:
        answer = policy.allow_headers_for(requested)
        if answer is None:
            return _refused(policy, environ, "headers")
    if policy.fixed_preflight:
        return allowed.answer_with_headers if requested else allowed.answer
    private_network = (
        policy.allow_private_network
        and environ.get("HTTP_ACCESS_CONTROL_REQUEST_PRIVATE_NETWORK") == "true"
    )
    echo = method if policy.allow_methods_value is None else None
    return preflight_answer(allowed, echo, answer, private_network)


def _refused(policy: CORSPolicy, environ: Mapping[str, Any], step: str) -> Preflight:
    if _log.isEnabledFor(logging.DEBUG):
        code, reason = refusal(policy, environ, step)
        _log.debug("CORS preflight refused (%s): %s", code, reason)
    return REFUSED_PREFLIGHT[step]


def actual(policy: CORSPolicy, origin: str | None) -> CORSHeaders:
    """The CORS headers for an actual (non-preflight) response to *origin*.

    Refused and Origin-less requests get :attr:`CORSPolicy.refused`: no CORS headers,
    but ``varies`` so that the response carries ``Vary: Origin``.
    """
    if origin is None or policy.any_origin:
        return policy.refused
    found = policy.lookup(origin)
    if found is None:
        if _log.isEnabledFor(logging.DEBUG):
            _log.debug("no CORS headers (%s): %s", *policy.origin_refusal(origin))
        return policy.refused
    return found


def refusal(policy: CORSPolicy, environ: Mapping[str, Any], step: str = "origin") -> Refusal:
    """Why the request in *environ* failed at *step* (origin, method or headers)."""
    if step == "origin":
        return Refusal(*policy.origin_refusal(environ.get("HTTP_ORIGIN", "")))
    if step == "method":
        method = environ.get("HTTP_ACCESS_CONTROL_REQUEST_METHOD", "")
        return Refusal(
            "method-not-allowed",
            f"method {logsafe(method)} is not in allow_methods (compared case-sensitively)",
        )
    return Refusal(*policy.header_refusal(environ.get("HTTP_ACCESS_CONTROL_REQUEST_HEADERS", "")))


@dataclass(frozen=True)
class Decision:
    """What wsgicors does with one request, as data (see :func:`explain`).

    ``kind`` is ``"preflight"``, ``"actual"`` or ``"not-covered"`` (no policy for the
    path). ``allowed`` says whether the browser gets the CORS headers it needs;
    ``code``/``reason`` say why not; ``option`` names the setting to change;
    ``status`` is the preflight status (None for actual requests: the app decides);
    ``headers`` are the CORS headers wsgicors adds.
    """

    kind: str
    allowed: bool
    code: str
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
    """Say what *target* does with a request: a CORSPolicy, a CORS middleware, or an app
    or project using one (anything :func:`wsgicors.toolbase.targets.find_target` accepts).

    Describe the request either with keywords or with a WSGI *environ*. For a
    preflight, pass ``method="OPTIONS"`` and ``request_method``; *request_headers*
    are the names the browser would list in Access-Control-Request-Headers.
    The decision is computed by the same functions that serve real requests::

        >>> policy = CORSPolicy(allow_origins=["https://app.example.com"])
        >>> explain(policy, origin="https://evil.example", method="GET").reason
        "Origin 'https://evil.example' is not allowed by allow_origins, allow_origin_regex"
    """
    # Until explain() duck-types by itself (the core must not import the tools).
    from .toolbase.targets import policy_for

    env = dict(environ) if environ is not None else _environ(
        origin, method, path, request_method, request_headers, private_network
    )
    policy, covered = policy_for(target, env.get("PATH_INFO", "/"))
    if policy is None:
        return Decision("not-covered", False, "path-not-covered",
                        f"no CORS policy applies to path {logsafe(env.get('PATH_INFO'))}"
                        + ("" if covered is None else f" (pattern {covered!r} maps to None)"),
                        "paths")
    if is_preflight(env):
        answer = preflight(policy, env)
        status = int(answer.status[:3])
        if answer.failed is None:
            cors = tuple(h for h in answer.headers if h[0].startswith("Access-Control-"))
            return Decision("preflight", True, "allowed", "preflight succeeds", None, status, cors)
        code, reason = refusal(policy, env, answer.failed)
        return Decision("preflight", False, code, reason, OPTION_FOR.get(code), status)
    origin_value = env.get("HTTP_ORIGIN")
    cors = actual(policy, origin_value).actual
    if cors:
        return Decision("actual", True, "allowed", "CORS headers added", None, None, cors)
    if origin_value is None:
        return Decision("actual", False, "no-origin",
                        "the request has no Origin header, so it is not a CORS request")
    code, reason = policy.origin_refusal(origin_value)
    return Decision("actual", False, code, reason, OPTION_FOR.get(code))


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
