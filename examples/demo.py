"""wsgicors demo: a page calls a wsgicors-protected API on another origin of the same site.

Run ``make demo`` (or ``python examples/demo.py`` once ``pip install pywsgicors`` is
done) and open the printed URL. The page (``http://localhost:PAGE_PORT``) sends a
handful of requests to the API (``http://localhost:API_PORT``): another port, so another
origin, and CORS applies; the same host, so the same site, and the ``SameSite=Lax``
cookie the API sets at sign-in travels with the page's later credentialed requests.

For each request the page shows whether the browser let the script read the response,
what the script read (for the cookie, what the API says it received), why, in plain
sentences from wsgicors itself, and for blocked requests the message the browser prints
in its console, as the doctor (``wsgicors check``) predicts it: the doctor runs each
request in process against the API application at start-up. The page then reports what
it showed back to this process, which prints it.

``--check`` sends every request from Python instead, the way browsers do (the doctor,
over the network), prints each verdict and exits: 0 when all are as expected.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import json
import secrets
import socket
import socketserver
import sys
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

try:
    from wsgicors import CORSMiddleware, CORSPolicy, Decision
    from wsgicors.doctor import HTTPTransport, Report, Transport, WSGITransport, check
except ImportError:  # run with a Python that lacks the package
    sys.exit("wsgicors is not installed for this Python: run `make demo` from a checkout, "
             "or `pip install pywsgicors` first.")

PAGE_TEMPLATE = Path(__file__).with_name("demo.html")
# Both servers listen on localhost: two ports, so two origins, but one site.
HOST = "localhost"
# Largest results document the page may post back.
MAX_RESULTS = 64 * 1024
# The exit status when a port cannot be used.
PORT_ERROR = 2


class ThreadingWSGIServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


# -- the API ---------------------------------------------------------------------


def api_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """The application being protected: a tiny JSON API that knows nothing about CORS.

    ``/api/login`` signs in: it sets a fresh session cookie. Every other path says
    which session cookie it received, the server-side evidence that the cookie travelled.
    """
    path = environ.get("PATH_INFO", "")
    data: dict[str, Any] = {"path": path, "method": environ["REQUEST_METHOD"]}
    headers = [("Content-Type", "application/json"), ("X-Request-Id", "req-42")]
    if path == "/api/login":
        token = secrets.token_urlsafe(9)
        # HttpOnly: the page's script never sees it; only the API's answers can tell.
        headers.append(("Set-Cookie", f"session={token}; Path=/; HttpOnly; SameSite=Lax"))
        data["cookie_set"] = f"session={token}"
    else:
        data["cookie_received"] = session_cookie(environ.get("HTTP_COOKIE", ""))
    body = json.dumps(data).encode()
    start_response("200 OK", [*headers, ("Content-Length", str(len(body)))])
    return [body]


def session_cookie(header: str) -> str | None:
    """``session=<value>`` from a Cookie header, or None."""
    cookies: SimpleCookie = SimpleCookie()
    with contextlib.suppress(Exception):  # a malformed header is no cookie
        cookies.load(header)
    morsel = cookies.get("session")
    return None if morsel is None else f"session={morsel.value}"


def build_api(page_origin: str) -> CORSMiddleware:
    """The API wrapped with wsgicors: one policy for /api, a stricter one for /partner."""
    api_policy = CORSPolicy(
        allow_origins=[page_origin, "https://*.example.com"],
        allow_methods=["GET", "POST", "PUT", "DELETE"],
        allow_headers=["content-type", "x-api-key"],
        expose_headers=["X-Request-Id"],
        allow_credentials=True,
        max_age=600,
    )
    partner_policy = CORSPolicy(allow_origins=["https://partner.example.org"])
    return CORSMiddleware(api_app, api_policy, paths={"/partner/*": partner_policy})


# -- the requests the page makes -------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    """One ``fetch()`` the page makes; ``expect`` is what a browser should do with it."""

    name: str
    path: str
    expect: str
    method: str = "GET"
    headers: dict[str, str] = field(default_factory=dict)
    body: str | None = None
    credentials: bool = False

    def fetch_init(self) -> dict[str, Any]:
        """The ``init`` argument of the page's ``fetch()``."""
        init: dict[str, Any] = {"method": self.method, "headers": self.headers}
        if self.body is not None:
            init["body"] = self.body
        if self.credentials:
            init["credentials"] = "include"
        return init


COOKIE_ROW = "credentialed GET (cookies)"
SCENARIOS = [
    Scenario("simple GET", "/api/items", "allowed"),
    Scenario("preflighted PUT with JSON", "/api/items/1", "allowed", method="PUT",
             headers={"Content-Type": "application/json"}, body='{"name": "x"}'),
    Scenario("sign in (the API sets a cookie)", "/api/login", "allowed", method="POST",
             credentials=True),
    Scenario(COOKIE_ROW, "/api/me", "allowed", credentials=True),
    Scenario("custom header not allowed", "/api/items", "blocked", headers={"X-Secret": "1"}),
    Scenario("method not allowed (PATCH)", "/api/items/1", "blocked", method="PATCH"),
    Scenario("origin not allowed on /partner", "/partner/data", "blocked"),
]


