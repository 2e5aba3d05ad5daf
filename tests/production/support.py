"""Shared pieces of the production tests: two tenants, their origins, and lookups that
record where they ran (a worker thread or the event loop)."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from wsgicors.request import Request
from wsgicors.sources import OriginSource

APP = "https://app.example.com"
CUSTOMER1 = "https://customer1.com"
CUSTOMER2 = "https://customer2.com"
HOST1 = "customer1.mysite.com"
HOST2 = "customer2.mysite.com"
#: Which origin each tenant (by host) allows, as a database table would hold it.
TENANT_ORIGINS = {(HOST1, CUSTOMER1), (HOST2, CUSTOMER2)}


def in_event_loop() -> bool:
    """True if the caller runs in a thread with a running event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


class Lookup:
    """A tenant lookup, ``lookup((host, origin)) -> bool``, plain or async; it records
    each key and whether it ran in the event loop's thread."""

    def __init__(self, is_async: bool = False) -> None:
        self.keys: list[Any] = []
        self.in_loop: list[bool] = []
        self.threads: set[int] = set()
        self.is_async = is_async

    def check(self, key: Any) -> bool:
        self.keys.append(key)
        self.in_loop.append(in_event_loop())
        self.threads.add(threading.get_ident())
        return tuple(key) in TENANT_ORIGINS


def tenant_source(is_async: bool = False) -> tuple[OriginSource, Lookup]:
    """An OriginSource keyed on (request.host, origin), as docs/production.rst shows."""
    lookup = Lookup(is_async)

    async def alookup(key: Any) -> bool:
        await asyncio.sleep(0)
        return lookup.check(key)

    source = OriginSource(alookup if is_async else lookup.check,
                          key=lambda origin, request: (request.host, origin))
    return source, lookup


class Recorder:
    """A two-argument origin function that keeps the requests it was given."""

    def __init__(self) -> None:
        self.requests: list[Request] = []

    def __call__(self, origin: str, request: Request) -> bool:
        self.requests.append(request)
        return (request.host, origin) in TENANT_ORIGINS
