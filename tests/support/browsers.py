"""Headless Chromium and Firefox ESR, and WebKit under Xvfb, launched on a page that
POSTs its results back.

No WebDriver: the browser opens the page, the page runs every scenario with fetch()
and POSTs the results back to the test's page server; :func:`collect` waits for
that POST with a timeout and then kills the browser's whole process group. WebKit
(:mod:`tests.support.webkit`) is WebKitGTK's MiniBrowser on an X server of its own.
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
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.support import webkit
from tests.support.servers import in_thread

#: Each browser and the Debian packages that provide it.
BROWSERS = {"chromium": "chromium", "firefox": "firefox-esr", "webkit": webkit.PACKAGES}

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
    if browser == "webkit":
        return webkit.minibrowser()
    return shutil.which(BROWSERS[browser])


def require_browser(browser: str) -> None:
    """Skip when *browser* is missing outside CI; in CI a missing browser is a failure."""
    if binary(browser) is None:
        message = f"{browser} is not installed (apt-get install {BROWSERS[browser]})"
        if os.environ.get("CI"):
            pytest.fail(message + "; CI must run the browser suite")
        pytest.skip(message)


def launch(browser: str, url: str, workdir: Path,
           display: str | None = None) -> subprocess.Popen[bytes]:
    """Open *url* in a fresh *browser* profile under *workdir* (WebKit on X *display*)."""
    exe = binary(browser)
    if exe is None:
        raise RuntimeError(f"{BROWSERS[browser]} is not installed")
    profile = Path(tempfile.mkdtemp(prefix=f"{browser}-profile-", dir=workdir))
    env = dict(os.environ, HOME=str(workdir))
    if browser == "chromium":
        command = [exe, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", url]
    elif browser == "webkit":
        env.update(webkit.environment(profile, display or ""))
        command = webkit.command(exe, url)
    else:
        prefs = "".join(f'user_pref("{key}", {json.dumps(value)});\n'
                        for key, value in FIREFOX_PREFS.items())
        (profile / "user.js").write_text(prefs)
        env["MOZ_HEADLESS"] = "1"
        command = [exe, "--headless", "--no-remote", "--profile", str(profile), url]
    log = open(workdir / f"{browser}.log", "wb")  # noqa: SIM115 - closed with the process
    return subprocess.Popen(command, env=env, stdout=log, stderr=log,
                            stdin=subprocess.DEVNULL, start_new_session=True)


def screen(browser: str) -> contextlib.AbstractContextManager[str | None]:
    """The X display *browser* needs for one launch: a fresh Xvfb for WebKit, none else."""
    return webkit.display() if browser == "webkit" else contextlib.nullcontext(None)


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


#: What the page server answers to ``GET path``: (content type, body), or None for 404.
Answer = Callable[[str], "tuple[str, bytes] | None"]


def collect(browser: str, answer: Answer, port: int, timeout: float,
            describe: Callable[[], str] = str) -> Any:
    """Open ``http://localhost:<port>/`` in *browser*; return what the page POSTs.

    The page server (127.0.0.1:*port*, in a thread) answers GETs with *answer* and
    keeps the first JSON document POSTed to ``/results``. Fails with the browser's
    log and what *describe()* adds (server logs, say) when none arrives within
    *timeout* s; the browser's whole process group is killed either way.
    """
    page = _ResultPage(answer)
    server = ThreadingHTTPServer(("127.0.0.1", port), page.handler())
    server.daemon_threads = True
    workdir = Path(tempfile.mkdtemp(prefix=f"wsgicors-{browser}-"))
    with in_thread(server), screen(browser) as display:
        process = launch(browser, f"http://localhost:{port}/", workdir, display)
        try:
            if not page.done.wait(timeout):
                log = (workdir / f"{browser}.log").read_text(errors="replace")[-3000:]
                raise AssertionError(f"{browser} posted no results within {timeout} s.\n"
                                     f"browser log:\n{log}\n{describe()}")
        finally:
            kill(process)
    return page.posted


@dataclass
class _ResultPage:
    answer: Answer
    posted: Any = None
    done: threading.Event = field(default_factory=threading.Event)

    def handler(self) -> type[BaseHTTPRequestHandler]:
        page = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                found = page.answer(self.path.split("?", 1)[0])
                self._send(*(found or ("text/plain", b"not found")), found is not None)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                data = json.loads(self.rfile.read(length) or b"null")
                if self.path == "/results" and not page.done.is_set():
                    page.posted = data
                    page.done.set()
                self.send_response(204)
                self.end_headers()

            def _send(self, kind: str, body: bytes, found: bool) -> None:
                self.send_response(200 if found else 404)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler
