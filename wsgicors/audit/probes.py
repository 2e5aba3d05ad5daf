"""Probe origins: the attacker origins an audit tries, derived from the trusted ones.

Each trusted origin (``https://app.example.com``) and its registrable domain
(``example.com``, by the public suffix list) give the origins a careless check lets
through: the same host followed by an attacker's domain (prefix match), an attacker's
domain ending with it (suffix match), its dots as any character (unescaped regex dot),
its ``http://`` twin, a random subdomain, special characters after the host. A random
attacker origin and ``null`` are tried once per URL.
"""

from __future__ import annotations

import secrets
import urllib.parse
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..origins import is_public_suffix, is_serialized_origin
from .vocabulary import ProbeKind

#: Characters some browsers (Safari, and Chromium for ``_``) accept in a host; a check
#: that stops at "the trusted host followed by a non-letter" lets them through.
SPECIAL_CHARACTERS = ("_", "-", "`", "}", "{", "!", "~", "$", "&", "'", "*", "+")
#: The method and request header a preflight probe asks for.
PREFLIGHT_METHOD = "PUT"
AUDIT_HEADER = "x-wsgicors-audit"


@dataclass(frozen=True)
class Probe:
    """One request of an audit.

    ``kind`` is the finding the probe tests (``control`` for a trusted origin itself),
    ``trusted`` the trusted origin it derives from (None for the per-URL probes), and
    ``method``/``request_headers`` are what a preflight asks for (``method`` is None for
    an actual ``GET``).
    """

    kind: ProbeKind
    origin: str
    trusted: str | None = None
    method: str | None = None
    request_headers: str | None = None
    private_network: bool = False

    @property
    def preflight(self) -> bool:
        """True for an ``OPTIONS`` preflight, False for an actual ``GET``."""
        return self.method is not None


def new_token() -> str:
    """A short random label: probe origins no allowlist can contain by accident."""
    return secrets.token_hex(4)


def attacker_domain(token: str) -> str:
    """A registrable domain an attacker could buy, unique to this audit."""
    return f"wsgicors-audit-{token}.com"


def registrable_domain(host: str) -> str | None:
    """The domain under a public suffix that *host* belongs to, or None.

    ``app.example.co.uk`` gives ``example.co.uk``; an IP address, ``localhost`` or a
    public suffix itself gives None (there is nothing an attacker could register
    around it).
    """
    digits = host.replace(".", "")
    if not host or host.startswith("[") or (digits.isascii() and digits.isdigit()):
        return None
    labels = host.split(".")
    for start in range(len(labels) - 1, -1, -1):
        candidate = ".".join(labels[start:])
        if not is_public_suffix(candidate):
            return candidate
    return None


def per_url_probes(token: str) -> list[Probe]:
    """The probes every URL gets once: a random attacker origin and ``null``."""
    attacker = f"https://{attacker_domain(token)}"
    return [
        Probe("any-origin-reflected", attacker),
        Probe("any-origin-reflected", attacker, method=PREFLIGHT_METHOD,
              request_headers=AUDIT_HEADER, private_network=True),
        Probe("null-origin-allowed", "null"),
    ]


def trusted_probes(trusted: str, token: str) -> list[Probe]:
    """First-round probes derived from one trusted origin (*trusted* must be serialized)."""
    scheme, host, port = _split(trusted)
    domain = registrable_domain(host)
    attacker = attacker_domain(token)
    found = [
        Probe("control", trusted, trusted),
        Probe("control", trusted, trusted, PREFLIGHT_METHOD, f"{AUDIT_HEADER}-{token}"),
        Probe("preflight-any-method", trusted, trusted, f"AUDIT{token.upper()}", AUDIT_HEADER),
        Probe("prefix-match", f"{scheme}://{host}.{attacker}{port}", trusted),
    ]
    if domain is not None:
        if domain != host:
            found.append(Probe("prefix-match", f"{scheme}://{domain}.{attacker}{port}", trusted))
            parent = host[: -len(domain) - 1]
            found.append(Probe("unescaped-regex-dot", f"{scheme}://{parent}x{domain}{port}",
                               trusted))
        found.append(Probe("suffix-match", f"{scheme}://attacker{domain}{port}", trusted))
        found.append(Probe("any-subdomain-trusted",
                           f"{scheme}://wsgicors-audit-{token}.{domain}{port}", trusted))
    if scheme == "https":
        found.append(Probe("insecure-scheme-trusted", f"http://{host}{port}", trusted))
    return found


def special_probes(trusted: str, token: str) -> list[Probe]:
    """Second-round probes: special characters between the trusted host and an attacker's."""
    scheme, host, port = _split(trusted)
    attacker = attacker_domain(token)
    return [Probe("special-character-bypass", f"{scheme}://{host}{char}.{attacker}{port}",
                  trusted) for char in SPECIAL_CHARACTERS]


def check_trusted(origins: Iterable[str]) -> list[str]:
    """The problems of the ``--origin`` values, one sentence each (empty when fine)."""
    return [f"--origin {value!r} is not a serialized origin (scheme://host[:port], "
            "lower case, no path, no default port)"
            for value in origins if not is_serialized_origin(value)]


def _split(origin: str) -> tuple[str, str, str]:
    parts = urllib.parse.urlsplit(origin)
    port = f":{parts.port}" if parts.port else ""
    return parts.scheme, parts.hostname or "", port


def unique(probes: Sequence[Probe]) -> list[Probe]:
    """*probes* without repeats of the same request (same origin, method, headers)."""
    seen: set[tuple[str, str | None, str | None, bool]] = set()
    kept = []
    for probe in probes:
        key = (probe.origin, probe.method, probe.request_headers, probe.private_network)
        if key not in seen:
            seen.add(key)
            kept.append(probe)
    return kept
