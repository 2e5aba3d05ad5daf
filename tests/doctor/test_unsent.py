"""Requests browsers never send (issue 18, item 7): bad ports and mixed content.

Every browser refuses a URL on a port of the Fetch standard's "bad port" list, and
an ``http://`` URL from an ``https://`` page (mixed content; Chromium and Firefox
excuse loopback hosts, WebKit does not), for the script's URL and for every
redirect's target. The doctor decides both before anything goes on the network:
the first tests show it sends nothing there; the browser tests ask the real
browsers the same fetches from a page on the same origin (the messages below were
measured in Chromium 156, Firefox 153 and WebKitGTK 2.50).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator, Sequence
from typing import Any

import pytest

from wsgicors.doctor import Report, check
from wsgicors.doctor.agreement import acceptable_messages
from wsgicors.doctor.browser import BAD_PORTS, CHROMIUM_OPEN_PORTS, Header, Response
from wsgicors.doctor.live import FETCH_SCRIPT, Session, executable
from wsgicors.doctor.transport import HTTPTransport
from wsgicors.doctor.vocabulary import BROWSERS, Browser

from . import rawserver

PAGE = "https://app.example.com"
PLAIN_PAGE = "http://localhost:4321"
ALLOWED = ("200 OK", "Access-Control-Allow-Origin: *", "Content-Length: 2", "Connection: close")


class Recorder:
    """A transport that answers from a table, and records what it was asked."""

    def __init__(self, answers: dict[str, Response]) -> None:
        self.answers = answers
        self.sent: list[str] = []

    def send(self, method: str, url: str, headers: Sequence[Header]) -> Response:
        self.sent.append(url)
        if url not in self.answers:
            raise AssertionError(f"the doctor requested {url}")
        return self.answers[url]


def _allowed(url: str) -> Response:
    return Response(200, (("Access-Control-Allow-Origin", "*"),), url)


def _redirect(url: str, location: str) -> Response:
    return Response(302, (("Access-Control-Allow-Origin", "*"), ("Location", location)), url)


def _codes(report: Report) -> dict[str, str | None]:
    return {b: o.failure and o.failure.code for b, o in report.outcomes.items()}


# -- the model, with no network ------------------------------------------------------


@pytest.mark.parametrize("port", sorted(BAD_PORTS - CHROMIUM_OPEN_PORTS))
def test_no_browser_connects_to_a_bad_port(port: int) -> None:
    transport = Recorder({})
    url = f"http://127.0.0.1:{port}/x"
    report = check(transport, url, origin=PLAIN_PAGE, method="PUT")
    assert transport.sent == []
    assert _codes(report) == dict.fromkeys(BROWSERS, "bad-port")
    messages = {b: o.message for b, o in report.outcomes.items()}
    assert messages == {"chrome": None, "firefox": None, "webkit":
                        f"Not allowed to use restricted network port {port}: {url}"}
    assert report.outcomes["chrome"].failure.hint == "ERR_UNSAFE_PORT"  # type: ignore[union-attr]
    assert f"Browsers never connect to port {port}" in report.fixes[0]


@pytest.mark.parametrize("port", sorted(CHROMIUM_OPEN_PORTS))
def test_chromium_still_connects_to_the_newest_bad_ports(port: int) -> None:
    url = f"http://127.0.0.1:{port}/x"
    transport = Recorder({url: _allowed(url)})
    report = check(transport, url, origin=PLAIN_PAGE)
    assert transport.sent == [url]
    assert _codes(report) == {"chrome": None, "firefox": "bad-port", "webkit": "bad-port"}


def test_a_redirect_to_a_bad_port_is_not_followed() -> None:
    start, bad = "http://127.0.0.1:8000/r", "http://127.0.0.1:10080/x"
    transport = Recorder({start: _redirect(start, bad)})
    report = check(transport, start, origin=PLAIN_PAGE)
    assert transport.sent == [start]
    assert _codes(report) == dict.fromkeys(BROWSERS, "bad-port")
    assert report.outcomes["firefox"].message == (
        "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote "
        f"resource at {start}. (Reason: CORS request did not succeed). Status code: (null).")


def test_webkit_names_the_preflight_a_redirect_to_a_bad_port_needs() -> None:
    start, bad = "http://127.0.0.1:8000/r", "http://localhost:25/x"
    preflight = Response(204, (("Access-Control-Allow-Origin", PLAIN_PAGE),
                               ("Access-Control-Allow-Methods", "PUT")), start)
    report = check(_PreflightThenRedirect(preflight, _redirect(start, bad)), start,
                   origin=PLAIN_PAGE, method="PUT")
    assert report.outcomes["webkit"].message == (
        "CORS-preflight request was blocked\n"
        f"Fetch API cannot load {bad} due to access control checks.")


class _PreflightThenRedirect:
    def __init__(self, preflight: Response, actual: Response) -> None:
        self.preflight, self.actual = preflight, actual

    def send(self, method: str, url: str, headers: Sequence[Header]) -> Response:
        assert url.startswith("http://127.0.0.1:8000/"), url
        return self.preflight if method == "OPTIONS" else self.actual


def test_mixed_content_is_blocked_before_any_request() -> None:
    url = "http://api.example.com/items"
    transport = Recorder({})
    report = check(transport, url, origin=PAGE, method="POST",
                   headers=[("Content-Type", "application/json")], credentials=True)
    assert transport.sent == []
    assert _codes(report) == dict.fromkeys(BROWSERS, "mixed-content")
    assert {b: o.message for b, o in report.outcomes.items()} == {
        "chrome": f"Mixed Content: The page at '{PAGE}/' was loaded over HTTPS, but requested "
                  f"an insecure resource '{url}'. This request has been blocked; the content "
                  "must be served over HTTPS.",
        "firefox": f"Blocked loading mixed active content \u201c{url}\u201d",
        "webkit": f"[blocked] The page at {PAGE}/ requested insecure content from {url}. "
                  "This content was blocked and must be served over HTTPS.\n"
                  "Not allowed to request resource\n"
                  f"Fetch API cannot load {url} due to access control checks.",
    }
    assert "Serve the API over https://" in report.fixes[0]


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "api.localhost", "[::1]"])
def test_only_webkit_blocks_http_on_a_loopback_host(host: str) -> None:
    url = f"http://{host}:8000/x"
    transport = Recorder({url: _allowed(url)})
    report = check(transport, url, origin=PAGE)
    assert transport.sent == [url]
    assert _codes(report) == {"chrome": None, "firefox": None, "webkit": "mixed-content"}
    assert report.outcomes["webkit"].message == (
        f"[blocked] The page at {PAGE}/ requested insecure content from {url}. This content "
        "was blocked and must\nNot allowed to request resource\n"
        f"Fetch API cannot load {url} due to access control checks.")


def test_a_redirect_to_http_is_mixed_content_too() -> None:
    start, target = "https://api.example.com/r", "http://api.example.com/x"
    transport = Recorder({start: _redirect(start, target)})
    report = check(transport, start, origin=PAGE)
    assert transport.sent == [start]
    assert _codes(report) == dict.fromkeys(BROWSERS, "mixed-content")
    assert report.outcomes["webkit"].message == (
        f"[blocked] The page at {PAGE}/ requested insecure content from {target}. This "
        "content was blocked and must be served over HTTPS.\n"
        f"Fetch API cannot load {start} due to access control checks.")


def test_http_pages_and_https_urls_are_not_mixed_content() -> None:
    for origin, url in ((PLAIN_PAGE, "http://api.example.com/x"),
                        (PAGE, "https://api.example.com/x")):
        transport = Recorder({url: _allowed(url)})
        assert check(transport, url, origin=origin).allowed


# -- real browsers ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def server() -> Iterator[rawserver.RawServer]:
    """Allows everything; ``/to/<host>~<port>/<path>`` redirects there."""

    def answer(request: rawserver.Request) -> bytes:
        if request.path.startswith("/to/"):
            location = "http://" + request.path.removeprefix("/to/").replace("~", ":", 1)
            return rawserver.response("302 Found", "Access-Control-Allow-Origin: *",
                                      f"Location: {location}", "Content-Length: 0",
                                      "Connection: close")
        return rawserver.response(*ALLOWED, body=b"ok")

    with rawserver.serve(answer) as served:
        yield served


@pytest.fixture(scope="module")
def open_ports() -> Iterator[list[int]]:
    """Servers on the bad ports Chromium still connects to, where they are free."""
    with contextlib.ExitStack() as stack:
        bound = []
        for port in sorted(CHROMIUM_OPEN_PORTS):
            with contextlib.suppress(OSError):
                stack.enter_context(rawserver.serve(
                    lambda request: rawserver.response(*ALLOWED, body=b"ok"), port))
                bound.append(port)
        yield bound


def _cases(port: int, open_ports: list[int]) -> dict[str, list[tuple[str, dict[str, Any]]]]:
    """Per page origin: the URLs fetched from it, with their fetch() init."""
    loopback = f"http://127.0.0.1:{port}"
    plain = [(f"http://127.0.0.1:{p}/x", {}) for p in (1, 25, 6000, 10080)]
    plain += [(f"http://127.0.0.1:{p}/x", {}) for p in open_ports]
    plain += [("http://127.0.0.1:6665/x", {"method": "PUT"})]
    mixed = [("http://api.example.com/x", {}), ("http://api.example.com/x", {"method": "PUT"}),
             (f"{loopback}/x", {}), (f"http://localhost:{port}/x", {}),
             (f"{loopback}/to/api.example.com/y", {})]
    return {PLAIN_PAGE: plain, PAGE: mixed}


def _run(browser: Browser, origin: str, cases: list[tuple[str, dict[str, Any]]]
         ) -> list[tuple[dict[str, Any], list[tuple[str, str]]]]:
    """Each case's result and console entries, in one session on *origin*."""
    found = []
    with Session(browser, 60) as session:
        session.open(origin)
        for url, init in cases:
            before = len(session.console)
            script = f"{FETCH_SCRIPT}({json.dumps(url)}, {json.dumps(init)}, 5000)"
            result = session.evaluate(script, 30)
            session.settle(0.3)
            found.append((result, [(e.source, e.text) for e in session.console[before:]
                                   if e.source != "console"]))
    return found


