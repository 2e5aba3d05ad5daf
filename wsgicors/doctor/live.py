"""Real browsers: run a ``fetch()`` in headless Chromium or Firefox (``check --browser``).

A :class:`Session` starts the browser with a fresh profile, opens a blank page *on
the origin you name* (the browser asks for the page and the session answers it
itself through the remote protocol, so no server and no certificate is needed for
that origin), runs scripts there and collects every console entry. Chromium is
driven over the DevTools protocol, Firefox over WebDriver BiDi, both on loopback.

The real verdict is then the browser's own: with the same cookies-free profile and
the same rules it applies to any page, Local Network Access prompts included (a
public origin fetching a loopback or private address is refused by headless
Chromium, which cannot ask the user).
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .report import DoctorError, Report
from .websocket import WebSocket

#: Executable names tried for each browser, in order.
EXECUTABLES = {"chromium": ("chromium", "chromium-browser", "google-chrome"),
               "firefox": ("firefox-esr", "firefox")}
#: Path of the blank page opened on the chosen origin.
PAGE_PATH = "/.well-known/wsgicors-doctor"
CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-default-apps", "--disable-extensions", "--no-default-browser-check",
    "--mute-audio", "--remote-debugging-port=0",
)
# Keep Firefox off the network it should not reach while it runs a check.
FIREFOX_PREFS = {
    "app.update.enabled": False, "app.normandy.enabled": False,
    "browser.shell.checkDefaultBrowser": False,
    "browser.startup.homepage_override.mstone": "ignore",
    "datareporting.policy.dataSubmissionEnabled": False,
    "datareporting.healthreport.uploadEnabled": False, "toolkit.telemetry.enabled": False,
    "network.captive-portal-service.enabled": False,
    "network.connectivity-service.enabled": False,
    "browser.safebrowsing.malware.enabled": False,
    "browser.safebrowsing.phishing.enabled": False, "extensions.update.enabled": False,
    "browser.search.update": False, "network.proxy.type": 0,
}
_BLANK = b"<!doctype html><meta charset=utf-8><title>wsgicors doctor</title>"
_READY = {"chromium": re.compile(r"DevTools listening on (ws://\S+)"),
          "firefox": re.compile(r"WebDriver BiDi listening on (ws://\S+)")}


def executable(browser: str) -> str | None:
    """Path of *browser*'s executable (``"chromium"`` or ``"firefox"``), or None."""
    return next(filter(None, map(shutil.which, EXECUTABLES[browser])), None)


@dataclass(frozen=True)
class Entry:
    """One console entry: its source (``javascript``, ``network``...), text and URL."""

    source: str
    text: str
    url: str = ""


@dataclass
class Outcome:
    """What the real browser did with one ``fetch()``."""

    browser: str
    version: str
    verdict: str
    status: int | None = None
    readable: list[str] = field(default_factory=list)
    console: list[Entry] = field(default_factory=list)


#: The doctor's name for each browser's model.
MODEL = {"chromium": "chrome", "firefox": "firefox"}


def agrees(outcome: Outcome, report: Report) -> bool:
    """True if the real browser did what the doctor predicted in *report*.

    The verdicts must match and, for a blocked request, the predicted console message
    must be among the browser's console entries (Chromium prints none for a network
    error).
    """
    predicted = report.outcomes[MODEL[outcome.browser]]
    if outcome.verdict != ("allowed" if predicted.allowed else "blocked"):
        return False
    return predicted.message is None or any(
        entry.text == predicted.message for entry in outcome.console)


def outcome_dict(outcome: Outcome, report: Report) -> dict[str, Any]:
    """A real browser's outcome as JSON-ready data (``check --browser --json``)."""
    return {"version": outcome.version, "verdict": outcome.verdict, "status": outcome.status,
            "readable_headers": outcome.readable, "agrees": agrees(outcome, report),
            "console": [{"source": e.source, "text": e.text, "url": e.url}
                        for e in outcome.console]}


FETCH_SCRIPT = """(async (url, init, timeout) => {
  init.signal = AbortSignal.timeout(timeout);
  try {
    const r = await fetch(url, init);
    return {verdict: "allowed", status: r.status, readable: [...r.headers.keys()]};
  } catch (e) {
    return {verdict: e.name === "TimeoutError" ? "timeout" : "blocked"};
  }
})"""


