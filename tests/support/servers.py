"""Servers on free loopback ports: subprocesses (gunicorn, waitress, uvicorn, nginx,
node) with readiness polling, and in-process servers in a daemon thread.

A subprocess imports the test helpers as ``tests.<folder>.<module>``: :func:`python_env`
puts the repository root (never ``tests/`` itself, whose ``flask`` and ``django``
folders would shadow the frameworks) first on its ``PYTHONPATH``.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import Any, Protocol
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 30.0


def free_port() -> int:
    """A TCP port that was free on 127.0.0.1 a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def python_env(**extra: str) -> dict[str, str]:
    """This process's environment, the repository root first on PYTHONPATH, plus *extra*."""
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    return {**os.environ, "PYTHONPATH": path, **extra}


@dataclass
class Server:
    """A running server process: its kind, adapter, port and log file."""

    kind: str
    adapter: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def url(self) -> str:
        """Base URL on 127.0.0.1."""
        return f"http://127.0.0.1:{self.port}"

    def log_tail(self, limit: int = 3000) -> str:
        """The end of the server's output, for failure messages."""
        try:
            return self.log.read_text(errors="replace")[-limit:]
        except OSError:
            return ""

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def stop(self) -> None:
        """Terminate the server's whole process group (workers included)."""
        if self.process.poll() is None:
            _signal_group(self.process, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                _signal_group(self.process, signal.SIGKILL)
                self.process.wait(timeout=10)


def _signal_group(process: subprocess.Popen[bytes], sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)


def spawn(kind: str, adapter: str, command: list[str], port: int, *,
          env: dict[str, str] | None = None, cwd: Path = ROOT,
          ready_path: str | None = None, log: Path | None = None) -> Server:
    """Start *command* (serving on *port*) in its own process group; wait until it is up.

    Up means ``GET ready_path`` answers 200 when *ready_path* is given, else that the
    port accepts connections. The output goes to *log* (a temporary file by default).
    """
    if log is None:
        handle, name = tempfile.mkstemp(prefix=f"wsgicors-{kind}-{adapter}-", suffix=".log")
        os.close(handle)
        log = Path(name)
    with open(log, "wb") as out:
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=out, stderr=out,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
    server = Server(kind, adapter, port, process, log)
    try:
        _wait_up(server, ready_path)
    except BaseException:
        server.stop()
        raise
    return server


def _wait_up(server: Server, ready_path: str | None) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.kind} ({server.adapter}) exited early:\n"
                               + server.log_tail())
        if _answers(server, ready_path):
            return
        time.sleep(0.1)
    raise RuntimeError(f"{server.kind} ({server.adapter}) not ready after {START_TIMEOUT} s:\n"
                       + server.log_tail())


def _answers(server: Server, ready_path: str | None) -> bool:
    try:
        if ready_path is None:
            socket.create_connection(("127.0.0.1", server.port), timeout=1).close()
            return True
        with urllib.request.urlopen(server.url + ready_path, timeout=2) as reply:
            return bool(reply.status == 200)
    except OSError:
        return False


def raw_request(port: int, data: bytes) -> bytes:
    """Send *data* as is (a request line no HTTP client would write); the answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(data)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


class Serving(Protocol):
    """What :func:`in_thread` needs of a server (socketserver, werkzeug, the proxy's)."""

    server_address: Any

    def serve_forever(self, poll_interval: float = ...) -> None: ...
    def shutdown(self) -> None: ...
    def server_close(self) -> None: ...


@contextlib.contextmanager
def in_thread(server: Serving) -> Iterator[int]:
    """Run *server* in a daemon thread; yield its port; shut it down and close it after."""
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextlib.contextmanager
def serve_wsgi(app: Any) -> Iterator[int]:
    """Serve the WSGI *app* on a free 127.0.0.1 port (wsgiref, threaded); yield the port."""
    server = make_server("127.0.0.1", 0, app, server_class=_ThreadingWSGIServer,
                         handler_class=_QuietHandler)
    with in_thread(server) as port:
        yield port
