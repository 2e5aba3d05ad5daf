"""The doctor against real Chromium, Firefox and WebKit, case by case.

Every behaviour of the catalogue is served as raw bytes; one launch of each browser
fetches all of them from a page on the other origin, and the doctor predicts the
same fetches over the network. For each case and browser they must agree on:

* the verdict (the script gets the response, or ``fetch()`` rejects);
* the console message that says why (Chromium's over the DevTools protocol,
  Firefox's over WebDriver BiDi, WebKit's from MiniBrowser's stderr: all its lines
  for the case, joined); for a network error Chromium has no CORS message but names
  the error (``net::ERR_TOO_MANY_REDIRECTS``), and so must the doctor;
* the requests sent (a preflight or not, and where redirects lead);
* which response headers the script can read.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from wsgicors.doctor import HTTPTransport, Report, check
from wsgicors.doctor.agreement import acceptable_messages
from wsgicors.doctor.live import Entry
from wsgicors.doctor.vocabulary import BROWSERS, Browser

from .behaviours import Behaviour, Stage
from .browsers import MARKER, executable, run_cases
from .catalogue import CATALOGUE

pytestmark = pytest.mark.browser
RUN_TIMEOUT = 180.0
_CASE = re.compile(r"/case/([a-z0-9-]+)")


@dataclass
class Observed:
    """One browser's run: per case, its result, console messages and requests."""

    results: dict[str, Any]
    messages: dict[str, list[str]]
    network: dict[str, list[str]]
    requests: dict[str, list[tuple[str, str]]]


@pytest.fixture(scope="module")
def predictions(stage: Stage) -> dict[str, Report]:
    """The doctor's report for every case (before any browser runs)."""
    reports = {case.name: check(HTTPTransport(5), stage.url(case.name), origin=stage.origin,
                                method=case.method, headers=list(case.headers.items()),
                                credentials=case.credentials)
               for case in CATALOGUE}
    stage.log.clear()
    return reports


_RUNS: dict[str, Observed] = {}


@pytest.fixture(scope="module")
def observe(stage: Stage, predictions: dict[str, Report]) -> Iterator[Any]:
    """``observe(browser)``: that browser's run over the whole catalogue (once)."""

    def run(browser: Browser) -> Observed:
        if browser not in _RUNS:
            if executable(browser) is None:
                pytest.skip(f"{browser} is not installed")
            stage.log.clear()
            done = run_cases(browser, stage.origin, stage.base, stage.spec, RUN_TIMEOUT)
            if browser == "webkit":
                messages = _by_marker(done.console)
            else:
                messages = _by_case([e.text for e in done.console
                                     if e.source in ("javascript", "security")])
            network = [f"{e.url} {e.text}" for e in done.console if e.source == "network"]
            _RUNS[browser] = Observed(done.results, messages, _by_case(network),
                                      _requests(stage))
        return _RUNS[browser]

    yield run
    _RUNS.clear()


def _by_case(lines: list[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for line in lines:
        match = _CASE.search(line)
        if match:
            found.setdefault(match[1], []).append(line)
    return found


def _by_marker(console: list[Entry]) -> dict[str, list[str]]:
    """WebKit's lines for each case (after its marker), joined: the doctor's message."""
    lines: dict[str, list[str]] = {}
    case = ""
    for entry in console:
        if entry.source == "console" and entry.text.startswith(MARKER):
            case = entry.text.removeprefix(MARKER)
        elif entry.source != "console" and case:
            lines.setdefault(case, []).append(entry.text)
    return {name: ["\n".join(texts)] for name, texts in lines.items()}


def _requests(stage: Stage) -> dict[str, list[tuple[str, str]]]:
    found: dict[str, list[tuple[str, str]]] = {}
    for name, request in stage.log:
        found.setdefault(name, []).append((request.method, request.path))
    return found


def _path(url: str) -> str:
    return urllib.parse.urlsplit(url).path


@pytest.mark.parametrize("browser", BROWSERS)
@pytest.mark.parametrize("case", CATALOGUE, ids=[c.name for c in CATALOGUE])
def test_doctor_predicts_the_browser(case: Behaviour, browser: Browser, observe: Any,
                                     predictions: dict[str, Report]) -> None:
    seen = observe(browser)
    report = predictions[case.name]
    outcome = report.outcomes[browser]
    result = seen.results[case.name]
    assert result["verdict"] == ("allowed" if outcome.allowed else "blocked"), outcome.message
    sent = [(report.exchanges[i].method, _path(report.exchanges[i].url))
            for i in outcome.exchanges]
    assert seen.requests.get(case.name, []) == sent
    messages = seen.messages.get(case.name, [])
    if outcome.failure is None or outcome.message is None:
        assert messages == []
    else:
        assert messages and messages[0] in acceptable_messages(report, browser), (
            outcome.message)
    if outcome.failure is not None and outcome.message is None and browser == "chrome":
        assert any(line.endswith(f"net::{outcome.failure.hint}")
                   for line in seen.network.get(case.name, [])), seen.network.get(case.name)
    if outcome.allowed:
        final = report.exchanges[outcome.exchanges[-1]].response
        present = {name for name in case.probe if final.get(name) is not None}
        assert set(result["readable"]) == present - set(outcome.hidden_headers)
