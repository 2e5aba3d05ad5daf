"""The CORS doctor: do what a browser does against a server, and say what to change.

:func:`check` sends the preflight (when one is needed) and the actual request, follows
redirects the way browsers do, judges every response with :mod:`wsgicors.fetchrules`
for each browser, and returns a :class:`Report` with the verdict, the console
messages, the headers to blame and the fix. It talks HTTP with :mod:`http.client`
(:class:`HTTPTransport`) or calls a WSGI application in process
(:class:`WSGITransport`), so it works without a server, in a test suite::

    report = check(WSGITransport(app), "http://localhost/api/items",
                   origin="https://app.example.com", method="PUT")
    assert report.allowed, report.outcomes["chrome"].message
"""

from __future__ import annotations

import functools
import http.client
import io
import socket
import ssl
import sys
import urllib.parse
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from . import fetchrules as rules
from .engine import Decision, explain
from .fetchrules import Failure, Header, Response
from .http import FORBIDDEN_METHODS, TOKEN, is_forbidden_request_header
from .logsafe import logsafe
from .origins import is_serialized_origin, suggest_origin

#: Most redirects a browser follows before it gives up (Fetch standard).
MAX_REDIRECTS = 20
#: Most bytes of a response body read (and thrown away) per exchange.
MAX_BODY = 1 << 20
_BODY_HEADERS = frozenset({"content-encoding", "content-language", "content-location",
                           "content-type"})
_PLACEHOLDERS = {"content-type": "application/json", "authorization": "Bearer doctor"}


class DoctorError(Exception):
    """A usage, network or protocol error, as one line for the user (exit status 2)."""


class Transport(Protocol):
    """Something that sends one request and returns the response, without redirects."""

    def send(self, method: str, url: str, headers: Sequence[Header]) -> Response:
        """Send *method* to *url* with *headers*; raise DoctorError on failure."""


@dataclass(frozen=True)
class Exchange:
    """One request the doctor sent and the response it got."""

    kind: str
    method: str
    url: str
    request_headers: tuple[Header, ...]
    response: Response


@dataclass
class Outcome:
    """The verdict of one browser: allowed, or the failure and its console message."""

    browser: str
    failure: Failure | None = None
    message: str | None = None
    url: str = ""
    preflight_cache: int | None = None

    @property
    def allowed(self) -> bool:
        """True if the browser hands the response to the script."""
        return self.failure is None


