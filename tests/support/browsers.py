"""Headless Chromium and Firefox ESR, and the page server that collects their results.

No WebDriver: the browser opens the page, the page runs every scenario with fetch()
and POSTs the results back to the page server; the test waits for that POST with a
timeout and then kills the browser's whole process group.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import tempfile
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

STATIC = Path(__file__).resolve().parent / "static"
BROWSERS = {"chromium": "chromium", "firefox": "firefox-esr"}
RESULT_TIMEOUT = 240.0

CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-default-apps", "--disable-extensions", "--mute-audio",
    "--no-default-browser-check",
]

# Keep Firefox off the network it cannot reach and make *.localhost resolve locally.
FIREFOX_PREFS = {
    "app.update.enabled": False,
    "app.normandy.enabled": False,
    "browser.shell.checkDefaultBrowser": False,
    "browser.startup.homepage_override.mstone": "ignore",
    "datareporting.policy.dataSubmissionEnabled": False,
    "datareporting.healthreport.uploadEnabled": False,
    "toolkit.telemetry.enabled": False,
    "network.captive-portal-service.enabled": False,
    "network.connectivity-service.enabled": False,
    "browser.safebrowsing.malware.enabled": False,
    "browser.safebrowsing.phishing.enabled": False,
    "extensions.update.enabled": False,
    "browser.search.update": False,
    "network.dns.localDomains": "app.localhost",
    "network.proxy.type": 0,
    "browser.aboutwelcome.enabled": False,
    "network.cookie.cookieBehavior": 0,
}


def binary(browser: str) -> str | None:
    """Path of the browser's executable, or None when it is not installed."""
    return shutil.which(BROWSERS[browser])


@dataclass
class PageServer:
    """Serves the page, its scenarios and context, and receives the results."""

    scenarios: list[dict[str, Any]]
    ctx: dict[str, Any]
    results: list[dict[str, Any]] = field(default_factory=list)
    fatal: str | None = None
    done: threading.Event = field(default_factory=threading.Event)

    def handler(self) -> type[BaseHTTPRequestHandler]:
        """A request handler class bound to this page server."""
        page = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                if path in ("/", "/index.html"):
                    self._send(200, "text/html", (STATIC / "index.html").read_bytes())
                elif path in ("/runner.html", "/runner.js"):
                    kind = "text/html" if path.endswith("html") else "text/javascript"
                    self._send(200, kind, (STATIC / path[1:]).read_bytes())
                elif path == "/scenarios.json":
                    self._send(200, "application/json", json.dumps(page.scenarios).encode())
                elif path == "/ctx.json":
                    self._send(200, "application/json", json.dumps(page.ctx).encode())
                else:
                    self._send(404, "text/plain", b"not found")

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                data = json.loads(self.rfile.read(length) or b"{}")
                if self.path == "/results" and not page.done.is_set():
                    page.results = list(data.get("results", []))
                    page.fatal = data.get("fatal")
                    page.done.set()
                self._send(204, "text/plain", b"")

            def _send(self, status: int, kind: str, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler


def serve_page(page: PageServer, port: int) -> ThreadingHTTPServer:
    """Start the page server on 127.0.0.1:*port* in a daemon thread."""
    httpd = ThreadingHTTPServer(("127.0.0.1", port), page.handler())
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd


def launch(browser: str, url: str, workdir: Path) -> subprocess.Popen[bytes]:
    """Open *url* in a fresh headless *browser* profile under *workdir*."""
    exe = binary(browser)
    if exe is None:
        raise RuntimeError(f"{BROWSERS[browser]} is not installed")
    profile = Path(tempfile.mkdtemp(prefix=f"{browser}-profile-", dir=workdir))
    env = dict(os.environ, HOME=str(workdir))
    if browser == "chromium":
        command = [exe, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", url]
    else:
        prefs = "".join(f'user_pref("{key}", {json.dumps(value)});\n'
                        for key, value in FIREFOX_PREFS.items())
        (profile / "user.js").write_text(prefs)
        env["MOZ_HEADLESS"] = "1"
        command = [exe, "--headless", "--no-remote", "--profile", str(profile), url]
    log = open(workdir / f"{browser}.log", "wb")  # noqa: SIM115 - closed with the process
    return subprocess.Popen(command, env=env, stdout=log, stderr=log,
                            stdin=subprocess.DEVNULL, start_new_session=True)


def kill(process: subprocess.Popen[bytes]) -> None:
    """Kill the browser and every process it started (its process group)."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        if process.poll() is not None:
            break
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            break
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            continue
    # Children may outlive the leader; the group signal reaches them too.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