def fetch_in(browser: str, url: str, *, origin: str, method: str,
             headers: Sequence[tuple[str, str]], credentials: bool,
             timeout: float) -> Outcome:
    """Run one ``fetch()`` of *url* from a page on *origin* in real *browser*."""
    init = {"method": method, "headers": [list(h) for h in headers], "cache": "no-store",
            "credentials": "include" if credentials else "same-origin"}
    expression = (f"{FETCH_SCRIPT}({json.dumps(url)}, {json.dumps(init)}, "
                  f"{int(timeout * 1000)})")
    with Session(browser, timeout) as session:
        session.open(origin)
        result = session.evaluate(expression, timeout + 10)
        session.settle()
        return Outcome(browser, session.version, result["verdict"], result.get("status"),
                       result.get("readable", []), list(session.console))


class Session:
    """One headless browser, one page, driven over its remote protocol.

    Use as a context manager; the browser and its profile are gone afterwards.
    """

    def __init__(self, browser: str, timeout: float = 30.0) -> None:
        exe = executable(browser)
        if exe is None:
            raise DoctorError(f"{browser} is not installed (tried "
                              + ", ".join(EXECUTABLES[browser]) + ")")
        self.browser = browser
        self.timeout = timeout
        self.home = tempfile.mkdtemp(prefix=f"wsgicors-{browser}-")
        self.console: list[Entry] = []
        self.version = ""
        self._answered: list[str] = []
        self._protocol: _Protocol | None = None
        self._process = _start(browser, exe, self.home)

    def __enter__(self) -> Session:
        try:
            endpoint = _endpoint(self._process, self.browser, self.home, self.timeout)
            self._protocol = (_DevTools if self.browser == "chromium" else _BiDi)(
                endpoint, self.timeout, self._log)
            self.version = self._protocol.version
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        if self._protocol is not None:
            self._protocol.close()
        _kill(self._process)
        shutil.rmtree(self.home, ignore_errors=True)

    @property
    def protocol(self) -> _Protocol:
        """The connected protocol (inside the ``with`` block)."""
        if self._protocol is None:
            raise DoctorError("the browser session is not open")
        return self._protocol

    def open(self, origin: str, served: bool = False) -> None:
        """Show a blank page at *origin* + :data:`PAGE_PATH`.

        The session answers it itself, unless *served*: then a server at *origin*
        does (and the page has that server's address, which Chromium's Local Network
        Access rules look at).
        """
        page = origin.rstrip("/") + PAGE_PATH
        self._answered = [] if served else _answered(page)
        self.protocol.open(page, self._answered)

    def _log(self, entry: Entry) -> None:
        # Loading what the session answered itself (the page, a favicon) is not news.
        if entry.source != "network" or entry.url not in self._answered:
            self.console.append(entry)

    def evaluate(self, expression: str, timeout: float) -> Any:
        """The JSON value of *expression* (a promise is awaited) in the page."""
        return self.protocol.evaluate(expression, timeout)

    def settle(self, quiet: float = 0.5) -> None:
        """Collect the console entries that arrive until *quiet* seconds pass without one."""
        self.protocol.drain(quiet)


def _start(browser: str, exe: str, home: str) -> subprocess.Popen[bytes]:
    env = dict(os.environ, HOME=home)
    if browser == "chromium":
        command = [exe, *CHROMIUM_FLAGS, f"--user-data-dir={home}/profile", "about:blank"]
    else:
        profile = os.path.join(home, "profile")
        os.mkdir(profile)
        with open(os.path.join(profile, "user.js"), "w") as prefs:
            prefs.writelines(f'user_pref("{key}", {json.dumps(value)});\n'
                             for key, value in FIREFOX_PREFS.items())
        env["MOZ_HEADLESS"] = "1"
        command = [exe, "--headless", "--no-remote", "--profile", profile,
                   "--remote-debugging-port=0"]
    # The browser's own output goes to a file: a pipe nobody reads would fill up.
    with open(os.path.join(home, "output.log"), "wb") as output:
        return subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL, stdout=output,
                                stderr=subprocess.STDOUT, start_new_session=True)


