"""Probe origins derived from trusted origins and their registrable domain."""

from __future__ import annotations

import pytest

from wsgicors.audit.probes import (
    SPECIAL_CHARACTERS,
    check_trusted,
    per_url_probes,
    registrable_domain,
    special_probes,
    trusted_probes,
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
        "unescaped-regex-dot": ["https://appxexample.co.uk"],
        "suffix-match": ["https://attackerexample.co.uk"],
        "any-subdomain-trusted": ["https://wsgicors-audit-t0k.example.co.uk"],
        "insecure-scheme-trusted": ["http://app.example.co.uk"],
    }


def test_probes_keep_the_port_and_skip_what_a_host_cannot_have() -> None:
    assert _origins("http://localhost:3000") == {
        "control": ["http://localhost:3000"],
        "prefix-match": ["http://localhost.wsgicors-audit-t0k.com:3000"],
    }


def test_every_probe_is_an_origin_a_browser_could_send() -> None:
    probes = per_url_probes("t0k") + trusted_probes("https://app.example.com", "t0k")
    for probe in probes:
        assert probe.origin == "null" or is_serialized_origin(probe.origin), probe
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
