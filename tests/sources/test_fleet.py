"""Revocation across processes through a real redis-server (SharedVersion)."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from tests.sources.support import ALLOWED, OTHER, Clock, Table, acao, cors_app
from tests.support.servers import Server, free_port, python_env, spawn
from wsgicors import ConfigError
from wsgicors.fleet import SharedVersion
from wsgicors.sources import OriginSource

LOGGER = "wsgicors.sources"


def worker(client: redis.Redis, table: Table, clock: Clock) -> OriginSource:
    """One process's source: its own cache, the fleet's version in Redis."""
    return OriginSource(table, ttl=300, clock=clock,
                        shared=SharedVersion(client, poll=1.0, clock=clock))


def test_invalidate_reaches_another_process_at_its_next_poll(redis_client: redis.Redis) -> None:
    table = Table(ALLOWED)
    clock1, clock2 = Clock(), Clock()
    admin, other = worker(redis_client, table, clock1), worker(redis_client, table, clock2)
    admin_app, other_app = cors_app(admin), cors_app(other)
    assert acao(admin_app, ALLOWED) == ALLOWED
    assert acao(other_app, ALLOWED) == ALLOWED  # read the version at clock2 = 1000.0
    table.rows.clear()
    assert admin.invalidate() is True
    assert acao(admin_app, ALLOWED) is None  # the process that changed it: at once
    clock2.advance(0.99)
    assert acao(other_app, ALLOWED) == ALLOWED  # no read yet: still within poll
    clock2.advance(0.01)
    assert acao(other_app, ALLOWED) is None  # poll seconds after its last read
    assert table.lookups == 4


def test_acheck_follows_the_version_too(
    redis_client: redis.Redis,
) -> None:
    table = Table(ALLOWED)
    clock1, clock2 = Clock(), Clock()
    admin, other = worker(redis_client, table, clock1), worker(redis_client, table, clock2)

    async def check() -> bool:
        return await other.acheck(ALLOWED)

    assert asyncio.run(check()) is True
    table.rows.clear()
    admin.invalidate()
    assert asyncio.run(check()) is True  # within poll
    clock2.advance(1.0)
    assert asyncio.run(check()) is False


def test_shared_version_arguments_are_checked() -> None:
    with pytest.raises(ConfigError) as caught:
        SharedVersion(object(), key="", poll=0, timeout=float("nan"))  # type: ignore[arg-type]
    assert [problem.option for problem in caught.value.problems] == [
        "store", "key", "poll", "timeout"]
    assert "pass a redis.Redis client" in str(caught.value)


def test_a_lost_version_key_counts_as_a_change(redis_client: redis.Redis,
                                               clock: Clock) -> None:
    table = Table(ALLOWED)
    source = worker(redis_client, table, clock)
    source.invalidate()
    assert source(ALLOWED) is True
    table.rows.clear()
    redis_client.flushdb()  # a Redis restart without persistence
    clock.advance(1.0)
    assert source(ALLOWED) is False


def test_unreachable_store_falls_back_to_ttl_and_logs_once(
    clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    # No retries, so each read fails at once (redis-py retries for seconds by default;
    # requests would not wait for that either, but this test could not see the failures).
    dead = redis.Redis(port=free_port(), socket_timeout=0.2, socket_connect_timeout=0.2,
                       retry=Retry(NoBackoff(), 0))
    table = Table(ALLOWED)
    source = OriginSource(table, ttl=10, clock=clock,
                          shared=SharedVersion(dead, poll=1.0, clock=clock))
    app = cors_app(source)
    caplog.set_level(logging.WARNING, LOGGER)
    assert acao(app, ALLOWED) == ALLOWED  # answers go on without the store
    table.rows.clear()
    for _ in range(9):
        clock.advance(1.0)  # a read is due at every request...
        assert acao(app, ALLOWED) == ALLOWED
    failures = [r for r in caplog.records if "could not read" in r.getMessage()]
    assert len(failures) == 1  # ...and fails, but it is logged once per interval
    assert "revocation falls back to the ttl bound" in failures[0].getMessage()
    clock.advance(1.0)
    assert acao(app, ALLOWED) is None  # ttl seconds after the lookup: refused
    assert source.invalidate() is False  # bump cannot reach the others: it says so
    assert "could not write" in caplog.text


def test_a_hung_store_holds_requests_at_most_timeout(
    redis_client: redis.Redis, redis_port: int, caplog: pytest.LogCaptureFixture
) -> None:
    client = redis.Redis(port=redis_port, socket_timeout=10)  # a long socket timeout
    table = Table(ALLOWED)
    source = OriginSource(table, shared=SharedVersion(client, poll=0.2, timeout=0.1))
    assert source(ALLOWED) is True
    time.sleep(0.3)  # a read is due
    caplog.set_level(logging.WARNING, LOGGER)
    paused = time.monotonic()
    redis_client.execute_command("CLIENT", "PAUSE", "3000", "ALL")  # Redis stops answering
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(source, [ALLOWED] * 4))
    finished = time.monotonic()
    assert answers == [True] * 4  # the cached answer: the ttl bound holds meanwhile
    assert finished - paused < 3.0  # all answered while Redis was still paused
    assert "has not answered for 'wsgicors:origins-version' in 0.1 s" in caplog.text


# -- the Flask example (tests/sources/flaskapp.py) served by three processes ----------

POLL = 1.0
NEW = "https://tenant-new.example.com"


@dataclass
class Fleet:
    """The servers, and what the example's commands need to run beside them."""

    servers: list[Server]
    env: dict[str, str]
    database: Path

    def command(self, name: str, origin: str) -> float:
        """Run ``flask <name> <origin>`` in another process; when it had finished."""
        done = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "tests.sources.flaskapp", name, origin],
            env=self.env, capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == 0, done.stderr
        return time.monotonic()

    def answers(self, origin: str) -> list[tuple[int, str | None]]:
        """(pid, Access-Control-Allow-Origin) from every server."""
        result = []
        for server in self.servers:
            reply = httpx.get(server.url + "/api/whoami", headers={"Origin": origin},
                              timeout=10)
            assert reply.status_code == 200, server.log_tail()
            result.append((reply.json()["pid"], reply.headers.get("access-control-allow-origin")))
        return result


