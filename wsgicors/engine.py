"""The CORS protocol as pure functions over environ-style request headers.

These functions are the only place where CORS decisions are made. The WSGI
middleware, the Flask extension and the Django middleware all call them: they take
request headers with WSGI environ keys (``HTTP_ORIGIN``...; Django's
``request.META`` has the same shape) and return the headers to send.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from .logsafe import logsafe
from .policy import PREFLIGHT_VARY, Allowed, CORSPolicy, Header

_log = logging.getLogger("wsgicors")

PREFLIGHT_OK = "204 No Content"
PREFLIGHT_REFUSED = "403 Forbidden"

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


class PreflightAnswer(NamedTuple):
    """A complete response to a preflight: it never reaches the application."""

    status: str
    headers: list[Header]
    body: bytes
    refusal: Refusal | None


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


def preflight(policy: CORSPolicy, environ: Mapping[str, Any]) -> PreflightAnswer:
    """Answer a preflight: ``204`` with CORS headers, or ``403`` with none.

    Checks the origin, then the method, then the headers, and stops at the first
    failure.
    """
    return PreflightAnswer(*answer_preflight(policy, environ, reasons=True))


def answer_preflight(
    policy: CORSPolicy, environ: Mapping[str, Any], reasons: bool = False
) -> tuple[str, list[Header], bytes, Refusal | None]:
    """:func:`preflight` as a plain tuple: the form the request path uses.

    A refusal's sentence is only written when *reasons* is true or the ``wsgicors``
    logger shows DEBUG, so refusing a hostile request costs no more than answering.
    """
    origin = environ.get("HTTP_ORIGIN", "")
    allowed = policy.lookup(origin)
    if allowed is None:
        return _refuse("origin", policy, environ, reasons)
    method = environ.get("HTTP_ACCESS_CONTROL_REQUEST_METHOD", "")
    if method not in policy.method_ok and not policy.method_allowed(method):
        return _refuse("method", policy, environ, reasons)
    headers = list(allowed.preflight)
    if policy.allow_methods_value is None:
        headers.append(("Access-Control-Allow-Methods", method))
    requested = environ.get("HTTP_ACCESS_CONTROL_REQUEST_HEADERS")
    if requested:
        answer = policy.allow_headers_for(requested)
        if answer is None:
            return _refuse("headers", policy, environ, reasons)
        headers.append(("Access-Control-Allow-Headers", answer))
    if (
        policy.allow_private_network
        and environ.get("HTTP_ACCESS_CONTROL_REQUEST_PRIVATE_NETWORK") == "true"
    ):
        headers.append(("Access-Control-Allow-Private-Network", "true"))
    return PREFLIGHT_OK, headers, b"", None


def refusal_of(policy: CORSPolicy, environ: Mapping[str, Any], step: str) -> Refusal:
    """Why the preflight in *environ* failed at *step* (origin, method or headers)."""
    if step == "origin":
        return Refusal(*policy.origin_refusal(environ.get("HTTP_ORIGIN", "")))
    if step == "method":
        method = environ.get("HTTP_ACCESS_CONTROL_REQUEST_METHOD", "")
        return Refusal(
            "method-not-allowed",
            f"method {logsafe(method)} is not in allow_methods (compared case-sensitively)",
        )
    return Refusal(*policy.header_refusal(environ.get("HTTP_ACCESS_CONTROL_REQUEST_HEADERS", "")))


def _refusal_answer(code: str) -> tuple[tuple[Header, ...], bytes]:
    body = f"CORS preflight refused: {code}\n".encode("ascii")
    headers = (
        ("Content-Type", "text/plain; charset=utf-8"),
        ("Content-Length", str(len(body))),
        ("X-Content-Type-Options", "nosniff"),
        PREFLIGHT_VARY,
    )
    return headers, body


# The three refusals, ready-made; the body names the failed step, never request data.
_REFUSALS = {step: _refusal_answer(f"{step} not allowed")
             for step in ("origin", "method", "headers")}


def _refuse(
    step: str, policy: CORSPolicy, environ: Mapping[str, Any], reasons: bool
) -> tuple[str, list[Header], bytes, Refusal | None]:
    refusal = None
    if reasons or _log.isEnabledFor(logging.DEBUG):
        refusal = refusal_of(policy, environ, step)
        _log.debug("CORS preflight refused (%s): %s", refusal.code, refusal.reason)
    headers, body = _REFUSALS[step]
    return PREFLIGHT_REFUSED, list(headers), body, refusal


def actual_headers(policy: CORSPolicy, origin: str | None) -> tuple[Header, ...]:
    """The CORS headers for an actual (non-preflight) response to *origin*.

    Empty when the origin is missing or refused; the caller still adds
    ``Vary: Origin`` when :attr:`CORSPolicy.varies_by_origin` is true.
    """
    return for_actual(policy, origin).actual


def for_actual(policy: CORSPolicy, origin: str | None) -> Allowed:
    """The ready-made headers for an actual response to *origin* (refused or not)."""
    if origin is None or policy.any_origin:
        return policy.refused
    allowed = policy.lookup(origin)
    if allowed is None:
        if _log.isEnabledFor(logging.DEBUG):
            _log.debug("no CORS headers (%s): %s", *policy.origin_refusal(origin))
        return policy.refused
    return allowed


def merge_vary(value: str | None, token: str = "Origin") -> str:  # noqa: S107
    """*value* (a Vary header or None) with *token* added once; ``*`` stays ``*``."""
    if value is None or not value.strip():
        return token
    present = {part.strip().lower() for part in value.split(",")}
    if "*" in present or token.lower() in present:
        return value
    return f"{value}, {token}"


# Response header names known to be neither Vary nor Access-Control-Allow-Origin,
# in the spelling applications use. A response whose names are all in it just gets
# the CORS headers appended: one set lookup per header instead of lower() and
# compares. Bounded, since names come from the application, not the client.
PLAIN_NAMES: set[str] = {"Content-Type", "Content-Length", "Cache-Control", "Location"}
_PLAIN_NAMES_LIMIT = 2048
_SPECIAL = {"vary": 1, "access-control-allow-origin": 2}


def _kind(name: str) -> int:
    kind = _SPECIAL.get(name.lower(), 0)
    if not kind and len(PLAIN_NAMES) < _PLAIN_NAMES_LIMIT:
        PLAIN_NAMES.add(name)
    return kind


def add_to_header_list(headers: list[Header], allowed: Allowed) -> list[Header]:
    """A new WSGI header list: *headers* plus the CORS headers of *allowed*.

    ``Vary: Origin`` is merged into the application's Vary (no duplicate, ``*``
    untouched). The application's list is never modified (it may be a shared
    constant). If the application set Access-Control-Allow-Origin itself, its CORS
    headers are kept and ours are not added.
    """
    plain = PLAIN_NAMES
    for name, _value in headers:
        if name not in plain:
            return merge_headers(headers, allowed)
    return [*headers, *allowed.appended]


def merge_headers(headers: list[Header], allowed: Allowed) -> list[Header]:
    """:func:`add_to_header_list` for a response that may have Vary or CORS headers."""
    out = list(headers)
    vary_at = -1
    own_cors = False
    for index, (name, _value) in enumerate(out):
        kind = 0 if name in PLAIN_NAMES else _kind(name)
        if kind == 1 and vary_at < 0:
            vary_at = index
        elif kind == 2:
            own_cors = True
    varies = len(allowed.appended) > len(allowed.actual)
    if varies and vary_at >= 0:
        name, value = out[vary_at]
        out[vary_at] = (name, merge_vary(value))
    elif varies:
        out.append(("Vary", "Origin"))
    if not own_cors:
        out += allowed.actual
    return out


def response_updates(
    get_header: Callable[[str], str | None], allowed: Allowed
) -> list[Header]:
    """Headers to *set* on a framework response object (Flask, Django).

    *allowed* comes from :func:`for_actual`; ``get_header`` reads the response's
    current value of a header and is called with lower-case names (case-insensitive
    getters such as Flask's and Django's ``headers.get`` work as they are).
    """
    return updates_for(
        get_header("vary"), get_header("access-control-allow-origin") is not None, allowed
    )


def updates_for(vary: str | None, own_cors: bool, allowed: Allowed) -> list[Header]:
    """:func:`response_updates` from the two facts it needs about the response.

    *vary* is the response's Vary value (None if absent) and *own_cors* whether it
    already has Access-Control-Allow-Origin. The rules are those of
    :func:`add_to_header_list`: with neither, the ready-made ``allowed.appended`` is
    the answer as it is.
    """
    if vary is None and not own_cors:
        return allowed.appended
    updates: list[Header] = []
    if len(allowed.appended) > len(allowed.actual):
        merged = merge_vary(vary)
        if merged != vary:
            updates.append(("Vary", merged))
    if not own_cors:
        updates += allowed.actual
    return updates


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
    """Say what *target* (a CORSPolicy or CORSMiddleware) does with a request.

    Describe the request either with keywords or with a WSGI *environ*. For a
    preflight, pass ``method="OPTIONS"`` and ``request_method``; *request_headers*
    are the names the browser would list in Access-Control-Request-Headers.
    The decision is computed by the same functions that serve real requests::

        >>> explain(policy, origin="https://evil.example", method="GET").reason
        "Origin 'https://evil.example' is not allowed by allow_origins, allow_origin_regex"
    """
    env = dict(environ) if environ is not None else _environ(
        origin, method, path, request_method, request_headers, private_network
    )
    policy, covered = _resolve(target, env.get("PATH_INFO", "/"))
    if policy is None:
        return Decision("not-covered", False, "path-not-covered",
                        f"no CORS policy applies to path {logsafe(env.get('PATH_INFO'))}"
                        + ("" if covered is None else f" (pattern {covered!r} maps to None)"),
                        "paths")
    if is_preflight(env):
        answer = preflight(policy, env)
        status = int(answer.status[:3])
        if answer.refusal is None:
            cors = tuple(h for h in answer.headers if h[0].startswith("Access-Control-"))
            return Decision("preflight", True, "allowed", "preflight succeeds", None, status, cors)
        code, reason = answer.refusal
        return Decision("preflight", False, code, reason, OPTION_FOR.get(code), status)
    origin_value = env.get("HTTP_ORIGIN")
    cors = actual_headers(policy, origin_value)
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


def _resolve(target: Any, path: str) -> tuple[CORSPolicy | None, str | None]:
    if isinstance(target, CORSPolicy):
        return target, None
    routes = getattr(target, "routes", None)
    if routes is None:
        raise TypeError(f"explain() needs a CORSPolicy or CORSMiddleware, got {target!r}")
    return routes.match(path)  # type: ignore[no-any-return]
