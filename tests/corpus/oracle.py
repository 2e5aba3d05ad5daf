"""The oracle: insecure, broken or safe, decided from what a running app answers.

It sends a GET with ``Origin`` and a ``Cookie`` (what a browser's
``fetch(url, {credentials: "include"})`` sends) for every origin the configuration
is meant for and for attacker origins derived from the hosts it names
(``security-cases.md``: ``https://evil.com``, ``https://HOST.evil.com``,
``https://evilHOST``, unescaped-dot variants, siblings under a public suffix,
``null``, plain-http variants...), and reads ``Access-Control-Allow-Origin`` and
``Access-Control-Allow-Credentials``.

**Untrusted** (the origins an attacker can own):

* ``null`` (any page can produce it: a sandboxed iframe, a data: URL);
* an origin whose registrable domain (public suffix list, known suffixes only) is
  not one the configuration names;
* plain ``http://`` on a domain the configuration is meant for only over https
  (anyone on the network path owns that origin).

Hosts no one can register on the public web (single labels such as ``localhost``,
IP addresses, unknown top-level domains such as ``corp.lan``) are never counted as
an attacker's: a pattern that only widens to them is not a hole.

* **insecure** iff some untrusted origin gets ACAO equal to it and ACAC ``true``;
* else **broken** iff no meant origin gets a usable answer: ACAO equal to it (or
  ``*`` when credentials are not asked for), and ACAC ``true`` when they are;
* else **safe**.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from publicsuffixlist import PublicSuffixList

from .records import Record, Verdict, asks_credentials, meant_origins, strings

#: Sends one credentialed GET per origin to the app under test; returns each
#: response's headers with lower-case names.
Sender = Callable[[Sequence[str]], list[Mapping[str, str]]]

#: Origins attackers own whatever the configuration says.
FIXED_ATTACKERS = (
    "null", "https://evil.com", "http://evil.com", "https://evil.github.io",
    "https://evil.vercel.app", "https://evil.netlify.app", "https://evil.herokuapp.com",
    "https://codepen.io", "https://jsfiddle.net",
)
_ORIGIN = re.compile(
    r"(?P<scheme>https?)://(?P<host>[a-z0-9_-]+(?:\.[a-z0-9_-]+)*)(?::(?P<port>[0-9]{1,5}))?"
)
# Host names a configuration names: in origins, patterns and (unescaped) regexes:
# anything dotted, and single labels right after "://" (localhost).
_HOST_TOKEN = re.compile(r"[a-z0-9_-]+(?:\.[a-z0-9_-]+)+|(?<=://)[a-z0-9_-]+|(?<=://\()[a-z0-9_-]+")


@functools.cache
def _psl() -> PublicSuffixList:
    return PublicSuffixList()


def registrable(host: str) -> str | None:
    """The registrable domain of *host*, or None if no one can register it publicly."""
    found = _psl().privatesuffix(host, accept_unknown=False)
    return found if isinstance(found, str) else None


def _parts(origin: str) -> tuple[str, str, str | None] | None:
    match = _ORIGIN.fullmatch(origin)
    if match is None:
        return None
    return match["scheme"], match["host"], match["port"]


def named_hosts(record: Record) -> list[str]:
    """Every host name the configuration mentions (regexes read with ``\\.`` as a dot)."""
    hosts: dict[str, None] = {}
    for text in [*strings(record.options), *meant_origins(record)]:
        unescaped = text.lower().replace("\\\\", "").replace("\\.", ".").replace("\\/", "/")
        for token in _HOST_TOKEN.findall(unescaped):
            hosts[token.strip(".")] = None
    return list(hosts)


@dataclass(frozen=True)
class Trust:
    """Which origins a configuration trusts: the domains it names, and how."""

    domains: frozenset[str]
    #: Hosts (and registrable domains) some meant origin uses over plain http.
    plain_http: frozenset[str]
    #: Hosts some meant origin uses over https.
    secure: frozenset[str]

    @classmethod
    def of(cls, record: Record) -> Trust:
        meant = [parts for origin in meant_origins(record) if (parts := _parts(origin))]
        domains = {registrable(host) for host in named_hosts(record)}
        plain = {host for scheme, host, _port in meant if scheme == "http"}
        plain |= {domain for host in plain if (domain := registrable(host))}
        secure = {host for scheme, host, _port in meant if scheme == "https"}
        return cls(frozenset(d for d in domains if d), frozenset(plain), frozenset(secure))

    def untrusted(self, origin: str) -> bool:
        """True if an attacker can own *origin* (see the module's docstring)."""
        if origin == "null":
            return True
        parts = _parts(origin)
        if parts is None:
            return False  # not an origin a browser sends
        scheme, host, _port = parts
        domain = registrable(host)
        if scheme == "http" and host not in self.plain_http and (
            host in self.secure or (domain is not None and domain not in self.plain_http)
        ):
            return True  # plain http where https is meant: the network owns it
        return domain is not None and domain not in self.domains


def _variants(host: str) -> list[str]:
    """Attacker hosts built from *host*: prefix, suffix, dot and sibling tricks."""
    found = [f"evil.{host}", f"{host}.evil.com", f"{host}_.evil.com", f"evil{host}",
             f"x{host}", f"evil-{host}"]
    for index, char in enumerate(host):
        if char == ".":
            found.append(host[:index] + "x" + host[index + 1:])
    label, _dot, rest = host.partition(".")
    if rest:
        found += [f"{label}-evil.{rest}", f"{label}evil.{rest}", f"evil-{label}.{rest}",
                  f"evil.{rest}"]
    return found


def attacker_origins(record: Record, trust: Trust | None = None) -> list[str]:
    """The untrusted origins probed for *record*, derived from the hosts it names."""
    trust = trust or Trust.of(record)
    candidates: list[str] = list(FIXED_ATTACKERS)
    ports = {parts[2] for origin in meant_origins(record) if (parts := _parts(origin))}
    for host in named_hosts(record):
        for variant in (host, *_variants(host)):
            for scheme in ("https", "http"):
                candidates.append(f"{scheme}://{variant}")
                candidates += [f"{scheme}://{variant}:{port}" for port in ports if port]
    return [origin for origin in dict.fromkeys(candidates)
            if (origin == "null" or _valid(origin)) and trust.untrusted(origin)]


def _valid(origin: str) -> bool:
    parts = _parts(origin)
    return parts is not None and (parts[2] is None or 0 < int(parts[2]) <= 65535)


@dataclass(frozen=True)
class Finding:
    """The oracle's verdict and the responses that prove it."""

    verdict: Verdict
    #: Untrusted origins echoed with credentials (the proof of ``insecure``).
    leaks: tuple[str, ...]
    #: Meant origins that got a usable answer (none: ``broken``).
    working: tuple[str, ...]
    probed: int

    def __str__(self) -> str:
        return (f"{self.verdict} (leaks: {list(self.leaks[:3])}, working: "
                f"{list(self.working)}, {self.probed} probes)")


def usable(response: Mapping[str, str], origin: str, credentials: bool) -> bool:
    """True if a browser lets the page at *origin* read *response*."""
    allow = response.get("access-control-allow-origin")
    if credentials:
        return allow == origin and _credentialed(response)
    return allow in (origin, "*")


def _credentialed(response: Mapping[str, str]) -> bool:
    return response.get("access-control-allow-credentials", "").lower() == "true"


def classify(record: Record, send: Sender) -> Finding:
    """Insecure, broken or safe: *record*'s app (reached through *send*) decides."""
    trust = Trust.of(record)
    attackers = attacker_origins(record, trust)
    meant = list(meant_origins(record))
    if not meant:
        raise ValueError(f"{record.id}: no meant origin; give Record(meant=...)")
    responses = send([*attackers, *meant])
    leaks = tuple(origin for origin, response in zip(attackers, responses, strict=False)
                  if response.get("access-control-allow-origin") == origin
                  and _credentialed(response))
    credentials = asks_credentials(record.options)
    working = tuple(origin for origin, response in zip(meant, responses[len(attackers):],
                                                        strict=True)
                    if usable(response, origin, credentials))
    verdict: Verdict = "insecure" if leaks else "broken" if not working else "safe"
    return Finding(verdict, leaks, working, len(attackers) + len(meant))


def leaked(origins: Iterable[str], send: Sender) -> list[str]:
    """The *origins* that *send*'s app echoes with credentials."""
    origins = list(origins)
    return [origin for origin, response in zip(origins, send(origins), strict=True)
            if response.get("access-control-allow-origin") == origin and _credentialed(response)]
