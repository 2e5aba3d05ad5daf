"""Property-based tests (hypothesis) of the origin matcher and header parsing.

* any bytes in Origin / ACRM / ACRH: no exception, no CR/LF/NUL or non-latin-1 in
  emitted headers, ACAO only ever an allowed origin (and the request's own);
* a subdomain pattern never matches across a label boundary;
* a differential test against a slow, obviously-correct reference matcher.
"""

from __future__ import annotations

import io
import re
import string
import sys
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.e2e import apps
from tests.support.figures import record
from wsgicors import ConfigError, CORSMiddleware, CORSPolicy
from wsgicors.origins import is_serialized_origin

EXACT = ["https://app.example.com", "http://localhost:8080", "https://foo.com", "https://bar.com"]
PATTERNS = [("https", "example.com", None), ("http", "localhost", "*"), ("https", "a-b.io", "8443")]
ALLOWED_HEADERS = ["content-type", "x-allowed", "authorization"]
POLICY = CORSPolicy(
    allow_origins=[*EXACT, "https://*.example.com", "http://localhost:*", "https://*.a-b.io:8443"],
    allow_credentials=True, allow_headers=ALLOWED_HEADERS, allow_methods=["PUT", "PATCH"],
)
APP = CORSMiddleware(apps.raw_app, POLICY)
EXAMPLES = 3000
_runs: Counter[str] = Counter()

# Pieces that assemble into near-miss origins far more often than random text does.
PIECES = ["https://", "http://", "HTTPS://", "app", "example", "com", "foo", "bar", "localhost",
          "a-b", "io", ".", ".", ":", "8080", "8443", "443", "80", "0", "65536", "-", "_", "/",
          "x", "A", "@", "[::1]", "\r\n", " ", ",", "\x00", "é", "*", "null"]
near_origins = st.lists(st.sampled_from(PIECES), max_size=12).map("".join)
any_text = st.binary(max_size=200).map(lambda raw: raw.decode("latin-1"))
origins = st.one_of(near_origins, any_text, st.sampled_from(EXACT))
HOST_CHARS = set(string.ascii_lowercase + string.digits + "-_")


def reference_allowed(origin: str) -> bool:
    """Slow and obvious: the configured exact origins, then each pattern by labels."""
    if origin in EXACT:
        return True
    return any(_pattern_allows(origin, *pattern) for pattern in PATTERNS)


def _pattern_allows(origin: str, scheme: str, suffix: str, port: str | None) -> bool:
    head = scheme + "://"
    if not origin.startswith(head):
        return False
    host, colon, given_port = origin[len(head):].partition(":")
    if not _port_ok(scheme, port, colon, given_port):
        return False
    labels, tail = host.split("."), suffix.split(".")
    if port == "*" and host == suffix:  # "http://localhost:*" is the host itself
        return True
    if len(labels) <= len(tail) or labels[-len(tail):] != tail:
        return False
    return all(label and set(label) <= HOST_CHARS for label in labels[:-len(tail)])


def _port_ok(scheme: str, port: str | None, colon: str, given: str) -> bool:
    if port is None:
        return not colon
    if not colon:
        return port == "*"
    if port != "*":
        return given == port
    default = {"http": "80", "https": "443"}[scheme]
    return (given.isdigit() and given.isascii() and not given.startswith("0")
            and int(given) <= 65535 and given != default)


def reference_header_names(value: str) -> list[str] | None:
    """ACRH parsed the obvious way: comma-split, trimmed, empties dropped, tokens only."""
    token = set(string.ascii_letters + string.digits + "!#$%&'*+-.^_`|~")
    names = [part.strip(" \t").lower() for part in value.split(",")]
    names = [name for name in names if name]
    if any(not set(name) <= token for name in names):
        return None
    return names


def request(origin: str, method: str = "GET", acrm: str | None = None,
            acrh: str | None = None) -> tuple[int, list[tuple[str, str]]]:
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method, "PATH_INFO": "/data", "QUERY_STRING": "",
        "SERVER_NAME": "t", "SERVER_PORT": "80", "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr, "wsgi.url_scheme": "http", "HTTP_ORIGIN": origin,
    }
    if acrm is not None:
        environ["HTTP_ACCESS_CONTROL_REQUEST_METHOD"] = acrm
    if acrh is not None:
        environ["HTTP_ACCESS_CONTROL_REQUEST_HEADERS"] = acrh
    seen: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc: Any = None) -> Any:
        seen.update(status=int(status[:3]), headers=headers)
        return lambda data: None

    b"".join(APP(environ, start_response))
    return seen["status"], seen["headers"]


def _check_emitted(headers: list[tuple[str, str]], origin: str) -> str | None:
    for name, value in headers:
        for text in (name, value):
            text.encode("latin-1")
            assert not set(text) & {"\r", "\n", "\x00"}, (name, value)
    acao = [value for name, value in headers if name.lower() == "access-control-allow-origin"]
    assert len(acao) <= 1
    if acao:
        assert acao[0] == origin
        assert reference_allowed(origin), origin
        return acao[0]
    return None


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(origin=origins, acrm=any_text, acrh=st.one_of(any_text, near_origins))
def test_any_bytes_never_break_the_response(origin: str, acrm: str, acrh: str) -> None:
    _runs["any-bytes"] += 1
    _check_emitted(request(origin)[1], origin)
    status, headers = request(origin, "OPTIONS", acrm, acrh)
    assert status in (204, 403)
    allowed = _check_emitted(headers, origin)
    if status == 204:
        assert allowed == origin
        assert acrm in ("GET", "HEAD", "POST", "PUT", "PATCH")
        names = reference_header_names(acrh)
        assert names is not None
        assert set(names) <= set(ALLOWED_HEADERS)


