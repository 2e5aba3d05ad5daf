"""The fetch algorithm: the doctor plays the browser's part over a transport.

:func:`check` sends the preflight (when one is needed) and the actual request,
follows redirects the way browsers do, judges every response with the browser model
(:mod:`wsgicors.doctor.browser`) for each browser, and returns a
:class:`~wsgicors.doctor.Report` with the verdict, the console messages, the headers
to blame and the fix.
"""

from __future__ import annotations

import functools
import urllib.parse
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ..http import FORBIDDEN_METHODS, TOKEN, is_forbidden_request_header
from ..logsafe import logsafe
from ..origins import is_serialized_origin, suggest_origin
from ..targets import find_target
from . import browser as rules
from .advice import advise
from .browser import Failure, Header, Response
from .report import DoctorError, Exchange, Outcome, Report
from .transport import Transport

#: Most redirects a browser follows before it gives up (Fetch standard).
MAX_REDIRECTS = 20
_BODY_HEADERS = frozenset({"content-encoding", "content-language", "content-location",
                           "content-type"})
_PLACEHOLDERS = {"content-type": "application/json", "authorization": "Bearer doctor"}


def parse_header(text: str) -> Header:
    """``"name: value"`` or a bare ``"name"`` (given a plausible value) as a header."""
    name, sep, value = text.partition(":")
    name = name.strip()
    if not name or TOKEN.fullmatch(name) is None:
        raise DoctorError(f"not a header name: {logsafe(text)}")
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
) -> Report:
    """Run one cross-origin ``fetch()`` against *url* the way browsers do.

    *target*, when given, is what serves CORS there (anything
    :func:`wsgicors.targets.find_target` accepts: a CORSMiddleware, a policy, a Flask
    app...): the report then names the option to change::

        report = check(WSGITransport(app), "http://localhost/api/items",
                       origin="https://app.example.com", method="PUT", target=app)
        assert report.allowed, report.outcomes["chrome"].message
    """
    header_list = tuple(headers)
    _validate(url, origin, method, header_list)
    method = rules.normalize_method(method)
    report = Report(url, origin, method, header_list, credentials)
    report.same_origin = origin_of(url) == origin
    if report.same_origin:
        report.outcomes = {b: Outcome(b, url=url) for b in rules.BROWSERS}
        return report
    report.preflight_reasons = rules.preflight_reasons(method, header_list)
    _run(transport, report)
    advise(report, None if target is None else find_target(target))
    return report


def _validate(url: str, origin: str, method: str, headers: Sequence[Header]) -> None:
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise DoctorError(f"only http:// and https:// URLs can be checked, not {logsafe(url)}")
    if origin != "null" and not is_serialized_origin(origin):
        raise DoctorError(f"--origin {logsafe(origin)} is not an origin as browsers send it;"
                          f" did you mean {suggest_origin(origin)!r}?")
    if TOKEN.fullmatch(method) is None or method.upper() in FORBIDDEN_METHODS:
        raise DoctorError(f"browsers cannot send method {logsafe(method)}")
    for name, _value in headers:
        if is_forbidden_request_header(name):
            raise DoctorError(f"browsers never let scripts set the {name!r} header; drop it")


@dataclass
class _State:
    url: str
    origin: str
    method: str
    headers: tuple[Header, ...]
    alive: list[str]


def _run(transport: Transport, report: Report) -> None:
    state = _State(report.url, report.origin, report.method, report.headers,
                   list(rules.BROWSERS))
    report.outcomes = {b: Outcome(b, url=report.url) for b in rules.BROWSERS}
    for _hop in range(MAX_REDIRECTS + 1):
        if rules.needs_preflight(state.method, state.headers):
            _preflight(transport, report, state)
            if not state.alive:
                return
        sent = (*state.headers, ("Origin", state.origin))
        response = transport.send(state.method, state.url, sent)
        redirect = response.is_redirect
        report.exchanges.append(Exchange("redirect" if redirect else "actual", state.method,
                                         state.url, sent, response))
        _judge(report, state, functools.partial(
            rules.evaluate_response, response, state.origin, report.credentials))
        if not redirect or not state.alive:
            if state.alive:
                report.hidden_headers = rules.hidden_response_headers(
                    response, report.credentials)
            return
        _follow(state, response)
    raise DoctorError(f"more than {MAX_REDIRECTS} redirects; browsers give up there")


def _preflight(transport: Transport, report: Report, state: _State) -> None:
    sent = tuple(rules.preflight_headers(state.origin, state.method, state.headers))
    response = transport.send("OPTIONS", state.url, sent)
    report.exchanges.append(Exchange("preflight", "OPTIONS", state.url, sent, response))
    _judge(report, state, functools.partial(
        rules.evaluate_preflight, response, state.origin, state.method, state.headers,
        report.credentials))
    age = response.get("Access-Control-Max-Age")
    for browser in state.alive:
        report.outcomes[browser].preflight_cache = rules.preflight_cache_seconds(age, browser)


def _judge(
    report: Report, state: _State, evaluate: Callable[[str], Failure | None]
) -> None:
    for browser in list(state.alive):
        failure = evaluate(browser)
        outcome = report.outcomes[browser]
        outcome.url = state.url
        if failure is None:
            continue
        state.alive.remove(browser)
        outcome.failure = failure
        if browser == "chrome":
            outcome.message = rules.chrome_message(failure, state.url, report.origin, report.url)
        else:
            outcome.message = rules.firefox_message(failure, state.url)


def _follow(state: _State, response: Response) -> None:
    location = response.location or ""
    if urllib.parse.urlsplit(location).scheme not in ("http", "https"):
        raise DoctorError(f"redirect to a non-HTTP URL {logsafe(location)}: a network error")
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
