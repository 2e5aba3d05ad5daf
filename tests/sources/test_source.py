"""OriginSource behind the real WSGI middleware: caching, TTLs, single flight, failures."""

from __future__ import annotations

import asyncio
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import httpx
import pytest

from tests.sources.support import ALLOWED, EVIL, OTHER, Clock, Table, acao, cors_app, hello
from tests.support.servers import serve_wsgi
from wsgicors import ConfigError, CORSMiddleware, CORSPolicy
from wsgicors.sources import MAX_KEY_LENGTH, OriginSource

LOGGER = "wsgicors.sources"


def records(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.name == LOGGER]


def test_allowed_origin_gets_the_headers_and_others_do_not(clock: Clock) -> None:
    app = cors_app(OriginSource(Table(ALLOWED), clock=clock))
    assert acao(app, ALLOWED) == ALLOWED
    assert acao(app, EVIL) is None
    assert acao(app, "https://app.example.com") == "https://app.example.com"  # static list


def test_answers_are_reused_until_the_ttl_then_looked_up_again(clock: Clock) -> None:
    table = Table(ALLOWED)
    app = cors_app(OriginSource(table, ttl=60, clock=clock))
    assert acao(app, ALLOWED) == ALLOWED
    table.rows.clear()  # revoked in the database
    clock.advance(59.9)
    assert acao(app, ALLOWED) == ALLOWED  # still the cached answer: within the TTL
    assert table.lookups == 1
    clock.advance(0.1)
    assert acao(app, ALLOWED) is None  # ttl seconds after the lookup started: refused
    assert table.lookups == 2


def test_refusals_are_cached_for_their_own_ttl(clock: Clock) -> None:
    table = Table()
    app = cors_app(OriginSource(table, ttl=60, negative_ttl=5, clock=clock))
    for _ in range(20):
        assert acao(app, OTHER) is None
    assert table.lookups == 1  # twenty requests, one query
    table.rows.add(OTHER)
    clock.advance(4.9)
    assert acao(app, OTHER) is None
    clock.advance(0.1)
    assert acao(app, OTHER) == OTHER
    assert table.lookups == 2


def test_invalidate_drops_the_answers_at_once(clock: Clock) -> None:
    table = Table(ALLOWED)
    source = OriginSource(table, clock=clock)
    app = cors_app(source)
    assert acao(app, ALLOWED) == ALLOWED
    table.rows.clear()
    assert acao(app, ALLOWED) == ALLOWED
    assert source.invalidate() is True
    assert acao(app, ALLOWED) is None


