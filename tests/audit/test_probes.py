"""Probe origins derived from trusted origins and their registrable domain."""

from __future__ import annotations

import pytest

from wsgicors.audit.probes import (
    NO_ORIGIN,
    SPECIAL_CHARACTERS,
    check_trusted,
    dots_replaced,
    per_url_probes,
    registrable_domain,
    representative,
    special_probes,
    trusted_probes,
    trusted_rule,
)
from wsgicors.origins import is_serialized_origin


@pytest.mark.parametrize(("host", "domain"), [
    ("app.example.com", "example.com"),
    ("example.com", "example.com"),
    ("a.b.example.co.uk", "example.co.uk"),
    ("alice.github.io", "alice.github.io"),  # a private public suffix: github.io
    ("github.io", None),
    ("com", None),
    ("localhost", None),
    ("127.0.0.1", None),
    ("[::1]", None),
])
def test_registrable_domain(host: str, domain: str | None) -> None:
    assert registrable_domain(host) == domain


def _origins(trusted: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for probe in trusted_probes(trusted, "t0k"):
        if not probe.preflight:
            found.setdefault(probe.kind, []).append(probe.origin)
    return found


def test_probes_around_a_subdomain_origin() -> None:
    assert _origins("https://app.example.co.uk") == {
        "control": ["https://app.example.co.uk"],
        "prefix-match": ["https://app.example.co.uk.wsgicors-audit-t0k.com",
                         "https://example.co.uk.wsgicors-audit-t0k.com"],
        "unescaped-regex-dot": ["https://appxexample.co.uk", "https://app.examplexco.uk",
                                "https://app.example.coxuk"],  # every dot of the host
        "suffix-match": ["https://attackerexample.co.uk"],
        # Letters only: even a regex of [a-z]+ or \w+ for the label lets it in.
        "any-subdomain-trusted": ["https://wsgicorsaudittgk.example.co.uk"],
        "insecure-scheme-trusted": ["http://app.example.co.uk"],
    }


def test_probes_keep_the_port_and_skip_what_a_host_cannot_have() -> None:
    assert _origins("http://localhost:3000") == {
        "control": ["http://localhost:3000"],
        "prefix-match": ["http://localhost.wsgicors-audit-t0k.com:3000"],
    }
    assert _origins("https://127.0.0.1:8443") == {
        "control": ["https://127.0.0.1:8443"],
        "prefix-match": ["https://127.0.0.1.wsgicors-audit-t0k.com:8443"],
        "insecure-scheme-trusted": ["http://127.0.0.1:8443"],
    }


def test_an_ipv6_origin_keeps_its_brackets() -> None:
    assert _origins("https://[::1]:8443") == {
        "control": ["https://[::1]:8443"],
        "insecure-scheme-trusted": ["http://[::1]:8443"],
    }
    assert special_probes("https://[::1]:8443", "t0k") == []


def test_every_dot_of_the_trusted_host() -> None:
    assert dots_replaced("app.example.com") == ["appxexample.com", "app.examplexcom"]
    assert dots_replaced("a.b.example.com") == ["axb.example.com", "a.bxexample.com",
                                                "a.b.examplexcom"]
    assert dots_replaced("localhost") == []


@pytest.mark.parametrize(("value", "rule"), [
    ("https://app.example.com", ("app.example.com", None)),
    ("http://localhost:5173", ("localhost", "5173")),
    ("https://[::1]:8443", ("[::1]", "8443")),
    ("https://*.example.com", ("*.example.com", None)),
    ("https://*.example.co.uk:8443", ("*.example.co.uk", "8443")),
])
def test_trusted_origins_and_subdomain_patterns(value: str,
                                                rule: tuple[str, str | None]) -> None:
    found = trusted_rule(value)
    assert found is not None and (found.host, found.port) == rule


@pytest.mark.parametrize("value", [
    "https://*.com", "https://*.co.uk", "https://*.github.io",  # anyone registers there
    "http://localhost:*", "https://app.*.com", "https://*example.com", "null",
    "https://app.example.com/",
])
def test_what_a_trusted_value_cannot_be(value: str) -> None:
    assert trusted_rule(value) is None
    assert len(check_trusted([value])) == 1


def test_a_pattern_is_probed_through_one_subdomain() -> None:
    rule = trusted_rule("https://*.example.com")
    assert rule is not None
    assert representative(rule, "t0k") == "https://wsgicorsaudittgk.example.com"


def test_every_probe_is_an_origin_a_browser_could_send() -> None:
    probes = per_url_probes("t0k") + trusted_probes("https://app.example.com", "t0k")
    for probe in probes:
        assert probe.origin in ("null", NO_ORIGIN) or is_serialized_origin(probe.origin), probe
    assert [p.kind for p in per_url_probes("t0k") if p.origin == NO_ORIGIN] == [
        "missing-vary-origin"]
    specials = special_probes("https://app.example.com", "t0k")
    assert [p.origin for p in specials][:2] == [
        "https://app.example.com_.wsgicors-audit-t0k.com",
        "https://app.example.com-.wsgicors-audit-t0k.com"]
    assert len(specials) == len(SPECIAL_CHARACTERS)


def test_preflight_probes_ask_for_what_only_an_echo_grants() -> None:
    preflights = [p for p in trusted_probes("https://app.example.com", "t0k") if p.preflight]
    assert {(p.kind, p.method, p.request_headers) for p in preflights} == {
        ("control", "PUT", "x-wsgicors-audit-t0k"),
        ("preflight-any-method", "AUDITT0K", "x-wsgicors-audit"),
    }
    [attacker] = [p for p in per_url_probes("t0k") if p.preflight]
    assert attacker.private_network


def test_check_trusted() -> None:
    assert check_trusted(["https://app.example.com", "http://localhost:3000"]) == []
    assert len(check_trusted(["https://app.example.com/", "app.example.com", "null"])) == 3
