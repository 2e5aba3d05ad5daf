"""OriginSource: origins allowed by a lookup you write, cached, bounded and fail-closed.

Origins that are not known at start-up (each customer registers their own site) live
in a database or behind an HTTP API. Asking it on every request is slow, and a flood
of made-up origins would become a flood of queries. An :class:`OriginSource` wraps
the lookup and is the ``allow_origin_func`` of the policy::

    from wsgicors import CORSMiddleware
    from wsgicors.sources import OriginSource

    def registered(origin: str) -> bool:
        return db.scalar("SELECT 1 FROM tenant_origin WHERE origin = ?", origin) is not None

    source = OriginSource(registered, ttl=60, negative_ttl=10)
    app = CORSMiddleware(app, allow_origins=["https://app.example.com"],
                         allow_origin_func=source)

What it guarantees:

* **Revocation within the TTL.** An answer is used for at most ``ttl`` seconds after
  the lookup that produced it started (``negative_ttl`` for refusals), and a request
  never joins a lookup that started more than ``timeout`` seconds before it. So an
  origin removed from the database at time T is refused by every request that
  arrives after T + max(``ttl``, ``timeout``). With ``shared=`` (a
  :class:`~wsgicors.fleet.SharedVersion`), :meth:`OriginSource.invalidate` after
  the change shortens that to ``poll`` seconds in every process.
* **One lookup per key at a time.** Concurrent requests for the same origin wait for
  the lookup in progress instead of starting their own (single flight); other
  requests wait at most ``timeout`` seconds for it, then are refused.
* **Bounded memory.** At most ``max_entries`` answers and ``max_bytes`` bytes
  (:mod:`wsgicors.ttlcache`); refused answers are evicted first, so a flood of
  unknown origins cannot evict the allowed ones. Keys over
  :data:`MAX_KEY_LENGTH` characters are refused without a lookup.
* **Fail closed.** A lookup that raises, times out or returns anything but
  ``True``/``False`` refuses the origin; the failure is not cached (the next
  request tries again) and is logged at most once per ``log_interval`` on the
  ``wsgicors.sources`` logger, with the key escaped and truncated.

The lookup may be a plain function or an ``async def``. Plain functions run in the
request's thread under WSGI (Django's ORM works as usual); under :meth:`acheck`
they run in a worker thread. ``async def`` lookups are awaited by :meth:`acheck`
and cancelled after ``timeout``; a plain call runs them in a fresh event loop
(:func:`asyncio.run`).
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeAlias

from .errors import ConfigError, Problem
from .fleet import SharedVersion, check_positive
from .lograte import LogLimiter
from .logsafe import logsafe
from .ttlcache import Key, VerdictCache

_log = logging.getLogger("wsgicors.sources")

#: Longest key looked up, counted in characters over all its strings: longer ones
#: are refused without a lookup (a serialized origin is at most a few hundred).
MAX_KEY_LENGTH = 2048
#: Most strings in a tuple key.
MAX_KEY_PARTS = 8

Lookup: TypeAlias = Callable[[Any], bool] | Callable[[Any], Awaitable[bool]]
KeyFunction: TypeAlias = Callable[[str, Any], Key]


@dataclass
class _Flight:
    """A lookup in progress in some thread; the others wait on ``done``."""

    started: float
    epoch: int
    done: threading.Event = field(default_factory=threading.Event)
    verdict: bool | None = None


@dataclass
class _AsyncFlight:
    """A lookup in progress as a task of one event loop; that loop's coroutines await it."""

    started: float
    loop: asyncio.AbstractEventLoop
    task: asyncio.Task[bool | None]


