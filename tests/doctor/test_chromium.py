"""The doctor against real headless Chromium: same verdicts, same console messages.

One browser launch runs every case of ``cases``: the page (on
``http://localhost:P``) fetches each case from ``http://127.0.0.1:P`` and POSTs
what happened back to its own origin; Chromium's console (its stderr log) gives the
exact messages, which must be the ones the doctor predicts.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
from typing import Any

import pytest

from wsgicors.doctor import HTTPTransport, check

from .cases import CASES, serve_cases

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None and not os.environ.get("CI"),
                       reason="no chromium binary (CI installs it)"),
]
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--enable-logging=stderr", "--v=0"]
CONSOLE = re.compile(r':INFO:CONSOLE[^\]]*\] "(.*)", source: ')

SCRIPT = """<!doctype html><meta charset=utf-8><script>
const CASES = %s;
(async () => {
  const results = {};
  for (const c of CASES) {
    const init = {method: c.method, headers: c.headers,
                  credentials: c.credentials ? "include" : "same-origin"};
    try {
      const r = await fetch("http://127.0.0.1:" + location.port + "/case/" + c.name, init);
      await r.text();
      results[c.name] = "allowed";
    } catch (e) {
      results[c.name] = "blocked";
    }
  }
  await fetch("/results", {method: "POST", body: JSON.stringify(results)});
})();
</script>"""


@pytest.fixture(scope="module")
def chromium_run() -> dict[str, Any]:
    """Run every case in one Chromium; return its verdicts, console lines and port."""
    if CHROMIUM is None:
        pytest.fail("CI is set but no chromium binary is installed")
    spec = [{"name": c.name, "method": c.method, "headers": c.headers,
             "credentials": c.credentials} for c in CASES]
    results: dict[str, Any] = {}
    done = threading.Event()

    def on_results(data: Any) -> None:
        results.update(data)
        done.set()

    page = (SCRIPT % json.dumps(spec)).encode()
    with serve_cases(page, on_results) as (port, origin), \
            tempfile.TemporaryDirectory() as profile:
        proc = subprocess.Popen(
            [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", f"http://localhost:{port}/page"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            finished = done.wait(timeout=60)
        finally:
            proc.terminate()
            try:
                _out, err = proc.communicate(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                _out, err = proc.communicate(timeout=15)
        assert finished, "Chromium never posted its results:\n" + err[-2000:]
        reports = {c.name: check(HTTPTransport(5), f"http://127.0.0.1:{port}/case/{c.name}",
                                 origin=origin, method=c.method,
                                 headers=list(c.headers.items()), credentials=c.credentials)
                   for c in CASES}
    return {"results": results, "console": CONSOLE.findall(err), "reports": reports}


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_doctor_verdict_matches_chromium(chromium_run: dict[str, Any], case: Any) -> None:
    chrome = chromium_run["reports"][case.name].outcomes["chrome"]
    browser = chromium_run["results"][case.name]
    assert ("allowed" if chrome.allowed else "blocked") == browser
    expected = case.expect[0]
    assert (None if chrome.failure is None else chrome.failure.code) == expected


@pytest.mark.parametrize("case", [c for c in CASES if c.expect[0] is not None],
                         ids=[c.name for c in CASES if c.expect[0] is not None])
def test_doctor_console_message_is_chromiums(chromium_run: dict[str, Any], case: Any) -> None:
    message = chromium_run["reports"][case.name].outcomes["chrome"].message
    assert message in chromium_run["console"]
