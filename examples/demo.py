"""wsgicors demo: a page on one origin calls a wsgicors-protected API on another.

Run ``make demo`` (or ``python examples/demo.py``) and open the printed URL. The page
(http://localhost:PAGE_PORT) sends a handful of cross-origin requests to the API
(http://127.0.0.1:API_PORT) and shows, for each, whether the browser let the script
read the response, and wsgicors's own explanation of its decision.

``--check`` runs the same scenarios from Python (no browser) and exits: the tests use it.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import socketserver
import sys
import threading
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from wsgicors import CORSMiddleware, CORSPolicy, explain


class ThreadingWSGIServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def api_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """The application being protected: a tiny JSON API that knows nothing about CORS."""
    path = environ.get("PATH_INFO", "")
    cookie = environ.get("HTTP_COOKIE", "")
    body = json.dumps({"path": path, "method": environ["REQUEST_METHOD"],
                       "cookie_seen": "session=" in cookie}).encode()
    headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body))),
               ("X-Request-Id", "req-42")]
    start_response("200 OK", headers)
    return [body]


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


def scenarios(api: str) -> list[dict[str, Any]]:
    """The requests the page makes; ``expect`` is what a browser should do with each."""
    return [
        {"name": "simple GET", "url": f"{api}/api/items", "init": {}, "expect": "allowed"},
        {"name": "preflighted PUT with JSON", "url": f"{api}/api/items/1",
         "init": {"method": "PUT", "headers": {"Content-Type": "application/json"},
                  "body": "{\"name\": \"x\"}"}, "expect": "allowed"},
        {"name": "credentialed GET (cookies)", "url": f"{api}/api/me",
         "init": {"credentials": "include"}, "expect": "allowed"},
        {"name": "custom header not allowed", "url": f"{api}/api/items",
         "init": {"headers": {"X-Secret": "1"}}, "expect": "blocked"},
        {"name": "method not allowed (PATCH)", "url": f"{api}/api/items/1",
         "init": {"method": "PATCH"}, "expect": "blocked"},
        {"name": "origin not allowed on /partner", "url": f"{api}/partner/data",
         "init": {}, "expect": "blocked"},
    ]


def explain_scenario(api: CORSMiddleware, page_origin: str, scenario: dict[str, Any]) -> str:
    """wsgicors's own explanation of what it does with the scenario's request."""
    init = scenario["init"]
    method = init.get("method", "GET")
    headers = [name.lower() for name in init.get("headers", {})
               if not (name.lower() == "content-type" and method == "GET")]
    path = urllib.parse.urlsplit(scenario["url"]).path
    needs_preflight = method not in ("GET", "HEAD", "POST") or bool(headers)
    if needs_preflight:
        decision = explain(api, origin=page_origin, method="OPTIONS", path=path,
                           request_method=method, request_headers=headers)
    else:
        decision = explain(api, origin=page_origin, method=method, path=path)
    return str(decision)


PAGE = """<!doctype html>
<meta charset="utf-8">
<title>wsgicors demo</title>
<style>
 body { font: 15px/1.4 system-ui, sans-serif; margin: 2em; max-width: 60em; }
 table { border-collapse: collapse; width: 100%; }
 td, th { border: 1px solid #ccc; padding: .4em .6em; vertical-align: top; text-align: left; }
 .allowed { color: #176f2c; font-weight: bold; } .blocked { color: #a11; font-weight: bold; }
 code { font-size: 90%; }
</style>
<h1>wsgicors demo</h1>
<p>This page is served from <code>__PAGE__</code>; the API is on <code>__API__</code>,
a different origin, protected by <code>wsgicors.CORSMiddleware</code>.</p>
<table><thead><tr><th>request</th><th>browser</th><th>expected</th><th>what the script read</th>
<th>wsgicors says</th></tr></thead><tbody id="rows"></tbody></table>
<script>
const scenarios = __SCENARIOS__;
async function run() {
  const rows = document.getElementById("rows");
  for (const s of scenarios) {
    let outcome, detail;
    try {
      const r = await fetch(s.url, s.init);
      outcome = "allowed";
      detail = r.status + " " + (await r.text()) + " X-Request-Id=" + r.headers.get("X-Request-Id");
    } catch (e) {
      outcome = "blocked";
      detail = String(e) + " (see the console for the browser's message)";
    }
    const tr = document.createElement("tr");
    for (const [text, cls] of [[s.name], [outcome, outcome], [s.expect], [detail], [s.why]]) {
      const td = document.createElement("td");
      td.textContent = text; if (cls) td.className = cls; tr.appendChild(td);
    }
    rows.appendChild(tr);
  }
}
run();
</script>
"""


def build_page(page_origin: str, api_origin: str, api: CORSMiddleware) -> Callable[..., Any]:
    items = scenarios(api_origin)
    for item in items:
        item["why"] = explain_scenario(api, page_origin, item)
    html = (PAGE.replace("__PAGE__", page_origin).replace("__API__", api_origin)
            .replace("__SCENARIOS__", json.dumps(items))).encode()

    def page_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8"),
                                  ("Content-Length", str(len(html)))])
        return [html]

    return page_app


def serve(app: Callable[..., Any], host: str, port: int) -> WSGIServer:
    server = make_server(host, port, app, server_class=ThreadingWSGIServer,
                         handler_class=QuietHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def check(api_origin: str, page_origin: str) -> int:
    """Send each scenario's (pre)flight like a browser would and compare with 'expect'."""
    failures = 0
    for item in scenarios(api_origin):
        init = item["init"]
        method = init.get("method", "GET")
        names = [n.lower() for n in init.get("headers", {})]
        headers = {"Origin": page_origin}
        if method not in ("GET", "HEAD", "POST") or names:
            headers.update({"Access-Control-Request-Method": method,
                            "Access-Control-Request-Headers": ",".join(sorted(names))})
            method = "OPTIONS"
        request = urllib.request.Request(item["url"], method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                acao = response.headers.get("Access-Control-Allow-Origin")
        except urllib.error.HTTPError as error:
            acao = error.headers.get("Access-Control-Allow-Origin")
        outcome = "allowed" if acao == page_origin else "blocked"
        failures += outcome != item["expect"]
        print(f"{item['name']:35} {outcome:8} (expected {item['expect']})")
    return failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--page-port", type=int, default=8000)
    parser.add_argument("--api-port", type=int, default=8001)
    parser.add_argument("--check", action="store_true",
                        help="run the scenarios without a browser and exit")
    args = parser.parse_args(argv)
    page_server = serve(lambda e, s: [], "localhost", args.page_port)
    api_server = serve(lambda e, s: [], "127.0.0.1", args.api_port)
    page_origin = f"http://localhost:{page_server.server_port}"
    api_origin = f"http://127.0.0.1:{api_server.server_port}"
    api = build_api(page_origin)
    api_server.set_app(api)
    page_server.set_app(build_page(page_origin, api_origin, api))
    if args.check:
        failures = check(api_origin, page_origin)
        print(f"{'all scenarios as expected' if not failures else f'{failures} unexpected'}")
        return 1 if failures else 0
    print(f"wsgicors demo: open {page_origin}/ in a browser (API on {api_origin}). Ctrl-C stops.")
    with contextlib.suppress(KeyboardInterrupt):
        threading.Event().wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