@dataclass
class Report:
    """Everything :func:`check` found, for printing or as JSON (:meth:`as_dict`)."""

    url: str
    origin: str
    method: str
    headers: tuple[Header, ...]
    credentials: bool
    same_origin: bool = False
    preflight_reasons: list[str] = field(default_factory=list)
    exchanges: list[Exchange] = field(default_factory=list)
    outcomes: dict[str, Outcome] = field(default_factory=dict)
    fixes: list[str] = field(default_factory=list)
    wsgicors: list[Decision] = field(default_factory=list)
    hidden_headers: list[str] = field(default_factory=list)

    @property
    def allowed(self) -> bool:
        """True if every modelled browser allows the request."""
        return all(outcome.allowed for outcome in self.outcomes.values())

    @property
    def verdict(self) -> str:
        """``"allowed"`` or ``"blocked"``."""
        return "allowed" if self.allowed else "blocked"

    def as_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data (the ``--json`` output)."""
        return {
            "verdict": self.verdict,
            "request": {"url": self.url, "origin": self.origin, "method": self.method,
                        "headers": [list(h) for h in self.headers],
                        "credentials": self.credentials},
            "same_origin": self.same_origin,
            "preflight": {"needed": bool(self.preflight_reasons),
                          "reasons": self.preflight_reasons},
            "exchanges": [_exchange_dict(e) for e in self.exchanges],
            "browsers": {name: _outcome_dict(o) for name, o in self.outcomes.items()},
            "fixes": self.fixes,
            "wsgicors": [_decision_dict(d) for d in self.wsgicors],
            "hidden_response_headers": self.hidden_headers,
        }


def _exchange_dict(exchange: Exchange) -> dict[str, Any]:
    return {"kind": exchange.kind, "method": exchange.method, "url": exchange.url,
            "request_headers": [list(h) for h in exchange.request_headers],
            "status": exchange.response.status,
            "response_headers": [list(h) for h in exchange.response.headers]}


def _outcome_dict(outcome: Outcome) -> dict[str, Any]:
    failure = outcome.failure
    return {"allowed": outcome.allowed, "url": outcome.url,
            "code": None if failure is None else failure.code,
            "stage": None if failure is None else failure.stage,
            "message": outcome.message,
            "culprit_headers": [] if failure is None else [list(h) for h in failure.headers],
            "preflight_cache_seconds": outcome.preflight_cache}


def _decision_dict(decision: Decision) -> dict[str, Any]:
    return {"kind": decision.kind, "allowed": decision.allowed, "code": decision.code,
            "reason": decision.reason, "option": decision.option}


# -- transports ------------------------------------------------------------------


class HTTPTransport:
    """Send requests with :mod:`http.client`; every failure becomes a DoctorError."""

    def __init__(self, timeout: float = 10.0, context: ssl.SSLContext | None = None) -> None:
        self.timeout = timeout
        self.context = context

    def send(self, method: str, url: str, headers: Sequence[Header]) -> Response:
        """Send one request, read at most :data:`MAX_BODY` bytes of the answer."""
        parts = urllib.parse.urlsplit(url)
        host = parts.hostname or ""
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError as exc:
            raise DoctorError(f"invalid port in URL {logsafe(url)}") from exc
        where = f"{host}:{port}"
        conn = self._connection(parts.scheme, host, port)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        try:
            conn.putrequest(method, target, skip_accept_encoding=True)
            for name, value in headers:
                conn.putheader(name, value)
            conn.endheaders()
            answer = conn.getresponse()
            answer.read(MAX_BODY)
            return Response(answer.status, tuple(answer.getheaders()),
                            _location(url, answer.getheader("Location")))
        except Exception as exc:
            raise DoctorError(_network_error(exc, where, self.timeout)) from exc
        finally:
            conn.close()

    def _connection(self, scheme: str, host: str, port: int) -> http.client.HTTPConnection:
        if scheme == "https":
            context = self.context or ssl.create_default_context()
            return http.client.HTTPSConnection(host, port, timeout=self.timeout,
                                               context=context)
        return http.client.HTTPConnection(host, port, timeout=self.timeout)


def _network_error(exc: BaseException, where: str, timeout: float) -> str:
    if isinstance(exc, (TimeoutError, socket.timeout)):
        return f"timed out after {timeout:g} s talking to {where}"
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"TLS certificate of {where} not trusted: {exc.verify_message}"
    if isinstance(exc, ssl.SSLError):
        return f"TLS error with {where}: {exc.reason or exc}"
    if isinstance(exc, socket.gaierror):
        return f"cannot resolve host of {where}: {exc.strerror}"
    if isinstance(exc, ConnectionRefusedError):
        return f"connection refused by {where} (is the server running?)"
    if isinstance(exc, (http.client.BadStatusLine, http.client.RemoteDisconnected)):
        return f"{where} did not answer with HTTP ({type(exc).__name__})"
    if isinstance(exc, http.client.HTTPException):
        return f"invalid HTTP answer from {where}: {type(exc).__name__}"
    if isinstance(exc, OSError):
        return f"network error with {where}: {exc.strerror or exc}"
    return f"error talking to {where}: {type(exc).__name__}: {logsafe(exc)}"


def _location(url: str, value: str | None) -> str | None:
    return None if value is None else urllib.parse.urljoin(url, value.strip())


class WSGITransport:
    """Call a WSGI application in process, as a server would (no network)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def send(self, method: str, url: str, headers: Sequence[Header]) -> Response:
        """Build a WSGI environ for the request and run the application."""
        parts = urllib.parse.urlsplit(url)
        captured: list[Any] = []

        def start_response(status: str, header_list: list[Header], exc_info: Any = None) -> Any:
            captured[:] = [status, header_list]
            return lambda data: None

        try:
            body = self.app(_environ(method, parts, headers), start_response)
            try:
                for _chunk in body:
                    pass
            finally:
                close = getattr(body, "close", None)
                if close is not None:
                    close()
        except Exception as exc:
            raise DoctorError(
                f"the application raised {type(exc).__name__}: {logsafe(exc)}") from exc
        if not captured:
            raise DoctorError("the application returned without calling start_response")
        status, header_list = captured
        found = next((v for k, v in header_list if k.lower() == "location"), None)
        return Response(int(str(status)[:3]), tuple(header_list), _location(url, found))


