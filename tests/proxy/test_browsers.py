"""The proxy in real Chromium, Firefox and WebKit: one browser launch per browser.

A page on ``http://localhost:A`` reads an upstream on ``127.0.0.1:C`` that sends no
CORS headers (blocked), then the same through the proxy on ``127.0.0.1:B``
(allowed), sends a preflighted JSON PUT (allowed, the body arrives, the preflight
never reaches the upstream) and follows a redirect (back through the proxy). A frame
on ``http://127.0.0.1:A``, an origin the proxy does not list, is blocked.
"""

from __future__ import annotations

import json
import secrets
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.support import browsers
from tests.support.servers import free_port
from wsgicors.proxy import make_app

from .support import Upstream, serving, upstream_server

pytestmark = [pytest.mark.browser, pytest.mark.server]
WAIT_SECONDS = 120.0

SCRIPT = """
"use strict";
const ctx = %s;
async function attempt(run) {
  try {
    return {outcome: "readable", value: await run()};
  } catch (e) {
    return {outcome: e instanceof TypeError ? "blocked" : "error", error: String(e)};
  }
}
const read = (url, init) => attempt(async () => {
  const r = await fetch(url, init);
  return {status: r.status, url: r.url, redirected: r.redirected, json: await r.json()};
});
"""

PAGE = SCRIPT + """
function fromFrame() {
  return new Promise((resolve) => {
    window.addEventListener("message", (event) => resolve(event.data));
    const frame = document.createElement("iframe");
    frame.src = ctx.frame;
    document.body.appendChild(frame);
  });
}
(async () => {
  const results = {};
  results.direct = await read(ctx.upstream + "/data");
  results.proxied = await read(ctx.proxy + "/data?run=" + ctx.run);
  results.put = await read(ctx.proxy + "/echo", {
    method: "PUT", headers: {"Content-Type": "application/json"},
    body: JSON.stringify({run: ctx.run, n: 42})});
  results.redirect = await read(ctx.proxy + "/redirect?to=/data%%3Fafter=redirect");
  results.other = await fromFrame();
  await fetch("/results", {method: "POST", body: JSON.stringify(results)});
})();
"""

FRAME = SCRIPT + """
read(ctx.proxy + "/data?from=frame").then((result) => parent.postMessage(result, "*"));
"""


def _answer(ctx: dict[str, Any]) -> browsers.Answer:
    """The page on ``/``, the frame on ``/frame``, each with *ctx* filled in."""

    def get(path: str) -> tuple[str, bytes]:
        script = FRAME if path == "/frame" else PAGE
        return "text/html; charset=utf-8", ("<!doctype html><meta charset=utf-8><body><script>"
                                            + script % json.dumps(ctx) + "</script>").encode()

    return get


@dataclass
class Run:
    """What one browser did, what the upstream saw, and the proxy's log lines."""

    results: dict[str, Any]
    ctx: dict[str, Any]
    upstream: Upstream
    log: list[str]


@pytest.fixture(scope="module", params=sorted(browsers.BROWSERS))
def run(request: pytest.FixtureRequest) -> Iterator[Run]:
    """Every scenario in one launch of the browser."""
    browser = request.param
    browsers.require_browser(browser)
    log: list[str] = []
    port = free_port()
    with upstream_server() as upstream:
        app = make_app(upstream.url, allow_origins=[f"http://localhost:{port}"],
                       log=log.append)
        with serving(app) as proxy_port:
            ctx = {"upstream": upstream.url, "proxy": f"http://127.0.0.1:{proxy_port}",
                   "frame": f"http://127.0.0.1:{port}/frame", "run": secrets.token_hex(6)}
            results = browsers.collect(browser, _answer(ctx), port, WAIT_SECONDS)
            yield Run(results, ctx, upstream, log)


def test_the_upstream_alone_is_blocked(run: Run) -> None:
    assert run.results["direct"]["outcome"] == "blocked"
    assert "/data" in [seen.target for seen in run.upstream.seen]  # it did answer


def test_the_same_through_the_proxy_is_readable(run: Run) -> None:
    proxied = run.results["proxied"]
    assert proxied["outcome"] == "readable", proxied
    assert proxied["value"]["json"]["target"] == f"/data?run={run.ctx['run']}"


def test_an_origin_the_proxy_does_not_list_is_blocked(run: Run) -> None:
    assert run.results["other"]["outcome"] == "blocked", run.results["other"]
    # It did reach the proxy, which answered without CORS headers for that origin.
    assert any(line.startswith("'GET' '/data?from=frame'") and "origin-not-allowed" in line
               for line in run.log), run.log


def test_a_preflighted_json_put_is_allowed_and_its_body_arrives(run: Run) -> None:
    put = run.results["put"]
    assert put["outcome"] == "readable", put
    echo = put["value"]["json"]
    assert echo["method"] == "PUT"
    assert json.loads(echo["body"]) == {"run": run.ctx["run"], "n": 42}
    assert any(line.startswith("'OPTIONS' '/echo'") and "preflight allowed" in line
               for line in run.log), run.log
    assert "OPTIONS" not in [seen.method for seen in run.upstream.seen]


def test_a_redirect_is_followed_through_the_proxy(run: Run) -> None:
    redirect = run.results["redirect"]
    assert redirect["outcome"] == "readable", redirect
    assert redirect["value"]["redirected"] is True
    assert redirect["value"]["url"] == f"{run.ctx['proxy']}/data?after=redirect"
    assert redirect["value"]["json"]["target"] == "/data?after=redirect"


# -- same-origin mode (--static) -------------------------------------------------

OWN_PAGE = """<!doctype html><meta charset=utf-8><script>
fetch("/api/items", {method: "POST", headers: {"Content-Type": "application/json"},
                     body: JSON.stringify({n: 1})});
</script>"""


@pytest.mark.parametrize("browser", sorted(browsers.BROWSERS))
def test_static_mode_logs_the_pages_own_post_as_same_origin(browser: str) -> None:
    """Issue 20, item 11: the page served by the proxy POSTs to its own API; the browser
    sends Origin with it, and the log says same-origin, not refused."""
    browsers.require_browser(browser)
    workdir = Path(tempfile.mkdtemp(prefix=f"wsgicors-static-{browser}-"))
    (workdir / "dist").mkdir()
    (workdir / "dist" / "index.html").write_text(OWN_PAGE)
    log: list[str] = []
    with upstream_server() as upstream, serving(make_app(
            upstream.url, static=workdir / "dist", log=log.append)) as port, \
            browsers.screen(browser) as display:
        process = browsers.launch(browser, f"http://127.0.0.1:{port}/", workdir, display)
        try:
            deadline = time.monotonic() + WAIT_SECONDS
            while not any(line.startswith("'POST'") for line in log):
                assert time.monotonic() < deadline, log
                time.sleep(0.1)
        finally:
            browsers.kill(process)
    [line] = [line for line in log if line.startswith("'POST'")]
    assert line == (f"'POST' '/api/items' from 'http://127.0.0.1:{port}' -> 200 | "
                    "same-origin: the page is on the proxy's own origin, no CORS needed")
    assert [seen.method for seen in upstream.seen] == ["POST"]
