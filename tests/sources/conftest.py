"""Fixtures of the origin-source tests: one real redis-server for the whole run."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis

from tests.sources.support import Clock, redis_server


@pytest.fixture(scope="session")
def redis_port() -> Iterator[int]:
    """The port of a redis-server started for this test run (stopped at the end)."""
    with redis_server() as port:
        yield port


@pytest.fixture
def redis_client(redis_port: int) -> redis.Redis:
    """A client of that server, on an emptied database."""
    client = redis.Redis(port=redis_port, socket_timeout=2, socket_connect_timeout=2)
    client.flushdb()
    return client


@pytest.fixture
def clock() -> Clock:
    """A clock the test moves by hand."""
    return Clock()