def _environ(method: str, parts: urllib.parse.SplitResult, headers: Sequence[Header]
             ) -> dict[str, Any]:
    scheme = parts.scheme or "http"
    host = parts.hostname or "localhost"
    port = str(parts.port or (443 if scheme == "https" else 80))
    env: dict[str, Any] = {
        "REQUEST_METHOD": method, "SCRIPT_NAME": "",
        "PATH_INFO": _path(parts.geturl()),
        "QUERY_STRING": parts.query, "SERVER_NAME": host, "SERVER_PORT": port,
        "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": parts.netloc or host, "wsgi.version": (1, 0), "wsgi.url_scheme": scheme,
        "wsgi.input": io.BytesIO(b""), "wsgi.errors": sys.stderr, "wsgi.multithread": False,
        "wsgi.multiprocess": False, "wsgi.run_once": False,
    }
    for name, value in headers:
        key = name.upper().replace("-", "_")
        if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            env[key] = value
        else:
            key = "HTTP_" + key
            env[key] = f"{env[key]},{value}" if key in env else value
    return env


# -- the check -------------------------------------------------------------------


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

    *target*, when given, is the :class:`~wsgicors.CORSMiddleware` (or policy) serving
    the URL: the report then names the wsgicors option to change.
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
    _explain(report, target)
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


# -- explanations ------------------------------------------------------------------


def _explain(report: Report, target: Any) -> None:
    if target is not None:
        report.wsgicors = _decisions(report, target)
        refused = [d for d in report.wsgicors if not d.allowed]
        report.fixes += [_wsgicors_fix(d, report, target) for d in refused]
        failures = [o.failure for o in report.outcomes.values() if o.failure is not None]
        if failures and not refused:
            report.fixes.append(_wsgicors_gap(failures[0]))
    seen: set[str] = set()
    for outcome in report.outcomes.values():
        failure = outcome.failure
        if failure is None or failure.code in seen:
            continue
        seen.add(failure.code)
        report.fixes.append(fix_for(failure, report, outcome.url))


def fix_for(failure: Failure, report: Report, url: str) -> str:
    """What to change on the server, in HTTP terms, for *failure*."""
    origin = report.origin
    status = failure.status
    where = {"preflight": "the preflight (OPTIONS) response",
             "redirect": f"the {status} redirect (each hop needs CORS headers)",
             "actual": "the response"}[failure.stage]
    if failure.code == "missing-allow-origin":
        if failure.stage == "preflight" and status >= 300:
            return _status_fix(status, url)
        if status >= 500:
            return (f"The server failed with {status} and its error page has no CORS "
                    "headers: fix the error, and add CORS headers to error responses too.")
        star = "" if report.credentials else " (or '*' for public data)"
        return f"Send 'Access-Control-Allow-Origin: {origin}'{star} on {where}."
    if failure.code == "preflight-status":
        return _status_fix(status, url)
    if failure.code == "preflight-redirect":
        return (f"The preflight was redirected to {failure.hint}; browsers never follow "
                "a preflight redirect. Call the final URL directly (https://, trailing "
                "slash), or answer OPTIONS before the redirect happens.")
    return _header_fix(failure, report, where)


def _status_fix(status: int, url: str) -> str:
    if status in (401, 403):
        return (f"The preflight got {status}: authentication, CSRF protection or a "
                "firewall answers OPTIONS before CORS does, or the CORS layer refuses the "
                "origin, method or headers. Preflights carry no credentials: answer them "
                "before any authentication.")
    if status in (404, 405, 501):
        return (f"The preflight got {status}: nothing answers OPTIONS at {url}. Add a "
                "CORS layer that answers preflights (OPTIONS with "
                "Access-Control-Request-Method) before routing.")
    return (f"The preflight got {status}; it needs a 2xx status (204 is usual). Make "
            "the CORS layer answer preflights before the application runs.")


def _header_fix(failure: Failure, report: Report, where: str) -> str:
    origin, hint = report.origin, failure.hint
    code = failure.code
    if code == "allow-origin-mismatch":
        return _mismatch_fix(hint, origin, where)
    if code == "multiple-allow-origin":
        return (f"Send exactly one Access-Control-Allow-Origin value on {where}: the "
                f"request's origin ({origin}) when it is on your list, never the whole "
                "list; check that two layers (proxy and app) do not both add it.")
    if code == "invalid-allow-origin":
        return f"Access-Control-Allow-Origin must be a whole origin or '*': send {origin!r}."
    if code == "wildcard-with-credentials":
        return ("With credentials, '*' is refused: echo the exact origin "
                f"('Access-Control-Allow-Origin: {origin}'), add "
                "'Access-Control-Allow-Credentials: true' and 'Vary: Origin'; or send the "
                "request without credentials.")
    if code == "allow-credentials-not-true":
        got = f"'{hint}'" if hint else "nothing"
        return (f"Send 'Access-Control-Allow-Credentials: true' (exactly, lower case; got "
                f"{got}) on {where}, or send the request without credentials.")
    if code == "method-not-allowed":
        note = ""
        if hint.upper() != hint:
            note = (f" Methods are compared case-sensitively and fetch() sends {hint!r} as "
                    f"written: write {hint.upper()!r} in the script.")
        return f"Add {hint} to Access-Control-Allow-Methods on the preflight response.{note}"
    if code == "header-not-allowed":
        note = ""
        if hint == "authorization":
            note = (" A '*' there does not cover Authorization (the standard and Firefox):"
                    " list it by name.")
        return f"Add {hint} to Access-Control-Allow-Headers on the preflight response.{note}"
    header = "Methods" if code == "invalid-allow-methods" else "Headers"
    return (f"Access-Control-Allow-{header} must be a comma-separated list of names "
            "(or '*'); fix its syntax.")


