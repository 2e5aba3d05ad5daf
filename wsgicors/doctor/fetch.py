"""The fetch algorithm: the doctor plays each browser's part over a transport.

:func:`check` runs one cross-origin ``fetch()`` once per modelled browser: the
preflight when that browser sends one, the actual request, every redirect the way
that browser follows it, each response read and judged with the browser model. The
browsers' paths can part (Chromium safelists more request headers, Firefox
preflights again after a redirect, they read malformed header lines differently),
but no request is sent twice: identical requests share one exchange. The result is
a :class:`~wsgicors.doctor.Report` with each browser's verdict, console message and
the headers to blame, and the fix.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ..http import FORBIDDEN_METHODS, TOKEN, is_forbidden_request_header
from ..logsafe import logsafe
from ..origins import is_serialized_origin, suggest_origin
from ..toolbase import stacks
from ..toolbase.errors import ToolError
from ..toolbase.stacks import StackInfo
from ..toolbase.targets import Target, find_target
from . import browser as rules
from .advice import advise
from .browser import Browser, Failure, Header, Response
from .cookies import cross_site_cookie_warning
from .messages import console_message
from .report import Exchange, ExchangeKind, Outcome, Report
from .responses import seen_by
from .transport import Transport

_BODY_HEADERS = frozenset({"content-encoding", "content-language", "content-location",
                           "content-type"})
_PLACEHOLDERS = {"content-type": "application/json", "authorization": "Bearer doctor"}
# What a predicted actual response carries over from its preflight.
_PREDICTED_HEADERS = frozenset({"access-control-allow-origin",
                                "access-control-allow-credentials",
                                "access-control-expose-headers", "vary"})


def parse_header(text: str) -> Header:
    """``"name: value"`` or a bare ``"name"`` (given a plausible value) as a header."""
    name, sep, value = text.partition(":")
    name = name.strip()
    if not name or TOKEN.fullmatch(name) is None:
        raise ToolError(f"not a header name: {logsafe(text)}")
    if not sep:
        value = _PLACEHOLDERS.get(name.lower(), "x")
    return name, value.strip()


def origin_of(url: str) -> str:
    """The serialized origin of *url* (``scheme://host[:port]``)."""
    return suggest_origin(url) if "://" in url else "null"


def check(
    transport: Transport,
    url: str,
    *,
    origin: str,
    method: str = "GET",
    headers: Iterable[Header] = (),
    credentials: bool = False,
    target: Any = None,
    read_headers: Iterable[str] = (),
    body: bytes | None = None,
    preflight_only: bool = False,
    stack: StackInfo | None = None,
) -> Report:
    """Run one cross-origin ``fetch()`` against *url* the way browsers do.

    *target*, when given, is what serves CORS there (anything
    :func:`wsgicors.toolbase.targets.find_target` accepts: a CORSMiddleware, a policy, a Flask
    app...): the report then names the option to change::

        report = check(WSGITransport(app), "https://localhost/api/items",
                       origin="https://app.example.com", method="PUT", target=app)
        assert report.allowed, report.outcomes["chrome"].message

    The actual request is really sent (a ``PUT`` changes what the server stores), with
    *body* when given; with *preflight_only* only the ``OPTIONS`` request is, and the
    actual response is predicted from its CORS headers. *read_headers* are the
    response headers the script reads. *stack* is the user's stack, for the fix's
    configuration (by default found from *target*, else guessed from the responses).
    """
    header_list = tuple(headers)
    _validate(url, origin, method, header_list)
    method = rules.normalize_method(method)
    if body is not None:
        if method in ("GET", "HEAD"):
            raise ToolError(f"fetch() refuses a body with {method}: use another method")
        if not any(name.lower() == "content-type" for name, _value in header_list):
            header_list += (("Content-Type", "text/plain;charset=UTF-8"),)  # fetch()'s own
    report = Report(url, origin, method, header_list, credentials,
                    read_headers=tuple(read_headers))
    report.same_origin = origin_of(url) == origin
    if report.same_origin:
        report.outcomes = {b: Outcome(b, url=url) for b in rules.BROWSERS}
        return report
    report.preflight_reasons = rules.preflight_reasons(method, header_list, "firefox")
    exchanges = _Exchanges(transport, report, body, preflight_only)
    for browser in rules.BROWSERS:
        report.outcomes[browser] = _fetch(exchanges, report, browser)
    warning = rules.local_network_warning(origin, url)
    if warning is not None:
        report.outcomes["chrome"].warnings.append(warning)
    report.hidden_headers = list(dict.fromkeys(
        name for outcome in report.outcomes.values() for name in outcome.hidden_headers))
    report.notes += _notes(report, preflight_only)
    cookies = cross_site_cookie_warning(origin, url, credentials)
    if cookies is not None:
        report.warnings.append(cookies)
    found = None if target is None else find_target(target)
    advise(report, found, stack or _stack(report, target, found))
    return report


def _notes(report: Report, preflight_only: bool) -> list[str]:
    """What the check did that the server felt: a real request that changes data."""
    actual = [e for e in report.exchanges if e.kind != "preflight"]
    if preflight_only:
        return [f"--preflight-only: the {report.method} request itself was not sent; its "
                "response is predicted from the preflight's CORS headers (the real one may "
                "differ)."] if actual else []
    if report.method.upper() in ("GET", "HEAD", "OPTIONS") or not any(e.sent for e in actual):
        return []
    return [f"this check sent a real {report.method} request to {report.url}: the server "
            "acted on it as on any other (--preflight-only sends only the OPTIONS "
            "request)."]


def _stack(report: Report, target: Any, found: Target | None) -> StackInfo:
    """The user's stack: from *target* when given, else a guess from the responses."""
    if target is not None:
        return stacks.of_app(target, "", found)
    for exchange in report.exchanges:
        guess = stacks.of_response(exchange.response.headers)
        if guess is not None:
            return guess
    return stacks.UNKNOWN


def _validate(url: str, origin: str, method: str, headers: Sequence[Header]) -> None:
    try:
        scheme = urllib.parse.urlsplit(url).scheme
    except ValueError as exc:  # an unclosed "[" ...
        raise ToolError(f"invalid URL {logsafe(url)}: {exc}") from None
    if scheme not in ("http", "https"):
        raise ToolError(f"only http:// and https:// URLs can be checked, not {logsafe(url)}")
    if origin != "null" and not is_serialized_origin(origin):
        raise ToolError(f"--origin {logsafe(origin)} is not an origin as browsers send it;"
                          f" did you mean {suggest_origin(origin)!r}?")
    if TOKEN.fullmatch(method) is None or method.upper() in FORBIDDEN_METHODS:
        raise ToolError(f"browsers cannot send method {logsafe(method)}")
    for name, _value in headers:
        if is_forbidden_request_header(name):
            raise ToolError(f"browsers never let scripts set the {name!r} header; drop it")


class _Exchanges:
    """Sends requests for every browser; an identical request is sent only once.

    With *preflight_only*, an actual request is never sent: its response is predicted
    from the CORS headers of the preflight to the same URL (sent first for a request
    that needs none, to learn them).
    """

    def __init__(self, transport: Transport, report: Report, body: bytes | None = None,
                 preflight_only: bool = False) -> None:
        self.transport = transport
        self.report = report
        self.body = body
        self.preflight_only = preflight_only
        self.sent: dict[tuple[str, str, tuple[Header, ...]], int] = {}

    def send(self, method: str, url: str, headers: tuple[Header, ...], preflight: bool
             ) -> tuple[int, Response]:
        """The index of the exchange for this request, and its response."""
        key = (method, url, headers)
        index = self.sent.get(key)
        if index is None:
            sent = preflight or not self.preflight_only
            if not sent:
                response = self._predicted(method, url, headers)
            elif preflight or not self.body:
                response = self.transport.send(method, url, headers)
            else:
                response = self.transport.send(method, url, headers, body=self.body)
            kind: ExchangeKind = "preflight" if preflight else (
                "redirect" if response.is_redirect else "actual")
            index = self.sent[key] = len(self.report.exchanges)
            self.report.exchanges.append(Exchange(kind, method, url, headers, response, sent))
        return index, self.report.exchanges[index].response

    def _predicted(self, method: str, url: str, headers: tuple[Header, ...]) -> Response:
        """A 200 carrying the CORS headers the preflight to *url* got."""
        preflights = [e.response for e in self.report.exchanges
                      if e.kind == "preflight" and e.url == url]
        if not preflights:
            origin = dict(headers).get("Origin", self.report.origin)
            probe = tuple(rules.preflight_headers(origin, method, self.report.headers))
            preflights = [self.send("OPTIONS", url, probe, preflight=True)[1]]
        kept = tuple((name, value) for name, value in preflights[-1].headers
                     if name.lower() in _PREDICTED_HEADERS)
        return Response(200, kept, url=url)


@dataclass
class _State:
    """Where one browser's fetch stands: the request it sends next."""

    url: str
    origin: str
    method: str
    headers: tuple[Header, ...]


def _fetch(exchanges: _Exchanges, report: Report, browser: Browser) -> Outcome:
    """Play one browser's fetch to its end: allowed, or blocked by a failure."""
    outcome = Outcome(browser, url=report.url)
    state = _State(report.url, report.origin, report.method, report.headers)
    # Firefox and WebKit keep a request's need for a preflight across redirects, even
    # when a 301/302/303 turned it into a GET that needs none.
    forced = rules.preflights_again(browser) and rules.needs_preflight(
        state.method, state.headers, browser)
    passed: set[tuple[str, str, str, str]] = set()
    redirects = 0
    while True:
        preflight = forced or rules.needs_preflight(state.method, state.headers, browser)
        # Nothing goes to the network for a URL the browser refuses to request.
        refused = rules.request_failure(report.origin, state.url, browser,
                                        redirected=bool(redirects), preflight=preflight)
        if refused is not None:
            return _blocked(report, outcome, refused)
        if preflight:
            failure = _preflight(exchanges, report, state, outcome, passed)
            if failure is not None:
                return _blocked(report, outcome, failure)
        sent = (*state.headers, ("Origin", state.origin))
        index, raw = exchanges.send(state.method, state.url, sent, preflight=False)
        outcome.exchanges.append(index)
        outcome.url = state.url
        response = seen_by(raw, browser)
        redirects += response.is_redirect
        failure = rules.evaluate_response(response, state.origin, report.credentials, browser,
                                          redirects)
        if failure is not None:
            return _blocked(report, outcome, failure)
        if not response.is_redirect:
            outcome.hidden_headers = rules.hidden_response_headers(response,
                                                                   report.credentials)
            return outcome
        _follow(state, response)


def _preflight(exchanges: _Exchanges, report: Report, state: _State, outcome: Outcome,
               passed: set[tuple[str, str, str, str]]) -> Failure | None:
    browser = outcome.browser
    headers = rules.preflight_basis(browser, state.headers, report.headers)
    sent = tuple(rules.preflight_headers(state.origin, state.method, headers, browser))
    requested = rules.unsafe_header_names(headers, browser)
    key = (state.url, state.origin, state.method, ",".join(requested))
    if key in passed:  # the preflight cache: same URL, origin, method and headers
        return None
    index, raw = exchanges.send("OPTIONS", state.url, sent, preflight=True)
    outcome.exchanges.append(index)
    outcome.url = state.url
    response = seen_by(raw, browser)
    failure = rules.evaluate_preflight(response, state.origin, state.method, headers,
                                       report.credentials, browser)
    if failure is None:
        passed.add(key)
        outcome.preflight_cache = rules.preflight_cache_seconds(
            response.get("Access-Control-Max-Age"), browser)
        outcome.warnings += rules.preflight_warnings(response, requested, report.credentials)
    return failure


def _blocked(report: Report, outcome: Outcome, failure: Failure) -> Outcome:
    outcome.failure = failure
    outcome.message = console_message(outcome.browser, failure, outcome.url, report.origin,
                                      report.url)
    return outcome


def _follow(state: _State, response: Response) -> None:
    location = response.location or ""
    if origin_of(location) != origin_of(state.url):
        # Fetch "HTTP-redirect fetch": the origin becomes opaque and Authorization goes.
        state.origin = "null"
        state.headers = tuple(h for h in state.headers if h[0].lower() != "authorization")
    status = response.status
    if (status in (301, 302) and state.method == "POST") or (
            status == 303 and state.method not in ("GET", "HEAD")):
        state.method = "GET"
        state.headers = tuple(h for h in state.headers if h[0].lower() not in _BODY_HEADERS)
    state.url = location
