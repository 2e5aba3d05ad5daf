"""Origins: what a browser sends, what a configuration may allow, and matching the two.

Browsers send a *serialized origin*: ``scheme "://" host [":" port]`` with a lowercase
scheme and host, IDN hosts in punycode and no default port. Configured origins are
validated into that same form at start-up, so a request is matched by exact string
comparison (or a compiled full-match pattern), never by a lenient parser.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from .errors import Problem

#: Longest Origin value worth looking at: 253-byte host, a scheme, a port.
MAX_ORIGIN_LENGTH = 300

_REQUEST_ORIGIN = re.compile(
    r"(?P<scheme>[a-z][a-z0-9+.\-]*)://"
    r"(?P<host>[a-z0-9_\-]+(?:\.[a-z0-9_\-]+)*|\[[0-9a-f:.]+\])"
    r"(?::(?P<port>[1-9][0-9]{0,4}))?"
)
_SCHEME = re.compile(r"[a-z][a-z0-9+.\-]*")
_HOST = re.compile(r"[a-z0-9_\-]+(?:\.[a-z0-9_\-]+)*|\[[0-9a-f:.]+\]")
_LABELS = r"(?:[a-z0-9_\-]+\.)+"
DEFAULT_PORTS = {"http": "80", "https": "443", "ws": "80", "wss": "443"}


def is_serialized_origin(value: str) -> bool:
    """True if *value* is an origin exactly as a browser serializes it.

    ``null`` is not a serialized origin (it is an opaque origin's placeholder).
    """
    if len(value) > MAX_ORIGIN_LENGTH:
        return False
    match = _REQUEST_ORIGIN.fullmatch(value)
    if match is None:
        return False
    port = match["port"]
    if port is None:
        return True
    return int(port) <= 65535 and DEFAULT_PORTS.get(match["scheme"]) != port


def is_valid_scheme(scheme: str) -> bool:
    """True if *scheme* is a URL scheme as browsers serialize it (lower case)."""
    return scheme.isascii() and _SCHEME.fullmatch(scheme) is not None


def is_valid_host(host: str) -> bool:
    """True if *host* is a lower-case DNS name, IPv4 address or bracketed IPv6 address."""
    return host.isascii() and _HOST.fullmatch(host) is not None


def is_loopback_host(host: str) -> bool:
    """True for ``localhost``, ``*.localhost``, 127.0.0.0/8 and ``[::1]``."""
    return (
        host == "localhost"
        or host.endswith(".localhost")
        or host == "[::1]"
        or re.fullmatch(r"127(?:\.[0-9]{1,3}){3}", host) is not None
    )


@functools.cache
def _public_suffix_list() -> object:
    from publicsuffixlist import PublicSuffixList

    return PublicSuffixList()


def is_public_suffix(domain: str) -> bool:
    """True if *domain* is a public suffix (``com``, ``co.uk``, ``github.io``...)."""
    psl = _public_suffix_list()
    return bool(psl.is_public(domain))  # type: ignore[attr-defined]


@functools.cache
def _domains_above_suffixes() -> frozenset[str]:
    """Every domain that is, or is a parent of, a public suffix (ICANN and private)."""
    from publicsuffixlist import PSLFILE

    found: set[str] = set()
    with open(PSLFILE, encoding="utf-8") as lines:
        for line in lines:
            rule = line.split(" ")[0].strip().lower()
            if not rule or rule.startswith(("//", "!")):
                continue  # comments, and exceptions (those names are registrable)
            try:
                labels = rule.removeprefix("*.").encode("idna").decode("ascii").split(".")
            except UnicodeError:
                continue
            found.update(".".join(labels[start:]) for start in range(len(labels)))
    return frozenset(found)


def covers_public_suffix(domain: str) -> bool:
    """True if *domain* or any name under it is a public suffix.

    ``amazonaws.com`` is one: ``s3.amazonaws.com`` below it is a public suffix where
    anyone can host pages, so ``https://*.amazonaws.com`` trusts strangers.
    """
    return "." not in domain or is_public_suffix(domain) or domain in _domains_above_suffixes()


@dataclass(frozen=True)
class OriginRule:
    """One validated entry of ``allow_origins``.

    ``host`` may start with ``*.`` (one or more subdomain labels, never the apex) and
    ``port`` may be ``"*"`` (any port, including the scheme's default, which browsers
    omit) or ``None`` (the default port only).
    """

    text: str
    scheme: str
    host: str
    port: str | None

    @property
    def is_exact(self) -> bool:
        """True if the rule matches exactly one origin: :attr:`text` itself."""
        return not self.host.startswith("*.") and self.port != "*"

    def regex(self) -> str:
        """The rule as a regular expression, to be full-matched against an origin."""
        if self.host.startswith("*."):
            host = _LABELS + re.escape(self.host[2:])
        else:
            host = re.escape(self.host)
        if self.port is None:
            port = ""
        elif self.port == "*":
            port = r"(?::[0-9]{1,5})?"
        else:
            port = ":" + self.port
        return re.escape(self.scheme) + "://" + host + port


def suggest_pattern(value: str) -> str:
    """The subdomain pattern a misplaced wildcard probably meant, for error hints.

    ``https://.*.example.com`` and ``https://app.example.com.*`` both become
    ``https://*.example.com``: the registrable domain of the labels without ``*``.
    """
    scheme, _sep, rest = value.rpartition("://")
    host = rest.split(":")[0]
    labels = [label for label in host.lower().split(".") if label and "*" not in label]
    scheme = scheme.lower() or "https"
    domain = ".".join(labels) or "example.com"
    if "." not in domain:  # localhost*: any port is what a single label can vary
        return f"{scheme}://{domain}:*"
    domain = _public_suffix_list().privatesuffix(domain) or domain  # type: ignore[attr-defined]
    return f"{scheme}://*.{domain}"


def suggest_origin(value: str) -> str:
    """Best-effort serialized form of a mistyped origin, for error hints."""
    if "*" in value:
        return suggest_pattern(value)
    candidate = value.strip()
    if "://" not in candidate:
        candidate = "https://" + candidate.lstrip("/")
    try:
        parts = urlsplit(candidate)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return candidate.rstrip("/")
    try:
        host = host.encode("idna").decode("ascii")
    except UnicodeError:
        host = host.lower()
    scheme = parts.scheme.lower()
    text = f"{scheme}://{host}"
    if port is not None and DEFAULT_PORTS.get(scheme) != str(port):
        text += f":{port}"
    return text


def parse_origin_rule(
    value: str, *, option: str, credentials: bool, insecure_ok: bool
) -> tuple[OriginRule | None, list[Problem]]:
    """Validate one configured origin; return the rule or the problems found."""
    shown = repr(value)
    if value == "null":
        return None, [Problem(
            "origin-null", option,
            "'null' is the origin of every sandboxed iframe and data: URL, so any site "
            "can send it; allowing it allows everyone.",
            "remove it; if you really must accept opaque origins, decide per request "
            "with allow_origin_func.",
        )]
    if value.lower().startswith("file:"):
        return None, [Problem(
            "origin-file", option,
            f"{shown}: browsers send 'null' for file: documents, never a file:// origin.",
            "remove it and serve the page from http://localhost instead.",
        )]
    if "://" not in value:
        return None, [Problem(
            "origin-no-scheme", option, f"{shown} has no scheme.",
            f"write {suggest_origin(value)!r} (or the http:// form for plain HTTP).",
        )]
    scheme, rest = value.split("://", 1)
    for char, what in (("/", "a path or trailing slash"), ("?", "a query"),
                       ("#", "a fragment"), ("@", "user information")):
        if char in rest:
            return None, [Problem(
                "origin-not-serialized", option,
                f"{shown} has {what}; browsers send only scheme://host[:port].",
                f"write {suggest_origin(value)!r}.",
            )]
    problems: list[Problem] = []
    if _SCHEME.fullmatch(scheme) is None:
        problems.append(Problem(
            "origin-scheme", option, f"{shown} has an invalid or upper-case scheme.",
            f"write {scheme.lower() + '://' + rest!r}.",
        ))
    host, port = _split_host_port(rest)
    problems += _check_port(value, scheme, port, option)
    problems += _check_host(value, host, option)
    if problems:
        return None, problems
    rule = OriginRule(value, scheme, host, port)
    if credentials:
        problems += check_credentialed(rule, option, insecure_ok)
    return (None if problems else rule), problems


def _split_host_port(rest: str) -> tuple[str, str | None]:
    if rest.startswith("["):
        end = rest.find("]")
        if end != -1 and rest[end + 1:].startswith(":"):
            return rest[: end + 1], rest[end + 2:]
        return rest, None
    if ":" in rest:
        host, port = rest.rsplit(":", 1)
        return host, port
    return rest, None


def _check_port(value: str, scheme: str, port: str | None, option: str) -> list[Problem]:
    if port is None or port == "*":
        return []
    # isdigit() alone accepts '²' and Arabic-Indic digits, which int() rejects or
    # browsers never send: only ASCII digits make a port.
    if not (port.isascii() and port.isdigit()) or port.startswith("0") or int(port) > 65535:
        return [Problem(
            "origin-port", option, f"{value!r} has an invalid port {port!r}.",
            "use a number from 1 to 65535, or '*' for any port.",
        )]
    if DEFAULT_PORTS.get(scheme) == port:
        return [Problem(
            "origin-default-port", option,
            f"{value!r} names the default port; browsers omit it, so this never matches.",
            f"write {value[: -len(port) - 1]!r}.",
        )]
    return []


def _check_host(value: str, host: str, option: str) -> list[Problem]:
    bare = host[2:] if host.startswith("*.") else host
    if not host.isascii():
        return [Problem(
            "origin-not-punycode", option,
            f"{value!r} has a non-ASCII host; browsers send IDN hosts in punycode.",
            f"write {suggest_origin(value)!r}.",
        )]
    if host != host.lower():
        return [Problem(
            "origin-uppercase", option,
            f"{value!r} has upper-case letters; browsers send lower case, so it never matches.",
            f"write {value.lower()!r}.",
        )]
    if not host:
        return [Problem(
            "origin-host", option, f"{value!r} has no host.",
            "write the full origin, e.g. 'https://app.example.com'.",
        )]
    if "*" in bare or (host.startswith("*") and not host.startswith("*.")) or not bare:
        return [Problem(
            "origin-wildcard", option,
            f"{value!r}: '*' may only stand for the leftmost label(s) of a host "
            "('https://*.example.com') or for the port ('http://localhost:*').",
            f"write {suggest_pattern(value)!r} for its subdomains, or a regex "
            "(allow_origin_regex) for anything else.",
        )]
    if _HOST.fullmatch(bare) is None:
        return [Problem(
            "origin-host", option, f"{value!r} has an invalid host {host!r}.",
            "use a DNS name, an IPv4 address or a bracketed IPv6 address.",
        )]
    return []


def check_credentialed(
    rule: OriginRule, option: str, insecure_ok: bool, *, regex: bool = False
) -> list[Problem]:
    """The problems of allowing *rule* together with credentials.

    *regex* says the rule stands for a regex (its text is the regex): the messages
    then name the regex and the hints a pattern that works.
    """
    problems: list[Problem] = []
    bare = rule.host[2:] if rule.host.startswith("*.") else rule.host
    # A regex is shown as written in source (r'...'); see wsgicors.regexes.shown.
    shown = f"regex r'{rule.text}'" if regex and "'" not in rule.text else repr(rule.text)
    if rule.scheme == "http" and not insecure_ok and not is_loopback_host(bare):
        secure = rule.text.replace("http://", "https://", 1) if not regex else (
            f"https://{rule.host}"
        )
        problems.append(Problem(
            "origin-insecure", option,
            f"{shown} allows plain http with allow_credentials: anyone on the network "
            "path can inject script into that origin and read credentialed responses.",
            f"use {secure!r}, or pass dangerously_allow_insecure_origins=True.",
        ))
    if rule.host.startswith("*.") and not is_loopback_host(bare) and covers_public_suffix(bare):
        problems.append(Problem(
            "origin-public-suffix", option,
            f"{shown} covers a public suffix under {bare!r}: anyone can register a "
            "site there and read credentialed responses.",
            "list your own domains instead ('https://*.yourcompany.example'), or the "
            "exact origins you trust.",
        ))
    return problems


def compile_rules(rules: list[OriginRule]) -> re.Pattern[str] | None:
    """One full-match pattern for all non-exact rules (None if there are none)."""
    patterns = [f"(?:{rule.regex()})" for rule in rules if not rule.is_exact]
    return re.compile("|".join(patterns)) if patterns else None