def _mismatch_fix(value: str, origin: str, where: str) -> str:
    if value.rstrip("/") == origin:
        why = "remove the trailing slash"
    elif value.lower() == origin.lower():
        why = "the comparison is case-sensitive: use lower case"
    elif value.startswith(origin + "/"):
        why = "an origin has no path"
    elif origin == "null":
        why = ("a cross-origin redirect made the origin 'null': avoid the redirect, "
               "or call the final URL directly")
    else:
        why = "the server allows another origin: add this one to its allowed origins"
    return (f"Access-Control-Allow-Origin on {where} is {value!r} but must be exactly "
            f"{origin!r}: {why}.")


def find_cors_middleware(obj: Any, depth: int = 6) -> Any:
    """The :class:`~wsgicors.CORSMiddleware` (or CORSPolicy) inside *obj*, or None.

    Looks through the usual wrapping attributes (Flask's ``wsgi_app``, ``app``,
    ``application``, ``__wrapped__``), a few levels deep.
    """
    from .middleware import CORSMiddleware
    from .policy import CORSPolicy

    for _ in range(depth):
        if isinstance(obj, (CORSMiddleware, CORSPolicy)):
            return obj
        inner = next((getattr(obj, name) for name in
                      ("wsgi_app", "app", "application", "__wrapped__")
                      if getattr(obj, name, None) is not None
                      and getattr(obj, name) is not obj), None)
        if inner is None:
            return None
        obj = inner
    return None


def _path(url: str) -> str:
    """PATH_INFO for *url*, decoded the way WSGI servers decode it."""
    return urllib.parse.unquote_to_bytes(urllib.parse.urlsplit(url).path or "/").decode("latin-1")


def _decisions(report: Report, target: Any) -> list[Decision]:
    path = _path(report.url)
    decisions: list[Decision] = []
    if report.preflight_reasons:
        names = rules.unsafe_header_names(report.headers)
        decisions.append(explain(target, origin=report.origin, method="OPTIONS", path=path,
                                 request_method=report.method, request_headers=names or None))
    decisions.append(explain(target, origin=report.origin, method=report.method, path=path))
    return decisions


def _wsgicors_fix(decision: Decision, report: Report, target: Any) -> str:
    option = decision.option
    hint = {
        "allow_origins": f"add {report.origin!r} to allow_origins",
        "allow_methods": f"add {report.method!r} to allow_methods",
        "allow_headers": f"add {_missing_headers(report, target)} to allow_headers",
        "allow_origin_func": "accept it in allow_origin_func, if you must",
        "paths": "map this path to a policy in paths",
    }.get(option or "", "see the reason")
    return f"wsgicors: {decision.kind} refused ({decision.code}): {decision.reason}; {hint}."


def _missing_headers(report: Report, target: Any) -> str:
    """The requested header names the policy serving the URL does not list."""
    from .policy import CORSPolicy

    policy = target
    if not isinstance(target, CORSPolicy):
        policy = target.routes.match(_path(report.url))[0]
    listed = () if policy is None else policy.options["allow_headers"]
    names = [n for n in rules.unsafe_header_names(report.headers) if n not in listed]
    return ", ".join(repr(n) for n in names) or "the header(s)"


def _wsgicors_gap(failure: Failure) -> str:
    """Advice when wsgicors itself allows the request but the browser still blocks."""
    if failure.code in ("allow-credentials-not-true", "wildcard-with-credentials"):
        return ("wsgicors: the request carries credentials but the policy does not allow "
                "them; set allow_credentials=True (with an explicit allow_origins list).")
    return ("wsgicors allows this request, so the response did not come from "
            "CORSMiddleware as it decided: a layer wrapping it answered first (make "
            "CORSMiddleware the outermost wrapper) or the application changed the CORS "
            "headers.")
