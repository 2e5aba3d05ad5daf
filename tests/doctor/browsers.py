"""Run a page in real headless Chromium or Firefox and capture its console.

The page runs every case with ``fetch()`` and POSTs the outcomes to its own origin.
Console messages come from the browser itself: Chromium writes them to stderr
(``--enable-logging=stderr --v=0``), Firefox sends them as WebDriver BiDi
``log.entryAdded`` events over its remote debugging port.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from e2e.browsers import CHROMIUM_FLAGS, FIREFOX_PREFS, kill

from .websocket import WebSocket

EXECUTABLES = {"chromium": ("chromium", "chromium-browser"), "firefox": ("firefox-esr", "firefox")}
_CONSOLE = re.compile(r':INFO:CONSOLE[^\]]*\] "(.*)", source: ')
_BIDI_READY = re.compile(r"WebDriver BiDi listening on (ws://\S+)")


def executable(browser: str) -> str | None:
    """Path of *browser*'s executable, or None when it is not installed."""
    return next(filter(None, map(shutil.which, EXECUTABLES[browser])), None)


@dataclass
class Run:
    """What one browser did: the page's results and every console message."""

    results: dict[str, Any] = field(default_factory=dict)
    console: list[str] = field(default_factory=list)


def run_page(browser: str, url: str, finished: Callable[[], dict[str, Any] | None],
             timeout: float) -> Run:
    """Open *url* in *browser* until ``finished()`` returns the page's results."""
    exe = executable(browser)
    if exe is None:
        raise RuntimeError(f"{browser} is not installed")
    with tempfile.TemporaryDirectory(prefix=f"doctor-{browser}-") as home:
        if browser == "chromium":
            return _chromium(exe, url, Path(home), finished, timeout)
        return _firefox(exe, url, Path(home), finished, timeout)


def _wait(finished: Callable[[], dict[str, Any] | None], timeout: float,
          alive: Callable[[], bool]) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and alive():
        results = finished()
        if results is not None:
            return results
        time.sleep(0.1)
    raise TimeoutError("the browser never posted the page's results")


def _chromium(exe: str, url: str, home: Path, finished: Callable[[], dict[str, Any] | None],
              timeout: float) -> Run:
    log = home / "stderr.log"
    command = [exe, *CHROMIUM_FLAGS, "--enable-logging=stderr", "--v=0",
               f"--user-data-dir={home / 'profile'}", url]
    with open(log, "wb") as err:
        process = subprocess.Popen(command, env=dict(os.environ, HOME=str(home)),
                                   stdout=subprocess.DEVNULL, stderr=err,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
        try:
            results = _wait(finished, timeout, lambda: process.poll() is None)
            time.sleep(0.5)  # the last console lines
        finally:
            kill(process)
    text = log.read_text("utf-8", "replace")
    return Run(results, _CONSOLE.findall(text))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _firefox(exe: str, url: str, home: Path, finished: Callable[[], dict[str, Any] | None],
             timeout: float) -> Run:
    profile = home / "profile"
    profile.mkdir()
    (profile / "user.js").write_text("".join(
        f'user_pref("{key}", {json.dumps(value)});\n' for key, value in FIREFOX_PREFS.items()))
    command = [exe, "--headless", "--no-remote", "--profile", str(profile),
               f"--remote-debugging-port={_free_port()}"]
    process = subprocess.Popen(command, env=dict(os.environ, HOME=str(home), MOZ_HEADLESS="1"),
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        endpoint = _bidi_endpoint(process, timeout=60)
        run = Run()
        with _BiDi(endpoint) as bidi:
            bidi.navigate(url)
            reader = threading.Thread(target=bidi.collect, args=(run.console,), daemon=True)
            reader.start()
            run.results = _wait(finished, timeout, lambda: process.poll() is None)
            time.sleep(0.5)
        return run
    finally:
        kill(process)


def _bidi_endpoint(process: subprocess.Popen[bytes], timeout: float) -> str:
    assert process.stdout is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline().decode("utf-8", "replace")
        if not line and process.poll() is not None:
            break
        match = _BIDI_READY.search(line)
        if match:
            threading.Thread(target=process.stdout.read, daemon=True).start()  # drain
            return match[1] + "/session"
    raise RuntimeError("Firefox never opened its WebDriver BiDi port")


class _BiDi:
    """A WebDriver BiDi session subscribed to console log entries."""

    def __init__(self, endpoint: str) -> None:
        self.ws = WebSocket(endpoint)
        self.next_id = 0
        self.call("session.new", {"capabilities": {}})
        self.call("session.subscribe", {"events": ["log.entryAdded"]})

    def __enter__(self) -> _BiDi:
        return self

    def __exit__(self, *exc: object) -> None:
        self.ws.close()

    def call(self, method: str, params: dict[str, Any]) -> Any:
        self.next_id += 1
        self.ws.send_json({"id": self.next_id, "method": method, "params": params})
        while True:
            message = self.ws.recv_json()
            if message.get("id") == self.next_id:
                if message.get("type") == "error":
                    raise RuntimeError(f"BiDi {method}: {message}")
                return message["result"]

    def navigate(self, url: str) -> None:
        context = self.call("browsingContext.getTree", {})["contexts"][0]["context"]
        self.next_id += 1
        self.ws.send_json({"id": self.next_id, "method": "browsingContext.navigate",
                           "params": {"context": context, "url": url}})

    def collect(self, into: list[str]) -> None:
        """Append every console entry's text to *into* until the connection ends."""
        self.ws.sock.settimeout(None)
        try:
            while True:
                message = self.ws.recv_json()
                if message.get("method") == "log.entryAdded":
                    into.append(message["params"].get("text") or "")
        except (OSError, ConnectionError, ValueError):
            return
