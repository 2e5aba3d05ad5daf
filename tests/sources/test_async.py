"""OriginSource.acheck in an event loop, and the source under today's ASGI middleware."""

from __future__ import annotations

import asyncio
import logging
import threading

import httpx
import pytest

from tests.sources.support import ALLOWED, EVIL, Clock, Table
from wsgicors.asgi import CORSMiddleware
from wsgicors.sources import OriginSource


class AsyncTable:
    """An async database: lookups wait until the test opens the gate."""

    def __init__(self, *origins: str) -> None:
        self.rows = set(origins)
        self.lookups = 0
        self.cancelled = 0
        self.gate = asyncio.Event()

    async def __call__(self, origin: str) -> bool:
        self.lookups += 1
        try:
            await self.gate.wait()
        except asyncio.CancelledError:
            self.cancelled += 1
            raise
        return origin in self.rows


def test_is_async_tells_which_lookup_it_wraps() -> None:
    assert OriginSource(AsyncTable()).is_async is True
    assert OriginSource(Table()).is_async is False


def test_concurrent_checks_share_one_async_lookup(clock: Clock) -> None:
    async def scenario() -> tuple[list[bool], int]:
        table = AsyncTable(ALLOWED)
        source = OriginSource(table, clock=clock)
        checks = [asyncio.create_task(source.acheck(ALLOWED)) for _ in range(50)]
        ticks = 0
        while table.lookups == 0 or ticks < 10:  # the loop runs while the lookup waits
            ticks += 1
            await asyncio.sleep(0)
        table.gate.set()
        return list(await asyncio.gather(*checks)), table.lookups

    answers, lookups = asyncio.run(scenario())
    assert answers == [True] * 50
    assert lookups == 1


def test_async_lookup_is_cancelled_after_timeout(caplog: pytest.LogCaptureFixture) -> None:
    async def scenario() -> tuple[bool, bool, int]:
        table = AsyncTable(ALLOWED)  # the gate never opens: a database that hangs
        source = OriginSource(table, timeout=0.1)
        first = await source.acheck(ALLOWED)
        for _ in range(500):  # the lookup is cancelled at its own deadline, just after
            if table.cancelled:
                break
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.01)  # and its task ends
        table.gate.set()
        second = await source.acheck(ALLOWED)  # the failure was not cached
        return first, second, table.cancelled

    caplog.set_level(logging.WARNING, "wsgicors.sources")
    first, second, cancelled = asyncio.run(scenario())
    assert (first, second, cancelled) == (False, True, 1)
    assert "timed out; origin refused" in caplog.text


def test_plain_lookup_runs_in_a_worker_thread(clock: Clock) -> None:
    threads: list[int] = []
    table = Table(ALLOWED)

    def lookup(origin: str) -> bool:
        threads.append(threading.get_ident())
        return table(origin)

    async def scenario() -> list[bool]:
        source = OriginSource(lookup, clock=clock)
        return list(await asyncio.gather(source.acheck(ALLOWED), source.acheck(EVIL),
                                         source.acheck(ALLOWED)))

    assert asyncio.run(scenario()) == [True, False, True]
    assert threading.get_ident() not in threads
    assert table.lookups == 2


def test_acheck_and_call_share_the_cache(clock: Clock) -> None:
    table = Table(ALLOWED)
    source = OriginSource(table, clock=clock)
    assert asyncio.run(source.acheck(ALLOWED)) is True
    table.rows.clear()
    assert source(ALLOWED) is True  # the answer acheck cached
    assert table.lookups == 1


async def endpoint(scope: dict[str, object], receive: object, send: object) -> None:
    await send({"type": "http.response.start", "status": 200,  # type: ignore[operator]
                "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"hello"})  # type: ignore[operator]


@pytest.mark.parametrize("lookup_kind", ["plain", "async"])
def test_source_under_the_asgi_middleware(lookup_kind: str) -> None:
    # Today the ASGI middleware calls allow_origin_func in a worker thread: a plain
    # lookup runs there, an async one in an event loop of that thread.
    table = Table(ALLOWED)

    async def async_lookup(origin: str) -> bool:
        return table(origin)

    source = OriginSource(table if lookup_kind == "plain" else async_lookup)
    app = CORSMiddleware(endpoint, allow_origin_func=source)

    async def scenario() -> list[str | None]:
        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            answers = []
            for origin in (ALLOWED, EVIL, ALLOWED):
                reply = await client.get("/", headers={"Origin": origin})
                answers.append(reply.headers.get("access-control-allow-origin"))
            return answers

    assert asyncio.run(scenario()) == [ALLOWED, None, ALLOWED]
    assert table.lookups == 2