class OriginSource:
    """An ``allow_origin_func`` that asks *lookup* and remembers the answers.

    :param lookup: ``lookup(key) -> bool``, plain or ``async def``: True if the
        origin (or the key, see *key*) is allowed. It only ever receives keys, so a
        cached answer can never be reused for a request it would have answered
        differently.
    :param ttl: seconds an allowed answer is reused, and so how long a revoked
        origin may still be allowed.
    :param negative_ttl: seconds a refusal is reused, and so how long a newly added
        origin may still be refused.
    :param timeout: the longest a request waits for a lookup; ``async`` lookups are
        cancelled then. A plain function cannot be interrupted: give its database
        or HTTP client a timeout of its own (it then raises, which refuses).
    :param max_entries: the most answers kept.
    :param max_bytes: the most bytes the answers count (:func:`~wsgicors.ttlcache.entry_size`).
    :param key: ``key(origin, request) -> str | tuple[str, ...]``: what the answer
        depends on, and what *lookup* receives; by default the origin. For a
        multi-tenant app, ``lambda origin, request: (request.host, origin)``. It
        must only read what the engine passes: *request* is None when the engine
        passes no request.
    :param shared: a :class:`~wsgicors.fleet.SharedVersion`: the answers are dropped
        when another process calls :meth:`invalidate` (within its ``poll`` seconds).
    :param log_interval: each kind of failure is logged at most once per this many
        seconds.
    :param clock: the monotonic clock (tests replace it).
    :raises ConfigError: listing every invalid argument.
    """

    def __init__(self, lookup: Lookup, *, ttl: float = 60.0, negative_ttl: float = 10.0,
                 timeout: float = 2.0, max_entries: int = 10_000, max_bytes: int = 4_000_000,
                 key: KeyFunction | None = None, shared: SharedVersion | None = None,
                 log_interval: float = 60.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        problems = _problems(lookup, key, shared, max_entries, max_bytes)
        for name, value, example in (("ttl", ttl, "60"), ("negative_ttl", negative_ttl, "10"),
                                     ("timeout", timeout, "2.0"),
                                     ("log_interval", log_interval, "60")):
            check_positive(name, value, problems, example)
        if problems:
            raise ConfigError(problems)
        self._lookup = lookup
        self._async_lookup = _is_async(lookup)
        self.ttl = float(ttl)
        self.negative_ttl = float(negative_ttl)
        self.timeout = float(timeout)
        self._key = key
        self._shared = shared
        self._clock = clock
        self._limiter = LogLimiter(_log, log_interval, clock)
        self._lock = threading.Lock()
        self._cache = VerdictCache(max_entries, max_bytes)
        self._flights: dict[Key, _Flight] = {}
        self._async_flights: dict[Key, _AsyncFlight] = {}
        #: Bumped whenever the answers are dropped; a lookup that started before
        #: stores nothing.
        self._epoch = 0
        self._shared_generation = 0

    def __repr__(self) -> str:
        return (f"OriginSource({self._lookup!r}, ttl={self.ttl:g}, "
                f"negative_ttl={self.negative_ttl:g}, shared={self._shared!r})")

    @property
    def is_async(self) -> bool:
        """True if the lookup is an ``async def``: an ASGI adapter then awaits
        :meth:`acheck` in its event loop; otherwise it may call the source in a worker
        thread as it would any ``allow_origin_func`` (Django: ``sync_to_async``, so
        the ORM's connections are handled as usual)."""
        return self._async_lookup

    @property
    def cache(self) -> VerdictCache:
        """The answers held now (read it for metrics; do not change it)."""
        return self._cache

    # -- the two ways in -----------------------------------------------------------

    def __call__(self, origin: str, request: object = None) -> bool:
        """True if *origin* is allowed: from the cache, or by one lookup in this thread."""
        key = self._key_of(origin, request)
        if key is None:
            return False
        if self._shared is not None:
            self._follow(self._shared.generation())
        return self._answer(key)

    async def acheck(self, origin: str, request: object = None) -> bool:
        """:meth:`__call__` for ASGI: never blocks the event loop.

        A plain lookup runs in a worker thread, an ``async`` one is awaited; either
        way one lookup per key runs at a time in each event loop.
        """
        key = self._key_of(origin, request)
        if key is None:
            return False
        if self._shared is not None:
            self._follow(await self._shared.ageneration())
        return await self._aanswer(key)

    def invalidate(self) -> bool:
        """Drop every cached answer here, and in every process sharing *shared*.

        Call it after the change is committed (see
        :func:`wsgicors_django.sources.invalidate_on_change`). Returns False if the
        shared store could not be written (logged; the ``ttl`` bound still holds).
        """
        with self._lock:
            self._drop()
        return self._shared.bump() if self._shared is not None else True

    # -- cache ---------------------------------------------------------------------

    def _key_of(self, origin: str, request: object) -> Key | None:
        if self._key is None and len(origin) <= MAX_KEY_LENGTH:
            return origin  # the common case, first
        try:
            key = origin if self._key is None else self._key(origin, request)
        except Exception as error:
            self._limiter.log(logging.ERROR, "key-failed",
                              "wsgicors: the key function raised for origin %s; origin "
                              "refused", logsafe(origin), exc_info=error)
            return None
        if not _is_key(key):
            self._limiter.log(logging.ERROR, "key-type",
                              "wsgicors: the key function returned %s for origin %s, not a "
                              "string or a tuple of strings; origin refused",
                              logsafe(key), logsafe(origin))
            return None
        if _length(key) > MAX_KEY_LENGTH:
            self._limiter.log(logging.WARNING, "key-long",
                              "wsgicors: key %s is longer than %d characters; origin refused "
                              "without a lookup", logsafe(key), MAX_KEY_LENGTH)
            return None
        return key

    def _follow(self, generation: int) -> None:
        if generation > self._shared_generation:
            with self._lock:
                if generation > self._shared_generation:
                    self._shared_generation = generation
                    self._drop()

    def _drop(self) -> None:
        # Lookups in progress keep their flight object but cannot store their answer
        # (their epoch is old) and no new request joins them.
        self._epoch += 1
        self._cache.clear()
        self._flights = {}
        self._async_flights = {}

    def _store(self, key: Key, verdict: bool | None, started: float, epoch: int) -> None:
        # Called with the lock held. Expiry counts from the lookup's start, the
        # latest moment its answer is known to reflect.
        if verdict is not None and epoch == self._epoch:
            ttl = self.ttl if verdict else self.negative_ttl
            self._cache.put(key, verdict, started + ttl)

    # -- lookups in threads ----------------------------------------------------------

    def _answer(self, key: Key) -> bool:
        now = self._clock()
        with self._lock:
            cached = self._cache.get(key, now)
            if cached is not None:
                return cached
            flight = self._flights.get(key)
            leader = flight is None
            if flight is None:
                flight = self._flights[key] = _Flight(now, self._epoch)
        if not leader:
            if flight.done.wait(flight.started + self.timeout - now):
                return flight.verdict is True
            self._slow(key)
            return False
        verdict = None
        try:
            verdict = self._ask(key)
        finally:
            with self._lock:
                self._store(key, verdict, flight.started, flight.epoch)
                if self._flights.get(key) is flight:
                    del self._flights[key]
            flight.verdict = verdict
            flight.done.set()
        return verdict is True

    def _ask(self, key: Key) -> bool | None:
        started = self._clock()
        try:
            # An async lookup under WSGI: a fresh event loop in this thread.
            answer = asyncio.run(self._bounded(key)) if self._async_lookup else self._lookup(key)
        except Exception as error:
            self._failed(key, error)
            return None
        if self._clock() - started > self.timeout:
            self._limiter.log(logging.WARNING, "lookup-slow",
                              "wsgicors: the lookup for %s took %.1f s, more than timeout=%g "
                              "(requests waiting for it were refused); give its database or "
                              "HTTP client a timeout", logsafe(key),
                              self._clock() - started, self.timeout)
        return self._checked(key, answer)

    async def _bounded(self, key: Key) -> object:
        return await asyncio.wait_for(self._lookup(key), self.timeout)  # type: ignore[arg-type]

    # -- lookups in an event loop ------------------------------------------------------

    async def _aanswer(self, key: Key) -> bool:
        loop = asyncio.get_running_loop()
        now = self._clock()
        with self._lock:
            cached = self._cache.get(key, now)
            if cached is not None:
                return cached
            flight = self._async_flights.get(key)
            if flight is None or flight.loop is not loop:
                task = loop.create_task(self._aask(key, now, self._epoch))
                flight = self._async_flights[key] = _AsyncFlight(now, loop, task)
        try:
            verdict = await asyncio.wait_for(asyncio.shield(flight.task),
                                             max(flight.started + self.timeout - now, 0))
        except asyncio.TimeoutError:
            self._slow(key)
            return False
        return verdict is True

    async def _aask(self, key: Key, started: float, epoch: int) -> bool | None:
        verdict: bool | None = None
        try:
            if self._async_lookup:
                answer = await self._bounded(key)
            else:
                answer = await asyncio.to_thread(self._lookup, key)
        except Exception as error:
            self._failed(key, error)
        else:
            verdict = self._checked(key, answer)
        finally:
            with self._lock:
                self._store(key, verdict, started, epoch)
                flight = self._async_flights.get(key)
                if flight is not None and flight.task is asyncio.current_task():
                    del self._async_flights[key]
        return verdict

    # -- failures -----------------------------------------------------------------------

    def _checked(self, key: Key, answer: object) -> bool | None:
        if isinstance(answer, bool):
            return answer
        if inspect.iscoroutine(answer):
            answer.close()  # a lambda around an async function: never awaited
        self._limiter.log(logging.ERROR, "lookup-type",
                          "wsgicors: the lookup returned %s for %s, not True or False; origin "
                          "refused", logsafe(type(answer).__name__), logsafe(key))
        return None

    def _failed(self, key: Key, error: Exception) -> None:
        if isinstance(error, (TimeoutError, asyncio.TimeoutError)):
            self._limiter.log(logging.WARNING, "lookup-timeout",
                              "wsgicors: the lookup for %s timed out; origin refused",
                              logsafe(key))
        else:
            self._limiter.log(logging.ERROR, "lookup-failed",
                              "wsgicors: the lookup for %s raised; origin refused",
                              logsafe(key), exc_info=error)

    def _slow(self, key: Key) -> None:
        self._limiter.log(logging.WARNING, "lookup-wait",
                          "wsgicors: the lookup for %s has run for more than timeout=%g s; "
                          "origin refused", logsafe(key), self.timeout)


def _is_async(function: object) -> bool:
    return inspect.iscoroutinefunction(function) or inspect.iscoroutinefunction(
        getattr(function, "__call__", None)  # noqa: B004 - an object with async __call__
    )


def _is_key(key: object) -> bool:
    if isinstance(key, str):
        return True
    return (isinstance(key, tuple) and 0 < len(key) <= MAX_KEY_PARTS
            and all(isinstance(part, str) for part in key))


def _length(key: Key) -> int:
    return len(key) if isinstance(key, str) else sum(len(part) for part in key)


def _problems(lookup: object, key: object, shared: object, max_entries: object,
              max_bytes: object) -> list[Problem]:
    problems: list[Problem] = []
    if not callable(lookup):
        problems.append(Problem(
            "type", "lookup", f"expected a function, got {lookup!r}.",
            "pass a function that takes the origin and returns True or False.",
        ))
    if key is not None and not callable(key):
        problems.append(Problem(
            "type", "key", f"expected a function of (origin, request), got {key!r}.",
            "write key=lambda origin, request: (request.host, origin).",
        ))
    if shared is not None and not isinstance(shared, SharedVersion):
        problems.append(Problem(
            "type", "shared", f"expected a wsgicors.fleet.SharedVersion, got {shared!r}.",
            "write shared=SharedVersion(redis.Redis(...)).",
        ))
    for name, value, example in (("max_entries", max_entries, "10_000"),
                                 ("max_bytes", max_bytes, "4_000_000")):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            problems.append(Problem("type", name, f"expected a positive integer, got {value!r}.",
                                    f"write {name}={example}."))
    return problems
