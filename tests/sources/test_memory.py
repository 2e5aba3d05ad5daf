"""A flood of distinct origins: the cache stays within its entries and bytes, measured
with tracemalloc, and the allowed origins survive it."""

from __future__ import annotations

import gc
import tracemalloc
from collections.abc import Callable

import pytest

from tests.sources.support import ALLOWED, Clock, Table, acao, cors_app
from wsgicors.sources import OriginSource


def grown_by(work: Callable[[], None]) -> int:
    """The bytes the process holds more after *work* (what it keeps, not its peak)."""
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        work()
        gc.collect()
        return tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()


def flood(source: OriginSource, count: int, host_length: int = 20) -> int:
    """Ask *source* about *count* made-up origins; the bytes it holds more afterwards."""
    def ask() -> None:
        for number in range(count):
            assert source(f"https://{'h' * host_length}{number}.evil.example") is False

    return grown_by(ask)


def test_entries_bound_holds_and_allowed_origins_are_not_evicted(clock: Clock) -> None:
    table = Table(ALLOWED)
    source = OriginSource(table, max_entries=1000, clock=clock)
    app = cors_app(source)
    assert acao(app, ALLOWED) == ALLOWED
    table.rows.clear()  # from now on, a fresh lookup of ALLOWED would refuse it
    flood(source, 20_000)
    assert len(source.cache) == 1000
    assert acao(app, ALLOWED) == ALLOWED  # still cached: refused answers went first
    assert table.lookups == 20_001


@pytest.mark.parametrize(("max_bytes", "host_length"), [(200_000, 20), (200_000, 400),
                                                         (1_000_000, 10)])
def test_bytes_bound_holds_in_real_memory(max_bytes: int, host_length: int) -> None:
    source = OriginSource(Table(), max_entries=10**9, max_bytes=max_bytes)
    grown = flood(source, 3 * max_bytes // 250, host_length)
    assert source.cache.bytes <= max_bytes
    assert len(source.cache) > 0.5 * max_bytes / (250 + host_length)  # it does cache
    assert grown <= max_bytes  # what the process really holds, dict tables included


def test_flood_with_a_tuple_key_is_bounded_too() -> None:
    source = OriginSource(Table(), key=lambda origin, request: (str(request), origin),
                          max_entries=10**9, max_bytes=300_000)

    def ask() -> None:
        for number in range(5000):
            source(f"https://h{number}.evil.example", f"tenant{number}.mysite.com")

    grown = grown_by(ask)
    assert source.cache.bytes <= 300_000
    assert grown <= 300_000
