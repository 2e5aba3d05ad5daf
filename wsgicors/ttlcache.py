"""VerdictCache: yes/no answers with an expiry, bounded in entries and in bytes.

The answers of :class:`wsgicors.sources.OriginSource`'s lookup live here. Keys are
chosen by the request (any client can send any ``Origin``), so the cache must stay
small whatever arrives: it holds at most ``max_entries`` answers and at most
``max_bytes`` bytes as counted by :func:`entry_size`.

Why not :class:`wsgicors.cache.BoundedCache`, the core's memo: its answers never
expire, and when full it forgets a whole generation at once, allowed and refused
alike. Here each answer has its own expiry (the revocation bound), entries are
counted in bytes (keys may be tuples of several strings), and refusals go first: a
flood of made-up origins, each refused, must not push out the allowed answers and
send every real request back to the database. Those three needs are the whole of
this class; building it on BoundedCache would mean replacing both of its policies
(eviction and immutability), so the two stay separate and no third cache exists.
"""

from __future__ import annotations

import sys
from collections import OrderedDict
from typing import TypeAlias

#: A cache key: the origin, or a tuple of strings such as ``(host, origin)``.
Key: TypeAlias = str | tuple[str, ...]

#: Bytes counted for one entry besides its key: the expiry (a float) and the ordered
#: dict's slot, node and free space. With it, what a full cache really holds (measured
#: with tracemalloc on CPython 3.10 to 3.13, string and tuple keys) stays below the
#: count: 59 to 91 % of it.
ENTRY_OVERHEAD = 256


def entry_size(key: Key) -> int:
    """The bytes one entry for *key* counts towards ``max_bytes``."""
    if isinstance(key, str):
        return ENTRY_OVERHEAD + sys.getsizeof(key)
    return ENTRY_OVERHEAD + sys.getsizeof(key) + sum(sys.getsizeof(part) for part in key)


class VerdictCache:
    """Allowed and refused answers, each with the time it expires.

    When a bound is reached the oldest *refused* answer goes first, so a flood of
    unknown origins (each one refused) cannot push the allowed ones out; allowed
    answers are evicted, oldest first, only when there is no refused one left.
    Expired answers are dropped when they are read or evicted.

    Not thread-safe: :class:`~wsgicors.sources.OriginSource` holds a lock around it.
    """

    def __init__(self, max_entries: int, max_bytes: int) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        #: The bytes the entries count (see :func:`entry_size`).
        self.bytes = 0
        self._allowed: OrderedDict[Key, float] = OrderedDict()
        self._refused: OrderedDict[Key, float] = OrderedDict()

    def __len__(self) -> int:
        return len(self._allowed) + len(self._refused)

    def get(self, key: Key, now: float) -> bool | None:
        """The answer for *key* if there is one that expires after *now*, else None."""
        entries, verdict = self._allowed, True
        expires = entries.get(key)
        if expires is None:
            entries, verdict = self._refused, False
            expires = entries.get(key)
            if expires is None:
                return None
        if now < expires:
            return verdict
        del entries[key]
        self.bytes -= entry_size(key)
        return None

    def put(self, key: Key, verdict: bool, expires: float) -> None:
        """Remember *verdict* for *key* until *expires*, evicting to stay in bounds."""
        self.discard(key)
        size = entry_size(key)
        if size > self.max_bytes:
            return
        (self._allowed if verdict else self._refused)[key] = expires
        self.bytes += size
        while len(self) > self.max_entries or self.bytes > self.max_bytes:
            oldest, _ = (self._refused or self._allowed).popitem(last=False)
            self.bytes -= entry_size(oldest)

    def discard(self, key: Key) -> None:
        """Forget the answer for *key*, if any."""
        for entries in (self._allowed, self._refused):
            if entries.pop(key, None) is not None:
                self.bytes -= entry_size(key)

    def clear(self) -> None:
        """Forget every answer."""
        self._allowed = OrderedDict()
        self._refused = OrderedDict()
        self.bytes = 0