@pytest.fixture(scope="module")
def fleet(redis_port: int, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fleet]:
    tmp = tmp_path_factory.mktemp("fleet")
    database = tmp / "origins.sqlite3"
    with sqlite3.connect(database) as db:
        db.execute("CREATE TABLE allowed_origin (origin TEXT PRIMARY KEY)")
    env = python_env(ORIGINS_DB=str(database), REDIS_URL=f"redis://127.0.0.1:{redis_port}/1",
                     ORIGINS_POLL=str(POLL))
    redis.Redis(port=redis_port, db=1).flushdb()
    commands = {
        "gunicorn": [sys.executable, "-m", "gunicorn", "-w", "1", "-k", "gthread", "--threads",
                     "4", "--log-level", "warning", "-b", "127.0.0.1:{port}",
                     "tests.sources.flaskapp:app"],
        "waitress": [sys.executable, "-m", "waitress", "--listen=127.0.0.1:{port}",
                     "tests.sources.flaskapp:app"],
    }
    servers: list[Server] = []
    try:
        for index, kind in enumerate(["gunicorn", "gunicorn", "waitress"]):
            port = free_port()
            command = [part.format(port=port) for part in commands[kind]]
            servers.append(spawn(kind, "flask", command, port, env=env,
                                 ready_path="/api/whoami", log=tmp / f"{kind}{index}.log"))
        yield Fleet(servers, env, database)
    finally:
        for server in servers:
            server.stop()


@pytest.mark.server
@pytest.mark.slow
def test_fleet_allows_then_revokes_within_the_poll_interval(fleet: Fleet) -> None:
    fleet.command("allow-origin", ALLOWED)
    time.sleep(POLL)
    answers = [answer for _ in range(3) for answer in fleet.answers(ALLOWED)]
    assert {allowed for _, allowed in answers} == {ALLOWED}
    assert len({pid for pid, _ in answers}) == 3  # three processes answered

    # Deleting the row without telling the workers: their cached answers stand (ttl=300).
    with sqlite3.connect(fleet.database) as db:
        db.execute("DELETE FROM allowed_origin WHERE origin = ?", (ALLOWED,))
    assert {allowed for _, allowed in fleet.answers(ALLOWED)} == {ALLOWED}

    # The command deletes it and bumps the version in Redis: poll seconds later, no
    # worker allows it. Ask every worker, over and over, from the bump on.
    bumped = fleet.command("revoke-origin", ALLOWED)
    late = []
    while time.monotonic() < bumped + POLL + 2.0:
        sent = time.monotonic()
        for _, allowed in fleet.answers(ALLOWED):
            if sent >= bumped + POLL:
                late.append(allowed)
    assert len(late) >= 3
    assert set(late) == {None}


@pytest.mark.server
@pytest.mark.slow
def test_fleet_allows_a_new_origin_within_the_poll_interval(fleet: Fleet) -> None:
    assert {allowed for _, allowed in fleet.answers(NEW)} == {None}  # refusal cached 30 s
    added = fleet.command("allow-origin", NEW)
    time.sleep(max(0.0, added + POLL - time.monotonic()))
    for _ in range(3):
        assert {allowed for _, allowed in fleet.answers(NEW)} == {NEW}
    assert {allowed for _, allowed in fleet.answers(OTHER)} == {None}
