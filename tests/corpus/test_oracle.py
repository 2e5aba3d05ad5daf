"""The corpus's own machinery: the oracle can tell the three classes apart, its probes
are the attacks security-cases.md lists, and hints are applied as a user would."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import pytest

from wsgicors import Problem

from .hints import alternatives, fixes, quoted
from .oracle import Sender, Trust, attacker_origins, classify, named_hosts
from .records import Record, Rx, asks_credentials, meant_origins

SUBDOMAINS = Record("t-subdomains", "django", "settings", {
    "CORS_ALLOWED_ORIGIN_REGEXES": [r"^https://(\w+\.)?example\.com$"],
    "CORS_ALLOWED_ORIGINS": ["https://app.example.com"], "CORS_ALLOW_CREDENTIALS": True,
}, "test", "safe")


def _echo(allowed: Sequence[str] | None, credentials: bool = True) -> Sender:
    """A fake app echoing the origins in *allowed* (every origin when None)."""

    def send(origins: Sequence[str]) -> list[Mapping[str, str]]:
        answers: list[Mapping[str, str]] = []
        for origin in origins:
            headers = {}
            if allowed is None or origin in allowed:
                headers["access-control-allow-origin"] = origin
                if credentials:
                    headers["access-control-allow-credentials"] = "true"
            answers.append(headers)
        return answers

    return send


def test_reflecting_every_origin_with_credentials_is_insecure() -> None:
    finding = classify(SUBDOMAINS, _echo(None))
    assert finding.verdict == "insecure"
    assert {"null", "https://evil.com", "https://app.example.com.evil.com"} <= set(finding.leaks)


def test_reflecting_every_origin_without_credentials_is_not_insecure() -> None:
    # Credentials asked for and never sent: broken, not insecure.
    assert classify(SUBDOMAINS, _echo(None, credentials=False)).verdict == "broken"
    public = Record("t-public", "fastapi", "add_middleware", {"allow_origins": ["*"]}, "test",
                    "safe", meant=("https://app.example.com",))
    assert classify(public, _echo(None, credentials=False)).verdict == "safe"


def test_only_the_meant_origins_is_safe_and_nothing_is_broken() -> None:
    assert classify(SUBDOMAINS, _echo(["https://app.example.com"])).verdict == "safe"
    assert classify(SUBDOMAINS, _echo([])).verdict == "broken"


def test_one_leak_is_enough() -> None:
    finding = classify(SUBDOMAINS, _echo(["https://app.example.com", "https://appxexample.com"]))
    assert (finding.verdict, finding.leaks) == ("insecure", ("https://appxexample.com",))


def test_probes_are_the_known_attacks_on_the_configured_hosts() -> None:
    probes = set(attacker_origins(SUBDOMAINS))
    assert {
        "null", "https://evil.com", "https://app.example.com.evil.com",
        "https://app.example.com_.evil.com", "https://evilexample.com", "https://xexample.com",
        "https://appxexample.com", "http://app.example.com", "http://example.com",
        "https://evil.github.io",
    } <= probes
    # Origins of the configuration's own registrable domain, over https, are its own.
    assert not {"https://evil.example.com", "https://app.example.com"} & probes


@pytest.mark.parametrize(("origin", "untrusted"), [
    ("null", True),
    ("https://evil.vercel.app", True),  # a sibling under a public suffix
    ("https://recipebox.vercel.app", False),
    ("http://recipebox.vercel.app", True),  # https is meant: the network owns http
    ("http://localhost:1234", False),  # no one on the web can own these
    ("http://192.168.7.7", False),
    ("http://printer.corp.lan", False),
    ("https://recipebox.vercel.app.evil.com", True),
])
def test_untrusted_means_an_attacker_can_own_it(origin: str, untrusted: bool) -> None:
    record = Record("t-vercel", "django", "settings", {
        "CORS_ALLOWED_ORIGIN_REGEXES": [r"^https://.*\.vercel\.app$"],
    }, "test", "safe", meant=("https://recipebox.vercel.app", "http://localhost:3000"))
    assert Trust.of(record).untrusted(origin) is untrusted


def test_plain_http_is_trusted_where_it_is_meant() -> None:
    record = Record("t-http", "flask", "CORS", {"origins": ["http://intranet.example.org"]},
                    "test", "safe")
    trust = Trust.of(record)
    assert not trust.untrusted("http://intranet.example.org")
    assert not trust.untrusted("http://wiki.example.org")
    assert trust.untrusted("http://example.org.evil.com")


def test_named_hosts_read_regexes_as_their_authors_do() -> None:
    record = Record("t-hosts", "django", "settings", {"CORS_ALLOWED_ORIGIN_REGEXES": [
        r"^http:\/\/localhost:*([0-9]+)?$", Rx(r"^https://(www|api)\.shop\.example\.net$", re.I),
    ]}, "test", "safe", meant=("http://localhost:3000",))
    assert {"localhost", "shop.example.net"} <= set(named_hosts(record))


def test_meant_origins_and_credentials_come_from_the_options() -> None:
    record = Record("t-meant", "flask", "CORS", {
        "resources": {r"/api/*": {"origins": ["https://a.example.com", r"https://.*\.b\.com"],
                                  "support_credentials": True}},
    }, "test", "broken")
    assert meant_origins(record) == ("https://a.example.com",)
    assert asks_credentials(record.options)  # the typo still says what was wanted


def test_hint_alternatives_are_parsed() -> None:
    insecure = Problem("origin-insecure", "allow_origins", "'http://a.example' allows ...",
                       "use 'https://a.example', or pass dangerously_allow_insecure_origins=True.")
    assert len(alternatives(insecure)) == 2
    vague = Problem("regex-unproven", "allow_origin_regex", "regex r'x' is refused",
                    "write an origin pattern such as 'https://*.example.com' instead.")
    assert alternatives(vague) == []
    assert quoted(r"regex r'^https://a\.b$' is refused") == r"^https://a\.b$"


def test_an_origin_suggested_for_a_regex_moves_to_the_origins() -> None:
    record = Record("t-move", "django", "settings", {
        "CORS_ALLOWED_ORIGIN_REGEXES": [r"^http://127.0.0.1:\d+$"],
        "CORS_ORIGIN_WHITELIST": ["https://a.example.com"],
    }, "test", "safe", meant=("http://127.0.0.1:3000",))
    problem = Problem("regex-unproven", "CORS_ALLOWED_ORIGIN_REGEXES",
                      r"regex r'^http://127.0.0.1:\d+$' is refused", "write 'http://127.0.0.1:*'.")
    (fixed,) = fixes(record, [problem])
    assert fixed.options == {"CORS_ALLOWED_ORIGIN_REGEXES": [],
                             "CORS_ORIGIN_WHITELIST": ["https://a.example.com",
                                                       "http://127.0.0.1:*"]}
    assert fixed.meant == record.meant


def test_every_combination_of_alternatives_is_offered() -> None:
    record = Record("t-both", "flask", "app.config", {
        "CORS_ORIGINS": ["http://intranet.example.org", "null"], "CORS_SUPPORTS_CREDENTIALS": True,
    }, "test", "safe")
    problems = [
        Problem("origin-insecure", "origins", "'http://intranet.example.org' allows ...",
                "use 'https://intranet.example.org', or turn supports_credentials off."),
        Problem("origin-null", "origins", "'null' is ...", "remove it; or else."),
    ]
    options = [dict(fixed.options) for fixed in fixes(record, problems)]
    assert {"CORS_ORIGINS": ["https://intranet.example.org"],
            "CORS_SUPPORTS_CREDENTIALS": True} in options
    assert {"CORS_ORIGINS": ["http://intranet.example.org"],
            "CORS_SUPPORTS_CREDENTIALS": False} in options  # app.config spells it CORS_*
