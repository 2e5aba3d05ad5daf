"""Real browsers: run a ``fetch()`` in Chromium, Firefox or WebKit (``check --browser``).

A :class:`Session` starts the browser with a fresh profile, opens a blank page *on
the origin you name* (the browser asks for the page and the session answers it
itself through the remote protocol, so no server and no certificate is needed for
that origin), runs scripts there and collects every console entry. Chromium is
driven over the DevTools protocol, Firefox over WebDriver BiDi, both headless, on
loopback and over a WebSocket, spoken by the ``websockets`` package (the ``browser``
extra). WebKit is WebKitGTK's MiniBrowser on an X server of its own, behind a proxy
that answers the page (:mod:`wsgicors.doctor.webkit`).
Browsers are named as in reports (:data:`~wsgicors.doctor.vocabulary.Browser`);
:data:`BROWSER_OPTIONS` maps the command line's names to them.

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
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol

from ..toolbase.errors import ToolError
from . import webkit
from .processes import stop_group
from .vocabulary import Browser

if TYPE_CHECKING:
    from websockets.sync.client import ClientConnection

#: Executable names tried for each browser, in order (WebKit's MiniBrowser is not on
#: the PATH: :func:`wsgicors.doctor.webkit.minibrowser` finds it).
EXECUTABLES: dict[Browser, tuple[str, ...]] = {
    "chrome": ("chromium", "chromium-browser", "google-chrome"),
    "firefox": ("firefox-esr", "firefox"),
    "webkit": ("MiniBrowser",),
}
#: The names ``check --browser`` takes (and the keys of ``real_browsers`` in its JSON).
BROWSER_OPTIONS: dict[str, Browser] = {"chromium": "chrome", "firefox": "firefox",
                                       "webkit": "webkit"}
#: Largest message read from a browser's remote protocol.
MAX_MESSAGE = 64 * 1024 * 1024
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
_READY: dict[Browser, re.Pattern[str]] = {
    "chrome": re.compile(r"DevTools listening on (ws://\S+)"),
    "firefox": re.compile(r"WebDriver BiDi listening on (ws://\S+)"),
}


def executable(browser: Browser) -> str | None:
    """Path of *browser*'s executable (Chromium for ``"chrome"``), or None.

    WebKit's is MiniBrowser, and None as well when Xvfb is missing.
    """
    if browser == "webkit":
        return webkit.minibrowser()
    return next(filter(None, map(shutil.which, EXECUTABLES[browser])), None)


def _missing(browser: Browser) -> str:
    if browser == "webkit":
        return ("WebKit needs WebKitGTK's MiniBrowser and Xvfb (Debian: apt-get install "
                f"{webkit.PACKAGES})")
    return "none of " + ", ".join(EXECUTABLES[browser]) + " is installed (on the PATH)"


@dataclass(frozen=True)
class Entry:
    """One console entry: its source (``javascript``, ``network``...), text and URL."""

    source: str
    text: str
    url: str = ""


@dataclass
class Outcome:
    """What the real browser did with one ``fetch()``."""

    browser: Browser
    version: str
    verdict: Literal["allowed", "blocked", "timeout"]
    status: int | None = None
    readable: list[str] = field(default_factory=list)
    console: list[Entry] = field(default_factory=list)


FETCH_SCRIPT = """(async (url, init, timeout) => {
  init.signal = AbortSignal.timeout(timeout);
  try {
    const r = await fetch(url, init);
    return {verdict: "allowed", status: r.status, readable: [...r.headers.keys()]};
  } catch (e) {
    // WebKit rejects a timed-out fetch with AbortError, the others with TimeoutError.
    const late = e.name === "TimeoutError" || e.name === "AbortError";
    return {verdict: late ? "timeout" : "blocked"};
  }
})"""


def fetch_in(browser: Browser, url: str, *, origin: str, method: str,
             headers: Sequence[tuple[str, str]], credentials: bool,
             timeout: float) -> Outcome:
    """Run one ``fetch()`` of *url* from a page on *origin* in real *browser*."""
    init = {"method": method, "headers": [list(h) for h in headers], "cache": "no-store",
            "credentials": "include" if credentials else "same-origin"}
    expression = (f"{FETCH_SCRIPT}({json.dumps(url)}, {json.dumps(init)}, "
                  f"{int(timeout * 1000)})")
    # The browser may take longer to start than the server to answer.
    with Session(browser, max(timeout, 30.0)) as session:
        session.open(origin)
        result = session.evaluate(expression, timeout + 10)
        session.settle()
        return Outcome(browser, session.version, result["verdict"], result.get("status"),
                       result.get("readable", []), list(session.console))


class _Driver(Protocol):
    """What a :class:`Session` needs from a browser it drives."""

    version: str

    def open(self, url: str, answered: list[str]) -> None: ...
    def evaluate(self, expression: str, timeout: float) -> Any: ...
    def drain(self, quiet: float) -> None: ...
    def close(self) -> None: ...


class Session:
    """One browser, one page, driven over its remote protocol (WebKit: see
    :mod:`wsgicors.doctor.webkit`).

    Use as a context manager; the browser and its profile are gone afterwards.
    """

    def __init__(self, browser: Browser, timeout: float = 30.0) -> None:
        exe = executable(browser)
        if exe is None:
            raise ToolError(_missing(browser))
        self.browser = browser
        self.exe = exe
        self.timeout = timeout
        self.home = tempfile.mkdtemp(prefix=f"wsgicors-{browser}-")
        self.console: list[Entry] = []
        self.version = ""
        self._answered: list[str] = []
        self._protocol: _Driver | None = None
        self._process = None if browser == "webkit" else _start(browser, exe, self.home)

    def __enter__(self) -> Session:
        try:
            self._protocol = self._connect()
            self.version = self._protocol.version
        except BaseException:
            self.__exit__()
            raise
        return self

    def _connect(self) -> _Driver:
        if self._process is None:
            return webkit.MiniBrowser(self.exe, self.home, self.timeout, self._log_line)
        endpoint = _endpoint(self._process, self.browser, self.home, self.timeout)
        kind = _DevTools if self.browser == "chrome" else _BiDi
        return kind(endpoint, self.timeout, self._log)

    def __exit__(self, *exc: object) -> None:
        if self._protocol is not None:
            self._protocol.close()
        if self._process is not None:
            stop_group(self._process)
        shutil.rmtree(self.home, ignore_errors=True)

    @property
    def protocol(self) -> _Driver:
        """The connected protocol (inside the ``with`` block)."""
        if self._protocol is None:
            raise ToolError("the browser session is not open")
        return self._protocol

    def open(self, origin: str, served: bool = False) -> None:
        """Show a blank page at *origin* + :data:`PAGE_PATH`.

        The session answers it itself, unless *served*: then a server at *origin*
        does (and the page has that server's address, which Chromium's Local Network
        Access rules look at). WebKit's page is always the session's own.
        """
        page = origin.rstrip("/") + PAGE_PATH
        self._answered = [] if served else _answered(page)
        self.protocol.open(page, self._answered)

    def _log(self, entry: Entry) -> None:
        # Loading what the session answered itself (the page, a favicon) is not news.
        if entry.source != "network" or entry.url not in self._answered:
            self.console.append(entry)

    def _log_line(self, source: str, text: str, url: str) -> None:
        self._log(Entry(source, text, url))

    def evaluate(self, expression: str, timeout: float) -> Any:
        """The JSON value of *expression* (a promise is awaited) in the page."""
        return self.protocol.evaluate(expression, timeout)

    def settle(self, quiet: float = 0.5) -> None:
        """Collect the console entries that arrive until *quiet* seconds pass without one."""
        self.protocol.drain(quiet)


def _start(browser: Browser, exe: str, home: str) -> subprocess.Popen[bytes]:
    env = dict(os.environ, HOME=home)
    if browser == "chrome":
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


def _endpoint(process: subprocess.Popen[bytes], browser: Browser, home: str,
              timeout: float) -> str:
    """The remote protocol's WebSocket URL, read from the browser's output."""
    deadline = time.monotonic() + timeout
    log = os.path.join(home, "output.log")
    while time.monotonic() < deadline:
        with open(log, "rb") as output:
            match = _READY[browser].search(output.read().decode("utf-8", "replace"))
        if match:
            return match[1] + ("" if browser == "chrome" else "/session")
        if process.poll() is not None:
            break
        time.sleep(0.05)
    raise ToolError(f"{EXECUTABLES[browser][0]} did not open its remote protocol within "
                    f"{timeout:g} s")


def _connect(endpoint: str, timeout: float) -> ClientConnection:
    """A WebSocket to the browser's remote protocol (the ``websockets`` package)."""
    try:
        from websockets.exceptions import WebSocketException
        from websockets.sync.client import connect
    except ImportError:
        raise ToolError("running a real browser needs the websockets package: "
                        "pip install 'pywsgicors[browser]'") from None
    try:
        # On loopback, to a browser this session started: no proxy, no compression,
        # no keep-alive pings (a busy browser answers late, not never).
        return connect(endpoint, open_timeout=timeout, close_timeout=min(timeout, 5), proxy=None,
                       compression=None, ping_interval=None, max_size=MAX_MESSAGE)
    except (OSError, WebSocketException, TimeoutError) as exc:
        raise ToolError(f"cannot connect to the browser's remote protocol: {exc}") from exc


