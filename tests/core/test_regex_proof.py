"""Origin regexes and configured origins: what is refused, why, and the one-step fix.

Issue 21 (real configurations) and issue 20 item 7: every flaw of a value is reported
at once, each message is true (witness origins are ones the regex really matches),
and a value a hint suggests is itself valid under the same options: applied, the
configuration starts. Issue 18 item 5: host wildcards that can match ':' '/' '@' '['
']' are refused whatever the request validator lets through.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from wsgicors import ConfigError, CORSPolicy, Problem
from wsgicors.regexes import Unproven, origin_rules


def problems(**options: Any) -> list[Problem]:
    with pytest.raises(ConfigError) as raised:
        CORSPolicy(**options)
    return raised.value.problems


def suggestions(hint: str) -> tuple[list[str], list[str]]:
    """The regexes (``r'...'``) and origins (``'scheme://...'``) a hint suggests."""
    regexes = re.findall(r"\br'([^']*)'", hint)
    rest = re.sub(r"\br'[^']*'", "", hint)
    origins = [value for value in re.findall(r"'([^']*)'", rest) if "://" in value]
    return regexes, origins


def assert_suggestions_start(problem: Problem, credentials: bool, insecure: bool) -> int:
    """Apply each value the hint suggests, with the same options: it must start."""
    regexes, origins = suggestions(problem.hint)
    options: dict[str, Any] = {"allow_credentials": credentials,
                               "dangerously_allow_insecure_origins": insecure}
    for regex in regexes:
        CORSPolicy(allow_origin_regex=regex, **options)
    for origin in origins:
        CORSPolicy(allow_origins=[origin], **options)
    return len(regexes) + len(origins)


# -- issue 21: loopback, LAN and public-suffix regexes -----------------------------

@pytest.mark.parametrize("credentials", [False, True])
@pytest.mark.parametrize(("regex", "witness", "fix", "pattern"), [
    (r"^http://127.0.0.1:\d+$", "http://127x0a0a1:1", r"^http://127\.0\.0\.1:[0-9]+$",
     "http://127.0.0.1:*"),
    (r"^http://localhost:*([0-9]+)?$", "http://localhost1", r"^http://localhost(:[0-9]+)?$",
     "http://localhost:*"),
])
def test_loopback_regexes_get_the_loopback_fix(regex: str, witness: str, fix: str,
                                               pattern: str, credentials: bool) -> None:
    [problem] = problems(allow_origin_regex=regex, allow_credentials=credentials)
    assert problem.code == "regex-unproven"
    assert repr(witness) in problem.message
    assert re.fullmatch(regex, witness)  # the witness is true
    assert f"r'{fix}'" in problem.hint and repr(pattern) in problem.hint
    assert "example.com" not in problem.hint
    assert assert_suggestions_start(problem, credentials, False) == 2


def test_lan_address_range_is_accepted_without_credentials() -> None:
    policy = CORSPolicy(allow_origin_regex=r"http://192\.168\.\d+\.\d+(:\d+)?")
    assert policy.lookup("http://192.168.1.20:8080") is not None
    for other in ("http://192.168.1.2000", "http://192.168.1.evil.net", "http://192.168.1",
                  "http://10.0.0.1", "http://192.168.01.1"):
        assert policy.lookup(other) is None, other


def test_lan_address_range_with_credentials_names_plain_http_and_a_working_fix() -> None:
    regex = r"http://192\.168\.\d+\.\d+(:\d+)?"
    [problem] = problems(allow_origin_regex=regex, allow_credentials=True)
    assert problem.code == "origin-insecure"
    assert "plain http" in problem.message and "after the host" not in problem.message
    assert "dangerously_allow_insecure_origins=True" in problem.hint
    assert assert_suggestions_start(problem, True, False) == 1
    CORSPolicy(allow_origin_regex=regex, allow_credentials=True,
               dangerously_allow_insecure_origins=True)


def test_public_address_range_with_credentials_is_refused() -> None:
    [problem] = problems(allow_origin_regex=r"https://\d+\.\d+\.\d+\.\d+", allow_credentials=True)
    assert problem.code == "origin-public-suffix"
    assert "public addresses" in problem.message
    CORSPolicy(allow_origin_regex=r"https://10\.\d+\.\d+\.\d+", allow_credentials=True)


@pytest.mark.parametrize("regex", [r"https://[a-z0-9-]+\.vercel\.app",
                                   r"https://myapp-[a-z0-9]+-team\.vercel\.app",
                                   r"https://deploy-preview-\d+--mysite\.netlify\.app"])
def test_public_suffix_subtree_names_the_real_danger(regex: str) -> None:
    [problem] = problems(allow_origin_regex=regex, allow_credentials=True)
    assert problem.code == "origin-public-suffix"
    assert "anyone can register a name there" in problem.message
    assert "character class" not in problem.message
    CORSPolicy(allow_origin_regex=regex)  # without credentials: a deliberate choice


def test_doubled_backslashes_are_said_to_never_match() -> None:
    [problem] = problems(allow_origin_regex=r"^https://app\\.example\\.com$")
    assert "backslash" in problem.message and "never matches" in problem.message
    assert r"r'^https://app\.example\.com$'" in problem.hint
    assert assert_suggestions_start(problem, False, False) == 2


def test_every_flaw_is_reported_at_once_and_the_fix_fixes_them_all() -> None:
    regex = r"https://App.example.com(:.*)?/"
    [problem] = problems(allow_origin_regex=regex)
    for flaw in ("unescaped '.'", "upper-case", "path", "after ':'"):
        assert flaw in problem.message, flaw
    assert r"r'^https://app\.example\.com(:[0-9]+)?$'" in problem.hint
    assert assert_suggestions_start(problem, False, False) == 2


def test_a_repaired_regex_still_gets_its_credential_problem_in_the_same_error() -> None:
    found = problems(allow_origin_regex=r"https://.*\.com", allow_credentials=True)
    assert [problem.code for problem in found] == ["regex-unproven", "origin-public-suffix"]


def test_unproven_lists_every_reason() -> None:
    with pytest.raises(Unproven) as raised:
        origin_rules(re.compile(r"https://app.example.com.*"))
    assert len(raised.value.reasons) == 2
    assert "; " in str(raised.value)


# -- issue 18 item 5: host wildcards stay inside the host ---------------------------

@pytest.mark.parametrize("regex", [
    r"https://.+\.cafe\.de(:.+)?", r"https://.*\.example\.com", r"https://[^/]+\.example\.com",
    r"https://\S+\.example\.com", r"https://[\w.:]+\.example\.com", r"https://[a-z@]+\.example\.com",
    r"https://[a-z0-9.-]+\.example\.com(:[^/]+)?",
])
def test_host_wildcards_that_can_match_delimiters_are_refused(regex: str) -> None:
    for credentials in (False, True):
        found = problems(allow_origin_regex=regex, allow_credentials=credentials)
        assert found[0].code == "regex-unproven"
        assert "can match" in found[0].message
        assert_suggestions_start(found[0], credentials, False)


def test_the_narrowed_form_is_accepted_and_exact() -> None:
    policy = CORSPolicy(allow_origin_regex=r"https://[a-z0-9.-]+\.cafe\.de(:\d+)?",
                        allow_credentials=True)
    assert policy.lookup("https://a.b.cafe.de:8443") is not None
    for evil in ("https://[0.cafe.de:1]", "https://a.cafe.de.evil.net", "https://cafe.de"):
        assert policy.lookup(evil) is None, evil


# -- issue 20 item 7: one fix per configured origin ---------------------------------

@pytest.mark.parametrize(("value", "code", "fix"), [
    ("HTTP://LocalHost:3000", "origin-scheme", "http://localhost:3000"),
    ("https://App.Example.com:443", "origin-default-port", "https://app.example.com"),
    ("app.example.com/", "origin-no-scheme", "https://app.example.com"),
    ("*.example.com", "origin-no-scheme", "https://*.example.com"),
    ("http://127.1:8000", "origin-host", "http://127.0.0.1:8000"),
    ("http://[0:0::1]:8000", "origin-host", "http://[::1]:8000"),
])
def test_one_problem_per_value_with_one_fix_for_all_its_faults(value: str, code: str,
                                                                fix: str) -> None:
    [problem] = problems(allow_origins=[value])
    assert problem.code == code
    assert problem.hint.count("'") == 2 and repr(fix) in problem.hint
    CORSPolicy(allow_origins=[fix])


def test_a_suggestion_that_would_be_refused_is_not_made() -> None:
    [problem] = problems(allow_origins=["*.com"], allow_credentials=True)
    assert "https://*.com" not in problem.hint  # refused with credentials: no value
    [problem] = problems(allow_origins=["*.com"])
    assert "'https://*.com'" in problem.hint  # valid without them


# -- the property: every suggested value starts -------------------------------------

SCHEMES = ["https://", "http://", "HTTP://", "Https://", "", "https?://", "(https|http)://"]
HEADS = ["", r"[a-z0-9-]+\.", r"([a-z0-9-]+\.)*", ".*", ".+", r".*\.", "[a-z]+", r"app\.",
         "app.", r"(app|api)\.", "App.", r"[^/]+\.", r"\\.", r"[a-z0-9.-]+\."]
DOMAINS = [r"example\.com", "example.com", "com", r"co\.uk", r"vercel\.app", "localhost",
           r"127\.0\.0\.1", "127.0.0.1", r"192\.168\.\d+\.\d+", r"\d+\.\d+\.\d+\.\d+",
           r"\[::1\]", r"app\\.example\\.com"]
TAILS = ["", r"(:\d+)?", ":8443", ".*", "(:.*)?", ":*([0-9]+)?", r":\d+", "/", r"\.evil\.net",
         ":443", "[a-z]*"]
ORIGIN_SCHEMES = ["https://", "http://", "HTTP://", "", "file://", "Https://"]
ORIGIN_HOSTS = ["app.example.com", "App.Example.com", "localhost", "LocalHost", "*.example.com",
                "*.com", "*example.com", "app.*.example.com", "127.1", "127.0.0.1", "[::1]",
                "[0:0::1]", "bücher.example", "192.168.1.5", "a b", "", "*", "null",
                "*.github.io", "*.amazonaws.com", "[::FFFF:1.2.3.4]"]
ORIGIN_PORTS = ["", ":443", ":80", ":3000", ":99999", ":*", ":0", ":²"]
ORIGIN_PATHS = ["", "/", "/x", "?q=1", "#f"]
_seen: set[str] = set()


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scheme=st.sampled_from(SCHEMES), head=st.sampled_from(HEADS),
       domain=st.sampled_from(DOMAINS), tail=st.sampled_from(TAILS), anchored=st.booleans(),
       credentials=st.booleans(), insecure=st.booleans())
def test_every_value_a_regex_hint_suggests_starts(scheme: str, head: str, domain: str,
                                                  tail: str, anchored: bool,
                                                  credentials: bool, insecure: bool) -> None:
    regex = f"{scheme}{head}{domain}{tail}"
    regex = f"^{regex}$" if anchored else regex
    try:
        CORSPolicy(allow_origin_regex=regex, allow_credentials=credentials,
                   dangerously_allow_insecure_origins=insecure)
    except ConfigError as error:
        for problem in error.problems:
            _seen.add(problem.code)
            assert_suggestions_start(problem, credentials, insecure)


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scheme=st.sampled_from(ORIGIN_SCHEMES), host=st.sampled_from(ORIGIN_HOSTS),
       port=st.sampled_from(ORIGIN_PORTS), path=st.sampled_from(ORIGIN_PATHS),
       credentials=st.booleans(), insecure=st.booleans())
@example(scheme="https://", host="bücher.example", port="", path="", credentials=False,
         insecure=False)
@example(scheme="http://", host="*.github.io", port="", path="", credentials=True,
         insecure=False)  # the https form would be refused too: no value to suggest
def test_every_value_an_origin_hint_suggests_starts(scheme: str, host: str, port: str,
                                                    path: str, credentials: bool,
                                                    insecure: bool) -> None:
    value = "null" if host == "null" else f"{scheme}{host}{port}{path}"
    try:
        CORSPolicy(allow_origins=[value], allow_credentials=credentials,
                   dangerously_allow_insecure_origins=insecure)
    except ConfigError as error:
        assert len(error.problems) <= 2  # one per value (+ one credential problem)
        for problem in error.problems:
            _seen.add(problem.code)
            assert_suggestions_start(problem, credentials, insecure)


def test_the_properties_met_every_problem_code() -> None:
    # Runs after the two properties above (file order): each code came up at least once.
    expected = {"origin-no-scheme", "origin-not-serialized", "origin-scheme", "origin-port",
                "origin-default-port", "origin-not-punycode", "origin-uppercase",
                "origin-wildcard", "origin-host", "origin-insecure", "origin-public-suffix",
                "origin-null", "origin-file", "regex-unproven"}
    assert expected <= _seen, expected - _seen


# -- issue 21: real-shaped regex settings -------------------------------------------

# (regex, credentials): what projects ship. Each starts...
STARTS = [
    (r"^https://\w+\.example\.com$", True),                       # django-cors-headers' docs
    (r"^https://[a-z0-9-]+\.example\.com$", True),
    (r"^https://(www\.)?example\.com$", True),
    (r"^https?://(localhost|127\.0\.0\.1)(:\d+)?$", True),
    (r"^http://localhost:\d+$", True),
    (r"^https://example\.com", True),                             # full-matched anyway
    (r"http://192\.168\.\d+\.\d+(:\d+)?", False),                 # a LAN, no credentials
    (r"^http://10\.0\.\d+\.\d+:8080$", False),
    (r"^https://deploy-preview-\d+--mysite\.netlify\.app$", False),
    (r"https://[a-z0-9-]+\.ngrok-free\.app", False),
]
# ...and each of these would let an attacker's origin in (with a peer: reflected).
REFUSED = [
    (r"^https://.*example\.com$", True, "https://evilexample.com"),
    (r"https://app.example.com", True, "https://appxexample.com"),
    (r"^https://[a-z0-9-]+\.vercel\.app$", True, "https://evil.vercel.app"),
    (r"^https?://.*\.example\.com$", True, "http://a.example.com"),
    (r"^http://.*$", True, "http://evil.net"),
    (r"^https://app\.example\.com.*$", False, "https://app.example.com.evil.net"),
    (r"^https://[a-z]+example\.com$", False, "https://evilexample.com"),
]


@pytest.mark.parametrize(("regex", "credentials"), STARTS)
def test_safe_real_regexes_start(regex: str, credentials: bool) -> None:
    CORSPolicy(allow_origin_regex=regex, allow_credentials=credentials)


@pytest.mark.parametrize(("regex", "credentials", "attacker"), REFUSED)
def test_insecure_real_regexes_are_refused_and_their_fix_starts(regex: str, credentials: bool,
                                                                attacker: str) -> None:
    assert re.fullmatch(regex, attacker)  # the danger is real
    for problem in problems(allow_origin_regex=regex, allow_credentials=credentials):
        assert_suggestions_start(problem, credentials, False)
        for fixed in suggestions(problem.hint)[0]:
            assert not re.fullmatch(fixed, attacker)
