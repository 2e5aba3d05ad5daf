"""Probe origins: the attacker origins an audit tries, derived from the trusted ones.

Each trusted origin (``https://app.example.com``) and its registrable domain
(``example.com``, by the public suffix list) give the origins a careless check lets
through: the same host followed by an attacker's domain (prefix match), an attacker's
domain ending with it (suffix match), each of its dots as any character (unescaped
regex dot), its ``http://`` twin, a random subdomain, special characters after the
host. A random attacker origin, ``null`` and a request without ``Origin`` are tried
once per URL.

A trusted value may also be a subdomain pattern, ``https://*.example.com``: every
subdomain is then trusted on purpose, and the probes are derived from one of them
(:func:`representative`). A probe origin that a trusted pattern covers is never sent:
it is trusted, not an attack.
"""

from __future__ import annotations

import secrets
import urllib.parse
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..origins import (
    OriginRule,
    covers_public_suffix,
    is_public_suffix,
    is_serialized_origin,
    parse_origin_rule,
)
from .vocabulary import ProbeKind

#: Characters some browsers (Safari, and Chromium for ``_``) accept in a host; a check
#: that stops at "the trusted host followed by a non-letter" lets them through.
SPECIAL_CHARACTERS = ("_", "-", "`", "}", "{", "!", "~", "$", "&", "'", "*", "+")
#: The method and request header a preflight probe asks for.
PREFLIGHT_METHOD = "PUT"
AUDIT_HEADER = "x-wsgicors-audit"
#: The origin of the probe that sends no ``Origin`` header at all.
NO_ORIGIN = ""


@dataclass(frozen=True)
class Probe:
    """One request of an audit.

    ``kind`` is the finding the probe tests (``control`` for a trusted origin itself),
    ``origin`` the ``Origin`` it sends (:data:`NO_ORIGIN`: none), ``trusted`` the
    trusted origin it derives from (None for the per-URL probes), and
    ``method``/``request_headers`` are what a preflight asks for (``method`` is None
    for an actual request).
    """

    kind: ProbeKind
    origin: str
    trusted: str | None = None
    method: str | None = None
    request_headers: str | None = None
    private_network: bool = False

    @property
    def preflight(self) -> bool:
        """True for an ``OPTIONS`` preflight, False for an actual request."""
        return self.method is not None


def new_token() -> str:
    """A short random label: probe origins no allowlist can contain by accident."""
    return secrets.token_hex(4)


def attacker_domain(token: str) -> str:
    """A registrable domain an attacker could buy, unique to this audit."""
    return f"wsgicors-audit-{token}.com"


def subdomain_label(token: str) -> str:
    """A subdomain label of letters only, so that even ``[a-z]+`` or ``\\w+`` match it."""
    return "wsgicorsaudit" + token.translate(str.maketrans("0123456789", "ghijklmnop"))


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
    """The probes every URL gets once: a random attacker origin, ``null``, no Origin."""
    attacker = f"https://{attacker_domain(token)}"
    return [
        Probe("any-origin-reflected", attacker),
        Probe("any-origin-reflected", attacker, method=PREFLIGHT_METHOD,
              request_headers=AUDIT_HEADER, private_network=True),
        Probe("null-origin-allowed", "null"),
        Probe("missing-vary-origin", NO_ORIGIN),
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
    ]
    if not host.startswith("["):  # nothing can follow a bracketed IPv6 address
        found.append(Probe("prefix-match", f"{scheme}://{host}.{attacker}{port}", trusted))
    if domain is not None:
        if domain != host:
            found.append(Probe("prefix-match", f"{scheme}://{domain}.{attacker}{port}", trusted))
        found += [Probe("unescaped-regex-dot", f"{scheme}://{dotless}{port}", trusted)
                  for dotless in dots_replaced(host)]
        found.append(Probe("suffix-match", f"{scheme}://attacker{domain}{port}", trusted))
        found.append(Probe("any-subdomain-trusted",
                           f"{scheme}://{subdomain_label(token)}.{domain}{port}", trusted))
    if scheme == "https":
        found.append(Probe("insecure-scheme-trusted", f"http://{host}{port}", trusted))
    return found


def dots_replaced(host: str) -> list[str]:
    """*host* with each of its dots in turn replaced by ``x``: what ``.`` in an
    unescaped regex matches (``app.example.com``: ``appxexample.com``,
    ``app.examplexcom``)."""
    return [host[:i] + "x" + host[i + 1:] for i, char in enumerate(host) if char == "."]


def special_probes(trusted: str, token: str) -> list[Probe]:
    """Second-round probes: special characters between the trusted host and an attacker's."""
    scheme, host, port = _split(trusted)
    if host.startswith("["):
        return []
    attacker = attacker_domain(token)
    return [Probe("special-character-bypass", f"{scheme}://{host}{char}.{attacker}{port}",
                  trusted) for char in SPECIAL_CHARACTERS]


def trusted_rule(value: str) -> OriginRule | None:
    """*value* as a trusted origin or subdomain pattern, or None if it is neither."""
    if not (is_serialized_origin(value) or value.startswith(("http://*.", "https://*."))):
        return None
    rule, problems = parse_origin_rule(value, option="--origin", credentials=False,
                                       insecure_ok=True)
    if rule is None or problems or rule.port == "*":
        return None
    if rule.host.startswith("*.") and covers_public_suffix(rule.host[2:]):
        return None
    return rule


def representative(rule: OriginRule, token: str) -> str:
    """The origin probes are derived from: the rule itself, or for a subdomain pattern
    one subdomain (``https://*.example.com``: ``https://wsgicorsaudit....example.com``)."""
    if not rule.host.startswith("*."):
        return rule.text
    port = f":{rule.port}" if rule.port else ""
    return f"{rule.scheme}://{subdomain_label(token)}.{rule.host[2:]}{port}"


def check_trusted(origins: Iterable[str]) -> list[str]:
    """The problems of the ``--origin`` values, one sentence each (empty when fine)."""
    return [f"--origin {value!r} is not a serialized origin (scheme://host[:port], "
            "lower case, no path, no default port) or a subdomain pattern such as "
            "'https://*.example.com' (not over a public suffix)"
            for value in origins if trusted_rule(value) is None]


def _split(origin: str) -> tuple[str, str, str]:
    parts = urllib.parse.urlsplit(origin)
    port = f":{parts.port}" if parts.port else ""
    host = parts.netloc.rpartition("@")[2]
    host = host[: -len(port)] if port else host
    return parts.scheme, host, port


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