@settings(max_examples=EXAMPLES, deadline=None)
@given(origin=origins)
def test_matcher_agrees_with_reference(origin: str) -> None:
    _runs["differential"] += 1
    assert (POLICY.lookup(origin) is not None) == reference_allowed(origin), origin


label = st.text(alphabet="abcxyz019-_", min_size=1, max_size=8)


@settings(max_examples=EXAMPLES, deadline=None)
@given(prefix=st.lists(label, min_size=1, max_size=4), glue=st.sampled_from(["", "-", "_", "x"]))
def test_pattern_never_crosses_a_label_boundary(prefix: list[str], glue: str) -> None:
    """``https://*.example.com`` matches ``<labels>.example.com`` and nothing glued to it."""
    _runs["label-boundary"] += 1
    subdomain = "https://" + ".".join(prefix) + ".example.com"
    glued = "https://" + ".".join(prefix) + glue + "example.com"
    assert POLICY.lookup(subdomain) is not None
    assert POLICY.lookup(glued) is None or glued in EXACT


@settings(max_examples=EXAMPLES, deadline=None)
@given(value=st.one_of(any_text, st.lists(st.sampled_from(
    ["content-type", "X-Allowed", " ", ",", "\t", "authorization", "x-other", "é", ""]),
    max_size=10).map("".join)))
def test_header_parsing_agrees_with_reference(value: str) -> None:
    _runs["acrh"] += 1
    answer = POLICY.allow_headers_for(value)
    names = reference_header_names(value)
    expected = names is not None and len(names) <= 64 and set(names) <= set(ALLOWED_HEADERS)
    assert (answer is not None) == expected, value


# Regex pieces, safe and unsafe, that users write (and attackers hope for).
SCHEMES = ["https", "https?", "http", "(https|http)", "[a-z]+", ".*", "htt.s"]
HOST_HEADS = ["", r"[a-z0-9-]+\.", r"(\w+\.)?", r".*\.", ".*", "[a-z]+", r"app\.", "app.",
              r"(app|api)\.", r"([a-z]+\.)*"]
DOMAINS = [r"example\.com", "example.com", "com", r"co\.uk", r"github\.io",
           r"amazonaws\.com", r"example\.co\.uk", "localhost"]
TAILS = ["", r"(:\d+)?", ":8443", ".*", "[a-z]*", "(:.*)?", r"\.evil\.net", "/?", r"\d*"]
PROBES = ["https://app.example.com.evil.net", "https://evilexample.com", "https://appxexample.com",
          "http://app.example.com", "https://x.github.io", "https://s3.amazonaws.com",
          "https://bucket.s3.amazonaws.com", "https://evil.co.uk", "https://example.com_.evil.net",
          "https://app.example.com:8443", "https://example.com", "http://localhost:1"]


def _psl() -> Any:
    from publicsuffixlist import PublicSuffixList

    return PublicSuffixList()


PSL = _psl()


def _trusted_domain_ok(regex: str, origin: str) -> bool:
    """Independent of wsgicors: plain http only for localhost, and the origin's host is
    written out in the regex, or its registrable domain (never a public suffix) is."""
    scheme, rest = origin.split("://", 1)
    host = rest.rsplit(":", 1)[0] if not rest.endswith("]") else rest
    if host == "localhost" or host.endswith(".localhost"):
        return True
    if scheme != "https":
        return False
    if "://" + re.escape(host) in regex.replace("(", "").replace(")", ""):
        return True  # an exact host, as allow_origins takes it
    domain = PSL.privatesuffix(host)
    return domain is not None and re.escape(domain) in regex


@settings(max_examples=EXAMPLES // 3, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(scheme=st.sampled_from(SCHEMES), head=st.sampled_from(HOST_HEADS),
       domain=st.sampled_from(DOMAINS), tail=st.sampled_from(TAILS),
       anchored=st.booleans(), data=st.data())
def test_accepted_credentialed_regex_only_matches_trusted_domains(
    scheme: str, head: str, domain: str, tail: str, anchored: bool, data: st.DataObject
) -> None:
    """Every origin an accepted regex matches is one the pattern rules would accept."""
    _runs["regex-validation"] += 1
    regex = f"{scheme}://{head}{domain}{tail}"
    if anchored:
        regex = f"^{regex}$"
    try:
        policy = CORSPolicy(allow_origin_regex=regex, allow_credentials=True)
    except ConfigError:
        return
    _runs["regex-validation accepted"] += 1
    for probe in PROBES:
        if policy.lookup(probe) is not None:
            assert _trusted_domain_ok(regex, probe), (regex, probe)
    matched = data.draw(st.from_regex(regex, fullmatch=True).filter(is_serialized_origin))
    if policy.lookup(matched) is not None:
        assert _trusted_domain_ok(regex, matched), (regex, matched)


@pytest.fixture(scope="module", autouse=True)
def _report_examples() -> Iterator[None]:
    yield
    if _runs:
        record("hypothesis examples", dict(sorted(_runs.items())))
        record("hypothesis examples total", sum(_runs.values()))