def _endpoint(process: subprocess.Popen[bytes], browser: str, home: str,
              timeout: float) -> str:
    """The remote protocol's WebSocket URL, read from the browser's output."""
    deadline = time.monotonic() + timeout
    log = os.path.join(home, "output.log")
    while time.monotonic() < deadline:
        with open(log, "rb") as output:
            match = _READY[browser].search(output.read().decode("utf-8", "replace"))
        if match:
            return match[1] + ("" if browser == "chromium" else "/session")
        if process.poll() is not None:
            break
        time.sleep(0.05)
    raise DoctorError(f"{browser} did not open its remote protocol within {timeout:g} s")


def _kill(process: subprocess.Popen[bytes]) -> None:
    for sig in (signal.SIGTERM, signal.SIGKILL):
        if process.poll() is not None:
            break
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=5)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


class _Protocol:
    """A JSON command/event protocol over one WebSocket, with bounded waits."""

    version = ""

    def __init__(self, endpoint: str, timeout: float, log: Callable[[Entry], None]) -> None:
        self.ws = WebSocket(endpoint, timeout)
        self.timeout = timeout
        self.log = log
        self.next_id = 0

    def send(self, method: str, params: dict[str, Any], **extra: Any) -> int:
        self.next_id += 1
        self.ws.send_json({"id": self.next_id, "method": method, "params": params, **extra})
        return self.next_id

    def call(self, method: str, params: dict[str, Any], timeout: float | None = None,
             **extra: Any) -> Any:
        """Send a command and handle events until its answer comes."""
        wanted = self.send(method, params, **extra)
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            message = self._next(deadline, method)
            if message.get("id") == wanted:
                if "error" in message:
                    raise DoctorError(f"browser protocol: {method} failed: "
                                      f"{message['error']}")
                return message.get("result", {})
            self.event(message)

    def drain(self, quiet: float) -> None:
        """Handle events until none arrives for *quiet* seconds."""
        while True:
            try:
                self.event(self._next(time.monotonic() + quiet, ""))
            except DoctorError:
                return

    def _next(self, deadline: float, waiting_for: str) -> Any:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise DoctorError(f"the browser did not answer {waiting_for or 'in time'}")
        self.ws.sock.settimeout(remaining)
        try:
            return self.ws.recv_json()
        except TimeoutError as exc:
            raise DoctorError(f"the browser did not answer {waiting_for or 'in time'}") from exc
        except (OSError, ConnectionError, ValueError) as exc:
            raise DoctorError(f"lost the browser's remote protocol: {exc}") from exc

    def event(self, message: Any) -> None:
        """Handle one event (answers to page requests, console entries)."""

    def open(self, url: str, answered: list[str]) -> None:
        """Load the page at *url*, answering the requests for *answered* URLs."""
        raise NotImplementedError

    def evaluate(self, expression: str, timeout: float) -> Any:
        raise NotImplementedError

    def close(self) -> None:
        self.ws.close()


