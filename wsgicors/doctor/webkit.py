"""WebKit for ``check --browser webkit``: WebKitGTK's MiniBrowser under its own Xvfb.

WebKitGTK 2.50 has no headless mode and no remote protocol that shows console
messages (WebDriver BiDi is missing, classic WebDriver has no console), so the
doctor drives it differently from Chromium and Firefox:

* an X server of its own (``Xvfb -displayfd``: the server picks a free display);
* ``MiniBrowser --proxy=http://127.0.0.1:P``: every request the browser makes goes
  through a small proxy of this module, on loopback for the session's life. The
  proxy answers the page *on the origin you name* itself (over TLS with a throwaway
  certificate for an ``https://`` origin, which is why MiniBrowser then runs with
  ``--ignore-tls-errors``; the doctor has checked the server's certificate before
  any browser runs) and passes everything else to the network untouched: its bytes,
  both ways, with ``Connection: close`` so each exchange is one connection;
* the page asks the proxy for scripts to run (a long poll) and posts their results
  back, with a ``console.info`` marker before and after each;
* ``--enable-write-console-messages-to-stdout=true``: the console lines arrive on
  MiniBrowser's stderr (``CONSOLE SECURITY ERROR <reason>``, ``CONSOLE JS ERROR
  Fetch API cannot load <url> due to access control checks.``), read from there.

:class:`MiniBrowser` offers what :class:`wsgicors.doctor.live.Session` needs from a
browser (open a page, evaluate a script, drain the console) and reports each console
line through a callback.
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import queue
import re
import select
import shutil
import socket
import ssl
import subprocess
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from typing import Any

from ..toolbase.errors import ToolError
from .processes import stop_group

#: The Debian packages that provide MiniBrowser and its X server.
PACKAGES = "webkit2gtk-driver xvfb xauth"
#: Where WebKitGTK's packages put MiniBrowser (Debian/Ubuntu multiarch, then Fedora/Arch).
MINIBROWSER_GLOBS = (
    "/usr/lib/*/webkit2gtk-4.1/MiniBrowser",
    "/usr/lib/*/webkit2gtk-4.0/MiniBrowser",
    "/usr/libexec/webkit2gtk-4.*/MiniBrowser",
    "/usr/lib/webkit2gtk-4.*/MiniBrowser",
)
#: Console lines on stderr; Safari's default third-party cookie blocking stays on.
FLAGS = ("--enable-write-console-messages-to-stdout=true",)
DISPLAY_TIMEOUT = 15.0
#: Largest request head and body the proxy reads from the browser.
MAX_HEAD = 64 * 1024
MAX_BODY = 64 * 1024 * 1024
#: Seconds a long poll for the next script waits before the page asks again.
POLL_SECONDS = 10.0

# A console line on stderr: "[where: ]CONSOLE [SOURCE ]LEVEL text", where "where" is
# "url:line:column" for messages logged by a script.
_CONSOLE = re.compile(r"(?:(?P<where>\S+):\d+:\d+: )?CONSOLE (?:(?P<source>[A-Z]+) )??"
                      r"(?P<level>LOG|INFO|WARN|WARNING|ERROR|DEBUG) (?P<text>.*)")
# GLib's own warnings on stderr ("(MiniBrowser:123): Gtk-WARNING **: ...").
_GLIB = re.compile(r"\(\S+:\d+\): |\*\* ")
_SOURCES = {"JS": "javascript", "SECURITY": "security", "NETWORK": "network"}
_MARKER = re.compile(r"WSGICORS-(BEGIN|END) ([0-9]+)")
#: The page: a driver that runs the scripts the proxy hands out, one at a time.
_PAGE = """<!doctype html><meta charset=utf-8><title>wsgicors doctor</title><script>
"use strict";
(async () => {
  const base = location.origin + location.pathname;
  for (;;) {
    let job;
    try {
      job = await (await fetch(base + "/next", {cache: "no-store"})).json();
    } catch (e) {
      await new Promise(resolve => setTimeout(resolve, 200));
      continue;
    }
    if (job.id === undefined) continue;
    console.info("WSGICORS-BEGIN " + job.id);
    let result;
    try { result = {id: job.id, value: await (0, eval)(job.expression)}; }
    catch (e) { result = {id: job.id, error: String(e)}; }
    console.info("WSGICORS-END " + job.id);
    await fetch(base + "/result", {method: "POST", body: JSON.stringify(result)});
  }
})();
</script>"""

Log = Callable[[str, str, str], None]


def minibrowser() -> str | None:
    """Path of MiniBrowser, or None when it or Xvfb is not installed."""
    if shutil.which("Xvfb") is None:
        return None
    found = (path for pattern in MINIBROWSER_GLOBS for path in sorted(glob.glob(pattern)))
    return next((path for path in found if os.access(path, os.X_OK)), None)


def environment(profile: str, display: str) -> dict[str, str]:
    """MiniBrowser's environment: X *display*, all its data under *profile*.

    The XDG directories are made first (WebKit does not create its cache
    directory's parents).
    """
    dirs = {f"XDG_{kind}_HOME": os.path.join(profile, kind.lower())
            for kind in ("DATA", "CACHE", "CONFIG", "STATE")}
    for path in dirs.values():
        os.makedirs(path, exist_ok=True)
    return {"DISPLAY": display, "HOME": profile, **dirs}


@contextlib.contextmanager
def display() -> Iterator[str]:
    """A fresh Xvfb for one browser; yields its ``DISPLAY`` value (``":N"``)."""
    read, write = os.pipe()
    try:
        server = subprocess.Popen(
            ["Xvfb", "-displayfd", str(write), "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
            pass_fds=(write,), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, start_new_session=True)
    except OSError as exc:
        os.close(read)
        raise ToolError(f"cannot start Xvfb: {exc}") from exc
    finally:
        os.close(write)
    try:
        number = _display_number(read, server)
        yield f":{number}"
    finally:
        os.close(read)
        stop_group(server)


def _display_number(fd: int, server: subprocess.Popen[bytes]) -> int:
    """Read the display number Xvfb writes on *fd* once it accepts clients."""
    deadline = time.monotonic() + DISPLAY_TIMEOUT
    data = b""
    while not data.endswith(b"\n"):
        remaining = deadline - time.monotonic()
        ready = select.select([fd], [], [], remaining)[0] if remaining > 0 else []
        chunk = os.read(fd, 16) if ready else b""
        if not chunk:
            state = "exited" if server.poll() is not None else "gave no display"
            raise ToolError(f"Xvfb {state} within {DISPLAY_TIMEOUT:g} s")
        data += chunk
    return int(data.strip(), 10)


def parse_console(line: str) -> tuple[str, str, str] | None:
    """``(source, text, url)`` of one console line of MiniBrowser's stderr, or None.

    Sources are named as in Chromium's console: ``javascript``, ``security``,
    ``network``; ``console`` for what a script logged itself.
    """
    match = _CONSOLE.fullmatch(line)
    if match is None:
        return None
    source = match["source"]
    name = "console" if source is None else _SOURCES.get(source, source.lower())
    return name, match["text"], match["where"] or ""


class MiniBrowser:
    """MiniBrowser on its own X server, behind the page proxy; see the module docstring.

    Use :meth:`close` (or :class:`wsgicors.doctor.live.Session`) to stop it all.
    """

    def __init__(self, exe: str, home: str, timeout: float, log: Log) -> None:
        self.exe = exe
        self.home = home
        self.timeout = timeout
        self.log = log
        self.version = "WebKitGTK"
        self._open = contextlib.ExitStack()
        self._process: subprocess.Popen[bytes] | None = None
        self._output = os.path.join(home, "output.log")
        self._read = 0
        self._partial = b""
        self._last: tuple[str, str, str] | None = None
        self._markers: set[str] = set()
        self._jobs = 0
        try:
            self.display = self._open.enter_context(display())
            self.env = dict(os.environ, **environment(os.path.join(home, "profile"),
                                                      self.display))
            self.version = _version(exe, self.env) or self.version
            self.proxy = _PageProxy(timeout)
            self._open.callback(self.proxy.close)
        except BaseException:
            self._open.close()
            raise

    def open(self, url: str, answered: list[str]) -> None:
        """Show the page at *url*, answered by the proxy whatever its origin.

        *answered* (the URLs Chromium and Firefox answer themselves) is implied: the
        proxy answers the page, and a 404 to anything else on its origin. A session
        shows one page (MiniBrowser has no command to navigate).
        """
        if self._process is not None:
            raise ToolError("a WebKit session shows one page")
        parts = urllib.parse.urlsplit(url)
        tls = _tls_context(self.home, parts.hostname or "") if parts.scheme == "https" else None
        ready = self.proxy.serve_page(url, tls)
        self._start(url, tls is not None)
        self._wait(ready, "load the page")

    def _start(self, url: str, insecure: bool) -> None:
        command = [self.exe, *FLAGS, f"--proxy=http://127.0.0.1:{self.proxy.port}"]
        if insecure:
            command.append("--ignore-tls-errors")
        with open(self._output, "wb") as output:
            self._process = subprocess.Popen([*command, url], env=self.env,
                                             stdin=subprocess.DEVNULL, stdout=output,
                                             stderr=subprocess.STDOUT, start_new_session=True)
        self._open.callback(stop_group, self._process)

    def evaluate(self, expression: str, timeout: float) -> Any:
        """The JSON value of *expression* (a promise is awaited) in the page."""
        self._jobs += 1
        job = str(self._jobs)
        done = self.proxy.submit({"id": self._jobs, "expression": expression})
        self._wait(done, "run the script", timeout)
        self._read_until(f"END {job}")
        result = self.proxy.results.pop(self._jobs, {})
        if "error" in result:
            raise ToolError(f"the page script failed: {result['error']}")
        return result.get("value")

    def drain(self, quiet: float) -> None:
        """Read console lines until none arrives for *quiet* seconds."""
        last = time.monotonic()
        while time.monotonic() - last < quiet:
            if self._read_console():
                last = time.monotonic()
            time.sleep(0.05)
        self._flush()

    def close(self) -> None:
        """Stop MiniBrowser, the proxy and the X server."""
        self._open.close()

    def _wait(self, event: threading.Event, what: str, timeout: float | None = None) -> None:
        deadline = time.monotonic() + (timeout or self.timeout)
        while not event.wait(0.1):
            self._read_console()
            if self._process is not None and self._process.poll() is not None:
                raise ToolError(f"MiniBrowser exited before it could {what}: "
                                f"{self._tail()}")
            if time.monotonic() > deadline:
                raise ToolError(f"MiniBrowser did not {what} within "
                                f"{timeout or self.timeout:g} s")
        self._read_console()

    def _read_until(self, marker: str, wait: float = 5.0) -> None:
        """Read the console until *marker* (``"END 3"``) has come by, at most *wait* s."""
        deadline = time.monotonic() + wait
        while marker not in self._markers and time.monotonic() < deadline:
            if not self._read_console():
                time.sleep(0.02)
        self._flush()

    def _read_console(self) -> bool:
        """Handle the console lines written since the last call; True if there were any."""
        try:
            with open(self._output, "rb") as output:
                output.seek(self._read)
                data = output.read()
        except FileNotFoundError:
            return False
        self._read += len(data)
        *lines, self._partial = (self._partial + data).split(b"\n")
        for line in lines:
            self._line(line.decode("utf-8", "replace").rstrip("\r"))
        return bool(lines)

    def _line(self, line: str) -> None:
        entry = parse_console(line)
        if entry is None:
            # A message with line breaks goes on over several lines.
            if self._last is not None and _GLIB.match(line) is None:
                source, text, where = self._last
                self._last = (source, text + "\n" + line, where)
            return
        self._flush()
        marker = _MARKER.fullmatch(entry[1])
        if entry[0] == "console" and marker is not None:
            self._markers.add(f"{marker[1]} {marker[2]}")
            return
        self._last = entry

    def _flush(self) -> None:
        if self._last is not None:
            source, text, where = self._last
            # Some messages end with a line feed of their own (mixed content's).
            self.log(source, text.rstrip("\n"), where)
            self._last = None

    def _tail(self) -> str:
        with contextlib.suppress(OSError), open(self._output, "rb") as output:
            return output.read()[-2000:].decode("utf-8", "replace")
        return ""


def _version(exe: str, env: dict[str, str]) -> str:
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        done = subprocess.run([exe, "--version"], env=env, capture_output=True, timeout=15,
                              stdin=subprocess.DEVNULL)
        return done.stdout.decode("utf-8", "replace").strip()
    return ""


def _tls_context(home: str, host: str) -> ssl.SSLContext:
    """A server context with a throwaway self-signed certificate for *host* (openssl)."""
    if shutil.which("openssl") is None:
        raise ToolError("a page on an https:// origin in WebKit needs the openssl command "
                        "(its throwaway certificate)")
    key, cert = os.path.join(home, "page.key"), os.path.join(home, "page.crt")
    kind = "IP" if re.fullmatch(r"[0-9.]+|\[?[0-9a-fA-F:]+\]?", host) else "DNS"
    try:
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:P-256", "-nodes", "-days", "1", "-subj",
                        "/CN=wsgicors doctor", "-addext",
                        f"subjectAltName={kind}:{host.strip('[]')}", "-keyout", key,
                        "-out", cert], check=True, capture_output=True, timeout=30,
                       stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError) as exc:
        raise ToolError(f"cannot make the page's certificate with openssl: {exc}") from exc
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return context


# -- the proxy ---------------------------------------------------------------------


class _PageProxy:
    """An HTTP proxy on loopback: answers the page's origin itself, relays the rest."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.sock.getsockname()[1])
        self.page = ""
        self.tls: ssl.SSLContext | None = None
        self.jobs: queue.Queue[dict[str, Any]] = queue.Queue()
        self.results: dict[int, Any] = {}
        self._events: dict[str, threading.Event] = {}
        self._closed = threading.Event()
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def serve_page(self, url: str, tls: ssl.SSLContext | None) -> threading.Event:
        """Answer *url* with the page from now on; the event is set once it runs."""
        self.page, self.tls = url.split("?", 1)[0], tls
        return self._event("ready " + self.page)

    def submit(self, job: dict[str, Any]) -> threading.Event:
        """Hand *job* to the page; the event is set when its result has come back."""
        self.jobs.put(job)
        return self._event(f"done {job.get('id')}")

    def close(self) -> None:
        self._closed.set()
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()
        with self._lock:
            for conn in self._sockets:
                conn.close()

    def _event(self, name: str) -> threading.Event:
        with self._lock:
            return self._events.setdefault(name, threading.Event())

    def _accept(self) -> None:
        while True:
            try:
                conn, _addr = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _track(self, conn: socket.socket) -> socket.socket:
        with self._lock:
            if self._closed.is_set():
                conn.close()
            self._sockets.add(conn)
        return conn

    def _serve(self, conn: socket.socket) -> None:
        self._track(conn)
        try:
            head, body = _read_request(conn)
            method, target = head.split(b" ", 2)[:2]
            if method == b"CONNECT":
                self._connect(conn, target.decode("latin-1"))
            else:
                self._request(conn, head, body, target.decode("latin-1"))
        except (OSError, ValueError):
            pass
        finally:
            conn.close()

    def _request(self, conn: socket.socket, head: bytes, body: bytes, url: str) -> None:
        """Answer one request for *url*: the page's own, or the server's answer."""
        parts, page = urllib.parse.urlsplit(url), urllib.parse.urlsplit(self.page)
        mine = (page.path, page.path + "/next", page.path + "/result", "/favicon.ico")
        if _origin(parts) == _origin(page) and parts.path in mine:
            self._answer(conn, head.split(b" ", 1)[0], parts.path, body)
        else:
            self._forward(conn, head, body, url)

    def _connect(self, conn: socket.socket, authority: str) -> None:
        page = urllib.parse.urlsplit(self.page)
        mitm = self.tls is not None and _origin(urllib.parse.urlsplit(
            f"https://{authority}")) == _origin(page)
        if not mitm:
            upstream = self._open_upstream(authority, None)
        conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        if not mitm:
            self._relay(conn, upstream)
            return
        # The page's origin: its requests come in the clear inside the tunnel.
        assert self.tls is not None
        inner = self._track(self.tls.wrap_socket(conn, server_side=True))
        head, body = _read_request(inner)
        target = head.split(b" ", 2)[1].decode("latin-1")
        self._request(inner, head, body, f"https://{authority}{target}")

    def _open_upstream(self, authority: str, tls: ssl.SSLContext | None) -> socket.socket:
        host, _colon, port = authority.rpartition(":")
        host = host.strip("[]")
        upstream = self._track(socket.create_connection((host, int(port, 10)), self.timeout))
        if tls is None:
            return upstream
        return self._track(tls.wrap_socket(upstream, server_hostname=host))

    def _forward(self, conn: socket.socket, head: bytes, body: bytes, url: str) -> None:
        """Send the request on to its server; its answer comes back byte for byte.

        Only requests on the page's own https:// origin arrive here decrypted; they go
        on over TLS unverified, as MiniBrowser itself (``--ignore-tls-errors``) would.
        """
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return
        path = urllib.parse.urlunsplit(("", "", parts.path or "/", parts.query, ""))
        request_line, _sep, fields = head.partition(b"\r\n")
        method, _target, version = request_line.split(b" ", 2)
        kept = [line for line in fields.split(b"\r\n") if line and not line.lower().startswith(
            (b"proxy-connection:", b"proxy-authorization:", b"connection:", b"keep-alive:"))]
        default = 443 if parts.scheme == "https" else 80
        upstream = self._open_upstream(f"{parts.hostname}:{parts.port or default}",
                                       _unverified() if parts.scheme == "https" else None)
        upstream.sendall(b"\r\n".join([b" ".join([method, path.encode("latin-1"), version]),
                                       *kept, b"Connection: close", b"", b""]) + body)
        self._relay(conn, upstream)

    def _relay(self, client: socket.socket, upstream: socket.socket) -> None:
        """Copy bytes both ways until the server is done or the browser gives up."""
        other = {client: upstream, upstream: client}
        try:
            while not self._closed.is_set():
                for sock in select.select(list(other), [], [], 1.0)[0]:
                    data = sock.recv(65536)
                    if not data:
                        return
                    other[sock].sendall(data)
        finally:
            upstream.close()

    def _answer(self, conn: socket.socket, method: bytes, path: str, body: bytes) -> None:
        """The page's own requests: the page, the next job, a result (a favicon: 404)."""
        page = urllib.parse.urlsplit(self.page).path
        if method == b"GET" and path == page:
            _send(conn, "200 OK", "text/html; charset=utf-8", _PAGE.encode())
        elif method == b"GET" and path == page + "/next":
            self._event("ready " + self.page).set()
            _send(conn, "200 OK", "application/json", json.dumps(self._next_job()).encode())
        elif method == b"POST" and path == page + "/result":
            result = json.loads(body)
            self.results[int(result["id"])] = result
            self._event(f"done {result['id']}").set()
            _send(conn, "204 No Content", "text/plain", b"")
        else:
            _send(conn, "404 Not Found", "text/plain", b"")

    def _next_job(self) -> dict[str, Any]:
        try:
            return self.jobs.get(timeout=POLL_SECONDS)
        except queue.Empty:
            return {}


def _origin(parts: urllib.parse.SplitResult) -> tuple[str, str, int]:
    """Scheme, host and port (the scheme's default when none is written)."""
    default = 443 if parts.scheme == "https" else 80
    return parts.scheme, parts.hostname or "", parts.port or default


def _unverified() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context



def _read_request(conn: socket.socket) -> tuple[bytes, bytes]:
    """The head of one request (request line and header fields) and its body."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk or len(data) > MAX_HEAD:
            raise ValueError("no request")
        data += chunk
    head, _sep, body = data.partition(b"\r\n\r\n")
    length = re.search(rb"\r\ncontent-length:[ \t]*([0-9]{1,9})", head, re.IGNORECASE)
    size = int(length[1], 10) if length else 0
    if size > MAX_BODY:
        raise ValueError("request body too large")
    while len(body) < size:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    return head, body


def _send(conn: socket.socket, status: str, kind: str, body: bytes) -> None:
    conn.sendall(f"HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nCache-Control: no-store\r\n"
                 f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode() + body)
