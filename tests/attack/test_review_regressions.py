"""Regressions for the security review (issue 9): each case was accepted, leaked or
crashed before; each now gets a ConfigError at start-up or the safe answer."""

from __future__ import annotations

import re
import sys
import threading
import tracemalloc
from typing import Any

import pytest

from tests.core.support import ALLOWED, client
from wsgicors import ConfigError, CORSMiddleware, CORSPolicy
from wsgicors.paste import filter_factory


def codes(**options: Any) -> set[str]:
    with pytest.raises(ConfigError) as raised:
        CORSPolicy(**options)
    return {problem.code for problem in raised.value.problems}


# -- 1. regexes obey the same rules as patterns --------------------------------------

@pytest.mark.parametrize(("regex", "code"), [
    (r"https://app\.example\.com.*", "regex-unproven"),         # prefix match
    (r"https://app\.example\.com[a-z.]*", "regex-unproven"),
    (r"https://app.example.com", "regex-unproven"),             # unescaped dots
    (r"https://.*example\.com", "regex-unproven"),              # suffix match
    (r".*", "regex-unproven"),
    (r"https://.*", "regex-unproven"),
    (r"http://app\.example\.com", "origin-insecure"),           # plain http + credentials
    (r"https?://app\.example\.com", "origin-insecure"),
    (r"https://[a-z0-9-]+\.github\.io", "origin-public-suffix"),
    (r"https://[a-z]+\.example\.co\.uk|https://[a-z]+\.co\.uk", "origin-public-suffix"),
    (r"https://.*\.com", "origin-public-suffix"),
    (r"https://[a-z]+\.amazonaws\.com", "origin-public-suffix"),  # s3.amazonaws.com below
])
def test_credentialed_regex_that_trusts_strangers_is_refused(regex: str, code: str) -> None:
    assert code in codes(allow_origin_regex=regex, allow_credentials=True)


@pytest.mark.parametrize("regex", [
    r"https://app\.example\.com.*", r"https://app.example.com", r".*", r"https://.*example\.com",
])
def test_unprovable_regex_is_refused_without_credentials_too(regex: str) -> None:
    assert codes(allow_origin_regex=regex) == {"regex-unproven"}


def test_unprovable_regex_error_names_the_regex_and_a_working_form() -> None:
    with pytest.raises(ConfigError) as raised:
        CORSPolicy(allow_origin_regex=r"https://app\.example\.com.*")
    problem = raised.value.problems[0]
    assert problem.option == "allow_origin_regex"
    assert r"https://app\.example\.com.*" in problem.message
    # The fix that fits this regex (issue 21): its own host, without the prefix match.
    assert r"r'^https://app\.example\.com$'" in problem.hint
    assert "'https://app.example.com'" in problem.hint


@pytest.mark.parametrize(("regex", "allowed", "refused"), [
    (r"^https://[a-z0-9-]+\.example\.com$", "https://a-1.example.com", "https://example.com"),
    (r"https://([a-z0-9-]+\.)?example\.com(:\d+)?", "https://example.com:8443",
     "https://example.com.evil.net"),
    (r"https?://localhost:\d+", "http://localhost:5173", "http://localhost.evil.net:1"),
    (r"https://app\.example\.com|https://b\.example\.org", "https://b.example.org",
     "https://app.example.com.b.example.org"),
    (r"http://\[::1\]:3000", "http://[::1]:3000", "http://1:3000"),
])
def test_provable_regexes_work_with_credentials(regex: str, allowed: str, refused: str) -> None:
    app = client(allow_origin_regex=regex, allow_credentials=True)
    ok = app.get("/", headers={"Origin": allowed}).headers
    assert ok["Access-Control-Allow-Origin"] == allowed
    assert ok["Access-Control-Allow-Credentials"] == "true"
    assert "Access-Control-Allow-Origin" not in app.get("/", headers={"Origin": refused}).headers


def test_amazonaws_pattern_with_credentials_is_refused() -> None:
    """Item 3: s3.amazonaws.com (and more) under the pattern are public suffixes."""
    assert "origin-public-suffix" in codes(allow_origins=["https://*.amazonaws.com"],
                                           allow_credentials=True)
    # One bucket's own name is fine: nothing below it is a public suffix.
    CORSPolicy(allow_origins=["https://*.mybucket.s3.amazonaws.com"], allow_credentials=True)


# -- 4. an origin flood never makes a listed origin lose CORS -------------------------

