"""Revocation across a fleet: one version token in a cache every worker already shares.

Each process caches the answers of its origin lookups
(:class:`wsgicors.sources.OriginSource`). When the allowed origins change,
:meth:`SharedVersion.bump` writes a new random token into a store all processes
share (Redis, Memcached, Django's cache framework). Each process reads the token at
most once per ``poll`` seconds, lazily, when a request needs a decision, and drops
its cached answers when the token differs from the one it saw last. There is no
broadcast and no connection held open: one small ``GET`` per process per interval.

The guarantee: a request that arrives ``poll`` seconds or more after
:meth:`~SharedVersion.bump` returned is decided by a lookup that started after the
bump, in every process whose store read succeeds. A request may wait for the read in
progress (at most ``timeout`` seconds). When the store fails or is slower than
``timeout``, processes keep their cached answers, so revocation falls back to the
sources' ``ttl``; that is logged once per ``log_interval``.

A random token, not a counter, because a counter restarts when the store loses the
key (a Redis restart, a Memcached eviction): a worker that saw ``3`` before and
reads ``3`` again would miss the change. A lost key reads as ``None``, which is a
change too, so losing the key only costs fresh lookups.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from .errors import ConfigError, Problem
from .lograte import LogLimiter
from .logsafe import logsafe

_log = logging.getLogger("wsgicors.sources")

#: The store key when none is given.
DEFAULT_KEY = "wsgicors:origins-version"
_NEVER_SEEN = object()
_UNREAD = object()


class VersionStore(Protocol):
    """What :class:`SharedVersion` needs of a shared cache: ``get`` and ``set`` a key.

    A ``redis.Redis`` client (redis-py) satisfies it as it is; for Django's
    cache framework use :class:`wsgicors_django.sources.DjangoCacheStore`. ``set``
    must keep the value until it is replaced (no expiry). Both are called from
    request threads, so the client must be thread-safe (redis-py's is) and should
    have a short socket timeout (``socket_timeout=0.5``).
    """

    def get(self, name: str, /) -> object:
        """The value stored under *name*, or None."""

    def set(self, name: str, value: str, /) -> object:
        """Store *value* under *name*, without expiry."""


def check_positive(name: str, value: object, problems: list[Problem], example: str) -> None:
    """Add a problem to *problems* unless *value* is a positive number of seconds or items.

    The code is ``type`` for zero and negative numbers too: the type asked for is "a
    positive number".
    """
    if (isinstance(value, bool) or not isinstance(value, (int, float))
            or not value > 0):  # `not >` also refuses NaN
        problems.append(Problem("type", name, f"expected a positive number, got {value!r}.",
                                f"write {name}={example}."))


@dataclass
class _Read:
    """A read of the token requested at *started* by process *pid*; requests wait on
    ``done``."""

    started: float
    pid: int
    done: threading.Event = field(default_factory=threading.Event)


class SharedVersion:
    """A version token in a shared store, polled by every process; :meth:`bump` changes it.

    Give the same instance (or one built with the same store and *key* in each
    process) to the :class:`~wsgicors.sources.OriginSource` objects whose answers it
    invalidates.

    :param store: a :class:`VersionStore` (a ``redis.Redis`` client, or
        :class:`wsgicors_django.sources.DjangoCacheStore`).
    :param key: the store key holding the token.
    :param poll: seconds between two reads of the token by one process, and so the
        revocation bound across the fleet. Reads happen only when requests arrive.
    :param timeout: the longest a request waits for a read in progress; past it,
        requests go on with the cached answers (the ``ttl`` bound holds).
    :param log_interval: store failures are logged at most once per this many seconds.
    :param clock: the monotonic clock (tests replace it).
    :raises ConfigError: listing every invalid argument.
    """

    def __init__(self, store: VersionStore, key: str = DEFAULT_KEY, *, poll: float = 1.0,
                 timeout: float = 0.5, log_interval: float = 60.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        problems: list[Problem] = []
        if not (callable(getattr(store, "get", None)) and callable(getattr(store, "set", None))):
            problems.append(Problem(
                "type", "store", f"{store!r} has no get(key) and set(key, value) methods.",
                "pass a redis.Redis client, or wsgicors_django.sources.DjangoCacheStore().",
            ))
        if not isinstance(key, str) or not key:
            problems.append(Problem("type", "key", f"expected a non-empty string, got {key!r}.",
                                    f"write key={DEFAULT_KEY!r}."))
        check_positive("poll", poll, problems, "1.0")
        check_positive("timeout", timeout, problems, "0.5")
        check_positive("log_interval", log_interval, problems, "60")
        if problems:
            raise ConfigError(problems)
        self._store = store
        self.key = key
        self.poll = float(poll)
        self.timeout = float(timeout)
        self._clock = clock
        self._limiter = LogLimiter(_log, log_interval, clock)
        self._lock = threading.Lock()
        self._generation = 0
        self._seen: object = _NEVER_SEEN
        self._fresh_until = float("-inf")
        self._reading: _Read | None = None
        self._reader: threading.Thread | None = None
        self._reader_pid = 0
        self._wanted = threading.Event()

    def __repr__(self) -> str:
        return f"SharedVersion({self._store!r}, key={self.key!r}, poll={self.poll:g})"

    def generation(self) -> int:
        """A number that changes whenever the cached answers must be dropped.

        Asks for a read of the token if the last one started ``poll`` seconds ago or
        more, and waits for it at most ``timeout`` seconds. The read runs in this
        process's reader thread, one at a time.
        """
        if self._clock() < self._fresh_until:
            return self._generation
        return self._refresh()

    async def ageneration(self) -> int:
        """:meth:`generation` for coroutines: waiting for a due read happens in a worker
        thread, never in the event loop."""
        if self._clock() < self._fresh_until:
            return self._generation
        return await asyncio.to_thread(self._refresh)

    def bump(self) -> bool:
        """Tell every process that the allowed origins changed (call it after commit).

        This process drops its cached answers at once; the others do within ``poll``
        seconds. Returns False, after logging an error, if the store could not be
        written: the other processes then rely on the ``ttl`` bound.
        """
        with self._lock:
            self._generation += 1
        try:
            self._store.set(self.key, secrets.token_hex(16))
        except Exception:
            _log.error("wsgicors: could not write %s to the shared store; other processes "
                       "will notice the change within the ttl of their sources only",
                       logsafe(self.key), exc_info=True)
            return False
        return True

    def _refresh(self) -> int:
        now = self._clock()
        with self._lock:
            if now < self._fresh_until:  # another thread has just read it
                return self._generation
            read = self._reading
            if read is None or read.pid != os.getpid():  # none, or the parent's before fork
                read = self._reading = _Read(now, os.getpid())
                self._start_reader()
                self._wanted.set()
        if not read.done.wait(read.started + self.timeout - now):
            self._limiter.log(
                logging.WARNING, "store-slow",
                "wsgicors: the shared store has not answered for %s in %g s; going on with "
                "the cached answers (revocation falls back to the ttl bound)",
                logsafe(self.key), self.timeout)
        return self._generation

    def _start_reader(self) -> None:
        # Called with the lock held. One thread per process reads the store, so no
        # request waits longer than timeout, however the client retries or hangs.
        reader = self._reader
        if reader is not None and reader.is_alive() and self._reader_pid == os.getpid():
            return
        self._wanted = threading.Event()
        self._reader_pid = os.getpid()
        self._reader = threading.Thread(target=self._read_forever, args=(self._wanted,),
                                        name=f"wsgicors version reader {self.key}",
                                        daemon=True)
        self._reader.start()

    def _read_forever(self, wanted: threading.Event) -> None:
        while True:
            wanted.wait()
            wanted.clear()
            read = self._reading
            if read is not None:
                self._read(read)

    def _read(self, read: _Read) -> None:
        failure: Exception | None = None
        value: object = _UNREAD
        try:
            value = self._store.get(self.key)
        except Exception as error:
            failure = error
        finally:
            with self._lock:
                if self._reading is read:
                    self._reading = None
                self._fresh_until = read.started + self.poll
                if value is not _UNREAD and value != self._seen:
                    self._seen = value
                    self._generation += 1
            read.done.set()
        if failure is not None:
            self._limiter.log(
                logging.WARNING, "store-failed",
                "wsgicors: could not read %s from the shared store; going on with the "
                "cached answers (revocation falls back to the ttl bound)",
                logsafe(self.key), exc_info=failure)