@pytest.mark.browser
@pytest.mark.parametrize("browser", BROWSERS)
def test_real_browsers_refuse_what_the_doctor_refuses(
    browser: Browser, server: rawserver.RawServer, open_ports: list[int]
) -> None:
    if executable(browser) is None:
        pytest.skip(f"{browser} is not installed")
    for origin, cases in _cases(server.port, open_ports).items():
        for (url, init), (result, console) in zip(cases, _run(browser, origin, cases),
                                                  strict=True):
            report = check(HTTPTransport(5), url, origin=origin,
                           method=init.get("method", "GET"))
            outcome = report.outcomes[browser]
            where = f"{browser} {init} {url} from {origin}: {console}"
            assert result["verdict"] == ("allowed" if outcome.allowed else "blocked"), where
            texts = [text for source, text in console if source != "network"]
            if browser == "webkit":
                texts = ["\n".join(texts)] if texts else []
            page = origin + "/.well-known/wsgicors-doctor"
            texts = [text.replace(page, origin + "/") for text in texts]
            if outcome.message is None:
                assert texts == [], where
            else:
                assert texts[:1] and texts[0] in acceptable_messages(report, browser), where
            if outcome.message is None and outcome.failure is not None and browser == "chrome":
                assert ("network", f"Failed to load resource: net::{outcome.failure.hint}"
                        ) in console, where