def test_listed_origin_never_misses_while_random_origins_flood(monkeypatch: Any) -> None:
    import wsgicors.policy

    # A tiny cache makes the flood start it over constantly: every moment is a
    # moment in which a listed origin must still be found.
    monkeypatch.setattr(wsgicors.policy, "CACHE_SIZE", 8)
    policy = CORSPolicy(allow_origins=[ALLOWED, "https://*.example.org"])
    app = CORSMiddleware(lambda env, sr: (sr("200 OK", []), [b""])[1], policy)
    stop = threading.Event()

    def flood(seed: int) -> None:
        n = 0
        while not stop.is_set():
            n += 1
            policy.lookup(f"https://r{seed}-{n}.example.net")

    misses = 0

    def listed_start_response(status: str, headers: list[tuple[str, str]], exc: Any = None) -> None:
        nonlocal misses
        if ("Access-Control-Allow-Origin", ALLOWED) not in headers:
            misses += 1

    threads = [threading.Thread(target=flood, args=(i,)) for i in range(3)]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads often, so races show up quickly
    for thread in threads:
        thread.start()
    try:
        for _ in range(300_000):
            if policy.lookup(ALLOWED) is None:
                misses += 1
        for _ in range(5_000):
            app({"REQUEST_METHOD": "GET", "HTTP_ORIGIN": ALLOWED}, listed_start_response)
            app({"REQUEST_METHOD": "OPTIONS", "HTTP_ORIGIN": ALLOWED,
                 "HTTP_ACCESS_CONTROL_REQUEST_METHOD": "PUT"}, listed_start_response)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
        sys.setswitchinterval(interval)
    assert misses == 0


# -- 5. caches are bounded in bytes, not only in entries ------------------------------

def test_huge_origins_are_never_stored() -> None:
    policy = CORSPolicy(allow_origins=["https://*.example.com"], allow_headers="*")
    tracemalloc.start()
    try:
        before, _peak = tracemalloc.get_traced_memory()
        for i in range(600):
            huge = f"https://{i}." + "a" * 65536
            assert policy.lookup(huge) is None
            policy.allow_headers_for("x-" + str(i) + "," * 3000)
        after, _peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # 600 origins of 64 KiB would hold 38 MiB; what stays is a few cache entries.
    assert after - before < 2 * 1024 * 1024


# -- 9 and 10: crashes and silent never-matching values become ConfigErrors ----------

@pytest.mark.parametrize("options", [
    {"allow_origin_regex": re.compile(rb"https://a\.example\.com")},
    {"allow_origin_regex": [b"https://a\\.example\\.com"]},
])
def test_bytes_regex_is_a_config_error(options: dict[str, Any]) -> None:
    assert codes(**options) == {"type"}
    assert codes(allow_credentials=True, **options) == {"type"}


def test_bytes_path_pattern_is_a_config_error() -> None:
    with pytest.raises(ConfigError) as raised:
        CORSMiddleware(lambda e, s: [], CORSPolicy(allow_origins=[ALLOWED]),
                       paths={re.compile(rb"/api/.*"): None})
    assert [p.code for p in raised.value.problems] == ["path-pattern"]


@pytest.mark.parametrize("origin", [
    "https://x.example.com:\u00b2",          # superscript two: isdigit() but not int()
    "https://x.example.com:\u0664\u0664\u0663",  # Arabic-Indic 443
    "https://x.example.com:\uff18\uff14\uff14\uff13",  # full-width 8443
])
def test_non_ascii_port_digits_are_refused(origin: str) -> None:
    assert codes(allow_origins=[origin]) == {"origin-port"}


def test_paste_max_age_in_non_ascii_digits_is_a_config_error() -> None:
    with pytest.raises(ConfigError) as raised:
        filter_factory({}, allow_origins=ALLOWED, max_age="\u00b2")
    assert [p.option for p in raised.value.problems] == ["max_age"]


def test_empty_host_is_not_called_a_wildcard() -> None:
    """Issue 10 defect 4."""
    with pytest.raises(ConfigError) as raised:
        CORSPolicy(allow_origins=["https://"])
    problem = raised.value.problems[0]
    assert problem.code == "origin-host" and "no host" in problem.message


# -- 13. an async allow_origin_func where nothing awaits it ----------------------------
# A policy may hold one (the ASGI middleware and Django under ASGI await it); the WSGI
# middleware, which could only call it synchronously, refuses it at start-up.

async def _async_func(origin: str) -> bool:
    return True


class _AsyncCallable:
    async def __call__(self, origin: str) -> bool:
        return True


@pytest.mark.parametrize("func", [_async_func, _AsyncCallable()])
def test_async_origin_func_is_refused_by_wsgi(func: Any) -> None:
    CORSPolicy(allow_origins=[ALLOWED], allow_origin_func=func)  # no problem here
    with pytest.raises(ConfigError) as raised:
        CORSMiddleware(lambda environ, start_response: [], allow_origins=[ALLOWED],
                       allow_origin_func=func)
    [problem] = raised.value.problems
    assert (problem.code, problem.option) == ("func-async", "allow_origin_func")
    assert "OriginSource" in problem.hint


# -- the origin function never sees 'null' with credentials ---------------------------

def test_origin_func_never_reflects_null_with_credentials() -> None:
    seen: list[str] = []

    def anything(origin: str) -> bool:
        seen.append(origin)
        return True

    app = client(allow_origins=[ALLOWED], allow_origin_func=anything, allow_credentials=True)
    response = app.get("/", headers={"Origin": "null"})
    assert "Access-Control-Allow-Origin" not in response.headers
    assert response.headers["Vary"] == "Origin"
    assert seen == []
    without = client(allow_origins=[ALLOWED], allow_origin_func=anything)
    assert without.get("/", headers={"Origin": "null"}).headers[
        "Access-Control-Allow-Origin"] == "null"
