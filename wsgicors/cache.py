"""BoundedCache: decisions remembered per request value, bounded in entries and bytes.

A policy remembers what it decided for each Origin (and each
Access-Control-Request-Headers value) it has seen, so a repeated request costs one
dictionary lookup. Request values are attacker-controlled, so the memory this takes
must have a fixed bound whatever arrives:

* a key longer than ``max_key_length`` is never stored (it is decided again each
  time; the matchers refuse such values before any work anyway);
* at most ``max_entries`` keys are stored besides the pinned ones; when full, the
  cache starts a new generation instead of evicting one entry at a time (no
  bookkeeping per hit);
* values are immutable (strings, tuples, None) and never larger than a few times
  their key, so the bytes held are bounded by ``max_entries * max_key_length``.

*Pinned* entries (a policy's exact origins) are in every generation: a new
generation is complete before it replaces the old one in a single assignment, so a
concurrent reader never misses a pinned key, not even for a moment, and a flood of
other keys cannot make a listed origin wait.

This is the core's one memo type: the allowlists and the report-only de-duplication
(:mod:`wsgicors.reportonly`) use it. Its answers never go stale (a policy is
immutable), so forgetting a whole generation at once is always correct, and reads
take no lock and no bookkeeping. :class:`wsgicors.ttlcache.VerdictCache` is the one
other cache, on purpose: an origin source's answers expire, are counted in bytes per
entry, and must survive a flood of refusals, which a generation drop would not allow
(see its docstring).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Generic, TypeVar

V = TypeVar("V")

# Values a cache may hold: shared between requests and threads, so immutable.
_IMMUTABLE = (str, bytes, int, tuple, frozenset, type(None))


class Missing(enum.Enum):
    """The type of :data:`MISSING` (an enum, so that ``is MISSING`` narrows types)."""

    MISSING = enum.auto()


#: What :meth:`BoundedCache.get` returns for a key it does not hold.
MISSING = Missing.MISSING


class BoundedCache(Generic[V]):
    """A string-keyed memo of immutable values, bounded in entries and in bytes.

    :param max_entries: how many keys are stored besides the pinned ones.
    :param max_key_length: longest key stored, in characters.
    :param pinned: entries present in every generation (never forgotten).
    """

    __slots__ = ("_limit", "_pinned", "entries", "max_entries", "max_key_length")

    def __init__(
        self, max_entries: int, max_key_length: int, pinned: Mapping[str, V] | None = None
    ) -> None:
        self.max_entries = max_entries
        self.max_key_length = max_key_length
        self._pinned: dict[str, V] = dict(pinned or {})
        for value in self._pinned.values():
            _check_immutable(value)
        self._limit = max_entries + len(self._pinned)
        #: The current generation. A per-request lookup may read it directly,
        #: ``cache.entries.get(key, MISSING)``, sparing a Python call; only
        #: :meth:`put` writes to it.
        self.entries: dict[str, V] = dict(self._pinned)

    def get(self, key: str) -> V | Missing:
        """The value remembered for *key*, or :data:`MISSING`."""
        return self.entries.get(key, MISSING)

    def put(self, key: str, value: V) -> None:
        """Remember *value* for *key*, unless *key* is too long to store."""
        if len(key) > self.max_key_length:
            return
        _check_immutable(value)
        entries = self.entries
        if len(entries) >= self._limit:
            # A new generation, complete before one atomic assignment installs it.
            entries = dict(self._pinned)
            self.entries = entries
        entries[key] = value

    def __len__(self) -> int:
        return len(self.entries)

    @property
    def max_key_chars(self) -> int:
        """The most key characters the unpinned entries can hold: the memory bound."""
        return self.max_entries * self.max_key_length


def _check_immutable(value: object) -> None:
    # A shared mutable value would let one response change what the next one gets.
    if not isinstance(value, _IMMUTABLE):
        raise TypeError(f"a BoundedCache holds immutable values, not {type(value).__name__}")
