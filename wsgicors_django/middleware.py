"""CorsMiddleware: Django glue around the wsgicors engine, for WSGI and ASGI.

Per request it reads ``request.META`` (WSGI environ keys, what the engine expects),
picks the policy compiled from the settings (or the view's own, from ``@cors``,
through :class:`~wsgicors_django.routing.ViewRoutes`), and lets the engine decide.
No setting is looked up per request.

Sync and async requests run the same two decisions, :func:`_preflight_answer` and
:func:`_response_headers`; under ASGI they run in a worker thread when they may call
user code that may block (``allow_origin_func``, a ``check_request_enabled``
receiver), and right in the event loop otherwise.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase

from wsgicors import Decision, explain
from wsgicors.adapter import (
    NOTHING,
    REFUSED,
    CORSHeaders,
    FailedClosed,
    Match,
    Preflight,
    actual,
    is_preflight,
    preflight,
    response_updates,
)

from .conf import STATE, Compiled, current, route_matcher
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
        current()  # invalid settings stop the server at start-up, not on a request

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
            answer = await _off_the_loop(_preflight_answer, compiled, request, choice)
            if answer is not None:
                return _preflight_response(answer)
        response: HttpResponseBase = await self.get_response(request)
        choice = _response_choice(compiled, request)
        _apply(response, await _off_the_loop(_response_headers, compiled, request, choice))
        return response


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
    answer = None if policy is None else preflight(policy, request.META)
    refused_origin = answer is None or answer.failed == "origin"
    if refused_origin and _signal_may_widen(compiled, pattern) and _signal_says_yes(request):
        answer = preflight(compiled.signal_policy, request.META)
    return answer


def _response_headers(compiled: Compiled, request: HttpRequest, choice: Match) -> CORSHeaders:
    """The CORS headers for the response to *request*."""
    policy, pattern = choice
    origin = request.META.get("HTTP_ORIGIN")
    cors = NOTHING if policy is None else actual(policy, origin)
    if cors.actual or not _signal_may_widen(compiled, pattern):
        return cors
    if origin is None or not _signal_says_yes(request):
        return REFUSED  # even a "no" varies by origin: a receiver may allow the next one
    return actual(compiled.signal_policy, origin)


def _signal_may_widen(compiled: Compiled, pattern: str | None) -> bool:
    """True if a check_request_enabled receiver may still allow a request the chosen
    policy refused (not where CORS_PATHS or a view's decorator said the last word)."""
    return (bool(check_request_enabled.receivers) and pattern not in compiled.final
            and not isinstance(pattern, FailedClosed))


def _signal_says_yes(request: HttpRequest) -> bool:
    # send_robust awaits async receivers through async_to_sync: under ASGI this runs
    # in a worker thread (see _off_the_loop), where sync receivers may use the ORM.
    verdict = False
    for receiver, result in check_request_enabled.send_robust(sender=None, request=request):
        if isinstance(result, Exception):
            _log.error("check_request_enabled receiver %r raised; counted as a no",
                       receiver, exc_info=result)
        elif result:
            verdict = True
    return verdict


async def _off_the_loop(
    decide: Callable[[Compiled, HttpRequest, Match], T],
    compiled: Compiled, request: HttpRequest, choice: Match,
) -> T:
    """*decide* in a worker thread if it may run user code that blocks, else here."""
    if _may_block(compiled, request, choice):
        # allow_origin_func and receivers may use the ORM, which refuses the event loop.
        return await sync_to_async(decide)(compiled, request, choice)
    return decide(compiled, request, choice)


def _may_block(compiled: Compiled, request: HttpRequest, choice: Match) -> bool:
    origin = request.META.get("HTTP_ORIGIN")
    if origin is None:
        return False
    policy, pattern = choice
    if policy is not None and policy.needs_func(origin):
        return True
    refused = policy is None or policy.static_lookup(origin) is None
    return refused and _signal_may_widen(compiled, pattern)


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
