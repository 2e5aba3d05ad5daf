"""Concurrency and memory under load.

* Many client threads, each with its own keep-alive connection, send distinct
  allowed and denied origins through a threaded server (waitress, 8 threads): every
  response's ACAO must be its own request's Origin, or absent for a denied one.
* A flood of a million distinct Origin values through the middleware in-process:
  resident memory growth stays bounded (the decision cache has a fixed size).
"""

from __future__ import annotations

import gc
import http.client
import io
import sys
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

import pytest

from tests.e2e import apps, servers
from tests.e2e.apps import require_adapter
from tests.support.figures import record
from wsgicors import CORSMiddleware

pytestmark = pytest.mark.slow

PROFILE = {"allow_origins": ["https://*.example.com"], "allow_credentials": True}
REQUESTS = {"raw": 100_000, "flask": 10_000, "django": 10_000}
THREADS = 16
MAX_RSS_GROWTH_MIB = 32


def _client(port: int, worker: int, count: int, problems: list[str]) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        for i in range(count):
            allowed = i % 2 == 0
            origin = f"https://c{worker}-{i}.{'example.com' if allowed else 'evil.com'}"
            conn.request("GET", "/data", headers={"Origin": origin})
            reply = conn.getresponse()
            reply.read()
            acao = reply.getheader("Access-Control-Allow-Origin")
            if acao != (origin if allowed else None):
                problems.append(f"sent {origin}, got ACAO {acao!r}")
                return
    finally:
        conn.close()


@pytest.mark.server
@pytest.mark.parametrize("adapter", apps.ADAPTERS)
def test_no_cross_talk_between_concurrent_requests(adapter: str) -> None:
    require_adapter(adapter)
    total = REQUESTS[adapter]
    server = servers.start("waitress", adapter, PROFILE)
    problems: list[str] = []
    try:
        started = time.perf_counter()
        workers = [threading.Thread(target=_client, args=(server.port, n, total // THREADS,
                                                          problems)) for n in range(THREADS)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=240)
        elapsed = time.perf_counter() - started
        assert not any(worker.is_alive() for worker in workers), "clients did not finish"
    finally:
        server.stop()
    assert problems == []
    sent = (total // THREADS) * THREADS
    record(f"concurrency {adapter} requests", sent)
    record(f"concurrency {adapter} requests per second", round(sent / elapsed))


def _rss_mib() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def _flood(app: Callable[..., Iterable[bytes]], count: int, offset: int = 0) -> int:
    allowed = 0
    base: dict[str, Any] = {"REQUEST_METHOD": "GET", "PATH_INFO": "/data", "QUERY_STRING": "",
                            "wsgi.input": io.BytesIO(b""), "wsgi.errors": sys.stderr,
                            "SERVER_NAME": "t", "SERVER_PORT": "80", "wsgi.url_scheme": "http",
                            "SERVER_PROTOCOL": "HTTP/1.1"}
    seen: list[list[tuple[str, str]]] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc: Any = None) -> Any:
        seen.append(headers)
        return None

    for i in range(offset, offset + count):
        origin = f"https://o{i}.example.com" if i % 2 else f"https://o{i}.evil{i}.net"
        environ = dict(base, HTTP_ORIGIN=origin)
        for _chunk in app(environ, start_response):
            pass
        allowed += any(name == "Access-Control-Allow-Origin" for name, _ in seen.pop())
    return allowed


def _trivial(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]


@pytest.mark.parametrize(("adapter", "count"), [("raw", 1_000_000), ("flask", 200_000)])
def test_origin_flood_memory_is_bounded(adapter: str, count: int) -> None:
    if adapter == "raw":
        app: Callable[..., Iterable[bytes]] = CORSMiddleware(_trivial, **PROFILE)
    else:
        require_adapter(adapter)
        app = apps.flask_app({"allow_origins": PROFILE["allow_origins"],
                              "allow_credentials": True})
    _flood(app, 20_000)  # warm up: caches fill to their bound, allocator settles
    gc.collect()
    before = _rss_mib()
    allowed = _flood(app, count, offset=20_000)
    gc.collect()
    growth = _rss_mib() - before
    assert allowed == count // 2
    record(f"origin flood {adapter} distinct origins", count)
    record(f"origin flood {adapter} RSS growth MiB", round(growth, 2))
    assert growth < MAX_RSS_GROWTH_MIB