def diagnose(transport: Transport, api: CORSMiddleware, api_origin: str, page_origin: str,
             scenario: Scenario) -> Report:
    """The doctor's report on *scenario*: each browser's verdict and console message."""
    return check(transport, api_origin + scenario.path, origin=page_origin,
                 method=scenario.method, headers=list(scenario.headers.items()),
                 credentials=scenario.credentials, target=api)


# -- wsgicors's decisions, in plain sentences ------------------------------------


def plain_why(report: Report) -> str:
    """Why the browser allows or blocks the request, in sentences a newcomer can read."""
    sentences = []
    if report.preflight_reasons:
        sentences.append("The browser first asked the API for permission (a preflight "
                         f"OPTIONS request), because {' and '.join(report.preflight_reasons)}.")
    for decision in report.wsgicors:
        if not decision.allowed:
            sentences.append(_refused(decision, report))
            break
        sentences.append(_allowed(decision, report))
    return " ".join(sentences)


def _allowed(decision: Decision, report: Report) -> str:
    headers = dict(decision.headers)
    if decision.kind == "preflight":
        return ("wsgicors answered yes: this origin may use the methods "
                f"{headers.get('Access-Control-Allow-Methods', '')} and the headers "
                f"{headers.get('Access-Control-Allow-Headers', '(none)')}, and the browser "
                f"may remember that for {headers.get('Access-Control-Max-Age', '5')} seconds. "
                "Then it sent the request itself.")
    said = [f"Access-Control-Allow-Origin: {headers['Access-Control-Allow-Origin']}, so the "
            "browser hands the response to the script"]
    if report.credentials:
        said.append("Access-Control-Allow-Credentials: true, which a request sent with "
                    "cookies needs as well")
    if "Access-Control-Expose-Headers" in headers:
        said.append(f"Access-Control-Expose-Headers: {headers['Access-Control-Expose-Headers']}"
                    ", so the script may read that header too")
    return "wsgicors added " + "; ".join(said) + "."


def _refused(decision: Decision, report: Report) -> str:
    if decision.kind == "preflight":
        what = (f"wsgicors refused the preflight: {decision.reason}. It answered "
                f"{decision.status} without CORS headers, so the browser never sent the "
                f"{report.method} request itself.")
    else:
        what = (f"The API answered, but wsgicors added no CORS headers: {decision.reason}. "
                "So the browser hides the response from the script.")
    return f"{what} To allow it, {_fix(decision, report)}."


def _fix(decision: Decision, report: Report) -> str:
    value = {"allow_origins": repr(report.origin), "allow_methods": repr(report.method),
             "allow_headers": ", ".join(repr(name.lower()) for name, _ in report.headers)}
    if decision.option in value:
        return f"add {value[decision.option]} to {decision.option}"
    return f"change {decision.option or 'the policy'}"


def predictions(api: CORSMiddleware, api_origin: str, page_origin: str) -> list[dict[str, Any]]:
    """What the page needs for each scenario: the request, the verdict, why, the console."""
    found = []
    for scenario in SCENARIOS:
        report = diagnose(WSGITransport(api), api, api_origin, page_origin, scenario)
        found.append({
            "name": scenario.name, "url": api_origin + scenario.path,
            "init": scenario.fetch_init(), "credentials": scenario.credentials,
            "predicted": report.verdict, "why": plain_why(report),
            "console": {browser: outcome.message
                        for browser, outcome in report.outcomes.items()},
        })
    return found


# -- the page --------------------------------------------------------------------


class PageApp:
    """Serves the page, and receives what the page showed (POST /results).

    ``GET /results`` returns the last report, for the tests.
    """

    def __init__(self, page_origin: str, api_origin: str, items: list[dict[str, Any]]) -> None:
        data = json.dumps({"page": page_origin, "api": api_origin, "scenarios": items})
        # "</" would end the <script> element the data sits in.
        self.html = PAGE_TEMPLATE.read_text().replace("__DATA__", data.replace("</", "<\\/"))
        self.results: bytes | None = None

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]
                 ) -> Iterable[bytes]:
        method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "")
        if (method, path) == ("GET", "/"):
            return _send(start_response, "200 OK", "text/html; charset=utf-8",
                         self.html.encode())
        if (method, path) == ("GET", "/results") and self.results is not None:
            return _send(start_response, "200 OK", "application/json", self.results)
        if (method, path) == ("POST", "/results"):
            return self._receive(environ, start_response)
        return _send(start_response, "404 Not Found", "text/plain", b"not found")

    def _receive(self, environ: dict[str, Any], start_response: Callable[..., Any]
                 ) -> Iterable[bytes]:
        # JSON only: another site's page cannot send that without a preflight, which
        # this server does not answer, so only the demo's own page reaches the terminal.
        if environ.get("CONTENT_TYPE") != "application/json":
            return _send(start_response, "415 Unsupported Media Type", "text/plain", b"JSON")
        length = environ.get("CONTENT_LENGTH") or ""
        if not length.isdigit() or not 0 < int(length) <= MAX_RESULTS:
            return _send(start_response, "413 Content Too Large", "text/plain", b"too large")
        body = environ["wsgi.input"].read(int(length))
        try:
            print_results(json.loads(body))
        except (ValueError, KeyError, TypeError):
            return _send(start_response, "400 Bad Request", "text/plain", b"not results")
        self.results = body
        start_response("204 No Content", [])
        return []


