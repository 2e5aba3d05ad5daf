"""The doctor's fix, applied, works: every case of the differential catalogue is checked,
its ``fix.preflight`` and ``fix.actual`` are applied to the server's answers (each header
replaces the headers of that name, ``:status`` the status), and then the doctor and the
real browsers (Chromium, Firefox, and WebKit under Xvfb) must allow every request and
let the script read every header it reads (``--read-header``).

The page runs in the browser from its own server (``tests.support.browsers.collect``),
so the three engines are driven the same way; its origin is the one the fixes name.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.browsers import collect, require_browser
from tests.support.servers import free_port
from wsgicors.doctor import HTTPTransport, Report, check

from .behaviours import Behaviour
from .catalogue import CATALOGUE
from .fixing import FixedStage, apply_fix, fixed_stage

#: Response headers the script reads in the cases that probe readability.
READ = ("X-Total", "X-Page")
RUN_TIMEOUT = 300.0


def _read(case: Behaviour) -> list[str]:
    return [name for name in READ if name.lower() in case.probe]


def _check(stage: FixedStage, case: Behaviour) -> Report:
    return check(HTTPTransport(5), stage.url(case.name), origin=stage.origin,
                 method=case.method, headers=list(case.headers.items()),
                 credentials=case.credentials, read_headers=_read(case))


@pytest.fixture(scope="module")
def fixed() -> Iterator[tuple[FixedStage, dict[str, Report], int]]:
    """The catalogue with every case's fix applied; the reports before; the page's port."""
    page_port = free_port()
    with fixed_stage(CATALOGUE, f"http://localhost:{page_port}") as stage:
        before = {case.name: _check(stage, case) for case in CATALOGUE}
        for name, report in before.items():
            assert report.fix is not None
            stage.fixes[name] = (report.fix.preflight, report.fix.actual)
        yield stage, before, page_port


def test_allowed_requests_need_no_fix(fixed: tuple[FixedStage, dict[str, Report], int]
                                      ) -> None:
    _stage, before, _port = fixed
    for name, report in before.items():
        assert report.fix is not None
        needed = not report.allowed or bool(report.unreadable)
        assert bool(report.fix.preflight or report.fix.actual) == needed, name
        assert bool(report.fixes) == needed, (name, report.fixes)


def test_the_fix_applied_passes_the_browser_model(
        fixed: tuple[FixedStage, dict[str, Report], int]) -> None:
    stage, before, _port = fixed
    failing = {}
    for case in CATALOGUE:
        after = _check(stage, case)
        if not after.allowed or after.unreadable:
            failing[case.name] = ({b: o.message for b, o in after.outcomes.items()},
                                  before[case.name].fix)
    assert not failing, failing
    assert sum(1 for r in before.values() if not r.allowed) > 80  # the catalogue is broken


PAGE = """<!doctype html><title>fix applied</title><script>
(async () => {
  const cases = %s, base = %s, results = {};
  for (const c of cases) {
    const init = {method: c.method, headers: c.headers, cache: "no-store",
                  credentials: c.credentials ? "include" : "same-origin",
                  signal: AbortSignal.timeout(8000)};
    try {
      const r = await fetch(base + c.name, init);
      results[c.name] = {verdict: "allowed", status: r.status,
                         readable: c.read.filter(name => r.headers.get(name) !== null)};
    } catch (e) {
      results[c.name] = {verdict: "blocked", error: String(e)};
    }
  }
  await fetch("/results", {method: "POST", body: JSON.stringify(results)});
})();
</script>"""


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.parametrize("browser", ["chromium", "firefox", "webkit"])
def test_real_browsers_allow_every_fixed_request(
        browser: str, fixed: tuple[FixedStage, dict[str, Report], int]) -> None:
    require_browser(browser)
    stage, _before, port = fixed
    cases = [{"name": c.name, "method": c.method, "headers": dict(c.headers),
              "credentials": c.credentials, "read": _read(c)} for c in CATALOGUE]
    page = (PAGE % (json.dumps(cases), json.dumps(stage.base))).encode()

    def answer(path: str) -> tuple[str, bytes] | None:
        return ("text/html; charset=utf-8", page) if path == "/" else None

    results: dict[str, Any] = collect(browser, answer, port, RUN_TIMEOUT)
    wrong = {c["name"]: results.get(c["name"]) for c in cases
             if results.get(c["name"], {}).get("verdict") != "allowed"
             or sorted(results[c["name"]].get("readable", [])) != sorted(c["read"])}
    assert not wrong, wrong


def test_apply_fix_replaces_every_line_of_a_name() -> None:
    answer = (b"HTTP/1.1 302 Found\r\nAccess-Control-Allow-Origin : a\r\n"
              b"X-Folded: 1\r\n 2\r\nLocation: /x\r\nContent-Length: 2\r\n\r\nok")
    fixed = apply_fix(answer, [(":status", "200"), ("Access-Control-Allow-Origin", "b"),
                               ("X-Folded", "3")])
    assert fixed == (b"HTTP/1.1 200 OK\r\nLocation: /x\r\nContent-Length: 2\r\n"
                     b"Access-Control-Allow-Origin: b\r\nX-Folded: 3\r\n\r\nok")
    no_content = apply_fix(answer, [(":status", "204")])
    assert no_content.startswith(b"HTTP/1.1 204 No Content\r\n")
    assert b"Content-Length" not in no_content and no_content.endswith(b"\r\n\r\n")
    assert apply_fix(answer, []) == answer
