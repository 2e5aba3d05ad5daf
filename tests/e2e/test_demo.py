"""The demo (``make demo``) in real Chromium, Firefox and WebKit: the page loads, runs every
request, and shows a cookie travelling and, for blocked requests, the doctor's console
message for that browser.

The demo reports what its page shows back to itself (POST /results, cell by cell, as
the DOM holds it); the test reads that report from ``GET /results``.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support import browsers
from tests.support.browsers import BROWSERS, kill, launch, require_browser, screen
from tests.support.servers import python_env
from wsgicors.doctor import HTTPTransport, check

pytestmark = [pytest.mark.browser, pytest.mark.server]

DEMO = Path(__file__).resolve().parents[2] / "examples" / "demo.py"
# The doctor's name for each browser of tests.support.browsers.
DOCTOR_NAME = {"chromium": "chrome", "firefox": "firefox", "webkit": "webkit"}
RESULTS_TIMEOUT = 60.0
COOKIE_ROW = "credentialed GET (cookies)"
# With these flags Chromium writes each console message to its log, as
# `INFO:CONSOLE:0] "message", source: ...` (Firefox has no such switch).
CHROMIUM_CONSOLE_FLAGS = ["--enable-logging=stderr", "--v=0"]
CHROMIUM_CONSOLE_LINE = re.compile(r':CONSOLE:\d+\] "(.*)", source: ')


@pytest.fixture(scope="module")
def demo() -> Iterator[tuple[str, str]]:
    """The demo on free ports: (page origin, API origin)."""
    process = subprocess.Popen([sys.executable, str(DEMO), "--page-port", "0",
                                "--api-port", "0"], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, env=python_env())
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        found = re.search(r"open (http://localhost:\d+)/ .*API is on (http://localhost:\d+)",
                          line)
        assert found, f"the demo did not start: {line}{process.stdout.read()}"
        yield found[1], found[2]
    finally:
        process.terminate()
        process.wait(timeout=10)


def results_of(page: str, browser: str) -> tuple[dict[str, Any], str]:
    """Open the demo page in *browser*: the rows it showed, by request name, and the
    browser's log."""
    workdir = Path(tempfile.mkdtemp(prefix=f"wsgicors-demo-{browser}-"))
    with screen(browser) as display:
        process = launch(browser, page + "/", workdir, display)
        try:
            report = wait_for_report(page, browser)
        finally:
            kill(process)
    log = (workdir / f"{browser}.log").read_text(errors="replace")
    if report is None:
        raise AssertionError(f"{browser} reported nothing within {RESULTS_TIMEOUT} s:\n"
                             f"{log[-3000:]}")
    return {row["name"]: row for row in report["rows"]}, log


def wait_for_report(page: str, browser: str) -> dict[str, Any] | None:
    """The report *browser*'s page posted to the demo, or None if none came in time."""
    deadline = time.monotonic() + RESULTS_TIMEOUT
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(page + "/results", timeout=5) as response:
                report: dict[str, Any] = json.load(response)
        except urllib.error.HTTPError:  # 404: nothing posted yet
            report = {"browser": ""}
        # Skip the other browser's report, from an earlier test.
        if report["browser"].lower().startswith(DOCTOR_NAME[browser]):
            return report
        time.sleep(0.3)
    return None


@pytest.mark.parametrize("browser", sorted(BROWSERS))
def test_demo_page_in_a_real_browser(browser: str, demo: tuple[str, str],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    require_browser(browser)
    monkeypatch.setattr(browsers, "CHROMIUM_FLAGS",
                        [*browsers.CHROMIUM_FLAGS, *CHROMIUM_CONSOLE_FLAGS])
    page, api = demo
    rows, log = results_of(page, browser)
    printed = CHROMIUM_CONSOLE_LINE.findall(log)
    assert len(rows) == 7, rows
    for name, row in rows.items():
        assert row["outcome"] == row["predicted"], f"{name}: {row}"
    assert [name for name, row in rows.items() if row["outcome"] == "blocked"] == [
        "custom header not allowed", "method not allowed (PATCH)",
        "origin not allowed on /partner"]

    # The cookie the API set at sign-in is the one the API says it received next.
    set_cookie = re.search(r"set the cookie (session=[\w-]+)", rows[
        "sign in (the API sets a cookie)"]["read"])
    received = re.search(r"received the cookie (session=[\w-]+), the one it set at sign-in",
                         rows[COOKIE_ROW]["read"])
    assert set_cookie and received, rows[COOKIE_ROW]["read"]
    assert received[1] == set_cookie[1]

    # Each blocked row carries the doctor's console message for this browser and request.
    for name, request in {
        "custom header not allowed": ("/api/items", "GET", [("X-Secret", "1")]),
        "method not allowed (PATCH)": ("/api/items/1", "PATCH", []),
        "origin not allowed on /partner": ("/partner/data", "GET", []),
    }.items():
        path, method, headers = request
        report = check(HTTPTransport(timeout=5), api + path, origin=page, method=method,
                       headers=headers)
        message = report.outcomes[DOCTOR_NAME[browser]].message
        assert message, f"{name}: the doctor predicts no console message"
        assert rows[name]["console"].endswith(": " + message), f"{name}: {rows[name]}"
        if browser == "chromium":  # and it is the message Chromium really printed
            assert message in printed, f"{name}: Chromium printed {printed}"
    for name in ("simple GET", COOKIE_ROW):
        assert rows[name]["console"] == "(nothing)"