class _Protocol:
    """A JSON command/event protocol over one WebSocket, with bounded waits."""

    version = ""

    def __init__(self, endpoint: str, timeout: float, log: Callable[[Entry], None]) -> None:
        self._open = contextlib.ExitStack()
        self.ws = self._open.enter_context(_connect(endpoint, timeout))
        self.timeout = timeout
        self.log = log
        self.next_id = 0

    def send(self, method: str, params: dict[str, Any], **extra: Any) -> int:
        self.next_id += 1
        self._send({"id": self.next_id, "method": method, "params": params, **extra})
        return self.next_id

    def _send(self, message: dict[str, Any]) -> None:
        from websockets.exceptions import WebSocketException

        try:
            self.ws.send(json.dumps(message))
        except (OSError, WebSocketException) as exc:
            raise ToolError(f"lost the browser's remote protocol: {exc}") from exc

    def call(self, method: str, params: dict[str, Any], timeout: float | None = None,
             **extra: Any) -> Any:
        """Send a command and handle events until its answer comes."""
        wanted = self.send(method, params, **extra)
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            message = self._next(deadline, method)
            if message.get("id") == wanted:
                if "error" in message:
                    raise ToolError(f"browser protocol: {method} failed: "
                                    f"{message['error']}")
                return message.get("result", {})
            self.event(message)

    def drain(self, quiet: float) -> None:
        """Handle events until none arrives for *quiet* seconds."""
        while True:
            try:
                self.event(self._next(time.monotonic() + quiet, ""))
            except ToolError:
                return

    def _next(self, deadline: float, waiting_for: str) -> Any:
        from websockets.exceptions import WebSocketException

        remaining = deadline - time.monotonic()
        late = f"the browser did not answer {waiting_for or 'in time'}"
        if remaining <= 0:
            raise ToolError(late)
        try:
            return json.loads(self.ws.recv(timeout=remaining))
        except TimeoutError as exc:
            raise ToolError(late) from exc
        except (OSError, WebSocketException, ValueError) as exc:
            raise ToolError(f"lost the browser's remote protocol: {exc}") from exc

    def event(self, message: Any) -> None:
        """Handle one event (answers to page requests, console entries)."""

    def open(self, url: str, answered: list[str]) -> None:
        """Load the page at *url*, answering the requests for *answered* URLs."""
        raise NotImplementedError

    def evaluate(self, expression: str, timeout: float) -> Any:
        raise NotImplementedError

    def close(self) -> None:
        """Close the WebSocket with its closing handshake (at most 5 s)."""
        self._open.close()


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
            # Refused for an http:// origin other than localhost: its page may not reach
            # local addresses at all, as a real one on that origin may not.
            with contextlib.suppress(ToolError):
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
            raise ToolError(f"the page script failed: {answer['exceptionDetails']}")
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
            raise ToolError(f"the page script failed: {answer.get('exceptionDetails')}")
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
