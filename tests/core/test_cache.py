"""BoundedCache: the one memo type the policy's allowlists use."""

from __future__ import annotations

import sys
import tracemalloc

import pytest

from wsgicors import CORSPolicy
from wsgicors.cache import MISSING, BoundedCache


def test_remembers_and_reports_missing_keys() -> None:
    cache: BoundedCache[str | None] = BoundedCache(4, 10)
    assert cache.get("a") is MISSING
    cache.put("a", None)
    cache.put("b", "x")
    assert cache.get("a") is None and cache.get("b") == "x"


def test_entries_are_bounded_and_pinned_entries_survive_every_generation() -> None:
    cache: BoundedCache[str] = BoundedCache(8, 20, pinned={"listed": "yes"})
    for i in range(1000):
        cache.put(f"k{i}", "v")
        assert len(cache) <= 8 + 1
        assert cache.get("listed") == "yes"
    assert cache.get("k999") == "v"  # the newest entry is in the current generation


def test_keys_longer_than_the_limit_are_never_stored() -> None:
    cache: BoundedCache[str] = BoundedCache(8, 5)
    cache.put("123456", "v")
    assert cache.get("123456") is MISSING and len(cache) == 0
    cache.put("12345", "v")
    assert cache.get("12345") == "v"


@pytest.mark.parametrize("value", [[], {}, {"a"}, bytearray(b"x")])
def test_mutable_values_are_refused(value: object) -> None:
    cache: BoundedCache[object] = BoundedCache(8, 5)
    with pytest.raises(TypeError):
        cache.put("k", value)
    with pytest.raises(TypeError):
        BoundedCache(8, 5, pinned={"k": value})


def test_memory_stays_within_the_stated_bound() -> None:
    cache: BoundedCache[str] = BoundedCache(64, 300)
    tracemalloc.start()
    try:
        before, _peak = tracemalloc.get_traced_memory()
        for i in range(20_000):
            key = f"https://{i}." + "a" * (280 if i % 2 else 70_000)
            cache.put(key[:300] if i % 3 else key, key[:40])
        after, _peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    per_key = sys.getsizeof("a" * 300) + sys.getsizeof("a" * 40) + 100  # + dict slot
    assert after - before < (64 + 1) * per_key
    assert cache.max_key_chars == 64 * 300


def test_a_policy_builds_its_caches_from_this_type() -> None:
    policy = CORSPolicy(allow_origins=["https://a.example", "https://*.example.org"])
    assert isinstance(policy.origins.cache, BoundedCache)
    assert isinstance(policy.request_headers.cache, BoundedCache)
    assert policy.origins.cache.get("https://a.example") is not MISSING  # pinned
