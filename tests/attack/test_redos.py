"""Regressions for issue 18 items 1, 5 and 6: bounded work per request and per start-up,
and host wildcards that cannot leave the host.

Each test failed on the code before the fix: item 1's regexes were accepted and
matched by Python's backtracking engine (exponential, or a power of the origin's
length), item 5's regex was accepted with credentials and let ``https://[0.cafe.de:1]``
through, item 6's prover took seconds for a few dozen alternations. The complexity
checks are ratios between input sizes with generous margins, never wall-clock limits.
"""

from __future__ import annotations

import contextlib
import ipaddress
import time
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wsgicors import ConfigError, CORSPolicy
from wsgicors.origins import is_serialized_origin


def fastest(run: Callable[[], object], times: int) -> float:
    """The best of *times* timed runs (the least disturbed by a busy machine)."""
    best = float("inf")
    for _ in range(times):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


def lookup_cost(policy: CORSPolicy, size: int, times: int) -> float:
    """The best time to decide one new origin of *size* host characters (never cached:
    each origin is new)."""
    origins = iter(f"https://{'a' * (size - 4)}{index:04d}" for index in range(10_000))
    return fastest(lambda: policy.lookup(next(origins)), times)


# -- item 1: matching an Origin costs O(n) --------------------------------------------

@pytest.mark.parametrize("regex", [
    r"https://([a-z0-9-]+)+\.example\.com",               # exponential (the report)
    r"https://([a-z0-9-]+\.?)+\.example\.com",            # exponential (the report's variant)
    r"https://(?:[a-z-]+|[a-z0-9-]+)+\.example\.com",        # overlapping alternation
    r"https://[a-z0-9-]*a[a-z0-9-]*a[a-z0-9-]*a[a-z0-9-]*\.example\.com",  # a power of n
])
def test_accepted_regexes_match_in_time_linear_in_the_origin(regex: str) -> None:
    policy = CORSPolicy(allow_origin_regex=regex, allow_credentials=True)
    assert policy.lookup("https://aaa-1.example.com") is not None
    small, large = (6, 14) if "*a" not in regex else (40, 160)
    ratio = lookup_cost(policy, large, 5) / lookup_cost(policy, small, 25)
    # Linear: about large/small times the time (less: a lookup has a fixed cost);
    # backtracking made it 2**8 to 3**8 (or 4**3) times.
    assert ratio < 5 * large / small, ratio


def test_linear_matching_is_what_every_origin_regex_gets() -> None:
    from wsgicors.linear import compile_linear

    matcher = compile_linear(r"https://([a-z0-9-]+)+\.example\.com")
    assert matcher.engine == "automaton"
    assert not matcher.fullmatch("https://" + "a" * 100_000)  # instant, not 2**100000


# -- item 5: a host wildcard cannot match ':' '/' '@' '[' ']' ------------------------

@pytest.mark.parametrize("regex", [
    r"https://.+\.cafe\.de(:.+)?", r"https://.*\.cafe\.de", r"https://[^/]+\.cafe\.de",
    r"https://\S+\.cafe\.de", r"https://[\w.:\[\]]+\.cafe\.de", r"https://[^.]+\.cafe\.de",
])
def test_host_wildcards_that_reach_outside_the_host_are_refused(regex: str) -> None:
    with pytest.raises(ConfigError) as raised:
        CORSPolicy(allow_origin_regex=regex, allow_credentials=True)
    assert raised.value.problems[0].code == "regex-unproven"
    assert "which end a host or change what it is" in str(raised.value) or \
        "not only a port number" in str(raised.value)


@pytest.mark.parametrize("origin", [
    "https://[0.cafe.de:1]", "https://[....]", "https://[abc.de]", "https://[::ffff:1.2.3.4]",
    "https://[0:0::1]", "https://[::1:0:0:0:0:0:0]", "https://[::01]", "https://[1::0:0:1]",
    "http://127.1", "http://127.0.0.01", "http://0x7f.0.0.1", "http://1.2.3", "http://256.0.0.1",
])
def test_addresses_browsers_never_send_are_not_origins(origin: str) -> None:
    assert not is_serialized_origin(origin)


@pytest.mark.parametrize("origin", [
    "https://[::1]", "https://[2001:db8::1]", "https://[::ffff:102:304]", "https://[1::1:0:0:1]",
    "http://127.0.0.1:8000", "https://[fe80::1]:8443",
])
def test_addresses_as_browsers_serialize_them_are_origins(origin: str) -> None:
    assert is_serialized_origin(origin)


@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet="0123456789abcdef:.", min_size=1, max_size=40))
def test_only_canonical_ipv6_literals_pass(text: str) -> None:
    try:
        address = ipaddress.IPv6Address(text)
    except ValueError:
        canonical = False
    else:  # Python compresses as the WHATWG serializer does (no dotted tail here)
        canonical = "." not in text and not address.ipv4_mapped and str(address) == text
    if address_is_mapped(text):
        return
    assert is_serialized_origin(f"https://[{text}]") == canonical, text


def address_is_mapped(text: str) -> bool:
    try:
        return ipaddress.IPv6Address(text).ipv4_mapped is not None
    except ValueError:
        return False


def test_a_narrowed_host_wildcard_never_allows_a_bracketed_host() -> None:
    policy = CORSPolicy(allow_origin_regex=r"https://[a-z0-9.-]+\.cafe\.de(:\d+)?",
                        allow_credentials=True)
    assert policy.lookup("https://www.cafe.de:8443") is not None
    assert policy.lookup("https://[0.cafe.de:1]") is None


# -- item 6: the prover's work is bounded ------------------------------------------

@pytest.mark.parametrize("tail", [r"\.example\.com", r"\.example\.com.*", r"\.(?:a|b)\.example\.com"])
def test_prover_work_grows_linearly_with_alternation_groups(tail: str) -> None:
    def build(groups: int) -> Callable[[], object]:
        regex = "https://" + "(?:ab|cd)" * groups + tail

        def run() -> None:
            with contextlib.suppress(ConfigError):
                CORSPolicy(allow_origin_regex=regex, allow_credentials=True)
        return run

    build(4)()  # warm up (the public suffix list, class tables)
    ratio = fastest(build(16), 3) / fastest(build(8), 3)
    assert ratio < 8, ratio  # twice the groups; the exponential prover took 2**8 times
    fastest(build(64), 1)  # and far more groups stay cheap (k=22 took over 15 s)


def test_too_many_alternatives_is_a_clear_refusal() -> None:
    domains = "|".join(f"s{index}\\.example{index}\\.com" for index in range(80))
    with pytest.raises(ConfigError) as raised:
        CORSPolicy(allow_origin_regex=f"https://(?:{domains})")
    assert "more than 64 alternatives" in str(raised.value)
    assert "several simpler regexes" in str(raised.value)


def test_every_alternative_is_proven_below_the_budget() -> None:
    domains = "|".join(f"s{index}\\.example{index}\\.com" for index in range(40))
    policy = CORSPolicy(allow_origin_regex=f"https://(?:{domains})", allow_credentials=True)
    assert policy.lookup("https://s39.example39.com") is not None
    assert policy.lookup("https://s39.example38.com") is None
