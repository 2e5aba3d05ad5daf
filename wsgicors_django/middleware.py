"""CorsMiddleware: Django glue around the wsgicors engine, for WSGI and ASGI.

Per request it reads ``request.META`` (WSGI environ keys, what the engine expects),
picks the policy compiled from the settings (or the view's own, from ``@cors``,
through :class:`~wsgicors_django.routing.ViewRoutes`), and lets the engine decide.
No setting is looked up per request.

Sync and async requests make the same two decisions, :func:`_preflight_answer` and
:func:`_response_headers`, and their async twins. Under ASGI the engine's async steps
run in the event loop: an async ``allow_origin_func`` (or an ``OriginSource`` with an
async lookup) is awaited there, and user code that may block (any other origin
function, a ``check_request_enabled`` receiver) runs through ``sync_to_async``, so the
ORM works as usual.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase

from wsgicors import ConfigError, CORSPolicy, Decision, explain
from wsgicors.adapter import (
    NOTHING,
    REFUSED,
    CORSHeaders,
    FailedClosed,
    Match,
    Preflight,
    aactual,
    actual,
    apreflight,
    is_preflight,
    preflight,
    response_updates,
    sync_only_problems,
)

from .conf import REPORT_ONLY, SETTINGS, STATE, Compiled, current, route_matcher
from .decorators import REGISTRY
from .routing import view_at
from .signals import check_request_enabled

_log = logging.getLogger("wsgicors")
GetResponse = Callable[[HttpRequest], Any]
T = TypeVar("T")


class CorsMiddleware:
    """Answer CORS for a Django project, configured by django-cors-headers' settings.

    Put it as high as possible in ``MIDDLEWARE``, above ``CommonMiddleware`` (its
    APPEND_SLASH redirect would break preflights) and anything that may answer
    before the view (authentication, WhiteNoise). Preflights are answered here:
    ``204`` with CORS headers, or ``403`` without. Every other response from below,
    errors and redirects included, gets the CORS headers its origin is allowed and
    ``Vary: Origin``.

    :raises ConfigError: at start-up, listing every problem with the ``CORS_`` settings.
    """

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response
        self.async_mode = iscoroutinefunction(get_response)
        if self.async_mode:
            # Django then awaits __call__, which hands over to __acall__.
            markcoroutinefunction(self)
        compiled = current()  # invalid settings stop the server at start-up
        if not self.async_mode:
            _refuse_async(compiled)

    def __call__(self, request: HttpRequest) -> Any:
        if self.async_mode:
            return self.__acall__(request)
        compiled = STATE.compiled or current()
        if is_preflight(request.META):
            answer = _preflight_answer(compiled, request, _preflight_choice(compiled, request))
            if answer is not None:
                return _preflight_response(answer)
        response = self.get_response(request)
        _apply(response, _response_headers(compiled, request, _response_choice(compiled, request)))
        return response

    async def __acall__(self, request: HttpRequest) -> HttpResponseBase:
        compiled = STATE.compiled or current()
        if is_preflight(request.META):
            choice = _preflight_choice(compiled, request)
            answer = await _apreflight_answer(compiled, request, choice)
            if answer is not None:
                return _preflight_response(answer)
        response: HttpResponseBase = await self.get_response(request)
        choice = _response_choice(compiled, request)
        _apply(response, await _aresponse_headers(compiled, request, choice))
        return response


def _refuse_async(compiled: Compiled) -> None:
    # In sync mode an async origin function could only get an event loop per request.
    policies: list[CORSPolicy | None] = list(compiled.policies)
    problems = sync_only_problems(policies, "Django in sync mode (WSGI, or a sync-only "
                                  "middleware below this one)", SETTINGS["allow_origin_func"][0])
    report = compiled.observer.report_only if compiled.observer is not None else None
    if report is not None:
        problems += sync_only_problems([report.candidate], "Django in sync mode", REPORT_ONLY)
    if problems:
        raise ConfigError(problems)


def _preflight_choice(compiled: Compiled, request: HttpRequest) -> Match:
    # Preflights are answered before Django resolves the URL: resolve it here, once
    # some view carries a decorator. Resolving the first time imports the URLconf, and
    # with it the views, whose decorators may then say so.
    view = None
    if REGISTRY.any or not REGISTRY.resolved:
        view = view_at(request.path_info, getattr(request, "urlconf", None))
        REGISTRY.resolved = True
    return compiled.matcher.choose(request.path_info, view)


def _response_choice(compiled: Compiled, request: HttpRequest) -> Match:
    match = getattr(request, "resolver_match", None) if REGISTRY.any else None
    return compiled.matcher.choose(request.path_info, None if match is None else match.func)


def _preflight_answer(compiled: Compiled, request: HttpRequest, choice: Match) -> Preflight | None:
    """The answer to a preflight, or None to let it through (CORS is off for it)."""
    policy, pattern = choice
    environ = _environ(compiled, request, policy)
    answer = None if policy is None else preflight(policy, environ)
    if _may_widen_preflight(compiled, answer, pattern) and _signal_says_yes(request):
        policy, answer = compiled.signal_policy, preflight(compiled.signal_policy, request.META)
    if compiled.observer is not None and policy is not None and answer is not None:
        compiled.observer.preflight(policy, answer, environ, pattern)
    return answer


async def _apreflight_answer(
    compiled: Compiled, request: HttpRequest, choice: Match
) -> Preflight | None:
    """:func:`_preflight_answer` in the event loop."""
    policy, pattern = choice
    environ = _environ(compiled, request, policy)
    answer = None if policy is None else await apreflight(policy, environ, _in_thread)
    if (_may_widen_preflight(compiled, answer, pattern)
            and await _in_thread(_signal_says_yes, request)):
        policy, answer = compiled.signal_policy, preflight(compiled.signal_policy, request.META)
    if compiled.observer is not None and policy is not None and answer is not None:
        await compiled.observer.apreflight(policy, answer, environ, pattern, _in_thread)
    return answer


def _response_headers(compiled: Compiled, request: HttpRequest, choice: Match) -> CORSHeaders:
    """The CORS headers for the response to *request*."""
    policy, pattern = choice
    origin = request.META.get("HTTP_ORIGIN")
    environ = _environ(compiled, request, policy)
    cors = NOTHING if policy is None else actual(policy, origin, environ)
    if not cors.actual and _signal_may_widen(compiled, pattern):
        # Even a "no" varies by origin: a receiver may allow the next one.
        cors = REFUSED
        if origin is not None and _signal_says_yes(request):
            policy, cors = compiled.signal_policy, actual(compiled.signal_policy, origin)
    if compiled.observer is not None and policy is not None and origin is not None:
        compiled.observer.actual(policy, cors, origin, environ, pattern)
    return cors


async def _aresponse_headers(
    compiled: Compiled, request: HttpRequest, choice: Match
) -> CORSHeaders:
    """:func:`_response_headers` in the event loop."""
    policy, pattern = choice
    origin = request.META.get("HTTP_ORIGIN")
    environ = _environ(compiled, request, policy)
    cors = NOTHING if policy is None else await aactual(policy, origin, environ, _in_thread)
    if not cors.actual and _signal_may_widen(compiled, pattern):
        cors = REFUSED
        if origin is not None and await _in_thread(_signal_says_yes, request):
            policy, cors = compiled.signal_policy, actual(compiled.signal_policy, origin)
    if compiled.observer is not None and policy is not None and origin is not None:
        await compiled.observer.aactual(policy, cors, origin, environ, pattern, _in_thread)
    return cors


def _may_widen_preflight(compiled: Compiled, answer: Preflight | None, pattern: str | None
                         ) -> bool:
    refused_origin = answer is None or answer.failed == "origin"
    return refused_origin and _signal_may_widen(compiled, pattern)


def _environ(compiled: Compiled, request: HttpRequest, policy: CORSPolicy | None
             ) -> Mapping[str, Any]:
    """``request.META``, with Django's host and scheme when an origin function reads the
    request (``get_host()`` honours USE_X_FORWARDED_HOST, ``scheme`` the secure proxy
    header; under ASGI, META has no scheme at all)."""
    reads = compiled.observer is not None or (policy is not None and policy.needs_request)
    if not reads:
        return request.META
    try:
        host = request.get_host()
    except DisallowedHost:
        host = ""  # a host Django refuses is no tenant's: fail closed
    return {**request.META, "HTTP_HOST": host, "wsgi.url_scheme": request.scheme}


async def _in_thread(func: Callable[..., T], *args: Any) -> T:
    # Blocking user code (origin functions, receivers) may use the ORM, which refuses
    # the event loop.
    return await sync_to_async(func)(*args)


def _signal_may_widen(compiled: Compiled, pattern: str | None) -> bool:
    """True if a check_request_enabled receiver may still allow a request the chosen
    policy refused (not where CORS_PATHS or a view's decorator said the last word)."""
    return (bool(check_request_enabled.receivers) and pattern not in compiled.final
            and not isinstance(pattern, FailedClosed))


def _signal_says_yes(request: HttpRequest) -> bool:
    # send_robust awaits async receivers through async_to_sync: under ASGI this runs
    # in a worker thread (see _in_thread), where sync receivers may use the ORM.
    verdict = False
    for receiver, result in check_request_enabled.send_robust(sender=None, request=request):
        if isinstance(result, Exception):
            _log.error("check_request_enabled receiver %r raised; counted as a no",
                       receiver, exc_info=result)
        elif result:
            verdict = True
    return verdict


def _preflight_response(answer: Preflight) -> HttpResponse:
    response = HttpResponse(answer.body, status=answer.status)
    if not answer.body:
        del response["Content-Type"]  # a 204 has no body to describe
    for name, value in answer.headers:
        response.headers[name] = value
    return response


def _apply(response: HttpResponseBase, cors: CORSHeaders) -> None:
    """Merge the engine's headers into *response* through Django's header API."""
    if not cors.appended:
        return
    headers = response.headers
    for name, value in response_updates(headers, headers.get, cors):
        if value is None:
            del headers[name]
        else:
            headers[name] = value


def explain_request(
    path: str,
    *,
    origin: str | None,
    method: str = "GET",
    request_method: str | None = None,
    request_headers: str | list[str] | None = None,
) -> Decision:
    """Say what the middleware does with a request, as a :class:`wsgicors.Decision`.

    :func:`wsgicors.explain` given :func:`wsgicors_django.conf.route_matcher`: the
    current settings and the ``@cors`` decorator of the view *path* resolves to.
    ``check_request_enabled`` receivers are not asked (they need a real request)::

        >>> explain_request("/api/items/", origin="https://evil.example").reason
        "Origin 'https://evil.example' is not allowed by allow_origins, allow_origin_regex"
    """
    return explain(route_matcher(), origin=origin, method=method, path=path,
                   request_method=request_method, request_headers=request_headers)
