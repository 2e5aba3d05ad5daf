"""Real servers as subprocesses on free loopback ports, with readiness polling."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TESTS_DIR = Path(__file__).resolve().parent.parent
SERVER_KINDS = ("gunicorn-sync", "gunicorn-gthread", "waitress", "uvicorn-asgi")
START_TIMEOUT = 30.0


def free_port() -> int:
    """A TCP port that was free on 127.0.0.1 a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _command(kind: str, port: int) -> list[str]:
    python = sys.executable
    bind = f"127.0.0.1:{port}"
    if kind == "gunicorn-sync":
        return [python, "-m", "gunicorn", "-w", "1", "-k", "sync", "-b", bind,
                "--log-level", "warning", "e2e.serve:app"]
    if kind == "gunicorn-gthread":
        return [python, "-m", "gunicorn", "-w", "1", "-k", "gthread", "--threads", "8",
                "-b", bind, "--log-level", "warning", "e2e.serve:app"]
    if kind == "waitress":
        return [python, "-m", "waitress", f"--listen={bind}", "--threads=8", "e2e.serve:app"]
    if kind == "uvicorn-asgi":
        return [python, "-m", "uvicorn", "--host", "127.0.0.1", "--port", str(port),
                "--log-level", "warning", "e2e.serve:asgi_app"]
    raise ValueError(f"unknown server kind {kind!r}")


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


def start(kind: str, adapter: str, profile: dict[str, Any]) -> Server:
    """Start *kind* serving *adapter* configured with *profile*; wait until it answers."""
    if kind == "uvicorn-asgi" and adapter not in ("django", "asgi"):
        raise ValueError("uvicorn serves the ASGI applications (django, asgi) only")
    if adapter == "asgi" and kind != "uvicorn-asgi":
        raise ValueError("the asgi adapter runs under uvicorn only")
    port = free_port()
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(TESTS_DIR), env.get("PYTHONPATH")]))
    env["WSGICORS_E2E_ADAPTER"] = adapter
    env["WSGICORS_E2E_PROFILE"] = json.dumps(profile)
    if kind == "uvicorn-asgi":
        env["WSGICORS_E2E_ASGI"] = "1"
    handle, name = tempfile.mkstemp(prefix=f"wsgicors-{kind}-{adapter}-", suffix=".log")
    with os.fdopen(handle, "wb") as log:
        process = subprocess.Popen(
            _command(kind, port), cwd=TESTS_DIR, env=env, stdout=log, stderr=log,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )
    server = Server(kind, adapter, port, process, Path(name))
    try:
        _wait_ready(server)
    except BaseException:
        server.stop()
        raise
    return server


def _wait_ready(server: Server) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    ready_path = "/__ready"
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.kind} ({server.adapter}) exited early:\n"
                               + server.log_tail())
        try:
            with urllib.request.urlopen(server.url + ready_path, timeout=2) as reply:
                if reply.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{server.kind} ({server.adapter}) not ready after {START_TIMEOUT} s:\n"
                       + server.log_tail())