def test_lookup_that_raises_refuses_and_logs_once_per_interval(
    clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    table = Table(ALLOWED)
    table.error = ConnectionError("database is down")
    app = cors_app(OriginSource(table, log_interval=60, clock=clock))
    caplog.set_level(logging.WARNING, LOGGER)
    for _ in range(100):
        assert acao(app, ALLOWED) is None
    assert table.lookups == 100  # a failure is not cached: each request tries again
    logged = records(caplog)
    assert logged == ["wsgicors: the lookup for 'https://tenant-a.example.com' raised; "
                      "origin refused"]
    assert "database is down" in caplog.text  # with the traceback
    clock.advance(60)
    assert acao(app, ALLOWED) is None
    assert records(caplog)[-1].endswith("(99 more like this left out since the previous one)")
    table.error = None
    assert acao(app, ALLOWED) == ALLOWED  # recovered on the next request


def test_logged_origin_is_escaped_and_truncated(caplog: pytest.LogCaptureFixture) -> None:
    table = Table()
    table.error = RuntimeError("boom")
    source = OriginSource(table)
    caplog.set_level(logging.WARNING, LOGGER)
    forged = "https://x.example\r\nINFO forged line" + "a" * 500
    assert source(forged) is False
    (line,) = records(caplog)
    assert "\r" not in line and "\n" not in line
    assert "\\r\\n" in line and "...(+" in line


@pytest.mark.parametrize("answer", [1, "yes", None, SimpleNamespace(origin=ALLOWED)])
def test_lookup_must_answer_true_or_false(answer: object,
                                          caplog: pytest.LogCaptureFixture) -> None:
    app = cors_app(OriginSource(lambda key: answer))
    caplog.set_level(logging.WARNING, LOGGER)
    assert acao(app, ALLOWED) is None
    assert "not True or False; origin refused" in records(caplog)[0]


def test_sync_function_returning_a_coroutine_is_refused_and_closed(
    caplog: pytest.LogCaptureFixture,
) -> None:
    awaited = []
    made = []

    async def check(origin: str) -> bool:
        awaited.append(origin)
        return True

    def wrapper(origin: str) -> object:  # looks plain, returns a coroutine
        made.append(check(origin))
        return made[-1]

    source = OriginSource(wrapper)  # type: ignore[arg-type]
    caplog.set_level(logging.WARNING, LOGGER)
    assert source(ALLOWED) is False
    assert awaited == []
    assert made[0].cr_frame is None  # closed: no "never awaited" warning later
    assert "returned 'coroutine'" in records(caplog)[0]


def test_overlong_key_is_refused_without_a_lookup(caplog: pytest.LogCaptureFixture) -> None:
    table = Table()
    source = OriginSource(table)
    caplog.set_level(logging.WARNING, LOGGER)
    assert source("https://" + "a" * MAX_KEY_LENGTH + ".example") is False
    assert table.lookups == 0
    assert "without a lookup" in records(caplog)[0]


def test_key_function_sees_the_request_and_keys_the_cache(clock: Clock) -> None:
    allowed = {("customer1.mysite.com", "https://customer1.com")}
    seen: list[object] = []

    def lookup(key: tuple[str, str]) -> bool:
        seen.append(key)
        return key in allowed

    source = OriginSource(lookup, key=lambda origin, request: (request.host, origin),
                          clock=clock)
    tenant1 = SimpleNamespace(host="customer1.mysite.com", path="/api/", method="GET")
    tenant2 = SimpleNamespace(host="customer2.mysite.com", path="/api/", method="GET")
    assert source("https://customer1.com", tenant1) is True
    assert source("https://customer1.com", tenant2) is False  # another tenant's origin
    assert source("https://customer1.com", tenant1) is True
    assert seen == [("customer1.mysite.com", "https://customer1.com"),
                    ("customer2.mysite.com", "https://customer1.com")]


def test_key_function_that_fails_refuses(caplog: pytest.LogCaptureFixture) -> None:
    # A key reading what the request does not have refuses (and says so, once).
    source = OriginSource(Table(ALLOWED), key=lambda origin, request: (request.tenant, origin))
    caplog.set_level(logging.WARNING, LOGGER)
    app = cors_app(source)
    for _ in range(3):
        assert acao(app, ALLOWED) is None
    assert records(caplog) == ["wsgicors: the key function raised for origin "
                               "'https://tenant-a.example.com'; origin refused"]


@pytest.mark.parametrize("key", [lambda o, r: 42, lambda o, r: (), lambda o, r: ("a", 1)])
def test_key_of_the_wrong_type_refuses(key: object, caplog: pytest.LogCaptureFixture) -> None:
    source = OriginSource(Table(ALLOWED), key=key)  # type: ignore[arg-type]
    caplog.set_level(logging.WARNING, LOGGER)
    assert source(ALLOWED) is False
    assert "not a string or a tuple of strings" in records(caplog)[0]


def test_one_lookup_for_concurrent_requests_in_threads() -> None:
    table = Table(ALLOWED)
    table.delay = 0.5  # a slow query: every request arrives while it runs
    source = OriginSource(table, timeout=30)
    app = CORSMiddleware(hello, allow_origin_func=source)
    with serve_wsgi(app) as port, ThreadPoolExecutor(16) as pool:
        def fetch(_: int) -> str | None:
            reply = httpx.get(f"http://127.0.0.1:{port}/", headers={"Origin": ALLOWED},
                              timeout=30)
            return reply.headers.get("Access-Control-Allow-Origin")

        answers = list(pool.map(fetch, range(16)))
    assert answers == [ALLOWED] * 16
    assert table.lookups == 1


def test_requests_wait_at_most_timeout_for_a_lookup_in_progress(
    caplog: pytest.LogCaptureFixture,
) -> None:
    table = Table(ALLOWED)
    table.delay = 3.0
    source = OriginSource(table, timeout=0.2)
    caplog.set_level(logging.WARNING, LOGGER)
    leader = ThreadPoolExecutor(1)
    first = leader.submit(source, ALLOWED)
    while table.lookups == 0:  # the leader's query is running
        threading.Event().wait(0.01)
    with ThreadPoolExecutor(8) as pool:
        followers = list(pool.map(source, [ALLOWED] * 8))
    assert not first.done()  # they gave up while the lookup still ran
    assert followers == [False] * 8
    assert first.result() is True  # the request that ran it gets its answer
    leader.shutdown()
    assert table.lookups == 1
    assert any("has run for more than timeout=0.2 s" in line for line in records(caplog))
    assert any("s, more than timeout=0.2 (requests waiting for it were refused)" in line
               for line in records(caplog))
    assert source(ALLOWED) is True  # and it is cached for the next requests
    assert table.lookups == 1


def test_a_lookup_that_started_before_invalidate_is_not_cached() -> None:
    table = Table(ALLOWED)
    table.delay = 1.0
    source = OriginSource(table, timeout=30)
    with ThreadPoolExecutor(1) as pool:
        stale = pool.submit(source, ALLOWED)
        while table.lookups == 0:
            threading.Event().wait(0.01)
        table.rows.clear()  # revoked while the query runs...
        source.invalidate()  # ...and invalidated after the commit
        assert stale.result() is True  # that request read the database before the change
    assert source(ALLOWED) is False  # its answer was not kept
    assert table.lookups == 2


def test_async_lookup_under_wsgi_runs_in_its_own_event_loop(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def lookup(origin: str) -> bool:
        await asyncio.sleep(0)
        return origin == ALLOWED

    app = cors_app(OriginSource(lookup))
    assert acao(app, ALLOWED) == ALLOWED
    assert acao(app, EVIL) is None

    async def hangs(origin: str) -> bool:
        await asyncio.Event().wait()
        return True

    caplog.set_level(logging.WARNING, LOGGER)
    assert acao(cors_app(OriginSource(hangs, timeout=0.1)), ALLOWED) is None
    assert records(caplog) == ["wsgicors: the lookup for 'https://tenant-a.example.com' "
                               "timed out; origin refused"]


def test_policy_takes_the_source_as_allow_origin_func() -> None:
    source = OriginSource(Table(ALLOWED))
    policy = CORSPolicy(allow_origin_func=source, allow_credentials=True)
    assert policy.lookup(ALLOWED) is not None
    assert policy.lookup("null") is None  # never 'null' with credentials: not even asked


def test_invalid_arguments_are_all_reported() -> None:
    with pytest.raises(ConfigError) as caught:
        OriginSource("select 1", ttl=0, negative_ttl=-1, timeout="2",  # type: ignore[arg-type]
                     max_entries=0, max_bytes=1.5, key="host",  # type: ignore[arg-type]
                     shared=object())  # type: ignore[arg-type]
    options = [problem.option for problem in caught.value.problems]
    assert options == ["lookup", "key", "shared", "max_entries", "max_bytes", "ttl",
                       "negative_ttl", "timeout"]
    assert "write ttl=60." in str(caught.value)