class _DevTools(_Protocol):
    """Chromium over the DevTools protocol (one page target, flattened session)."""

    def __init__(self, endpoint: str, timeout: float, log: Callable[[Entry], None]) -> None:
        super().__init__(endpoint, timeout, log)
        self.version = self.call("Browser.getVersion", {}).get("product", "Chromium")
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.call("Target.attachToTarget",
                                 {"targetId": target, "flatten": True})["sessionId"]
        self.loaded = False
        for domain in ("Page", "Log", "Network", "Runtime"):
            self.page(f"{domain}.enable", {})

    def page(self, method: str, params: dict[str, Any], timeout: float | None = None) -> Any:
        return self.call(method, params, timeout, sessionId=self.session)

    def open(self, url: str, answered: list[str]) -> None:
        if answered:
            # The page comes from the session, not from an address: Chromium takes it
            # for a public one and would ask the user before it reaches a local address.
            origin = url[: url.index(PAGE_PATH)]
            self.call("Browser.grantPermissions", {"origin": origin, "permissions": [
                "localNetworkAccess", "localNetwork", "loopbackNetwork"]})
            self.page("Fetch.enable", {"patterns": [
                {"urlPattern": page, "requestStage": "Request"} for page in answered]})
        self.loaded = False
        self.page("Page.navigate", {"url": url})
        deadline = time.monotonic() + self.timeout
        while not self.loaded:
            self.event(self._next(deadline, "while loading the page"))

    def evaluate(self, expression: str, timeout: float) -> Any:
        answer = self.page("Runtime.evaluate", {"expression": expression, "awaitPromise": True,
                                                "returnByValue": True}, timeout)
        if "exceptionDetails" in answer:
            raise DoctorError(f"the page script failed: {answer['exceptionDetails']}")
        return answer["result"].get("value")

    def event(self, message: Any) -> None:
        method, params = message.get("method"), message.get("params", {})
        if method == "Fetch.requestPaused":
            found = params["request"]["url"].endswith(PAGE_PATH)
            self.send("Fetch.fulfillRequest", {
                "requestId": params["requestId"], "responseCode": 200 if found else 404,
                "responseHeaders": [{"name": "Content-Type", "value": "text/html"}],
                "body": base64.b64encode(_BLANK if found else b"").decode()},
                sessionId=self.session)
        elif method == "Page.loadEventFired":
            self.loaded = True
        elif method == "Log.entryAdded":
            entry = params["entry"]
            self.log(Entry(entry.get("source", ""), entry.get("text", ""),
                           entry.get("url", "")))


class _BiDi(_Protocol):
    """Firefox over WebDriver BiDi (one browsing context)."""

    def __init__(self, endpoint: str, timeout: float, log: Callable[[Entry], None]) -> None:
        super().__init__(endpoint, timeout, log)
        capabilities = self.call("session.new", {"capabilities": {}})["capabilities"]
        self.version = f"Firefox/{capabilities.get('browserVersion', '')}"
        self.call("session.subscribe", {"events": ["log.entryAdded",
                                                   "network.beforeRequestSent"]})
        self.context = self.call("browsingContext.getTree", {})["contexts"][0]["context"]

    def open(self, url: str, answered: list[str]) -> None:
        intercept = None
        if answered:
            intercept = self.call("network.addIntercept", {
                "phases": ["beforeRequestSent"],
                "urlPatterns": [{"type": "string", "pattern": page}
                                for page in answered]})["intercept"]
        self.call("browsingContext.navigate", {"context": self.context, "url": url,
                                               "wait": "complete"})
        if intercept is not None:
            self.call("network.removeIntercept", {"intercept": intercept})

    def evaluate(self, expression: str, timeout: float) -> Any:
        answer = self.call("script.evaluate", {"expression": expression, "awaitPromise": True,
                                               "target": {"context": self.context},
                                               "resultOwnership": "none"}, timeout)
        if answer.get("type") == "exception":
            raise DoctorError(f"the page script failed: {answer.get('exceptionDetails')}")
        return _bidi_value(answer["result"])

    def event(self, message: Any) -> None:
        method, params = message.get("method"), message.get("params", {})
        if method == "network.beforeRequestSent" and params.get("isBlocked"):
            found = params["request"]["url"].endswith(PAGE_PATH)
            self.send("network.provideResponse", {
                "request": params["request"]["request"], "statusCode": 200 if found else 404,
                "reasonPhrase": "OK" if found else "Not Found",
                "headers": [{"name": "Content-Type",
                             "value": {"type": "string", "value": "text/html"}}],
                "body": {"type": "string", "value": _BLANK.decode() if found else ""}})
        elif method == "log.entryAdded":
            self.log(Entry(params.get("type", ""), params.get("text") or ""))


def _answered(page: str) -> list[str]:
    """The URLs the session answers itself: the page, and its origin's favicon."""
    return [page, page[: page.index(PAGE_PATH)] + "/favicon.ico"]


def _bidi_value(remote: Any) -> Any:
    """A WebDriver BiDi serialized value as plain JSON data."""
    kind, value = remote.get("type"), remote.get("value")
    if kind == "object":
        return {key: _bidi_value(item) for key, item in value}
    if kind == "array":
        return [_bidi_value(item) for item in value]
    if kind in ("undefined", "null"):
        return None
    return value
