"""CorsMiddleware: Django glue around the wsgicors engine, for WSGI and ASGI.

Per request it reads ``request.META`` (WSGI environ keys, what the engine expects),
picks the policy compiled from the settings (or the view's own, from ``@cors``),
and lets the engine decide. No setting is looked up per request.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.urls import Resolver404, get_resolver

from wsgicors import CORSPolicy, Decision, explain, is_preflight
from wsgicors.engine import actual, preflight
from wsgicors.headers import NOTHING, REFUSED, CORSHeaders, Preflight, response_updates
from wsgicors.logsafe import logsafe

from .conf import STATE, Compiled, current
from .decorators import REGISTRY, is_unset, view_policy
from .signals import check_request_enabled

_log = logging.getLogger("wsgicors")
GetResponse = Callable[[HttpRequest], Any]


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
        meta = request.META
        if is_preflight(meta):
            answered = _preflight_sync(request, compiled)
            if answered is not None:
                return answered
        response = self.get_response(request)
        origin = meta.get("HTTP_ORIGIN")
        policy, eligible = (compiled.fixed if compiled.fixed and not REGISTRY.any
                            else _select(compiled, request))
        cors = NOTHING if policy is None else actual(policy, origin)
        if not cors.actual and _signal_may_widen(eligible):
            cors = _signal_headers(compiled, origin, origin is not None and _signal_sync(request))
        _apply(response, cors)
        return response

    async def __acall__(self, request: HttpRequest) -> HttpResponseBase:
        compiled = STATE.compiled or current()
        if is_preflight(request.META):
            answered = await _preflight_async(request, compiled)
            if answered is not None:
                return answered
        response: HttpResponseBase = await self.get_response(request)
        origin = request.META.get("HTTP_ORIGIN")
        policy, eligible = _select(compiled, request)
        cors = await _actual_async(policy, origin)
        if not cors.actual and _signal_may_widen(eligible):
            said_yes = origin is not None and await _signal_async(request)
            cors = _signal_headers(compiled, origin, said_yes)
        _apply(response, cors)
        return response


def _signal_may_widen(eligible: bool) -> bool:
    """True if a check_request_enabled receiver may still allow a request whose origin
    got no CORS headers."""
    return eligible and bool(check_request_enabled.receivers)


def _signal_headers(compiled: Compiled, origin: str | None, said_yes: bool) -> CORSHeaders:
    # Even a "no" varies by origin: a receiver may allow the next one.
    if not said_yes or origin is None:
        return REFUSED
    return actual(compiled.signal_policy, origin)


def _select(
    compiled: Compiled, request: HttpRequest, view: Callable[..., Any] | None = None
) -> tuple[CORSPolicy | None, bool]:
    """The policy for a request, and whether check_request_enabled may widen it.

    A decorated view's own policy wins and is final; otherwise the settings decide
    by path, and only a CORS_PATHS pattern mapped to None is final. *view* defaults
    to the view Django resolved.
    """
    if view is None:
        view = _resolved_view(request)
    return _select_for(compiled, request.path_info, view)


def _select_for(
    compiled: Compiled, path: str, view: Callable[..., Any] | None
) -> tuple[CORSPolicy | None, bool]:
    if view is not None:
        marked = view_policy(view)
        if not is_unset(marked):
            return marked, False
    routes = compiled.routes
    if not routes.routed:
        return routes.default, True
    policy, key = routes.match(path)
    return policy, policy is not None or key not in compiled.explicit_off


def _resolved_view(request: HttpRequest) -> Callable[..., Any] | None:
    """The view Django resolved for *request* (None until a view is decorated)."""
    if not REGISTRY.any:
        return None
    match = getattr(request, "resolver_match", None)
    return None if match is None else match.func


def _view_for_preflight(request: HttpRequest) -> Callable[..., Any] | None:
    # Preflights are answered before Django resolves the URL: resolve it here,
    # but only once some view carries a decorator.
    if not REGISTRY.any:
        return None
    return _view_at(request.path_info, getattr(request, "urlconf", None))


def _view_at(path: str, urlconf: Any = None) -> Callable[..., Any] | None:
    try:
        return get_resolver(urlconf).resolve(path).func
    except Resolver404:
        return None


def _preflight_sync(request: HttpRequest, compiled: Compiled) -> HttpResponse | None:
    policy, eligible = _select(compiled, request, _view_for_preflight(request))
    answer = None if policy is None else preflight(policy, request.META)
    if _signal_may_answer(answer, eligible) and _signal_sync(request):
        answer = preflight(compiled.signal_policy, request.META)
    return None if answer is None else _preflight_response(answer)


async def _preflight_async(request: HttpRequest, compiled: Compiled) -> HttpResponse | None:
    meta = request.META
    policy, eligible = _select(compiled, request, _view_for_preflight(request))
    answer = None
    if policy is not None:
        if policy.needs_func(meta["HTTP_ORIGIN"]):
            answer = await sync_to_async(preflight)(policy, meta)
        else:
            answer = preflight(policy, meta)
    if _signal_may_answer(answer, eligible) and await _signal_async(request):
        answer = preflight(compiled.signal_policy, meta)
    return None if answer is None else _preflight_response(answer)


def _signal_may_answer(answer: Preflight | None, eligible: bool) -> bool:
    refused_origin = answer is None or answer.failed == "origin"
    return refused_origin and eligible and bool(check_request_enabled.receivers)


async def _actual_async(policy: CORSPolicy | None, origin: str | None) -> CORSHeaders:
    if policy is None:
        return NOTHING
    if origin is not None and policy.needs_func(origin):
        # allow_origin_func may use the ORM, which refuses to run in the event loop.
        return await sync_to_async(actual)(policy, origin)
    return actual(policy, origin)


def _signal_sync(request: HttpRequest) -> bool:
    return _any_yes(check_request_enabled.send_robust(sender=None, request=request))


async def _signal_async(request: HttpRequest) -> bool:
    # asend_robust runs sync receivers through sync_to_async, so the ORM works there.
    return _any_yes(await check_request_enabled.asend_robust(sender=None, request=request))


def _any_yes(results: list[tuple[Any, Any]]) -> bool:
    verdict = False
    for receiver, result in results:
        if isinstance(result, Exception):
            _log.error("check_request_enabled receiver %r raised; counted as a no",
                       receiver, exc_info=result)
        elif result:
            verdict = True
    return verdict


def _preflight_response(answer: Preflight) -> HttpResponse:
    response = HttpResponse(answer.body, status=int(answer.status[:3]))
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

    Uses the current settings and the ``@cors`` decorator of the view *path* resolves
    to. ``check_request_enabled`` receivers are not asked (they need a real request)::

        >>> explain_request("/api/items/", origin="https://evil.example").reason
        "Origin 'https://evil.example' is not allowed by allow_origins, allow_origin_regex"
    """
    policy, _eligible = _select_for(current(), path, _view_at(path))
    if policy is None:
        return Decision("not-covered", False, "path-not-covered",
                        f"CORS is off for path {logsafe(path)} (CORS_URLS_REGEX, CORS_PATHS or "
                        "@cors_exempt)")
    return explain(policy, origin=origin, method=method, path=path,
                   request_method=request_method, request_headers=request_headers)

