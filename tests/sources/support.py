"""Helpers for the origin-source tests: a clock to move by hand, a fake "database"
table, a real redis-server, and a WSGI app whose CORS answers the tests read."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator

import pytest
import redis
from webtest import TestApp

from tests.support.servers import free_port
from wsgicors import CORSMiddleware

ALLOWED = "https://tenant-a.example.com"
OTHER = "https://tenant-b.example.com"
EVIL = "https://evil.example.net"


class Clock:
    """A monotonic clock that only moves when a test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class Table:
    """The allowed origins as a database would hold them; counts the lookups.

    ``delay`` makes each lookup take that long (a slow query); ``error`` makes it
    raise (a database that is down).
    """

    def __init__(self, *origins: str) -> None:
        self.rows = set(origins)
        self.lookups = 0
        self.delay = 0.0
        self.error: Exception | None = None
        self._lock = threading.Lock()

    def __call__(self, origin: str) -> bool:
        with self._lock:
            self.lookups += 1
            found = origin in self.rows  # what the query reads when it starts
        if self.delay:
            time.sleep(self.delay)
        if self.error is not None:
            raise self.error
        return found


def hello(environ: dict[str, object], start_response: Callable[..., object]) -> list[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"hello"]


def cors_app(source: Callable[[str], bool]) -> TestApp:
    """A WSGI app behind CORSMiddleware whose allow_origin_func is *source*."""
    return TestApp(CORSMiddleware(hello, allow_origins=["https://app.example.com"],
                                  allow_origin_func=source, allow_credentials=True))


def acao(app: TestApp, origin: str) -> str | None:
    """The Access-Control-Allow-Origin a GET from *origin* gets."""
    return app.get("/", headers={"Origin": origin}).headers.get("Access-Control-Allow-Origin")


@contextlib.contextmanager
def redis_server() -> Iterator[int]:
    """A throw-away redis-server on a free port (no persistence); yields the port.

    Skips the test when the binary is missing, except under CI=true, where the
    suite must not silently lose its fleet tests.
    """
    binary = shutil.which("redis-server")
    if binary is None:
        message = "redis-server is not installed (apt-get install redis-server)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly",
         "no", "--daemonize", "no", "--dir", tempfile.gettempdir()],
        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        _wait_for_redis(port, process)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _wait_for_redis(port: int, process: subprocess.Popen[bytes]) -> None:
    client = redis.Redis(port=port, socket_timeout=1, socket_connect_timeout=1)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"redis-server exited with {process.returncode}")
        with contextlib.suppress(redis.RedisError):
            if client.ping():
                return
        time.sleep(0.05)
    raise RuntimeError("redis-server did not answer PING within 30 s")