def _send(start_response: Callable[..., Any], status: str, kind: str, body: bytes
          ) -> list[bytes]:
    start_response(status, [("Content-Type", kind), ("Content-Length", str(len(body))),
                            ("Cache-Control", "no-store")])
    return [body]


def print_results(results: dict[str, Any]) -> None:
    """Print what the browser did with each request, as the page showed it."""
    lines = [f"\n{_printable(results['browser'])} ran the requests:"]
    for row in results["rows"]:
        outcome, predicted = _printable(row["outcome"]), _printable(row["predicted"])
        note = "as predicted" if outcome == predicted else f"NOT as predicted ({predicted})"
        lines.append(f"  {_printable(row['name']):33} {outcome:8} {note}")
        if row["name"] == COOKIE_ROW:
            lines.append(f"    {_printable(row['read'])}")
    print("\n".join(lines), flush=True)


def _printable(value: Any, limit: int = 300) -> str:
    """*value* cut to *limit* characters, control characters escaped: it came from a page."""
    text = str(value)[:limit]
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


# -- serving ---------------------------------------------------------------------


class PortError(Exception):
    """A port the demo cannot listen on, with what to do about it."""


def serve(port: int) -> WSGIServer:
    """A server on *port* of localhost, answering in a thread (its app is set later)."""
    try:
        server = make_server(HOST, port, lambda e, s: [], server_class=ThreadingWSGIServer,
                             handler_class=QuietHandler)
    except OSError as exc:
        raise PortError(_port_problem(port, exc)) from None
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _port_problem(port: int, exc: OSError) -> str:
    if exc.errno == errno.EADDRINUSE:
        problem = (f"port {port} is already in use by another program (Django's runserver "
                   "uses 8000, for one)")
    elif exc.errno == errno.EACCES:
        problem = f"port {port} needs administrator rights"
    else:
        problem = f"cannot listen on port {port}: {exc.strerror or exc}"
    page, api = _free_pair()
    return (f"wsgicors demo: {problem}. Choose two free ports:\n"
            f"    make demo PAGE_PORT={page} API_PORT={api}\n"
            f"or  python examples/demo.py --page-port {page} --api-port {api}")


def _free_pair() -> tuple[int, int]:
    """Two neighbouring ports free on localhost now, to suggest."""
    for base in range(8100, 9000, 100):
        if _is_free(base) and _is_free(base + 1):
            return base, base + 1
    return 8100, 8101


def _is_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind((HOST, port))
        except OSError:
            return False
    return True


def run_check(api: CORSMiddleware, api_origin: str, page_origin: str) -> int:
    """Each request over the network as browsers send it; the number of surprises."""
    failures = 0
    for scenario in SCENARIOS:
        report = diagnose(HTTPTransport(timeout=5), api, api_origin, page_origin, scenario)
        failures += report.verdict != scenario.expect
        print(f"{scenario.name:35} {report.verdict:8} (expected {scenario.expect})")
    return failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--page-port", type=int, default=8000,
                        help="port of the page (default 8000; 0: any free port)")
    parser.add_argument("--api-port", type=int, default=8001,
                        help="port of the API (default 8001; 0: any free port)")
    parser.add_argument("--check", action="store_true",
                        help="send the requests from Python, print the verdicts and exit")
    args = parser.parse_args(argv)
    if args.page_port == args.api_port != 0:
        parser.error("the page and the API need two different ports")
    try:
        page_server, api_server = serve(args.page_port), serve(args.api_port)
    except PortError as exc:
        print(exc, file=sys.stderr)
        return PORT_ERROR
    page_origin = f"http://{HOST}:{page_server.server_port}"
    api_origin = f"http://{HOST}:{api_server.server_port}"
    api = build_api(page_origin)
    api_server.set_app(api)
    page_server.set_app(PageApp(page_origin, api_origin,
                                predictions(api, api_origin, page_origin)))
    if args.check:
        failures = run_check(api, api_origin, page_origin)
        print("all requests as expected" if not failures else f"{failures} unexpected")
        return 1 if failures else 0
    print(f"wsgicors demo: open {page_origin}/ in a browser (the API is on {api_origin})."
          " Ctrl-C stops.", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        threading.Event().wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
